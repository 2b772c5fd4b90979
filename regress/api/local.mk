# The C API test program, linked against the shared libmsb as users link it.
check_PROGRAMS += regress/api/api-test
regress_api_api_test_SOURCES = regress/api/api_test.c regress/unit/unit.h
regress_api_api_test_LDADD = lib/libmsb.la -lpthread

check_PROGRAMS += regress/unit/test_detach_keys
regress_unit_test_detach_keys_SOURCES = regress/unit/test_detach_keys.c regress/unit/unit.h \
	lib/api/detach.c
regress_unit_test_detach_keys_CPPFLAGS = $(AM_CPPFLAGS) $(LIBSSH_CFLAGS)
