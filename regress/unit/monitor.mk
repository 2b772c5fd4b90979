# Unit tests of the SSH server's monitor (include from the top Makefile.am).
check_PROGRAMS += regress/unit/test_monitor_authkeys
regress_unit_test_monitor_authkeys_SOURCES = regress/unit/test_monitor_authkeys.c regress/unit/unit.h
regress_unit_test_monitor_authkeys_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/monitor $(LIBSSH_CFLAGS)
regress_unit_test_monitor_authkeys_LDADD = monitor/libmsbmonitor.a lib/libmsbcore.a $(LIBSSH_LIBS)
