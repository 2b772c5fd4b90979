bin_PROGRAMS += msb
msb_SOURCES = cli/msb.c cli/cmd_agent.c cli/cli.h
msb_LDADD = lib/libmsbcore.a
