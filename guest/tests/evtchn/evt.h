/*
 * Event-channel guest tests: what the program (guest/tests/evtchn/main.c)
 * and its multi-domain driver (tests/guest/evtchn.c) agree on. Plain
 * constants: included by freestanding guest code and by the host driver.
 *
 * Ports are predictable because Xen hands out the lowest free port >= 1
 * (xen-facts-devices 1.2): a domain's first channel is port 1, its second port 2.
 */
#ifndef EVT_H
#define EVT_H

#define EVT_PING 1 /* allocates the channel, sends pings, counts pongs by handler */
#define EVT_PONG 2 /* binds to it, answers each ping (waits without a handler) */

#define EVT_ROUNDS 200u	     /* ping-pong round trips */
#define EVT_FIRST_PORT 1u     /* each domain's first port */
#define EVT_WAIT_NS 20000000000ULL /* 20 s: only a limit for a broken run */

#endif
