# Unit tests for the vhost-user-vsock backend (vmctl/vsock).
check_PROGRAMS += regress/unit/test_vsock_queue
regress_unit_test_vsock_queue_SOURCES = regress/unit/test_vsock_queue.c \
	regress/unit/vsock_test_guest.h regress/unit/unit.h
regress_unit_test_vsock_queue_LDADD = vmctl/vsock/libmsbvsock.a lib/libmsbcore.la

check_PROGRAMS += regress/unit/test_vsock_vu
regress_unit_test_vsock_vu_SOURCES = regress/unit/test_vsock_vu.c \
	regress/unit/vsock_test_guest.h regress/unit/unit.h
regress_unit_test_vsock_vu_LDADD = vmctl/vsock/libmsbvsock.a lib/libmsbcore.la

# msb-vmm's per-thread seccomp allow-lists, enforced: forbidden syscalls kill.
check_PROGRAMS += regress/unit/test_vmm_seccomp
regress_unit_test_vmm_seccomp_SOURCES = regress/unit/test_vmm_seccomp.c regress/unit/unit.h \
	regress/unit/seccomp_probe.h \
	vmctl/jail/vmm_seccomp.c vmctl/jail/vmm_seccomp.h lib/seccomp_table.c lib/seccomp_table.h
regress_unit_test_vmm_seccomp_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
regress_unit_test_vmm_seccomp_LDADD = lib/libmsbcore.la $(LIBSECCOMP_LIBS) -lpthread
