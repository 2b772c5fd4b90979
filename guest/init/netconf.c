#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <net/route.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/log.h"
#include "lib/safe_file.h"
#include "boot_steps.h"

/* QEMU user-mode networking (slirp) hands out fixed addresses. */
#define NET_IFACE "eth0"
#define NET_ADDR "10.0.2.15"
#define NET_MASK "255.255.255.0"
#define NET_GATEWAY "10.0.2.2"
#define NET_DNS "10.0.2.3"
#define RESOLV_CONF "/etc/resolv.conf"

static void
set_ifname(struct ifreq *ifr, const char *name)
{
	memset(ifr, 0, sizeof(*ifr));
	/* Both names here are constants shorter than IFNAMSIZ. */
	memcpy(ifr->ifr_name, name, strlen(name) + 1);
}

static int
set_ipv4(struct sockaddr *sa, const char *addr)
{
	struct sockaddr_in sin;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		error_f("bad IPv4 address %s", addr);
		return -1;
	}
	memcpy(sa, &sin, sizeof(sin));
	return 0;
}

static int
iface_up(int s, const char *name)
{
	struct ifreq ifr;

	set_ifname(&ifr, name);
	if (ioctl(s, SIOCGIFFLAGS, &ifr) == -1) {
		error_f("%s: SIOCGIFFLAGS: %s", name, strerror(errno));
		return -1;
	}
	ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
	if (ioctl(s, SIOCSIFFLAGS, &ifr) == -1) {
		error_f("%s: SIOCSIFFLAGS: %s", name, strerror(errno));
		return -1;
	}
	return 0;
}

static int
iface_set_addr(int s, const char *name, const char *addr, const char *mask)
{
	struct ifreq ifr;

	set_ifname(&ifr, name);
	if (set_ipv4(&ifr.ifr_addr, addr) == -1)
		return -1;
	if (ioctl(s, SIOCSIFADDR, &ifr) == -1) {
		error_f("%s: SIOCSIFADDR %s: %s", name, addr, strerror(errno));
		return -1;
	}
	set_ifname(&ifr, name);
	if (set_ipv4(&ifr.ifr_netmask, mask) == -1)
		return -1;
	if (ioctl(s, SIOCSIFNETMASK, &ifr) == -1) {
		error_f("%s: SIOCSIFNETMASK %s: %s", name, mask,
		    strerror(errno));
		return -1;
	}
	return 0;
}

static int
add_default_route(int s, const char *name, const char *gateway)
{
	char dev[IFNAMSIZ];
	struct rtentry rt;

	memset(&rt, 0, sizeof(rt));
	memcpy(dev, name, strlen(name) + 1);
	if (set_ipv4(&rt.rt_dst, "0.0.0.0") == -1 ||
	    set_ipv4(&rt.rt_genmask, "0.0.0.0") == -1 ||
	    set_ipv4(&rt.rt_gateway, gateway) == -1)
		return -1;
	rt.rt_flags = RTF_UP | RTF_GATEWAY;
	rt.rt_dev = dev;
	if (ioctl(s, SIOCADDRT, &rt) == -1 && errno != EEXIST) {
		error_f("default route via %s: %s", gateway, strerror(errno));
		return -1;
	}
	return 0;
}

/*
 * Published beside and renamed over, so that a symlinked resolv.conf (into
 * a /run that is empty now) is replaced rather than followed. A read-only
 * or absent /etc is the image's choice, not an error.
 */
static int
write_resolv_conf(void)
{
	static const char text[] = "nameserver " NET_DNS "\n";

	if (msb_safe_publish_path(RESOLV_CONF, text, sizeof(text) - 1, 0644, true) == 0)
		return 0;
	if (errno == EROFS || errno == ENOENT) {
		info_f("%s not written: %s", RESOLV_CONF, strerror(errno));
		return 0;
	}
	error_f("install %s: %s", RESOLV_CONF, strerror(errno));
	return -1;
}

int
msb_init_net_up(void)
{
	int s, ret = 0;

	if ((s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0)) == -1) {
		error_f("socket: %s", strerror(errno));
		return -1;
	}
	/* The kernel gives lo 127.0.0.1/8 when it comes up. */
	if (iface_up(s, "lo") == -1) {
		ret = -1;
	} else if (if_nametoindex(NET_IFACE) == 0) {
		info_f("lo up; no %s", NET_IFACE);
	} else if (iface_set_addr(s, NET_IFACE, NET_ADDR, NET_MASK) == -1 ||
	    iface_up(s, NET_IFACE) == -1 ||
	    add_default_route(s, NET_IFACE, NET_GATEWAY) == -1 ||
	    write_resolv_conf() == -1) {
		ret = -1;
	} else {
		info_f("lo up; %s %s/24 gateway %s dns %s", NET_IFACE,
		    NET_ADDR, NET_GATEWAY, NET_DNS);
	}
	if (close(s) == -1)
		error_f("close: %s", strerror(errno));
	return ret;
}
