bin_PROGRAMS += msb
msb_SOURCES = cli/msb.c cli/cli.h cli/usage.c cli/usage.h cli/cmd_agent.c cli/agent_exec_relay.c cli/cmd_sandbox.c cli/cmd_ls.c \
	cli/cmd_image.c cli/cmd_ssh.c cli/cmd_ssh_native.c cli/cmd_ssh_config.c cli/read_all.c
msb_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS)
msb_LDADD = lib/api/libmsbapi.la monitor/libmsbmonitor.a vmctl/image/libmsbimage.a vmctl/libmsbvmctl.a host/libmsbhost.la lib/libmsbcore.la \
	$(LIBSSH_LIBS) -lpthread
