# The user network's host filter: the nft script (checked by nft -c as root).
check_PROGRAMS += regress/unit/test_net_user
regress_unit_test_net_user_SOURCES = regress/unit/test_net_user.c regress/unit/unit.h \
	vmctl/net_filter.c vmctl/net_filter.h vmctl/host_tool.c vmctl/host_tool.h \
	vmctl/net_forward.c vmctl/net_forward.h \
	vmctl/jail/sandbox_link.c vmctl/jail/sandbox_link.h
regress_unit_test_net_user_LDADD = vmctl/libmsbvmctl.a host/libmsbhost.la lib/libmsbcore.la
