# The C API test program, linked against the shared libmsb as users link it.
check_PROGRAMS += regress/api/api-test
regress_api_api_test_SOURCES = regress/api/api_test.c
regress_api_api_test_LDADD = lib/libmsb.la -lpthread
