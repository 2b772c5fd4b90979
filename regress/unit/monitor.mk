# Unit tests of the SSH server's monitor.
check_PROGRAMS += regress/unit/test_monitor_authkeys
regress_unit_test_monitor_authkeys_SOURCES = regress/unit/test_monitor_authkeys.c regress/unit/unit.h
regress_unit_test_monitor_authkeys_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS)
regress_unit_test_monitor_authkeys_LDADD = monitor/libmsbmonitor.a host/libmsbhost.la lib/libmsbcore.la $(LIBSSH_LIBS)

# OpenSSH certificates: the codec, the CA signature and the policy, with
# certificates ssh-keygen makes at run time (skipped, 77, without ssh-keygen).
check_PROGRAMS += regress/unit/test_ssh_cert
regress_unit_test_ssh_cert_SOURCES = regress/unit/test_ssh_cert.c regress/unit/unit.h regress/cert_blob.h
regress_unit_test_ssh_cert_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
regress_unit_test_ssh_cert_LDADD = monitor/libmsbmonitor.a host/libmsbhost.la lib/libmsbcore.la $(LIBCRYPTO_LIBS)

# The gateway's login routing and the refusal delay.
check_PROGRAMS += regress/unit/test_login_route
regress_unit_test_login_route_SOURCES = regress/unit/test_login_route.c regress/unit/unit.h \
	monitor/login_route.c monitor/login_route.h monitor/fail_delay.c monitor/fail_delay.h
regress_unit_test_login_route_CPPFLAGS = $(AM_CPPFLAGS) $(LIBCRYPTO_CFLAGS)
regress_unit_test_login_route_LDADD = vmctl/libmsbvmctl.a host/libmsbhost.la lib/libmsbcore.la $(LIBCRYPTO_LIBS)

# The limits of msb ssh serve: option parsers and the per-source grouping.
check_PROGRAMS += regress/unit/test_serve_limits
regress_unit_test_serve_limits_SOURCES = regress/unit/test_serve_limits.c regress/unit/unit.h
regress_unit_test_serve_limits_LDADD = monitor/libmsbmonitor.a host/libmsbhost.la lib/libmsbcore.la

# The monitor's dispatch table with its real handlers, over socketpairs,
# with the process effects of regress/mon_fixture.c (shared with the fuzz
# target fuzz_monitor_auth).
check_PROGRAMS += regress/unit/test_mon_dispatch
regress_unit_test_mon_dispatch_SOURCES = regress/unit/test_mon_dispatch.c regress/unit/unit.h \
	regress/mon_fixture.c regress/mon_fixture.h \
	monitor/mon_dispatch.c monitor/mon_auth.c monitor/mon_worker.c monitor/mon_conn.h \
	monitor/mon_io.c monitor/audit.c monitor/tenant_cert.c monitor/login_route.c \
	monitor/fail_delay.c monitor/recorder.c
regress_unit_test_mon_dispatch_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS) $(LIBCRYPTO_CFLAGS)
regress_unit_test_mon_dispatch_LDADD = monitor/libmsbmonitor.a vmctl/libmsbvmctl.a host/libmsbhost.la lib/libmsbcore.la \
	$(LIBSSH_LIBS) $(LIBCRYPTO_LIBS)
