# The session worker's tests: a unit program for its policy tables, and
# mux-driver, which plays the monitor and the network child against a real
# msb-session for regress/integration/ssh_session_*.sh (and the monitor to a
# real msb-preauth for ssh_preauth_sandbox.sh).
check_PROGRAMS += regress/unit/test_session_policy
regress_unit_test_session_policy_SOURCES = regress/unit/test_session_policy.c \
	regress/unit/unit.h session/policy.c session/session.h
regress_unit_test_session_policy_LDADD = lib/libmsbcore.la

check_PROGRAMS += regress/mux-driver
regress_mux_driver_SOURCES = regress/mux-driver.c
regress_mux_driver_LDADD = lib/libmsbcore.la

# The session worker's seccomp allow-list, enforced: forbidden syscalls kill.
check_PROGRAMS += regress/unit/test_session_seccomp
regress_unit_test_session_seccomp_SOURCES = regress/unit/test_session_seccomp.c \
	regress/unit/seccomp_probe.h regress/unit/unit.h session/session_seccomp.c session/session.h \
	lib/seccomp_table.c lib/seccomp_table.h
regress_unit_test_session_seccomp_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
regress_unit_test_session_seccomp_LDADD = lib/libmsbcore.la $(LIBSECCOMP_LIBS)

# The worker's loop, mux dispatch and channels over socketpairs, with the
# monitor, network child and agent of regress/session_fixture.c (shared
# with the fuzz target fuzz_session_mux).
check_PROGRAMS += regress/unit/test_session_mux
regress_unit_test_session_mux_SOURCES = regress/unit/test_session_mux.c regress/unit/unit.h \
	regress/session_fixture.c regress/session_fixture.h session/session.h \
	session/session_setup.c session/session_loop.c session/mux_link.c session/audit.c \
	session/chan.c session/chan_agent.c session/chan_relay.c session/policy.c session/record.c
regress_unit_test_session_mux_LDADD = lib/libmsbcore.la
