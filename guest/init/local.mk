# PID 1 duties of the agent in the microVM.
noinst_LIBRARIES += guest/init/libmsbinit.a
guest_init_libmsbinit_a_SOURCES = \
	guest/init/init.h
