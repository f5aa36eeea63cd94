/*
 * The toolstack's xenstore hooks (struct xl_xs_ops, xen/toolstack.h) over
 * xenstored's client and libxl's node writer (xen/xs_libxl.h): what libxl
 * does around a domain's build, through a Dom0-local client of xenstored.
 *
 *   domain_new   libxl's nodes for the domain and each virtio disk's
 *                frontend/backend nodes (state Initialising), then
 *                INTRODUCE (the store frame and port the toolstack made);
 *                on failure what it wrote is removed again
 *   disk_wait    the backend's state reaching InitWait (libxl's wait);
 *                how long is the client's wait hook's choice
 *   domain_gone  RELEASE, then the domain's nodes and its disks' backend
 *                directories removed
 *
 * Use: struct xl xl = {.xs = &xl_xs_libxl_ops, .xs_ctx = client, ...}.
 */
#ifndef XEN_TOOLSTACK_XS_H
#define XEN_TOOLSTACK_XS_H

#include <xen/toolstack.h>
#include <xen/xenstore.h>

/* ctx: the struct xs_client * to write through (privileged, Dom0's). */
extern const struct xl_xs_ops xl_xs_libxl_ops;

#endif
