/*
 * Giving memory back once a connection goes quiet. An idle connection's
 * processes keep every page they touched while busy: the heap's free
 * chunks, and the code and read-only data of libssh, OpenSSL and libc
 * that ran for the key exchange, authentication and channel setup
 * (shared with every other process, but resident in each one's page
 * tables and counted in its RSS). The idle loop needs few of them.
 */
#ifndef MSB_MEM_TRIM_H
#define MSB_MEM_TRIM_H

/*
 * Returns free heap pages to the kernel (malloc_trim) and unmaps the
 * resident pages of every loaded object's read-only segments, which the
 * next use faults back in from the page cache, unchanged: a segment that
 * is never writable holds exactly the file's bytes. Writable segments
 * (data, relocated RELRO) are left alone, and so are objects with text
 * relocations. Needs madvise(MADV_DONTNEED) only.
 */
void msb_mem_trim(void);

#endif
