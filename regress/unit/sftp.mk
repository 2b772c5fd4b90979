# SFTP codec unit test (include from regress/local.mk).
check_PROGRAMS += regress/unit/test_sftp_proto
regress_unit_test_sftp_proto_SOURCES = regress/unit/test_sftp_proto.c regress/unit/unit.h
regress_unit_test_sftp_proto_LDADD = guest/sftp/libmsbsftp.a lib/libmsbcore.la
