# Sandboxes: registry, images, QEMU/QMP, the per-sandbox supervisor (vmm).
noinst_LIBRARIES += vmctl/libmsbvmctl.a
vmctl_libmsbvmctl_a_SOURCES = \
	vmctl/msb_home.c vmctl/msb_home.h \
	vmctl/sandbox.c vmctl/sandbox.h
