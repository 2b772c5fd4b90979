# Unit tests for the wire formats of the SSH server (mux and monitor RPC).
check_PROGRAMS += regress/unit/test_mux_proto
regress_unit_test_mux_proto_SOURCES = regress/unit/test_mux_proto.c regress/unit/unit.h \
	regress/proto_same.h regress/unit/codec_checks.h
regress_unit_test_mux_proto_LDADD = lib/libmsbcore.la

check_PROGRAMS += regress/unit/test_monitor_proto
regress_unit_test_monitor_proto_SOURCES = regress/unit/test_monitor_proto.c regress/unit/unit.h \
	regress/proto_same.h regress/unit/codec_checks.h
regress_unit_test_monitor_proto_LDADD = lib/libmsbcore.la

check_PROGRAMS += regress/unit/test_cast
regress_unit_test_cast_SOURCES = regress/unit/test_cast.c regress/unit/unit.h
regress_unit_test_cast_LDADD = lib/libmsbcore.la
