# QMP: the JSON codec and the client a vmm uses to drive its QEMU.
noinst_LIBRARIES += vmctl/qmp/libmsbqmp.a
vmctl_qmp_libmsbqmp_a_SOURCES = \
	vmctl/qmp/json.c vmctl/qmp/json.h \
	vmctl/qmp/qmp.c vmctl/qmp/qmp.h
