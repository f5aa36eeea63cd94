/*
 * Growable arrays (hv/vec.h). The array pointer is read and written through
 * memcpy: the caller's pointer has its own element type, and every object
 * pointer has the representation of void * on the hosts memvisor runs on.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <hv/hv.h>
#include <hv/vec.h>

int vec_grow(struct hv *hv, void *arrp, size_t *capp, size_t want, size_t esz,
	     size_t first, size_t max)
{
	size_t cap = *capp;
	void *old, *nw;

	if (want <= cap)
		return 0;
	if (want > max || !esz)
		return -ENOMEM;
	if (!cap)
		cap = first ? first : 1;
	while (cap < want)
		cap = cap > SIZE_MAX / 2 ? SIZE_MAX : cap * 2;
	if (cap > max)
		cap = max;
	if (cap > SIZE_MAX / esz)
		return -ENOMEM;
	memcpy(&old, arrp, sizeof(old));
	nw = hv ? hv_realloc(hv, old, cap * esz) : realloc(old, cap * esz);
	if (!nw)
		return -ENOMEM;
	memcpy(arrp, &nw, sizeof(nw));
	*capp = cap;
	return 0;
}
