// SPDX-License-Identifier: MIT
/*
 * io_setup(2) and io_destroy(2), as far as the address space sees them:
 * the completion ring is a MAP_SHARED mapping of the context's own
 * pseudo-file ("/[aio] (deleted)"), and the context's id is the ring's
 * address.
 *
 * io_destroy() unmaps the ring through the kernel's own unmap and ignores
 * its result (kill_ioctx()), then frees the ring: aio_free_ring()
 * truncates the pseudo-file to 0.  So a sealed ring stays mapped and
 * sealed, io_destroy() returns 0, and the ring's pages are gone: an
 * access raises SIGBUS (beyond end of file).
 *
 * XXX: the kernel frees the ring from an RCU work item, after
 * io_destroy() has returned; a read right after io_destroy() may still
 * see the ring (this is what the catalog's aio-destroy-sealed-ring relies
 * on), a read some milliseconds later faults with SIGBUS.  The model has
 * no time: it shows the state once the work item has run.
 */
#include <errno.h>
#include <stdlib.h>

#include "compat.h"
#include "model/model.h"

#define AIO_RING_HEADER 32	/* sizeof(struct aio_ring) */
#define IO_EVENT_SIZE 32	/* sizeof(struct io_event) */
#define AIO_MAX_NR 65536	/* fs.aio-max-nr */

static struct ms__aio *aio_lookup(struct ms_mm *mm, uint64_t ctx)
{
	for (int i = 0; i < mm->naio; i++)
		if (mm->aio[i].user_id == ctx)
			return &mm->aio[i];
	return NULL;
}

/* aio_free_ring(): the pseudo-file is truncated; mappings see EOF. */
static void aio_free_ring(struct ms__content *c)
{
	ms__content_punch(c, 0, c->npages);
	c->npages = 0;
	ms__content_put(c);
}

static void aio_forget(struct ms_mm *mm, struct ms__aio *a)
{
	mm->aio_nr -= a->nr_events;
	*a = mm->aio[--mm->naio];
}

/*
 * io_setup(nr_events, ctxp), mirroring SYSCALL_DEFINE2(io_setup),
 * ioctx_alloc() and aio_setup_ring() (fs/aio.c):
 *
 *   EINVAL  *ctxp != 0, or nr_events == 0
 *   EINVAL  the doubled event count (at least 4 per CPU) overflows the
 *           ring's limit
 *   EAGAIN  nr_events above aio-max-nr, or the process's contexts would
 *           pass it
 *   ENOMEM  no room for the ring, or map_count above the limit
 *
 * The ring holds max(nr_events, 4 * nr_cpus) * 2 events after a 32-byte
 * header: one page up to 127 events.  It is mapped read-write, shared,
 * wherever the top-down search puts it.
 */
/* ioctx_add_table(): the lowest slot no live context holds. */
static unsigned int free_table_slot(const struct ms_mm *mm)
{
	unsigned int id = 0;

	for (bool taken = true; taken; id += taken) {
		taken = false;
		for (int i = 0; i < mm->naio && !taken; i++)
			taken = mm->aio[i].id == id;
	}
	return id;
}

int ms_io_setup(struct ms_mm *mm, unsigned int nr_events, uint64_t *ctxp)
{
	unsigned int max_reqs = nr_events, events;
	uint64_t npages, addr;
	struct ms__content *c;
	struct ms__aio *n;
	int64_t r;

	if (*ctxp || !nr_events)
		return -EINVAL;
	events = nr_events > mm->cfg.nr_cpus * 4 ? nr_events
						 : mm->cfg.nr_cpus * 4;
	if (events > 0x10000000U / IO_EVENT_SIZE / 2)
		return -EINVAL;
	events *= 2;
	if (max_reqs > AIO_MAX_NR || mm->aio_nr + max_reqs > AIO_MAX_NR)
		return -EAGAIN;
	npages = ms__pages(mm, ms__page_align(mm, AIO_RING_HEADER +
					      (uint64_t)IO_EVENT_SIZE * events));
	if ((long)mm->vmas.count > (long)mm->cfg.max_map_count)
		return -ENOMEM;
	addr = ms__get_unmapped_area(mm, 0, npages << mm->cfg.page_shift);
	if (!addr)
		return -ENOMEM;
	n = realloc(mm->aio, sizeof(*n) * (size_t)(mm->naio + 1));
	if (!n)
		return -ENOMEM;
	mm->aio = n;
	c = ms__content_new(mm, MS__CONTENT_SPECIAL, npages, '0');
	if (!c)
		return -ENOMEM;
	c->refs = 2;	/* the mapping's (handed over) and the context's */
	if (ms__content_write(c, 0, '*') < 0) {	/* the ring header */
		c->refs = 1;
		ms__content_put(c);
		return -ENOMEM;
	}
	r = ms__map_special(mm, addr, npages, PROT_READ | PROT_WRITE,
			    MS_SPECIAL_AIO, c);
	if (r < 0) {
		ms__content_put(c);
		return (int)r;
	}
	/* 7.1 and later keep the ring out of fork children. */
	if (mm->cfg.aio_ring_dontcopy)
		ms__vma_find(mm, addr)->flags |= MS__VM_DONTCOPY;
	n = &mm->aio[mm->naio];
	n->id = free_table_slot(mm);
	mm->naio++;
	n->user_id = addr;
	n->npages = npages;
	n->c = c;
	n->nr_events = max_reqs;
	mm->aio_nr += max_reqs;
	*ctxp = addr;
	return 0;
}

/*
 * kill_ioctx(): the ring's range is unmapped and the result ignored (a
 * sealed ring stays mapped), then the ring is freed.
 */
static void kill_ioctx(struct ms_mm *mm, struct ms__aio *a)
{
	struct ms__content *c = a->c;

	(void)ms__do_munmap(mm, a->user_id,
			    a->user_id + (a->npages << mm->cfg.page_shift));
	aio_forget(mm, a);
	aio_free_ring(c);
}

/*
 * io_destroy(ctx), mirroring SYSCALL_DEFINE1(io_destroy), lookup_ioctx()
 * and kill_ioctx():
 *
 *   EINVAL  the ring's header at ctx cannot be read (unmapped,
 *           PROT_NONE): lookup_ioctx() reads the context's table index
 *           from it with get_user()
 *   EINVAL  no live context at ctx with the index read there (the
 *           header was overwritten; zeros read as index 0)
 *   (0)     otherwise: kill_ioctx()
 */
int ms_io_destroy(struct ms_mm *mm, uint64_t ctx)
{
	struct ms__aio *a = aio_lookup(mm, ctx);
	struct ms_page pg;

	/* get_user() reads anything accessible (x86: write implies read). */
	if (ms_mm_observe(mm, ctx, 1, &pg) < 0 || !pg.mapped || !pg.prot)
		return -EINVAL;
	/*
	 * The id read there: the ring's own header ('*'), zeros (another
	 * page of the ring remapped there: id 0), or what was written.
	 */
	if (!a || !(pg.data == '*' || (pg.data == '0' && a->id == 0)))
		return -EINVAL;
	kill_ioctx(mm, a);
	return 0;
}

/* exit_aio(): exit and exec kill every context the same way. */
void ms__aio_exit(struct ms_mm *mm)
{
	while (mm->naio)
		kill_ioctx(mm, &mm->aio[0]);
	free(mm->aio);
	mm->aio = NULL;
}

/*
 * aio_ring_mremap(): the ring moved to v, and the context's id moves with
 * it (io_destroy() and io_submit() then want the new address).
 */
void ms__aio_moved(struct ms_mm *mm, const struct ms__vma *v)
{
	for (int i = 0; i < mm->naio; i++)
		if (mm->aio[i].c == v->file->c)
			mm->aio[i].user_id = ms__vma_start(v);
}
