#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "guest_mem.h"
#include "lib/log.h"

void
guest_mem_init(struct guest_mem *m)
{
	memset(m, 0, sizeof(*m));
}

void
guest_mem_unmap(struct guest_mem *m)
{
	for (unsigned i = 0; i < m->n; i++) {
		if (m->r[i].map != NULL && munmap(m->r[i].map, m->r[i].map_len) != 0)
			error_f("munmap: %s", strerror(errno));
	}
	guest_mem_init(m);
}

static int
region_ok(uint64_t gpa, uint64_t uva, uint64_t size)
{
	return size > 0 && gpa + size > gpa && uva + size > uva;
}

int
guest_mem_map(struct guest_mem *m, const struct guest_region_desc *d,
    const int *fds, unsigned n)
{
	unsigned i;

	guest_mem_unmap(m);
	if (n > GUEST_MEM_MAX_REGIONS)
		goto fail;
	for (i = 0; i < n; i++) {
		uint64_t len = d[i].size + d[i].mmap_offset;
		if (!region_ok(d[i].gpa, d[i].uva, d[i].size) || len < d[i].size ||
		    len > SIZE_MAX) {
			error_f("region %u: bad geometry", i);
			goto fail;
		}
		/* The offset need not be page aligned, so map from the start. */
		void *p = mmap(NULL, (size_t)len, PROT_READ | PROT_WRITE, MAP_SHARED, fds[i], 0);
		if (p == MAP_FAILED) {
			error_f("mmap region %u (%llu bytes): %s", i,
			    (unsigned long long)len, strerror(errno));
			goto fail;
		}
		m->r[i] = (struct guest_region){
			.gpa = d[i].gpa, .size = d[i].size, .uva = d[i].uva,
			.host = (uint8_t *)p + d[i].mmap_offset, .map = p, .map_len = (size_t)len,
		};
		m->n = i + 1;
	}
	for (i = 0; i < n; i++) {
		if (close(fds[i]) != 0)
			error_f("close: %s", strerror(errno));
	}
	return 0;
fail:
	guest_mem_unmap(m);
	for (i = 0; i < n; i++)
		close(fds[i]);
	return -1;
}

int
guest_mem_add_host(struct guest_mem *m, uint64_t gpa, uint64_t uva,
    void *host, uint64_t size)
{
	if (m->n == GUEST_MEM_MAX_REGIONS || !region_ok(gpa, uva, size))
		return -1;
	m->r[m->n++] = (struct guest_region){
		.gpa = gpa, .size = size, .uva = uva, .host = host,
	};
	return 0;
}

void *
guest_mem_uva(const struct guest_mem *m, uint64_t uva, uint64_t len)
{
	for (unsigned i = 0; i < m->n; i++) {
		const struct guest_region *r = &m->r[i];
		if (uva >= r->uva && uva - r->uva < r->size && len <= r->size - (uva - r->uva))
			return r->host + (uva - r->uva);
	}
	return NULL;
}

int
guest_mem_gpa_iov(const struct guest_mem *m, uint64_t gpa, uint64_t len,
    struct iovec *iov, unsigned *n, unsigned max)
{
	if (gpa + len < gpa)
		return -1;
	while (len > 0) {
		const struct guest_region *r = NULL;
		for (unsigned i = 0; i < m->n; i++) {
			if (gpa >= m->r[i].gpa && gpa - m->r[i].gpa < m->r[i].size) {
				r = &m->r[i];
				break;
			}
		}
		if (r == NULL || *n >= max)
			return -1;
		uint64_t off = gpa - r->gpa, chunk = r->size - off;
		if (chunk > len)
			chunk = len;
		iov[*n].iov_base = r->host + off;
		iov[*n].iov_len = (size_t)chunk;
		(*n)++;
		gpa += chunk;
		len -= chunk;
	}
	return 0;
}
