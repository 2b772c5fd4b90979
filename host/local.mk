# What more than one program does on the host: the sandbox registry and its
# paths (msb_home, sandbox), helper lookup, disks, spawning with
# credentials, the host key, authorized keys and from= matching. A libtool
# convenience library: the programs link it, and libmsb takes its PIC
# objects, so nothing here is compiled twice. Hidden visibility keeps it
# out of libmsb's exported symbols.
noinst_LTLIBRARIES += host/libmsbhost.la
host_libmsbhost_la_SOURCES = \
	host/msb_home.c host/msb_home.h \
	host/helpers.c host/helpers.h \
	host/sandbox.c host/sandbox.h \
	host/disk.c host/disk.h \
	host/authkeys.c host/authkeys.h \
	host/from_match.c host/from_match.h \
	host/hostkey.c host/hostkey.h \
	host/preauth_env.c host/preauth_env.h \
	host/spawn.c host/spawn.h
host_libmsbhost_la_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS) -DPKGLIBEXECDIR='"$(pkglibexecdir)"'
host_libmsbhost_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
