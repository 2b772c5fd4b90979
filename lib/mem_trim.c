#include "config.h"

#include <elf.h>
#include <errno.h>
#include <link.h>
#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <unistd.h>

#include "log.h"
#include "mem_trim.h"

/* Text patched at load time is no longer the file's: refaulting would undo it. */
static bool
has_text_relocations(const struct dl_phdr_info *info)
{
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_DYNAMIC)
			continue;
		for (const ElfW(Dyn) *d = (const ElfW(Dyn) *)(info->dlpi_addr + ph->p_vaddr);
		    d->d_tag != DT_NULL; d++) {
			if (d->d_tag == DT_TEXTREL ||
			    (d->d_tag == DT_FLAGS && (d->d_un.d_val & DF_TEXTREL) != 0))
				return true;
		}
	}
	return false;
}

static int
drop_read_only(struct dl_phdr_info *info, size_t size, void *data)
{
	uintptr_t page = (uintptr_t)sysconf(_SC_PAGESIZE);
	size_t *dropped = data;

	/* The vDSO is the kernel's, not a file's. */
	if (info->dlpi_addr == (ElfW(Addr))getauxval(AT_SYSINFO_EHDR) ||
	    has_text_relocations(info))
		return 0;
	for (ElfW(Half) i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];

		if (ph->p_type != PT_LOAD || (ph->p_flags & PF_W) != 0)
			continue;
		/* Whole pages only: a page shared with a writable neighbour keeps its changes. */
		uintptr_t start = (info->dlpi_addr + ph->p_vaddr + page - 1) & ~(page - 1);
		uintptr_t end = (info->dlpi_addr + ph->p_vaddr + ph->p_memsz) & ~(page - 1);
		if (end <= start)
			continue;
		if (madvise((void *)start, end - start, MADV_DONTNEED) != 0) {
			error_f("madvise %s: %s", info->dlpi_name, strerror(errno));
			continue;
		}
		*dropped += end - start;
	}
	return 0;
}

void
msb_mem_trim(void)
{
	size_t dropped = 0;

	malloc_trim(0);
	dl_iterate_phdr(drop_read_only, &dropped);
	debug_f("gave back the heap's free pages and %zu KiB of read-only mappings",
	    dropped / 1024);
}
