# Unit programs: each exits 0 when every check passed, 1 otherwise.
check_PROGRAMS += regress/unit/test_buf
regress_unit_test_buf_SOURCES = regress/unit/test_buf.c regress/unit/unit.h
regress_unit_test_buf_LDADD = lib/libmsbcore.la

check_PROGRAMS += regress/unit/test_log
regress_unit_test_log_SOURCES = regress/unit/test_log.c regress/unit/unit.h
regress_unit_test_log_LDADD = lib/libmsbcore.la

# The key=value reader of config, state and image.conf.
check_PROGRAMS += regress/unit/test_kv_file
regress_unit_test_kv_file_SOURCES = regress/unit/test_kv_file.c regress/unit/unit.h
regress_unit_test_kv_file_LDADD = lib/libmsbcore.la

check_PROGRAMS += regress/unit/test_agent_proto
regress_unit_test_agent_proto_SOURCES = regress/unit/test_agent_proto.c regress/unit/unit.h
regress_unit_test_agent_proto_LDADD = lib/libmsbcore.la

# Needs root (chroot, setuid); exits 77 otherwise.
check_PROGRAMS += regress/unit/test_guest_user
regress_unit_test_guest_user_SOURCES = regress/unit/test_guest_user.c regress/unit/unit.h \
	guest/guest_user.c guest/guest_user.h
regress_unit_test_guest_user_LDADD = lib/libmsbcore.la

# Runs msb_init_shutdown() as PID 1 of a PID namespace (regress/run runs it).
check_PROGRAMS += regress/unit/test_init_shutdown
regress_unit_test_init_shutdown_SOURCES = regress/unit/test_init_shutdown.c regress/unit/unit.h
regress_unit_test_init_shutdown_LDADD = guest/init/libmsbinit.a lib/libmsbcore.la

check_PROGRAMS += regress/unit/test_init_cmdline
regress_unit_test_init_cmdline_SOURCES = regress/unit/test_init_cmdline.c regress/unit/unit.h
regress_unit_test_init_cmdline_LDADD = guest/init/libmsbinit.a lib/libmsbcore.la

check_PROGRAMS += regress/unit/test_init_hostname
regress_unit_test_init_hostname_SOURCES = regress/unit/test_init_hostname.c regress/unit/unit.h
regress_unit_test_init_hostname_LDADD = guest/init/libmsbinit.a lib/libmsbcore.la

# The guest agent's peer check: over vsock, only the host's CID is served.
check_PROGRAMS += regress/unit/test_agent_peer
regress_unit_test_agent_peer_SOURCES = regress/unit/test_agent_peer.c regress/unit/unit.h \
	guest/agent_peer.c guest/agent_peer.h
regress_unit_test_agent_peer_LDADD = lib/libmsbcore.la

# The sandbox cgroup; as root it makes real groups (v1 or v2) and an OOM kill.
check_PROGRAMS += regress/unit/test_cgroup
regress_unit_test_cgroup_SOURCES = regress/unit/test_cgroup.c regress/unit/unit.h
regress_unit_test_cgroup_LDADD = vmctl/libmsbvmctl.a host/libmsbhost.la lib/libmsbcore.la

# The ownership cases need root (chown); they are skipped otherwise.
check_PROGRAMS += regress/unit/test_strict_files
regress_unit_test_strict_files_SOURCES = regress/unit/test_strict_files.c regress/unit/unit.h
regress_unit_test_strict_files_LDADD = lib/libmsbcore.la

# The SFTP request policy shared by msb ssh serve and msb-sftp-server.
check_PROGRAMS += regress/unit/test_sftp_policy
regress_unit_test_sftp_policy_SOURCES = regress/unit/test_sftp_policy.c regress/unit/unit.h
regress_unit_test_sftp_policy_LDADD = lib/libmsbcore.la
