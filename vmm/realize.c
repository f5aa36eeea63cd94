/*
 * memfd realization (see realize.h for the model).
 *
 * Cost model (docs/design.md, "What the host's KVM imposes"): each distinct mmap is one host VMA, so runs
 * arrive here already coalesced by the core; an unmap replaces the range
 * with an anonymous PROT_NONE mapping (which the kernel merges with its
 * PROT_NONE neighbours); releases punch holes in large ranges.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <hv/domain.h>

#include "realize.h"
#include "transport.h"

static struct vmm *vmm_of(void *ctx) { return ctx; }

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int be_domain_create(void *ctx, struct domain *d)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = calloc(1, sizeof(*vd));
	int rc;

	if (!vd)
		return -ENOMEM;
	vd->d = d;
	vd->window_size = 1ULL << d->p2m.gpaddr_bits;
	vd->window = mmap(NULL, vd->window_size, PROT_NONE,
			  MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (vd->window == MAP_FAILED) {
		rc = -errno;
		free(vd);
		return rc;
	}
	d->backend_priv = vd;
	if (m->transport) {
		rc = m->transport->ops->create(m->transport, vd);
		if (rc) {
			munmap(vd->window, vd->window_size);
			free(vd);
			d->backend_priv = NULL;
			return rc;
		}
	}
	return 0;
}

static void be_domain_destroy(void *ctx, struct domain *d)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;

	if (!vd)
		return;
	if (m->transport)
		m->transport->ops->destroy(m->transport, vd);
	munmap(vd->window, vd->window_size);
	free(vd);
	d->backend_priv = NULL;
}

static int be_map(void *ctx, struct domain *d, gfn_t gfn, mfn_t mfn, uint64_t off,
		  uint64_t nr, enum hv_access access)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;
	void *want, *got;
	int prot = access == HV_ACCESS_RW ? PROT_READ | PROT_WRITE : PROT_READ;
	int flags = MAP_SHARED | MAP_FIXED;
	double t0 = 0;

	(void)mfn;
	if (!vd || off == HV_RAM_OFF_NONE)
		return -EINVAL;
	want = vd->window + gfn_to_gaddr(gfn);
	if (m->prefault) {
		flags |= MAP_POPULATE;
		t0 = now_ms();
	}
	got = mmap(want, nr << PAGE_SHIFT, prot, flags, m->memfd, (off_t)off);
	if (got == MAP_FAILED)
		return -errno;
	if (m->prefault) {
		m->st.prefault_ms += now_ms() - t0;
		m->st.prefault_bytes += nr << PAGE_SHIFT;
	}
	m->st.mmaps++;
	vd->nr_mmaps++;
	vd->mapped_pages += nr;
	if (m->transport)
		return transport_add_memory(m->transport, vd, gfn_to_gaddr(gfn), nr << PAGE_SHIFT);
	return 0;
}

static void be_unmap(void *ctx, struct domain *d, gfn_t gfn, uint64_t nr)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;
	void *got;

	if (!vd)
		return;
	got = mmap(vd->window + gfn_to_gaddr(gfn), nr << PAGE_SHIFT, PROT_NONE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	/* Replacing a mapping inside our own reservation cannot fail short
	 * of the VMA limit; a stale mapping would let a guest reach memory
	 * it no longer owns, so that is fatal. */
	if (got == MAP_FAILED) {
		perror("memvisor: unmap of guest range failed");
		abort();
	}
	m->st.munmaps++;
	vd->mapped_pages = vd->mapped_pages >= nr ? vd->mapped_pages - nr : 0;
	if (m->transport)
		transport_remove_memory(m->transport, vd, gfn_to_gaddr(gfn), nr << PAGE_SHIFT);
}

static void be_release(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	struct vmm *m = vmm_of(ctx);

	(void)mfn;
	if (off == HV_RAM_OFF_NONE)
		return;
	if (fallocate(m->memfd, FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE, (off_t)off,
		      (off_t)(nr << PAGE_SHIFT)) == 0) {
		m->st.punches++;
		m->st.punched_bytes += nr << PAGE_SHIFT;
	} else {
		/* Without hole punching the frames must still read as zero. */
		memset(m->ram_va + off, 0, nr << PAGE_SHIFT);
	}
}

static void be_scrub(void *ctx, mfn_t mfn, uint64_t off, uint64_t nr)
{
	struct vmm *m = vmm_of(ctx);

	(void)mfn;
	if (off == HV_RAM_OFF_NONE)
		return;
	/* The pages stay resident: the next map (MAP_POPULATE) only has to
	 * install them, instead of allocating and zeroing fresh ones after a
	 * punch. */
	memset(m->ram_va + off, 0, nr << PAGE_SHIFT);
	m->st.scrubs++;
	m->st.scrubbed_bytes += nr << PAGE_SHIFT;
}

/* Lock held (backend.h): forwarded to the transport, which only flags and
 * signals the vCPU's thread. */
static void be_vcpu_kick(void *ctx, struct domain *d, unsigned int vcpu)
{
	struct vmm *m = vmm_of(ctx);
	struct vmm_dom *vd = d->backend_priv;

	if (vd && vd->transport && m->transport)
		transport_vcpu_kick(m->transport, vd, vcpu);
}

static const struct hv_backend_ops vmm_backend_ops = {
	.domain_create = be_domain_create,
	.domain_destroy = be_domain_destroy,
	.map = be_map,
	.unmap = be_unmap,
	.release = be_release,
	.scrub = be_scrub,
	.vcpu_kick = be_vcpu_kick,
};

int vmm_init(struct vmm *m, const struct vmm_config *cfg)
{
	struct hv_config hc;
	uint64_t total = 0;
	int rc;

	memset(m, 0, sizeof(*m));
	m->memfd = -1;
	for (unsigned int i = 0; i < cfg->nr_banks; i++)
		total += cfg->banks[i][1];
	if (!total || cfg->nr_banks > FRAME_MAX_BANKS)
		return -EINVAL;
	m->memfd = memfd_create("memvisor-ram", MFD_CLOEXEC);
	if (m->memfd < 0)
		return -errno;
	if (ftruncate(m->memfd, (off_t)total) < 0) {
		rc = -errno;
		goto err_fd;
	}
	m->ram_va = mmap(NULL, total, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, m->memfd, 0);
	if (m->ram_va == MAP_FAILED) {
		rc = -errno;
		goto err_fd;
	}
	m->ram_size = total;
	m->prefault = cfg->prefault;

	memset(&hc, 0, sizeof(hc));
	memcpy(hc.banks, cfg->banks, sizeof(hc.banks));
	hc.nr_banks = cfg->nr_banks;
	hc.ram_va = m->ram_va;
	hc.backend = &vmm_backend_ops;
	hc.backend_ctx = m;
	hc.log = cfg->log;
	hc.log_ctx = cfg->log_ctx;
	hc.log_level = cfg->log_level;
	hc.gpaddr_bits = cfg->gpaddr_bits;
	hc.release = cfg->release;
	hc.lazy_release = cfg->prefault || cfg->lazy_release;
	rc = hv_init(&m->hv, &hc);
	if (rc)
		goto err_map;
	return 0;

err_map:
	munmap(m->ram_va, total);
err_fd:
	close(m->memfd);
	m->memfd = -1;
	return rc;
}

void vmm_set_transport(struct vmm *m, struct transport *t)
{
	/* Domains created before have no VM: a misuse, not a guest mistake. */
	BUG_ON(m->hv.domains != NULL);
	m->transport = t;
}

void vmm_destroy(struct vmm *m)
{
	hv_destroy(&m->hv);
	if (m->ram_va && m->ram_va != MAP_FAILED)
		munmap(m->ram_va, m->ram_size);
	if (m->memfd >= 0)
		close(m->memfd);
	m->memfd = -1;
}

const char *vmm_backing(const struct vmm *m)
{
	(void)m;
	return "4 KiB pages (shmem memfd)";
}

bool vmm_backing_thp(const struct vmm *m)
{
	(void)m;
	return false;
}

uint64_t vmm_memfd_resident(const struct vmm *m)
{
	struct stat st;

	if (fstat(m->memfd, &st) < 0)
		return 0;
	return (uint64_t)st.st_blocks * 512;
}
