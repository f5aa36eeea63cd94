/* Constants shared by the xenstore-service guest test (guest/tests/xsd)
 * and its driver (tests/guest/xsd.c). */
#ifndef GUEST_TEST_XSD_XT_H
#define GUEST_TEST_XSD_XT_H

#define XT_FE1 1
#define XT_FE2 2
#define XT_GONE 3 /* a domain with a store and no disk that shuts down */
#define XT_FLOOD 4 /* a domain that floods its ring and never reads a reply */
#define XT_FE_RAM (32ULL << 20)
#define XT_MMIO 0x02000000ULL /* libxl's GUEST_VIRTIO_MMIO_BASE */
#define XT_IRQ 33
#define XT_VDEV "xvda"
#define XT_DEVID 51712u     /* xvda: 202 << 8 */
#define XT_SECTORS 512ULL   /* the backend's RAM disk: 256 KiB */
#define XT_DOM0_CPUS 3      /* backend (vCPU 0), xenstored, toolstack */

#endif
