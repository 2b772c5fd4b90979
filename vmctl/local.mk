# Sandboxes: registry, images, QEMU/QMP, the per-sandbox supervisor (vmm).
noinst_LIBRARIES += vmctl/libmsbvmctl.a
vmctl_libmsbvmctl_a_SOURCES = \
	vmctl/sandbox_start.c vmctl/sandbox_start.h \
	vmctl/jail/sandbox_uid.c vmctl/jail/sandbox_uid.h \
	vmctl/jail/cgroup.c vmctl/jail/cgroup.h
vmctl_libmsbvmctl_a_CPPFLAGS = $(AM_CPPFLAGS) -DPKGLIBEXECDIR='"$(pkglibexecdir)"'

pkglibexec_PROGRAMS += msb-vmm
msb_vmm_SOURCES = \
	vmctl/vmm.h \
	vmctl/vmm_main.c \
	vmctl/vmm_run.c \
	vmctl/vmm_boot.c \
	vmctl/jail/jail.c vmctl/jail/jail.h \
	vmctl/jail/vmm_report.c vmctl/jail/vmm_report.h \
	vmctl/vmm_vsock.c \
	vmctl/vmm_limits.c \
	vmctl/net_filter.c vmctl/net_filter.h \
	vmctl/net_forward.c vmctl/net_forward.h \
	vmctl/host_tool.c vmctl/host_tool.h \
	vmctl/jail/sandbox_link.c vmctl/jail/sandbox_link.h \
	vmctl/vmm_console.c \
	vmctl/qemu_cmd.c vmctl/qemu_cmd.h \
	vmctl/jail/vmm_seccomp.c vmctl/jail/vmm_seccomp.h \
	lib/seccomp_table.c lib/seccomp_table.h
msb_vmm_CFLAGS = $(AM_CFLAGS) $(LIBSECCOMP_CFLAGS)
msb_vmm_LDADD = vmctl/libmsbvmctl.a vmctl/vsock/libmsbvsock.a vmctl/qmp/libmsbqmp.a \
	host/libmsbhost.la lib/libmsbcore.la $(LIBSECCOMP_LIBS) -lpthread
