#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "qemu_cmd.h"

struct argv_builder {
	char **v;
	size_t n, cap;
	bool failed;
};

static void __attribute__((format(printf, 2, 3)))
add(struct argv_builder *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (b->failed)
		return;
	if (b->n + 2 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		char **v = realloc(b->v, cap * sizeof(*v));
		if (v == NULL) {
			b->failed = true;
			return;
		}
		b->v = v;
		b->cap = cap;
	}
	va_start(ap, fmt);
	int rc = vasprintf(&s, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		b->failed = true;
		return;
	}
	b->v[b->n++] = s;
	b->v[b->n] = NULL;
}

unsigned long
qemu_host_tsc_khz(void)
{
	FILE *fp = fopen("/proc/cpuinfo", "re");
	char line[256];
	double mhz = 0;

	if (fp == NULL)
		return 0;
	while (fgets(line, sizeof(line), fp) != NULL) {
		if (sscanf(line, "cpu MHz : %lf", &mhz) == 1)
			break;
	}
	fclose(fp);
	return mhz > 0 && mhz < 100000 ? (unsigned long)(mhz * 1000) : 0;
}

/* Any number: the set only names the console's descriptor on the command line. */
#define QEMU_CONSOLE_FDSET 1

char **
qemu_argv_build(const struct qemu_launch *l)
{
	struct argv_builder b = { 0 };

	add(&b, "%s", l->qemu);
	add(&b, "-M");
	add(&b, "microvm,isa-serial=on,rtc=on,memory-backend=mem");
	add(&b, "-accel");
	if (l->kvm)
		add(&b, "kvm");
	else
		add(&b, "tcg,tb-size=%u", QEMU_TCG_TB_SIZE_MIB);
	add(&b, "-cpu");
	add(&b, "%s", l->kvm ? "host" : "max");
	add(&b, "-m");
	add(&b, "%u", l->memory_mib);
	add(&b, "-smp");
	add(&b, "%u", l->cpus);
	add(&b, "-nodefaults");
	add(&b, "-no-user-config");
	add(&b, "-nographic");
	add(&b, "-no-reboot");
	/* vhost-user needs guest memory it can map: a shared memfd. */
	add(&b, "-object");
	add(&b, "memory-backend-memfd,id=mem,size=%uM,share=on", l->memory_mib);
	add(&b, "-kernel");
	add(&b, "%s", l->kernel);
	add(&b, "-initrd");
	add(&b, "%s", l->initrd);
	/*
	 * Under TCG the kernel's PIT calibration of the TSC fails on a busy
	 * host, and microvm has no other clock: the boot then hangs with time
	 * stuck at zero. Telling it the rate avoids that.
	 */
	add(&b, "-append");
	if (!l->kvm && l->tsc_khz > 0)
		add(&b, "console=ttyS0 panic=-1 quiet msb.hostname=%s tsc_early_khz=%lu",
		    l->hostname, l->tsc_khz);
	else
		add(&b, "console=ttyS0 panic=-1 quiet msb.hostname=%s", l->hostname);
	/* A pipe the vmm reads, which caps the log (vmm_console.c); QEMU opens
	 * an inherited descriptor by the name of its fd set, and only without
	 * O_TRUNC (so append=on). */
	add(&b, "-add-fd");
	add(&b, "fd=%d,set=%d", l->console_fd, QEMU_CONSOLE_FDSET);
	add(&b, "-chardev");
	add(&b, "file,id=console,path=/dev/fdset/%d,append=on", QEMU_CONSOLE_FDSET);
	add(&b, "-serial");
	add(&b, "chardev:console");
	add(&b, "-drive");
	add(&b, "id=root,file=%s,format=raw,if=none,discard=unmap", l->disk);
	add(&b, "-device");
	add(&b, "virtio-blk-device,drive=root");
	add(&b, "-chardev");
	add(&b, "socket,id=vsock,path=%s", l->vhost_user_socket);
	add(&b, "-device");
	add(&b, "vhost-user-vsock-device,chardev=vsock");
	add(&b, "-qmp");
	add(&b, "unix:%s,server=on,wait=off", l->qmp_socket);
	if (sandbox_net_user(l->net)) {
		/* One string: QEMU takes every hostfwd as a suboption of the netdev. */
		char netdev[64 + SANDBOX_MAX_FORWARDS * 48];
		size_t n = (size_t)snprintf(netdev, sizeof(netdev), "user,id=net0");
		for (unsigned i = 0; i < l->nforwards && i < SANDBOX_MAX_FORWARDS; i++)
			n += (size_t)snprintf(netdev + n, sizeof(netdev) - n, ",hostfwd=tcp:%s:%u-:%u",
			    l->forwards[i].host_addr, l->forwards[i].host_port,
			    l->forwards[i].guest_port);
		add(&b, "-netdev");
		add(&b, "%s", netdev);
		add(&b, "-device");
		add(&b, "virtio-net-device,netdev=net0");
	}
	/* QEMU's own seccomp: it may not spawn processes or gain privileges. */
	add(&b, "-sandbox");
	add(&b, "on,obsolete=deny,elevateprivileges=deny,spawn=deny,resourcecontrol=deny");
	if (b.failed) {
		qemu_argv_free(b.v);
		return NULL;
	}
	return b.v;
}

void
qemu_argv_free(char **argv)
{
	if (argv == NULL)
		return;
	for (size_t i = 0; argv[i] != NULL; i++)
		free(argv[i]);
	free(argv);
}
