/*
 * memvisor run: the report (see run_report.h).
 *
 * Everything is read from the hypervisor after the run: tot_pages, the P2M
 * (foreign leaves and their GFN runs, superpage counters) and the
 * transport's exit counters. Foreign GFNs are checked against the extended
 * regions the plan gave the domain, so the report says whether the guest
 * really used them; so are the GFN runs of every foreign map made (the
 * domain's log), which still tell after the guest unmapped them.
 *
 * Virtio disks (memvisor,virtio-disk): requests and bytes come from the
 * backend's VMM block device, IOREQs and events from the frontend's
 * cumulative counters in the hypervisor (they outlive the IOREQ server).
 */
#include <stdio.h>
#include <string.h>

#include <hv/p2m.h>
#include <public/xen.h>

#include "blkdev.h"
#include "json.h"
#include "run_report.h"

struct foreign_walk {
	struct run_report_dom *rep;
	const struct layout_domain *ld;
	uint64_t run_start, run_end; /* current GFN run (end exclusive) */
};

static bool in_regions(const struct layout_domain *ld, paddr_t a, paddr_t len)
{
	for (unsigned int i = 0; i < ld->ext.nr; i++) {
		const struct ext_region *g = &ld->ext.region[i];

		if (a >= g->start && a + len <= g->start + g->size)
			return true;
	}
	return false;
}

static void close_run(struct foreign_walk *w)
{
	struct run_report_dom *rep = w->rep;

	if (w->run_end == w->run_start)
		return;
	if (rep->foreign_ranges < REPORT_MAX_RANGES) {
		rep->range[rep->foreign_ranges][0] = w->run_start << PAGE_SHIFT;
		rep->range[rep->foreign_ranges][1] = (w->run_end - w->run_start) << PAGE_SHIFT;
	}
	rep->foreign_ranges++;
}

static int foreign_leaf(void *ctx, gfn_t gfn, mfn_t mfn, unsigned int order, p2m_type_t t)
{
	struct foreign_walk *w = ctx;
	uint64_t n = 1ULL << order;

	(void)mfn;
	if (!p2m_is_foreign(t))
		return 0;
	w->rep->foreign_frames += n;
	if (w->ld && !in_regions(w->ld, gfn_to_gaddr(gfn), n << PAGE_SHIFT))
		w->rep->foreign_outside_regions += n;
	if (gfn_x(gfn) != w->run_end) {
		close_run(w);
		w->run_start = gfn_x(gfn);
	}
	w->run_end = gfn_x(gfn) + n;
	return 0;
}

void run_report_collect(const struct runner *r, const struct layout_plan *plan,
			const unsigned int *plan_index, const uint64_t *ram_before,
			struct run_report_dom *rep)
{
	struct hv *hv = &r->m->hv;

	hv_lock(hv);
	for (unsigned int i = 0; i < r->nr; i++) {
		const struct runner_dom *rd = &r->dom[i];
		struct domain *d = rd->d;
		const struct layout_domain *ld = &plan->dom[plan_index[i]];
		struct foreign_walk w = {.rep = &rep[i], .ld = ld};

		memset(&rep[i], 0, sizeof(rep[i]));
		rep[i].name = ld->name;
		rep[i].id = d->id;
		rep[i].ram_before = ram_before[i];
		rep[i].ram_after = d->p2m.st.ram_frames;
		rep[i].ram_lowest = MIN(d->p2m.st.ram_frames_low, d->p2m.st.ram_frames);
		rep[i].owned = d->tot_pages;
		rep[i].foreign_maps_made = d->st.foreign_mapped;
		rep[i].nr_regions = ld->ext.nr;
		p2m_for_each_leaf(d, foreign_leaf, &w);
		close_run(&w);
		rep[i].foreign_resource = d->st.foreign_resource;
		rep[i].foreign_runs_made = d->st.nr_foreign_runs;
		rep[i].foreign_unlogged = d->st.foreign_unlogged;
		for (unsigned int k = 0; k < d->st.nr_foreign_runs; k++)
			if (!in_regions(ld, d->st.foreign_runs[k].start << PAGE_SHIFT,
					d->st.foreign_runs[k].n << PAGE_SHIFT))
				rep[i].foreign_made_outside_regions += d->st.foreign_runs[k].n;
		rep[i].foreign_split = d->p2m.st.shattered_foreign;
		rep[i].shattered = d->p2m.st.shattered[1] + d->p2m.st.shattered[2] -
				   d->p2m.st.shattered_foreign;
		rep[i].superpages = d->p2m.st.leaves[1] + d->p2m.st.leaves[2];
		rep[i].hypercalls = d->st.hypercalls;
		rep[i].multicall_entries = d->st.multicall_entries;
		rep[i].exits = d->st.hypercalls;
		if (r->m->transport->ops->exits && vmm_dom(d)->transport)
			rep[i].exits = r->m->transport->ops->exits(r->m->transport, vmm_dom(d));
		rep[i].wall_ms = rd->run_ms;
		runner_describe(rd, rep[i].result, sizeof(rep[i].result));
		snprintf(rep[i].blocked_in, sizeof(rep[i].blocked_in), "%s", rd->ex.blocked_in);
		rep[i].ok = rd->ex.kind == GEXIT_SHUTDOWN && rd->ex.reason != SHUTDOWN_crash;
	}
	hv_unlock(hv);
}

unsigned int run_report_devices(const struct runner *r, const struct build_result *res,
				const struct layout_plan *plan, struct run_report_dev *dev,
				unsigned int max)
{
	struct hv *hv = &r->m->hv;
	unsigned int n = 0;

	hv_lock(hv);
	for (unsigned int i = 0; i < r->nr && i < res->nr && n < max; i++) {
		const struct build_domain *bd = &res->dom[i];
		const struct domain *fe = r->dom[i].d;
		struct run_report_dev *v = &dev[n];

		if (!bd->virtio_base)
			continue;
		memset(v, 0, sizeof(*v));
		v->fe = fe->id;
		v->fe_name = plan->dom[bd->plan_index].name;
		v->be = bd->virtio_backend;
		v->be_name = "?";
		v->base = bd->virtio_base;
		v->spi = bd->virtio_spi;
		for (unsigned int k = 0; k < r->nr && k < res->nr; k++) {
			struct blkdev_stats st;

			if (r->dom[k].d->id != v->be)
				continue;
			v->be_name = plan->dom[res->dom[k].plan_index].name;
			if (!r->dom[k].dev[RUNNER_DEV_BLK])
				continue;
			blkdev_get_stats(r->dom[k].dev[RUNNER_DEV_BLK], &st);
			v->requests = st.reads + st.writes + st.flushes;
			v->bytes_read = st.bytes_read;
			v->bytes_written = st.bytes_written;
			v->refused = st.errors;
		}
		v->ioreqs = fe->st.ioreqs;
		v->answers = fe->st.ioreq_answers;
		v->irqs = fe->st.irq_raised;
		v->active_ms = (double)(fe->st.ioreq_last_ns - fe->st.ioreq_first_ns) / 1e6;
		if (v->active_ms > 0)
			v->mb_s = (double)(v->bytes_read + v->bytes_written) / 1e6 /
				  (v->active_ms / 1e3);
		n++;
	}
	hv_unlock(hv);
	return n;
}

static void mib(char *buf, size_t n, uint64_t pages)
{
	snprintf(buf, n, "%" PRIu64 " MiB", pages >> 8);
}

void run_report_print(FILE *f, const struct run_report_dom *rep, unsigned int n,
		      const struct run_report_dev *dev, unsigned int nr_dev, const char *system,
		      const char *transport, double wall_ms)
{
	fprintf(f, "\nmemvisor run %s (%s): %.1f s\n", system, transport, wall_ms / 1000);
	for (unsigned int i = 0; i < n; i++) {
		const struct run_report_dom *d = &rep[i];
		char a[32], b[32], c[32];

		mib(a, sizeof(a), d->ram_before);
		mib(b, sizeof(b), d->ram_after);
		mib(c, sizeof(c), d->ram_lowest);
		fprintf(f, "  d%u %-8s RAM %s -> %s (lowest %s: %" PRIu64 " pages given up at most; "
			   "%" PRIu64 " pages owned)%s\n",
			d->id, d->name, a, b, c, d->ram_before - MIN(d->ram_lowest, d->ram_before),
			d->owned, d->ok ? "" : "  [FAILED]");
		if (d->foreign_maps_made) {
			mib(a, sizeof(a), d->foreign_maps_made - d->foreign_resource);
			fprintf(f, "     foreign maps made: %" PRIu64 " frames (%s) of other domains' RAM",
				d->foreign_maps_made - d->foreign_resource, a);
			if (d->foreign_resource)
				fprintf(f, " + %" PRIu64 " acquired resource frame(s)",
					d->foreign_resource);
			fprintf(f, ", in %" PRIu64 " GFN run(s)%s, %s\n", d->foreign_runs_made,
				d->foreign_unlogged ? " and more" : "",
				!d->nr_regions ? "in ballooned RAM (it has no extended regions)"
				: d->foreign_made_outside_regions || d->foreign_unlogged
					? "NOT all known to be inside its extended regions"
					: "all inside its extended regions");
		}
		if (d->foreign_frames || d->foreign_maps_made) {
			mib(a, sizeof(a), d->foreign_frames);
			fprintf(f, "     foreign-mapped at the end %" PRIu64 " frames (%s) in %" PRIu64
				   " GFN run(s), %s\n",
				d->foreign_frames, a, d->foreign_ranges,
				!d->foreign_frames ? "none"
				: !d->nr_regions ? "in ballooned RAM (it has no extended regions)"
				: d->foreign_outside_regions ? "NOT all inside its extended regions"
							     : "all inside its extended regions");
			for (uint64_t k = 0; k < d->foreign_ranges && k < REPORT_MAX_RANGES; k++)
				fprintf(f, "       %#014" PRIx64 " +%#" PRIx64 "\n", d->range[k][0],
					d->range[k][1]);
			if (d->foreign_ranges > REPORT_MAX_RANGES)
				fprintf(f, "       ... %" PRIu64 " more\n",
					d->foreign_ranges - REPORT_MAX_RANGES);
		}
		fprintf(f, "     P2M superpages shattered %" PRIu64, d->shattered);
		if (d->foreign_split)
			fprintf(f, " (and %" PRIu64 " of merged foreign maps split as they were "
				   "undone)", d->foreign_split);
		fprintf(f, ", superpages now %" PRIu64 "; hypercalls %" PRIu64 ", exits %" PRIu64
			   "; %.0f ms\n", d->superpages, d->hypercalls, d->exits, d->wall_ms);
		fprintf(f, "     %s\n", d->result);
	}
	for (unsigned int i = 0; i < nr_dev; i++) {
		const struct run_report_dev *v = &dev[i];

		fprintf(f, "  virtio-blk of d%u %s at %#" PRIx64 " (SPI %u), served by d%u %s:\n",
			v->fe, v->fe_name, v->base, v->spi, v->be, v->be_name);
		fprintf(f, "     %" PRIu64 " requests, %" PRIu64 " KiB read + %" PRIu64
			   " KiB written (%" PRIu64 " refused), %.1f MB/s over %.1f ms\n",
			v->requests, v->bytes_read >> 10, v->bytes_written >> 10, v->refused, v->mb_s,
			v->active_ms);
		fprintf(f, "     %" PRIu64 " IOREQs; event notifications: %" PRIu64 " to the backend, %"
			   PRIu64 " answers, %" PRIu64 " device interrupts\n",
			v->ioreqs, v->ioreqs, v->answers, v->irqs);
	}
}

void run_report_json(FILE *f, const struct run_report_dom *rep, unsigned int n,
		     const struct run_report_dev *dev, unsigned int nr_dev, const char *system,
		     const char *transport, double wall_ms, const struct hostinfo *host,
		     const struct run_phases *ph)
{
	fprintf(f, "{\"system\":");
	json_str(f, system);
	if (host) {
		fputs(",\"host\":", f);
		hostinfo_json(f, host);
	}
	if (ph) {
		fputs(",\"phases\":", f);
		run_report_phases_json(f, ph);
	}
	fprintf(f, ",\"transport\":\"%s\",\"wall_ms\":%.1f,\"domains\":[", transport, wall_ms);
	for (unsigned int i = 0; i < n; i++) {
		const struct run_report_dom *d = &rep[i];

		fprintf(f, "%s{\"id\":%u,\"name\":", i ? "," : "", d->id);
		json_str(f, d->name);
		fprintf(f, ",\"ok\":%s,\"ram_pages_lowest\":%" PRIu64 ",\"owned_pages\":%" PRIu64,
			d->ok ? "true" : "false", d->ram_lowest, d->owned);
		fprintf(f, ",\"ram_pages_before\":%" PRIu64 ",\"ram_pages_after\":%" PRIu64
			   ",\"foreign_frames\":%" PRIu64 ",\"foreign_maps_made\":%" PRIu64
			   ",\"foreign_ranges\":%" PRIu64 ",\"foreign_outside_regions\":%" PRIu64
			   ",\"ranges\":[",
			d->ram_before, d->ram_after, d->foreign_frames,
			d->foreign_maps_made, d->foreign_ranges, d->foreign_outside_regions);
		for (uint64_t k = 0; k < d->foreign_ranges && k < REPORT_MAX_RANGES; k++) {
			fputs(k ? "," : "", f);
			json_hex_pair(f, d->range[k][0], d->range[k][1]);
		}
		fprintf(f, "],\"foreign_resource_frames\":%" PRIu64, d->foreign_resource);
		fprintf(f, ",\"foreign_runs_made\":%" PRIu64 ",\"foreign_made_outside_regions\":%"
			   PRIu64 ",\"foreign_unlogged\":%" PRIu64 ",\"foreign_superpages_split\":%"
			   PRIu64, d->foreign_runs_made, d->foreign_made_outside_regions,
			d->foreign_unlogged, d->foreign_split);
		fprintf(f, ",\"superpages_shattered\":%" PRIu64 ",\"superpages\":%" PRIu64
			   ",\"hypercalls\":%" PRIu64 ",\"multicall_entries\":%" PRIu64
			   ",\"exits\":%" PRIu64 ",\"wall_ms\":%.1f,\"result\":",
			d->shattered, d->superpages, d->hypercalls, d->multicall_entries, d->exits,
			d->wall_ms);
		json_str(f, d->result);
		fputs(",\"blocked_in\":", f);
		if (d->blocked_in[0])
			json_str(f, d->blocked_in);
		else
			fputs("null", f);
		fputc('}', f);
	}
	fputs("],\"virtio_disks\":[", f);
	for (unsigned int i = 0; i < nr_dev; i++) {
		const struct run_report_dev *v = &dev[i];

		fprintf(f, "%s{\"frontend\":%u,\"backend\":%u,\"base\":\"%#" PRIx64
			   "\",\"spi\":%u,\"requests\":%" PRIu64 ",\"bytes_read\":%" PRIu64
			   ",\"bytes_written\":%" PRIu64 ",\"refused\":%" PRIu64
			   ",\"active_ms\":%.1f,\"mb_s\":%.2f,\"ioreqs\":%" PRIu64
			   ",\"events\":{\"to_backend\":%" PRIu64 ",\"answers\":%" PRIu64
			   ",\"interrupts\":%" PRIu64 "}}",
			i ? "," : "", v->fe, v->be, v->base, v->spi, v->requests, v->bytes_read,
			v->bytes_written, v->refused, v->active_ms, v->mb_s, v->ioreqs, v->ioreqs,
			v->answers, v->irqs);
	}
	fprintf(f, "]}\n");
}

/* --- the phases of the whole run ---------------------------------------- */

double run_phases_limit_ms(const struct run_phases *ph)
{
	return ph->limit_touch_ms + ph->limit_view_ms + ph->limit_release_ms;
}

void run_report_phases_print(FILE *f, const struct run_phases *ph)
{
	fprintf(f, "  phases: build %.0f ms, prefault %.0f ms (%" PRIu64 " MiB, %s), "
		   "first guest entry at %.0f ms, run %.0f ms, teardown %.0f ms; total %.0f ms\n",
		ph->build_ms, ph->prefault_ms, ph->prefault_bytes >> 20,
		!ph->prefault_bytes ? "none"
		: ph->prefault_background ? "in the background, racing the guests"
					  : "before the guests started",
		ph->first_entry_ms, ph->run_ms, ph->teardown_ms, ph->total_ms);
	fprintf(f, "  guest RAM backing: %s\n", ph->backing);
	if (ph->limit) {
		double lim = run_phases_limit_ms(ph);

		fprintf(f, "  limit (same work, same run): first touch of %" PRIu64 " MiB of a fresh "
			   "memfd %.0f ms, read of %" PRIu64 " MiB through a second mapping %.0f ms, "
			   "release %.0f ms: %.0f ms; this run %.0f ms = %.2fx the limit\n",
			ph->limit_ram_bytes >> 20, ph->limit_touch_ms, ph->limit_view_bytes >> 20,
			ph->limit_view_ms, ph->limit_release_ms, lim, ph->total_ms,
			lim > 0 ? ph->total_ms / lim : 0);
	}
}

void run_report_phases_json(FILE *f, const struct run_phases *ph)
{
	fprintf(f, "{\"build_ms\":%.1f,\"prefault_ms\":%.1f,\"prefault_bytes\":%" PRIu64
		   ",\"prefault\":\"%s\",\"first_guest_entry_ms\":%.1f,\"run_ms\":%.1f"
		   ",\"teardown_ms\":%.1f,\"total_ms\":%.1f,\"backing\":",
		ph->build_ms, ph->prefault_ms, ph->prefault_bytes,
		!ph->prefault_bytes ? "none" : ph->prefault_background ? "background" : "before",
		ph->first_entry_ms, ph->run_ms, ph->teardown_ms, ph->total_ms);
	json_str(f, ph->backing);
	fputs(",\"limit\":", f);
	if (ph->limit) {
		double lim = run_phases_limit_ms(ph);

		fprintf(f, "{\"ram_bytes\":%" PRIu64 ",\"view_bytes\":%" PRIu64
			   ",\"touch_ms\":%.1f,\"view_ms\":%.1f,\"release_ms\":%.1f"
			   ",\"total_ms\":%.1f,\"ratio\":%.3f}",
			ph->limit_ram_bytes, ph->limit_view_bytes, ph->limit_touch_ms,
			ph->limit_view_ms, ph->limit_release_ms, lim,
			lim > 0 ? ph->total_ms / lim : 0);
	} else {
		fputs("null", f);
	}
	fputc('}', f);
}
