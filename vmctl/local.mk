# Sandboxes: registry, images, QEMU/QMP, the per-sandbox supervisor (vmm).
noinst_LIBRARIES += vmctl/libmsbvmctl.a
vmctl_libmsbvmctl_a_SOURCES = \
	vmctl/msb_home.c vmctl/msb_home.h \
	vmctl/helpers.c vmctl/helpers.h \
	vmctl/sandbox.c vmctl/sandbox.h \
	vmctl/sandbox_start.c vmctl/sandbox_start.h \
	vmctl/disk.c vmctl/disk.h
vmctl_libmsbvmctl_a_CPPFLAGS = $(AM_CPPFLAGS) -DPKGLIBEXECDIR='"$(pkglibexecdir)"'

pkglibexec_PROGRAMS += msb-vmm
msb_vmm_SOURCES = \
	vmctl/vmm.h \
	vmctl/vmm_main.c \
	vmctl/vmm_boot.c \
	vmctl/vmm_vsock.c \
	vmctl/vmm_console.c \
	vmctl/qemu_cmd.c vmctl/qemu_cmd.h
msb_vmm_LDADD = vmctl/libmsbvmctl.a vmctl/vsock/libmsbvsock.a vmctl/qmp/libmsbqmp.a \
	lib/libmsbcore.a -lpthread
