#!/bin/bash
# msb-sftp-server at the packet level, side by side with OpenSSH's
# sftp-server where one is installed: VERSION and its extensions, READDIR
# long names, each extension's reply, OpenSSH's SYMLINK order, RENAME not
# replacing, unknown and malformed requests, the handle limit, and clean
# ends on hostile input (oversized length, request before INIT, EOF inside
# a packet).
. "$(dirname "$0")/../lib.sh"
need_cmd python3
[ -x "$MSB_SFTP_SERVER" ] || die "$MSB_SFTP_SERVER not built"
ref=/usr/lib/openssh/sftp-server
[ -x "$ref" ] || ref=

check "every packet-level case above" \
	env PYTHONPATH="$MSB_SRCDIR/regress" PYTHONDONTWRITEBYTECODE=1 timeout 60 python3 - "$MSB_SFTP_SERVER" "$TMP" "$ref" <<'EOF_PY'
import os, struct, subprocess, sys
from sftp_check import check, done, s

server, work, ref = sys.argv[1], sys.argv[2], sys.argv[3]

class Conn:
    def __init__(self, prog, home=None):
        env = dict(os.environ)
        if home:
            env["HOME"] = home
        self.p = subprocess.Popen([prog], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  cwd=work, env=env)
        self.id = 0

    def send_raw(self, data):
        self.p.stdin.write(data)
        self.p.stdin.flush()

    def send(self, body):
        self.send_raw(struct.pack(">I", len(body)) + body)

    def recv(self):
        hdr = self.p.stdout.read(4)
        if len(hdr) < 4:
            return None
        n = struct.unpack(">I", hdr)[0]
        return self.p.stdout.read(n)

    def init(self):
        self.send(bytes([1]) + struct.pack(">I", 3))
        return parse_version(self.recv())

    def req(self, t, payload=b""):
        self.id += 1
        self.send(bytes([t]) + struct.pack(">I", self.id) + payload)
        r = self.recv()
        assert struct.unpack(">I", r[1:5])[0] == self.id, "reply id"
        return r

    def ext(self, name, payload=b""):
        return self.req(200, s(name) + payload)

    def close(self):
        self.p.stdin.close()
        rest = self.p.stdout.read()
        return self.p.wait(timeout=10), rest

def parse_version(r):
    assert r[0] == 2
    ver = struct.unpack(">I", r[1:5])[0]
    off, exts = 5, []
    while off < len(r):
        n = struct.unpack(">I", r[off:off+4])[0]; name = r[off+4:off+4+n]; off += 4 + n
        n = struct.unpack(">I", r[off:off+4])[0]; v = r[off+4:off+4+n]; off += 4 + n
        exts.append((name.decode(), v.decode()))
    return ver, exts

def status(r):
    return struct.unpack(">I", r[5:9])[0] if r[0] == 101 else None

def handle(r):
    assert r[0] == 102, r
    n = struct.unpack(">I", r[5:9])[0]
    return r[9:9+n]

def names(r):
    assert r[0] == 104, r
    count = struct.unpack(">I", r[5:9])[0]
    off, out = 9, []
    for _ in range(count):
        n = struct.unpack(">I", r[off:off+4])[0]; name = r[off+4:off+4+n]; off += 4 + n
        n = struct.unpack(">I", r[off:off+4])[0]; ln = r[off+4:off+4+n]; off += 4 + n
        flags = struct.unpack(">I", r[off:off+4])[0]; off += 4
        for bit, size in ((1, 8), (2, 8), (4, 4), (8, 8)):
            if flags & bit:
                off += size
        out.append((name.decode(), ln.decode()))
    return out

def listing(conn, path):
    h = handle(conn.req(11, s(path)))
    out = []
    while True:
        r = conn.req(12, s(h))
        if r[0] == 101:
            check("READDIR ends with EOF", status(r) == 1, status(r))
            break
        out += names(r)
    check("CLOSE of a directory handle", status(conn.req(4, s(h))) == 0)
    return sorted(out)

# A directory with every kind of entry.
d = os.path.join(work, "d")
os.mkdir(d)
open(os.path.join(d, "file"), "w").write("12345")
os.symlink("file", os.path.join(d, "link"))
os.mkfifo(os.path.join(d, "fifo"))
os.mkdir(os.path.join(d, "sub"), 0o1750)
os.utime(os.path.join(d, "file"), (946684800, 946684800))
os.chown(os.path.join(d, "file"), 65534, 65534) if os.getuid() == 0 else None

c = Conn(server, home=work)
ver, exts = c.init()
check("VERSION 3", ver == 3, ver)
want_exts = [("posix-rename@openssh.com", "1"), ("statvfs@openssh.com", "2"),
             ("fstatvfs@openssh.com", "2"), ("hardlink@openssh.com", "1"),
             ("fsync@openssh.com", "1"), ("lsetstat@openssh.com", "1"),
             ("limits@openssh.com", "1"), ("expand-path@openssh.com", "1"),
             ("copy-data", "1"), ("home-directory", "1"),
             ("users-groups-by-id@openssh.com", "1")]
check("all extensions advertised", exts == want_exts, exts)

mine = listing(c, d)
check("READDIR returns every entry", [n for n, _ in mine] == [".", "..", "fifo", "file", "link", "sub"], mine)
if ref:
    r = Conn(ref)
    rver, rexts = r.init()
    check("same extensions as OpenSSH's sftp-server", rexts == exts, rexts)
    theirs = listing(r, d)
    check("long names identical to OpenSSH's", mine == theirs, (mine, theirs))
    r.close()

# limits@openssh.com
lim = c.ext("limits@openssh.com")
check("limits is an EXTENDED_REPLY", lim[0] == 201)
pkt, rd, wr, nh = struct.unpack(">QQQQ", lim[5:37])
check("limits advertise 256 KiB packets and large reads/writes",
      pkt == 262144 and rd >= 256 * 1024 - 1024 and wr >= 256 * 1024 - 1024 and nh > 0, (pkt, rd, wr, nh))

# READ clamps an oversized length and reports EOF past the end.
h = handle(c.req(3, s(d + "/file") + struct.pack(">II", 1, 0)))
r = c.req(5, s(h) + struct.pack(">QI", 1, 0xffffffff))
check("READ returns DATA", r[0] == 103 and r[9:] == b"2345", r)
check("READ past the end is EOF", status(c.req(5, s(h) + struct.pack(">QI", 100, 10))) == 1)
check("WRITE on a read-only handle fails", status(c.req(6, s(h) + struct.pack(">Q", 0) + s("x"))) not in (0, None))
check("fsync@openssh.com", status(c.ext("fsync@openssh.com", s(h))) == 0)
fv = c.ext("fstatvfs@openssh.com", s(h))
check("fstatvfs@openssh.com", fv[0] == 201 and len(fv) == 5 + 11 * 8, fv[:9])
check("CLOSE", status(c.req(4, s(h))) == 0)
check("CLOSE twice is an error", status(c.req(4, s(h))) == 4)
check("READ on a closed handle is an error", status(c.req(5, s(h) + struct.pack(">QI", 0, 10))) == 4)
check("forged handle is rejected", status(c.req(5, s(b"\0" * 8) + struct.pack(">QI", 0, 10))) == 4)

# OpenSSH's SYMLINK order: target, then link path.
check("SYMLINK", status(c.req(20, s("file") + s(d + "/link2"))) == 0)
check("SYMLINK made link2 -> file", os.readlink(d + "/link2") == "file")
rl = c.req(19, s(d + "/link2"))
check("READLINK", names(rl)[0][0] == "file", rl)

# RENAME must not replace; posix-rename does.
open(d + "/a", "w").write("a")
open(d + "/b", "w").write("b")
check("RENAME onto an existing file fails", status(c.req(18, s(d + "/a") + s(d + "/b"))) == 4)
check("...and leaves both", open(d + "/b").read() == "b" and os.path.exists(d + "/a"))
check("posix-rename replaces", status(c.ext("posix-rename@openssh.com", s(d + "/a") + s(d + "/b"))) == 0
      and open(d + "/b").read() == "a" and not os.path.exists(d + "/a"))
check("hardlink@openssh.com", status(c.ext("hardlink@openssh.com", s(d + "/b") + s(d + "/b2"))) == 0
      and os.stat(d + "/b").st_ino == os.stat(d + "/b2").st_ino)
check("lsetstat refuses a size", status(c.ext("lsetstat@openssh.com", s(d + "/link") + struct.pack(">IQ", 1, 0))) == 5)
check("lsetstat sets a link's times", status(c.ext("lsetstat@openssh.com", s(d + "/link") + struct.pack(">III", 8, 1000, 2000))) == 0
      and os.lstat(d + "/link").st_mtime == 2000 and os.stat(d + "/file").st_mtime == 946684800)

# copy-data between two handles, and refusal to copy a file onto itself.
src = handle(c.req(3, s(d + "/file") + struct.pack(">II", 1, 0)))
dst = handle(c.req(3, s(d + "/copy") + struct.pack(">II", 2 | 8 | 16, 0)))
check("copy-data", status(c.ext("copy-data", s(src) + struct.pack(">QQ", 0, 0) + s(dst) + struct.pack(">Q", 0))) == 0
      and open(d + "/copy").read() == "12345")
check("copy-data onto the same handle fails", status(c.ext("copy-data", s(src) + struct.pack(">QQ", 0, 0) + s(src) + struct.pack(">Q", 0))) == 4)
c.req(4, s(src)); c.req(4, s(dst))

# Paths.
rp = names(c.req(16, s(d + "/sub/../nosuch")))
check("REALPATH resolves .. and allows a missing last component", rp[0][0] == d + "/nosuch", rp)
check("REALPATH of a missing directory fails", status(c.req(16, s(d + "/nosuch/x"))) == 2)
check("REALPATH follows symlinks", names(c.req(16, s(d + "/link")))[0][0] == d + "/file")
check("expand-path ~", names(c.ext("expand-path@openssh.com", s("~")))[0][0] == work)
check("expand-path ~/d/sub", names(c.ext("expand-path@openssh.com", s("~/d/sub")))[0][0] == d + "/sub")
check("expand-path ~nosuchuser fails", status(c.ext("expand-path@openssh.com", s("~nosuchuser-x/y"))) == 2)
check("home-directory of the session", names(c.ext("home-directory", s("")))[0][0] == work)
check("home-directory of root", names(c.ext("home-directory", s("root")))[0][0] == "/root")
ug = c.ext("users-groups-by-id@openssh.com", s(struct.pack(">II", 0, 4000000000)) + s(struct.pack(">I", 0)))
check("users-groups-by-id", ug[0] == 201 and ug[5:] == s(s("root") + s("")) + s(s("root")), ug)
sv = c.ext("statvfs@openssh.com", s(d))
check("statvfs@openssh.com", sv[0] == 201 and struct.unpack(">Q", sv[5:13])[0] > 0)
st = c.req(17, s(d + "/nosuch"))
check("STAT of a missing file is NO_SUCH_FILE", status(st) == 2)
check("MKDIR of an existing directory is FAILURE", status(c.req(14, s(d + "/sub") + struct.pack(">I", 0))) == 4)
check("RMDIR of a non-empty directory is FAILURE", status(c.req(15, s(d))) == 4)
check("OPEN of a missing file is NO_SUCH_FILE", status(c.req(3, s(d + "/nosuch") + struct.pack(">II", 1, 0))) == 2)
check("overlong path is refused", status(c.req(17, s("/" + "x" * 5000))) == 5)

# Unknown and malformed requests get a status; the session goes on.
check("unknown type is OP_UNSUPPORTED", status(c.req(99, b"whatever")) == 8)
check("unknown extension is OP_UNSUPPORTED", status(c.ext("nosuch@example.com", b"x")) == 8)
check("truncated OPEN is BAD_MESSAGE", status(c.req(3, struct.pack(">I", 100) + b"ab")) == 5)
check("NUL in a path is BAD_MESSAGE", status(c.req(17, s(b"/etc\0/passwd"))) == 5)
check("bad users-groups list is BAD_MESSAGE", status(c.ext("users-groups-by-id@openssh.com", s(b"abc") + s(b""))) == 5)

# The handle table is bounded, and handles come back after CLOSE.
hs = []
while len(hs) < 1000:
    r = c.req(3, s(d + "/file") + struct.pack(">II", 1, 0))
    if r[0] != 102:
        check("handle limit answered with FAILURE", status(r) == 4, r)
        break
    hs.append(handle(r))
check("handle limit is bounded", 16 <= len(hs) < 1000, len(hs))
for h in hs:
    c.req(4, s(h))
check("handles reusable after close", c.req(3, s(d + "/file") + struct.pack(">II", 1, 0))[0] == 102)

# Many pipelined requests are all answered, in order.
c.send_raw(b"".join(struct.pack(">I", 10) + bytes([17]) + struct.pack(">I", 10000 + i) + s("/") for i in range(2000)))
ids = [struct.unpack(">I", c.recv()[1:5])[0] for i in range(2000)]
check("2000 pipelined requests answered in order", ids == list(range(10000, 12000)))

rc, rest = c.close()
check("clean EOF ends with status 0", rc == 0 and rest == b"", rc)

def hostile(name, data, init=True):
    h = Conn(server)
    if init:
        h.init()
    try:
        h.send_raw(data)
    except BrokenPipeError:
        pass
    rc, _ = h.close()
    check(name + ": server exits without a signal", rc in (0, 1), rc)

hostile("oversized packet length", struct.pack(">I", 0x7fffffff) + b"x" * 100)
hostile("zero packet length", struct.pack(">I", 0))
hostile("request before INIT", struct.pack(">I", 10) + bytes([17]) + struct.pack(">I", 1) + s("/"), init=False)
hostile("EOF inside a packet", struct.pack(">I", 1000) + b"partial")
hostile("garbage", os.urandom(3000))
done()
EOF_PY
done_testing
