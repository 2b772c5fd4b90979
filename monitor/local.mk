# The SSH server's privileged side: the listener of `msb ssh serve` and the
# per-connection monitor (msb-monitor).
noinst_LIBRARIES += monitor/libmsbmonitor.a
monitor_libmsbmonitor_a_SOURCES = \
	monitor/cert_auth.c monitor/cert_auth.h \
	monitor/cert_policy.c monitor/cert_policy.h \
	monitor/cert_verify.c monitor/cert_verify.h \
	monitor/tenant_keys.c monitor/tenant_keys.h \
	monitor/listener.c monitor/listener.h \
	monitor/idle_stop.c monitor/idle_stop.h \
	monitor/serve_limits.c monitor/serve_limits.h \
	monitor/source_group.c monitor/source_group.h \
	monitor/record_file.c monitor/record_file.h
monitor_libmsbmonitor_a_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS) $(LIBCRYPTO_CFLAGS)

pkglibexec_PROGRAMS += msb-monitor
msb_monitor_SOURCES = \
	monitor/monitor_main.c \
	monitor/monitor.c monitor/monitor.h \
	monitor/mon_conn.h \
	monitor/mon_dispatch.c \
	monitor/mon_auth.c \
	monitor/mon_worker.c \
	monitor/mon_io.c monitor/mon_io.h \
	monitor/tenant_cert.c monitor/tenant_cert.h \
	monitor/login_route.c monitor/login_route.h \
	monitor/fail_delay.c monitor/fail_delay.h \
	monitor/session_limits.c monitor/session_limits.h \
	monitor/audit.c monitor/audit.h \
	monitor/recorder.c monitor/recorder.h
msb_monitor_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS) $(LIBCRYPTO_CFLAGS)
msb_monitor_LDADD = monitor/libmsbmonitor.a vmctl/libmsbvmctl.a host/libmsbhost.la lib/libmsbcore.la $(LIBSSH_LIBS) \
	$(LIBCRYPTO_LIBS)
