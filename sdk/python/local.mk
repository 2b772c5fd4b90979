# The msb Python package (ctypes over libmsb), installed where Debian's
# python3 imports it for the prefix (msbpythondir, from configure).
# _libpath.py names the installed libmsb; make writes it, not configure,
# so `make prefix=...` and distcheck's prefix reach it.
msbpkgdir = $(msbpythondir)/msb
dist_msbpkg_DATA = \
	sdk/python/msb/__init__.py \
	sdk/python/msb/_handle.py \
	sdk/python/msb/_lib.py \
	sdk/python/msb/client.py \
	sdk/python/msb/errors.py \
	sdk/python/msb/sandbox.py \
	sdk/python/msb/server.py \
	sdk/python/msb/sftp.py
nodist_msbpkg_DATA = sdk/python/msb/_libpath.py
EXTRA_DIST += sdk/python/msb/_libpath.py.in sdk/python/tests sdk/python/README.md \
	sdk/python/examples/exec.py sdk/python/bench/exec.py
CLEANFILES += sdk/python/msb/_libpath.py

sdk/python/msb/_libpath.py: $(srcdir)/sdk/python/msb/_libpath.py.in Makefile
	$(AM_V_GEN)$(MKDIR_P) sdk/python/msb && \
	sed -e 's|@libdir[@]|$(libdir)|g' $(srcdir)/sdk/python/msb/_libpath.py.in >$@.tmp && \
	mv $@.tmp $@

# The installed package loads the installed library, imported by the
# python3 configure found: from its own search path when the prefix is one
# Debian's python3 searches, else through PYTHONPATH.
installcheck-local: installcheck-python
installcheck-python:
	@if test -z "$(PYTHON3)"; then echo "installcheck-python: no python3, not checked"; exit 0; fi; \
	case "$(DESTDIR)$(prefix)" in /usr|/usr/local) pp= ;; *) pp="$(DESTDIR)$(msbpythondir)" ;; esac; \
	home=$$(mktemp -d) && \
	(cd / && env -u MSB_LIBMSB PYTHONPATH="$$pp" PYTHONDONTWRITEBYTECODE=1 MSB_HOME="$$home" \
	  $(PYTHON3) "$(abs_srcdir)/sdk/python/tests/installcheck.py" \
	  "$(DESTDIR)$(msbpythondir)/msb/" "$(libdir)"); rc=$$?; rm -rf "$$home"; exit $$rc
.PHONY: installcheck-python

# Python writes bytecode next to an imported package; it is not ours to
# leave behind.
uninstall-hook:
	rm -rf "$(DESTDIR)$(msbpkgdir)/__pycache__"
	rmdir "$(DESTDIR)$(msbpkgdir)" 2>/dev/null || :
