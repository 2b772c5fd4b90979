/*
 * The guest's memory as QEMU shares it over vhost-user: up to eight regions,
 * each a memfd mapped here, addressed either by guest physical address
 * (descriptors) or by QEMU's own virtual address (ring locations). Every
 * translation checks the whole range against one region, overflow included.
 */
#ifndef MSB_VSOCK_GUEST_MEM_H
#define MSB_VSOCK_GUEST_MEM_H

#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

#define GUEST_MEM_MAX_REGIONS 8

struct guest_region_desc {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint64_t mmap_offset;
};

struct guest_region {
	uint64_t gpa;
	uint64_t size;
	uint64_t uva;
	uint8_t *host;      /* first byte of the region */
	void *map;          /* what to munmap, NULL for caller-owned memory */
	size_t map_len;
};

struct guest_mem {
	struct guest_region r[GUEST_MEM_MAX_REGIONS];
	unsigned n;
};

void guest_mem_init(struct guest_mem *m);
/*
 * Replaces the table with n regions mapped from fds[] (always closed here).
 * On failure the table is left empty and -1 returned.
 */
int guest_mem_map(struct guest_mem *m, const struct guest_region_desc *d,
    const int *fds, unsigned n);
/* Adds memory the caller owns and keeps mapped (the unit tests' guest). */
int guest_mem_add_host(struct guest_mem *m, uint64_t gpa, uint64_t uva,
    void *host, uint64_t size);
void guest_mem_unmap(struct guest_mem *m);
/* Host address of [uva, uva + len) when it lies inside one region, else NULL. */
void *guest_mem_uva(const struct guest_mem *m, uint64_t uva, uint64_t len);
/*
 * Appends iovecs covering [gpa, gpa + len) (split where regions meet) to
 * iov[*n..max). Returns 0, or -1 when any byte is outside guest memory or
 * the iovecs run out.
 */
int guest_mem_gpa_iov(const struct guest_mem *m, uint64_t gpa, uint64_t len,
    struct iovec *iov, unsigned *n, unsigned max);

#endif
