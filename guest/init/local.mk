# PID 1 duties of the agent in the microVM.
noinst_LIBRARIES += guest/init/libmsbinit.a
guest_init_libmsbinit_a_SOURCES = \
	guest/init/init.h \
	guest/init/boot_steps.h \
	guest/init/boot.c \
	guest/init/cmdline.c \
	guest/init/mounts.c \
	guest/init/modules.c \
	guest/init/switch_root.c \
	guest/init/hostname.c \
	guest/init/netconf.c \
	guest/init/shutdown.c

