# The network child's seccomp filter, enforced: forbidden syscalls kill.
check_PROGRAMS += regress/unit/test_preauth_seccomp
regress_unit_test_preauth_seccomp_SOURCES = regress/unit/test_preauth_seccomp.c regress/unit/unit.h \
	regress/unit/seccomp_probe.h
regress_unit_test_preauth_seccomp_LDADD = preauth/libmsbpreauth.a lib/libmsbcore.la \
	$(LIBSECCOMP_LIBS) $(LIBCAP_LIBS)
