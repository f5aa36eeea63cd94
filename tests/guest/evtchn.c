/*
 * Event-channel scenarios for the multi-domain driver (gtest_multi.h),
 * over the guest program guest/tests/evtchn (roles and constants in
 * evt.h): ping-pong between two domains, masking, close while pending,
 * peer death, waits with a timeout, vcpu_info registration. The guests check the ABI; the driver
 * runs the audit after every phase (gtest_multi), destroys the dying
 * peer between the phases of "death" and checks it is gone.
 */
#include <stdio.h>

#include <hv/domain.h>
#include <hv/event.h>
#include <hv/hv.h>
#include <hv/realize.h>
#include <public/event_channel.h>
#include <rt/rt.h>

#include "../../guest/tests/evtchn/evt.h"
#include "gtest_multi.h"

#define ONE(role) {.name = role, .domid = EVT_PING, .bootargs = "role=" role, .phase = 0}

/* Before phase 1 of "death": death-a dies (as a domain_kill would). */
static int kill_a(struct gmulti *g, unsigned int p)
{
	struct domain *a = gmulti_domain(g, EVT_PING);

	if (p != 1)
		return 0;
	if (gmulti_expect(a != NULL, "d%u is already gone", EVT_PING))
		return 1;
	hv_lock(&g->m.hv);
	domain_destroy(a);
	hv_realize_flush(&g->m.hv);
	hv_unlock(&g->m.hv);
	return gmulti_expect(gmulti_domain(g, EVT_PING) == NULL, "d%u was not finalised",
			     EVT_PING) +
	       gmulti_audit(g, "after the peer died");
}

/* Ports of d that are not closed, or -1 when it is gone (lock held). */
static int open_ports(const struct domain *d)
{
	int open = 0;

	if (!d)
		return -1;
	for (uint32_t p = 0; evtchn_port_state(d, p) >= 0; p++)
		open += evtchn_port_state(d, p) != EVTCHNSTAT_closed;
	return open;
}

/* The channel stays connected after the guests stopped: one port each. */
static int check_pingpong(struct gmulti *g)
{
	struct domain *a = gmulti_domain(g, EVT_PING), *b = gmulti_domain(g, EVT_PONG);
	int sa, sb, oa, ob;

	if (gmulti_expect(a && b, "a domain is gone"))
		return 1;
	hv_lock(&g->m.hv);
	sa = evtchn_port_state(a, EVT_FIRST_PORT);
	sb = evtchn_port_state(b, EVT_FIRST_PORT);
	oa = open_ports(a);
	ob = open_ports(b);
	hv_unlock(&g->m.hv);
	return gmulti_expect(sa == EVTCHNSTAT_interdomain && sb == EVTCHNSTAT_interdomain,
			     "the channel is not connected: states %d and %d", sa, sb) +
	       gmulti_expect(oa == 1 && ob == 1, "open ports: d%u %d, d%u %d", EVT_PING, oa,
			     EVT_PONG, ob);
}

/* The single-domain scenarios close every port they opened. */
static int check_closed(struct gmulti *g)
{
	struct domain *d = gmulti_domain(g, EVT_PING);
	int open;

	hv_lock(&g->m.hv);
	open = open_ports(d);
	hv_unlock(&g->m.hv);
	return gmulti_expect(open == 0, "d%u has %d open port(s) left", EVT_PING, open);
}

/* After the peer's death and death-b's close nothing is left. */
static int check_death(struct gmulti *g)
{
	struct domain *d = gmulti_domain(g, EVT_PONG);
	int open;

	hv_lock(&g->m.hv);
	open = open_ports(d);
	hv_unlock(&g->m.hv);
	return gmulti_expect(open == 0, "d%u has %d open port(s) left", EVT_PONG, open) +
	       gmulti_expect(gmulti_domain(g, EVT_PING) == NULL, "the dead peer came back");
}

static const struct gmulti_scenario scenarios[] = {
	{.name = "pingpong",
	 .dom = {{.name = "ping", .domid = EVT_PING, .bootargs = "role=ping", .phase = 0},
		 {.name = "pong", .domid = EVT_PONG, .bootargs = "role=pong", .phase = 0}},
	 .nr = 2,
	 .check = check_pingpong},
	{.name = "mask", .dom = {ONE("mask")}, .nr = 1, .check = check_closed},
	{.name = "close", .dom = {ONE("close")}, .nr = 1, .check = check_closed},
	{.name = "timeout", .dom = {ONE("timeout")}, .nr = 1, .check = check_closed},
	{.name = "vcpuinfo", .dom = {ONE("vcpuinfo")}, .nr = 1, .check = check_closed},
	{.name = "death",
	 .dom = {{.name = "death-a", .domid = EVT_PING, .bootargs = "role=death-a", .phase = 0},
		 {.name = "death-b", .domid = EVT_PONG, .bootargs = "role=death-b", .phase = 0,
		  .more_phases = 1u << 1}},
	 .nr = 2,
	 .before_phase = kill_a,
	 .check = check_death},
};

int main(int argc, char **argv)
{
	return gmulti_main(argc, argv, rt_main, scenarios, ARRAY_SIZE(scenarios));
}
