# The guest agent: PID 1 in the microVM, or a plain process on the host for tests.
pkglibexec_PROGRAMS += msb-agent
msb_agent_SOURCES = \
	guest/agent_main.c \
	guest/agent.h \
	guest/agent_conn.c \
	guest/exec.c \
	guest/tcp_connect.c \
	guest/guest_user.c guest/guest_user.h
msb_agent_LDADD = guest/sftp/libmsbsftp.a guest/init/libmsbinit.a lib/libmsbcore.a
if STATIC_AGENT
msb_agent_LDFLAGS = -all-static $(AM_LDFLAGS)
endif
