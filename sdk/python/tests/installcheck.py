"""make installcheck: the installed msb package loads the installed libmsb.

    python3 installcheck.py PKGDIR LIBDIR

PKGDIR is where the package must have been imported from, LIBDIR where
libmsb was installed; MSB_HOME must be an empty directory.
"""
import sys

import msb
import msb._libpath

pkgdir, libdir = sys.argv[1:3]
assert msb.__file__.startswith(pkgdir), "imported %s, not from %s" % (msb.__file__, pkgdir)
assert msb._libpath.LIBMSB == libdir + "/libmsb.so.0", msb._libpath.LIBMSB
try:
    msb.Sandbox("no-such-box")
except msb.NoSandboxError as e:
    assert "no-such-box" in str(e), str(e)
else:
    sys.exit("Sandbox('no-such-box') did not raise NoSandboxError")
print("installcheck-python: %s loads %s" % (msb.__file__, msb._libpath.LIBMSB))
