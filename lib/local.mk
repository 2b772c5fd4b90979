# Shared by host tools, libmsb and the guest agent, so it must link
# statically and depend on nothing but libc. A libtool convenience library,
# compiled once: the programs, the unit tests and the fuzz targets link its
# archive (lib/.libs/libmsbcore.a), libmsb takes its PIC objects. Hidden
# visibility keeps it out of libmsb's exported symbols; in a program, static
# or not, it changes nothing.
noinst_LTLIBRARIES += lib/libmsbcore.la
lib_libmsbcore_la_SOURCES = \
	lib/log.c lib/log.h \
	lib/buf.c lib/buf.h \
	lib/frame.c lib/frame.h \
	lib/ssh_cert.c lib/ssh_cert.h \
	lib/mux_proto.c lib/mux_proto.h \
	lib/monitor_proto.c lib/monitor_proto.h \
	lib/agent_proto.c lib/agent_proto.h \
	lib/agent_io.c lib/agent_io.h \
	lib/clock.c lib/clock.h \
	lib/relay.c lib/relay.h \
	lib/signals.c lib/signals.h \
	lib/mem_trim.c lib/mem_trim.h \
	lib/agent_client.c lib/agent_client.h \
	lib/hybrid_vsock.c lib/hybrid_vsock.h \
	lib/safe_file.c lib/safe_file.h \
	lib/kv_file.c lib/kv_file.h \
	lib/capped_log.c lib/capped_log.h lib/env_number.c lib/env_number.h \
	lib/rlimit.c lib/rlimit.h \
	lib/strict_modes.c lib/strict_modes.h \
	lib/sftp_policy.c lib/sftp_policy.h \
	lib/cast.c lib/cast.h \
	lib/fd_send.c lib/fd_send.h
lib_libmsbcore_la_CFLAGS = $(AM_CFLAGS) -fvisibility=hidden
