/*
 * Per-domain IOMMU contexts (bus frame -> machine frame) and the PV IOMMU.
 */
#ifndef HV_IOMMU_H
#define HV_IOMMU_H

#include <hv/domain.h>

/* Drops every IOMMU mapping of d and the references they hold. */
void iommu_domain_destroy(struct domain *d);

#endif
