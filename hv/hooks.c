/*
 * The calls the memory layer makes upward (struct mm_hooks in mm.h), bound
 * here at the top of the core, which may include every subsystem: mm/
 * itself includes no header of grant/, iommu/ or of the domain lifecycle's
 * users, so scripts/check-imports.py sees no edge from it to them.
 */
#include <hv/domain.h>
#include <hv/event.h>
#include <hv/grant.h>
#include <hv/iommu.h>
#include <hv/mm.h>

const struct mm_hooks mm_hooks = {
	.gfn_removed = iommu_gfn_removed,
	.domain_released = domain_finalise,
	.map_grant_frame = gnttab_add_to_physmap,
	.map_shared_info = evtchn_map_shared_info,
};
