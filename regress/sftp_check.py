"""What the packet-level SFTP tests (regress/integration/sftp_*.sh) share:
lib.sh's check convention for Python ("ok: NAME", "FAIL: NAME DETAIL", and
an exit status that says whether any failed) and the SFTP string."""
import struct
import sys

failed = False


def check(name, cond, detail=""):
    global failed
    print(("ok: " if cond else "FAIL: ") + name + ("" if cond else " " + str(detail)))
    if not cond:
        failed = True


def done():
    sys.exit(1 if failed else 0)


def s(b):
    """An SFTP string: uint32 length, then the bytes (str is UTF-8)."""
    if isinstance(b, str):
        b = b.encode()
    return struct.pack(">I", len(b)) + b
