# SFTP v3 server: linked into the agent and installed on its own like OpenSSH's sftp-server.
noinst_LIBRARIES += guest/sftp/libmsbsftp.a
guest_sftp_libmsbsftp_a_SOURCES = \
	guest/sftp/sftp_server.h

pkglibexec_PROGRAMS += msb-sftp-server
msb_sftp_server_SOURCES = guest/sftp/sftp_server_main.c guest/guest_user.c guest/guest_user.h
msb_sftp_server_LDADD = guest/sftp/libmsbsftp.a lib/libmsbcore.a
if STATIC_AGENT
msb_sftp_server_LDFLAGS = -static $(AM_LDFLAGS)
endif
