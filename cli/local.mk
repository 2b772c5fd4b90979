bin_PROGRAMS += msb
msb_SOURCES = cli/msb.c cli/cli.h cli/cmd_agent.c cli/agent_exec_relay.c cli/cmd_sandbox.c \
	cli/cmd_image.c
msb_LDADD = vmctl/image/libmsbimage.a vmctl/libmsbvmctl.a lib/libmsbcore.a
