#!/bin/bash
# msb-sftp-server's request policy at the packet level, side by side with
# OpenSSH's sftp-server: -Q requests lists the same names; for every
# request name, -P NAME answers that request SSH_FX_PERMISSION_DENIED and
# the session goes on, -p NAME (with what NAME needs) lets it through and
# refuses the rest, and -R refuses the writes (OPEN by its flags); each
# reply and the advertised extensions are the same as sftp-server's. An
# unknown name in a list is refused at startup.
. "$(dirname "$0")/../lib.sh"
need_cmd python3
server=$MSB_SFTP_SERVER
ref=/usr/lib/openssh/sftp-server
[ -x "$ref" ] || skip "no OpenSSH sftp-server at $ref"
[ -x "$server" ] || die "$server not built"

"$server" -Q requests > "$TMP/ours" 2>&1
"$ref" -Q requests > "$TMP/theirs" 2>&1
check "-Q requests lists sftp-server's names in its order" cmp -s "$TMP/ours" "$TMP/theirs"
check_eq "-Q requests lists 29 names" 29 "$(wc -l < "$TMP/ours")"
"$server" -Q nonsense > "$TMP/out" 2>&1; rc=$?
check_sh "-Q with another query fails as sftp-server's does" '[ $rc = 1 ] && grep -qx "Invalid query type" "$TMP/out"'
for bad in "-P bogus" "-p open,bogus" "-p ''" "-P open,,read"; do
	eval "\"$server\" $bad" < /dev/null > "$TMP/out" 2>&1; rc=$?
	check_sh "$bad: refused at startup (exit $rc)" '[ $rc = 1 ] && grep -q "request" "$TMP/out"'
done
eval "\"$server\" -P open -P read" < /dev/null > "$TMP/out" 2>&1; rc=$?
check_sh "a second -P is refused, as sftp-server refuses it" '[ $rc = 1 ] && grep -q "already set" "$TMP/out"'

check "every request, denied, allowed and read-only, as sftp-server answers it" \
	env PYTHONPATH="$MSB_SRCDIR/regress" PYTHONDONTWRITEBYTECODE=1 timeout 120 python3 - "$server" "$ref" "$TMP" <<'EOF_PY'
import os, shutil, struct, subprocess, sys
from sftp_check import check, done, s

server, ref, work = sys.argv[1], sys.argv[2], sys.argv[3]

u32 = lambda v: struct.pack(">I", v)
u64 = lambda v: struct.pack(">Q", v)
NOATTRS = u32(0)
PERM644 = u32(4) + u32(0o644)
TIMES = u32(8) + u32(946684800) + u32(946684800)
READ, WRITE_CREAT = 0x01, 0x02 | 0x08 | 0x10
DENIED = 3

class Conn:
    def __init__(self, prog, args, cwd):
        env = dict(os.environ, HOME=cwd)
        self.p = subprocess.Popen([prog] + args, stdin=subprocess.PIPE,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                                  cwd=cwd, env=env)
        self.id = 0
        self.send(bytes([1]) + u32(3))
        r = self.recv()
        off, self.exts = 5, []
        while off < len(r):
            n = struct.unpack(">I", r[off:off+4])[0]; name = r[off+4:off+4+n]; off += 4 + n
            n = struct.unpack(">I", r[off:off+4])[0]; off += 4 + n
            self.exts.append(name.decode())

    def send(self, body):
        self.p.stdin.write(struct.pack(">I", len(body)) + body)
        self.p.stdin.flush()

    def recv(self):
        hdr = self.p.stdout.read(4)
        assert len(hdr) == 4, "server closed"
        return self.p.stdout.read(struct.unpack(">I", hdr)[0])

    def req(self, t, payload=b""):
        self.id += 1
        self.send(bytes([t]) + u32(self.id) + payload)
        r = self.recv()
        assert struct.unpack(">I", r[1:5])[0] == self.id, "reply id"
        return r

    def close(self):
        self.p.stdin.close()
        self.p.stdout.read()
        return self.p.wait(timeout=10)

def outcome(r):
    """What a reply says, without what differs between two hosts' files."""
    return ("status", struct.unpack(">I", r[5:9])[0]) if r[0] == 101 else ("reply", r[0])

def handle_of(r):
    if r[0] != 102:
        return b"\0" * 8  # an invalid handle: the step that needs it fails alike
    n = struct.unpack(">I", r[5:9])[0]
    return r[9:9+n]

def ext(name, payload=b""):
    return (200, s(name) + payload)

# Per request: the steps before it (their replies are compared too) and the
# request itself, as functions of the handles the steps returned.
def open_f(flags=READ, path="f"):
    return (3, s(path) + u32(flags) + NOATTRS)

SCRIPTS = {
    "open": ([], lambda h: open_f()),
    "close": ([open_f()], lambda h: (4, s(h[0]))),
    "read": ([open_f()], lambda h: (5, s(h[0]) + u64(0) + u32(100))),
    "write": ([open_f(WRITE_CREAT, "w")], lambda h: (6, s(h[0]) + u64(0) + s("x"))),
    "lstat": ([], lambda h: (7, s("l"))),
    "fstat": ([open_f()], lambda h: (8, s(h[0]))),
    "setstat": ([], lambda h: (9, s("f") + PERM644)),
    "fsetstat": ([open_f()], lambda h: (10, s(h[0]) + PERM644)),
    "opendir": ([], lambda h: (11, s("d"))),
    "readdir": ([(11, s("d"))], lambda h: (12, s(h[0]))),
    "remove": ([], lambda h: (13, s("r"))),
    "mkdir": ([], lambda h: (14, s("m") + NOATTRS)),
    "rmdir": ([], lambda h: (15, s("e"))),
    "realpath": ([], lambda h: (16, s("."))),
    "stat": ([], lambda h: (17, s("f"))),
    "rename": ([], lambda h: (18, s("f2") + s("f3"))),
    "readlink": ([], lambda h: (19, s("l"))),
    "symlink": ([], lambda h: (20, s("f") + s("sl"))),
    "posix-rename": ([], lambda h: ext("posix-rename@openssh.com", s("f4") + s("f5"))),
    "statvfs": ([], lambda h: ext("statvfs@openssh.com", s("."))),
    "fstatvfs": ([open_f()], lambda h: ext("fstatvfs@openssh.com", s(h[0]))),
    "hardlink": ([], lambda h: ext("hardlink@openssh.com", s("f") + s("hl"))),
    "fsync": ([open_f(WRITE_CREAT, "w2")], lambda h: ext("fsync@openssh.com", s(h[0]))),
    "lsetstat": ([], lambda h: ext("lsetstat@openssh.com", s("l") + TIMES)),
    "limits": ([], lambda h: ext("limits@openssh.com")),
    "expand-path": ([], lambda h: ext("expand-path@openssh.com", s("~/d"))),
    "copy-data": ([open_f(), open_f(WRITE_CREAT, "c")],
                  lambda h: ext("copy-data", s(h[0]) + u64(0) + u64(0) + s(h[1]) + u64(0))),
    "home-directory": ([], lambda h: ext("home-directory", s("root"))),
    "users-groups-by-id": ([], lambda h: ext("users-groups-by-id@openssh.com", s(u32(0)) + s(u32(0)))),
}
# What each request's steps need besides the request itself.
NEEDS = {"close": ["open"], "read": ["open"], "write": ["open"], "fstat": ["open"],
         "fsetstat": ["open"], "readdir": ["opendir"], "fstatvfs": ["open"],
         "fsync": ["open"], "copy-data": ["open"]}

names = open(os.path.join(work, "ours")).read().split()
check("every request name has a script", sorted(names) == sorted(SCRIPTS), set(names) ^ set(SCRIPTS))

def fresh_tree(tag):
    d = os.path.join(work, tag)
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(os.path.join(d, "d"))
    os.mkdir(os.path.join(d, "e"))
    for f in ("f", "f2", "f4", "r"):
        open(os.path.join(d, f), "w").write("hello\n")
    os.symlink("f", os.path.join(d, "l"))
    return d

def run(prog, args, name, tag, extra):
    """Replies to name's steps, name, then the extra requests, and the VERSION extensions."""
    c = Conn(prog, args, fresh_tree("tree-" + tag))
    steps, make = SCRIPTS[name]
    handles, out = [], []
    for t, p in steps:
        r = c.req(t, p)
        out.append(outcome(r))
        handles.append(handle_of(r))
    out.append(outcome(c.req(*make(handles))))
    for t, p in extra:
        out.append(outcome(c.req(t, p)))
    exts = c.exts
    rc = c.close()
    return out, exts, rc

def other_than(avoid):
    """A harmless request whose name is not in avoid, with that name."""
    for n, req in (("stat", (17, s("f"))), ("lstat", (7, s("f"))),
                   ("readlink", (19, s("l"))), ("realpath", (16, s(".")))):
        if n not in avoid:
            return n, req

def same(label, args, name, extra):
    ours = run(server, args, name, "ours", extra)
    theirs = run(ref, args, name, "theirs", extra)
    check(label + ": the same replies as sftp-server", ours[0] == theirs[0], (ours[0], theirs[0]))
    check(label + ": the same extensions advertised", ours[1] == theirs[1], (ours[1], theirs[1]))
    check(label + ": the session ends cleanly", ours[2] == 0, ours[2])
    return ours

for name in names:
    nsteps = len(SCRIPTS[name][0])
    nxt_name, nxt = other_than([name])
    out, exts, _ = same("-P " + name, ["-P", name], name, [nxt])
    check("-P %s: %s is refused with permission denied" % (name, name),
          out[nsteps] == ("status", DENIED), out)
    check("-P %s: then %s still works" % (name, nxt_name), out[nsteps + 1][0] == "reply", out)
    allow = [name] + NEEDS.get(name, [])
    out_name, out_req = other_than(allow)
    out, exts, _ = same("-p " + ",".join(allow), ["-p", ",".join(allow)], name, [out_req])
    check("-p %s: %s is let through" % (",".join(allow), name), out[nsteps] != ("status", DENIED), out)
    check("-p %s: %s is refused" % (",".join(allow), out_name), out[nsteps + 1] == ("status", DENIED), out)

# -R: the write-marked requests and OPEN for writing (which write, fsync
# and copy-data need first) are refused, nothing else.
writes = {"write", "setstat", "fsetstat", "remove", "mkdir", "rmdir", "rename",
          "symlink", "posix-rename", "hardlink", "fsync", "lsetstat", "copy-data"}
refused = set()
for name in names:
    out, _, _ = same("-R " + name, ["-R"], name, [])
    if ("status", DENIED) in out:
        refused.add(name)
    if name == "write":
        check("-R: OPEN for writing is refused", out[0] == ("status", DENIED), out)
    if name == "open":
        check("-R: OPEN for reading is not", out[0] == ("reply", 102), out)
check("-R refuses exactly the writes", refused == writes, sorted(refused ^ writes))
done()
EOF_PY
done_testing
