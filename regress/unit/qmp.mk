# JSON codec unit test and the QMP driver the qmp_* integration tests use.
check_PROGRAMS += regress/unit/test_json
regress_unit_test_json_SOURCES = regress/unit/test_json.c regress/unit/unit.h
regress_unit_test_json_LDADD = vmctl/qmp/libmsbqmp.a lib/libmsbcore.la

check_PROGRAMS += regress/qmp-probe
regress_qmp_probe_SOURCES = regress/qmp_probe.c
regress_qmp_probe_LDADD = vmctl/qmp/libmsbqmp.a lib/libmsbcore.la
