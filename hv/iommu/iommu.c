/*
 * IOMMU contexts.
 */
#include <hv/hv.h>
#include <hv/iommu.h>

#include "../hypercall/hcall.h"
#include <errno.h>

void iommu_domain_destroy(struct domain *d)
{
	(void)d; /* no IOMMU context is created before the PV IOMMU lands */
}

int64_t do_iommu_op(struct hv *hv, struct domain *d, struct hv_hcall *hc)
{
	(void)hv;
	(void)d;
	(void)hc;
	return -ENOSYS;
}
