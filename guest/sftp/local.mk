# SFTP v3 server: linked into the agent and installed on its own like OpenSSH's sftp-server.
noinst_LIBRARIES += guest/sftp/libmsbsftp.a
guest_sftp_libmsbsftp_a_SOURCES = \
	guest/sftp/sftp_server.h \
	guest/sftp/sftp_server.c \
	guest/sftp/sftp_session.h \
	guest/sftp/sftp_send.c \
	guest/sftp/sftp_proto.c guest/sftp/sftp_proto.h \
	guest/sftp/sftp_reply.c guest/sftp/sftp_reply.h \
	guest/sftp/sftp_handles.c guest/sftp/sftp_handles.h \
	guest/sftp/sftp_names.c guest/sftp/sftp_names.h \
	guest/sftp/sftp_attrs.c guest/sftp/sftp_attrs.h \
	guest/sftp/sftp_longname.c guest/sftp/sftp_longname.h \
	guest/sftp/sftp_realpath.c guest/sftp/sftp_realpath.h \
	guest/sftp/sftp_file_ops.c \
	guest/sftp/sftp_path_ops.c \
	guest/sftp/sftp_ext.c

pkglibexec_PROGRAMS += msb-sftp-server
msb_sftp_server_SOURCES = guest/sftp/sftp_server_main.c guest/guest_user.c guest/guest_user.h
msb_sftp_server_LDADD = guest/sftp/libmsbsftp.a lib/libmsbcore.la
if STATIC_AGENT
msb_sftp_server_LDFLAGS = -all-static $(AM_LDFLAGS)
endif
