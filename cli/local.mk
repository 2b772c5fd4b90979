bin_PROGRAMS += msb
msb_SOURCES = cli/msb.c cli/cli.h cli/cmd_agent.c cli/agent_exec_relay.c
msb_LDADD = lib/libmsbcore.a
