# Userspace vhost-user-vsock backend (hybrid vsock on the host side), as a
# library for the vmm and as the standalone msb-vsockd.
noinst_LIBRARIES += vmctl/vsock/libmsbvsock.a
vmctl_vsock_libmsbvsock_a_SOURCES = \
	vmctl/vsock/vsock_backend.c vmctl/vsock/vsock_backend.h \
	vmctl/vsock/vu_server.c vmctl/vsock/vu_server.h \
	vmctl/vsock/vu_msg.c vmctl/vsock/vu_msg.h \
	vmctl/vsock/vsock_dev.c vmctl/vsock/vsock_dev.h \
	vmctl/vsock/vsock_conn.c \
	vmctl/vsock/vsock_host.c vmctl/vsock/vsock_host.h \
	vmctl/vsock/virtq.c vmctl/vsock/virtq.h \
	vmctl/vsock/guest_mem.c vmctl/vsock/guest_mem.h \
	vmctl/vsock/vsock_pkt.c vmctl/vsock/vsock_pkt.h \
	vmctl/vsock/vsock_le.h

pkglibexec_PROGRAMS += msb-vsockd
msb_vsockd_SOURCES = vmctl/vsock/msb_vsockd.c
msb_vsockd_LDADD = vmctl/vsock/libmsbvsock.a lib/libmsbcore.la
