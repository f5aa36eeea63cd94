/*
 * Guests that go wrong on purpose, for the fault-containment tests. The
 * mode comes from /chosen bootargs "fault=<mode>":
 *   triple    wreck the IDT, then fault: the CPU triple-faults
 *   unbacked  give a RAM page back, then touch it
 *   nomem     touch guest-physical space no memory slot covers
 *   spin      loop forever without a hypercall
 *   pagefault touch an unmapped virtual address (the runtime reports it)
 *   crash     ask for SHUTDOWN_crash
 *   badhcall  make a hypercall past the hypercall page (number 200)
 *   block     sleep in SCHEDOP_block with nothing to wake it (the time
 *             limit must end the run and the report say it was blocked)
 * or, without that, from /chosen "memvisor,fault". The VMM must report
 * each and stop only this domain.
 */
#include <libfdt.h>
#include <string.h>

#include <rt/hypercall.h>
#include <rt/mm.h>
#include <rt/test.h>

const char test_title[] = "fault containment";

extern uint8_t rt_idt[];

/* "fault=<mode>" in bootargs, else /chosen memvisor,fault (copied there
 * from the domain node of a system DT). */
static const char *mode(void)
{
	int chosen = fdt_path_offset(rt_dt(), "/chosen");
	const char *s = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "bootargs", NULL) : NULL;
	const char *m = s ? strstr(s, "fault=") : NULL;

	if (m)
		return m + 6;
	s = chosen >= 0 ? fdt_getprop(rt_dt(), chosen, "memvisor,fault", NULL) : NULL;
	return s ? s : "";
}

static bool is(const char *m, const char *name)
{
	size_t n = strlen(name);

	return !strncmp(m, name, n) && (m[n] == '\0' || m[n] == ' ');
}

void test_main(void)
{
	const char *m = mode();
	volatile uint64_t *p;

	rt_printf("fault mode: %s\n", m);
	if (is(m, "triple")) {
#ifndef RT_HOSTED
		memset(rt_idt, 0, 32 * 16);
		__asm__ volatile("ud2");
#endif
	} else if (is(m, "unbacked")) {
		xen_pfn_t *frame = rt_alloc_pages(1);
		uint8_t *page = rt_alloc_pages(1);
		struct xen_memory_reservation r = {.nr_extents = 1, .domid = DOMID_SELF};

		*frame = rt_virt_to_phys(page) >> 12;
		set_xen_guest_handle(r.extent_start, rt_handle(frame));
		rt_printf("decrease returned %ld; touching %#llx\n",
			  HYPERVISOR_memory_op(XENMEM_decrease_reservation, &r),
			  (unsigned long long)rt_virt_to_phys(page));
		p = (volatile uint64_t *)page;
		*p = 1;
	} else if (is(m, "nomem")) {
		p = rt_phys_to_virt(0x38000000ULL); /* region 0, identity-mapped, empty */
		(void)*p;
	} else if (is(m, "block")) {
		for (;;) /* a wake-up may be spurious: block again */
			HYPERVISOR_sched_op(SCHEDOP_block, NULL);
	} else if (is(m, "spin")) {
		for (;;)
			__asm__ volatile("pause");
	} else if (is(m, "pagefault")) {
		p = (volatile uint64_t *)0x7f0000000000ULL;
		(void)*p;
	} else if (is(m, "crash")) {
		rt_crash("asked to crash");
	} else if (is(m, "badhcall")) {
#ifndef RT_HOSTED
		/* The runtime refuses numbers past the page, so go around it
		 * with the stubs' own port write. */
		__asm__ volatile("outl %0, %1" : : "a"(200u), "Nd"((uint16_t)0xEA) : "memory");
#else
		rt_hypercall(200, 0, 0, 0, 0, 0);
#endif
		rt_printf("still running after hypercall 200\n");
	} else {
		rt_test_error("unknown fault mode \"%s\"", m);
		return;
	}
	rt_test_fail("still running after fault mode %s", m);
}
