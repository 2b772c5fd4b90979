# libmsb: the public C API of include/msb/msb.h, installed as a shared
# library with msb.pc. Only the msb_* calls of the header are exported.
API_SOURCES = \
	lib/api/api.h \
	lib/api/status.c \
	lib/api/sandbox.c \
	lib/api/spawn_monitor.c \
	lib/api/client.c \
	lib/api/run.c \
	lib/api/exec.c \
	lib/api/attach.c \
	lib/api/detach.c \
	lib/api/sftp.c \
	lib/api/server.c
API_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS) \
	-DPKGLIBEXECDIR='"$(pkglibexecdir)"'

# The calls themselves: a convenience library, which libmsb and the msb
# command both link, so they are compiled once.
noinst_LTLIBRARIES += lib/api/libmsbapi.la
lib_api_libmsbapi_la_SOURCES = $(API_SOURCES)
lib_api_libmsbapi_la_CPPFLAGS = $(API_CPPFLAGS)
lib_api_libmsbapi_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden

# Nothing of its own to compile: the calls and what they use are the
# convenience libraries below.
lib_LTLIBRARIES = lib/libmsb.la
lib_libmsb_la_SOURCES =
# current:revision:age of the library interface (libtool's rules, not the package version).
lib_libmsb_la_LDFLAGS = -version-info 0:0:0 $(NO_UNDEFINED) $(AM_LDFLAGS)
lib_libmsb_la_LIBADD = lib/api/libmsbapi.la host/libmsbhost.la lib/libmsbcore.la $(LIBSSH_LIBS) -lpthread

msbincludedir = $(includedir)/msb
msbinclude_HEADERS = include/msb/msb.h
pkgconfigdir = $(libdir)/pkgconfig
pkgconfig_DATA = lib/api/msb.pc
EXTRA_DIST += lib/api/msb.pc.in

# The example builds against the installed library as a user would build
# it (make installcheck, and so make distcheck).
EXTRA_DIST += examples/msb-exec.c
installcheck-local:
	PKG_CONFIG_PATH="$(DESTDIR)$(libdir)/pkgconfig" && export PKG_CONFIG_PATH && \
	$(CC) -Wall -Wextra -Werror -o examples-msb-exec $(srcdir)/examples/msb-exec.c \
	  $$(pkg-config --cflags --libs msb) -Wl,-rpath,$(DESTDIR)$(libdir) && \
	./examples-msb-exec --help && ./examples-msb-exec no-such-box true; \
	test $$? -eq 255 && rm -f examples-msb-exec
