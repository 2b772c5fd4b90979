# The vmm's keeper and its jailed half: the report codec between them.
check_PROGRAMS += regress/unit/test_vmm_report
regress_unit_test_vmm_report_SOURCES = regress/unit/test_vmm_report.c regress/unit/unit.h \
	vmctl/jail/vmm_report.c vmctl/jail/vmm_report.h
