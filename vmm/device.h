/*
 * The interface of an emulated device behind an MMIO window, as the runner
 * drives it: one device per window the builder placed for a domain
 * (runner_devices[] in runner.c pairs what the builder needs with the
 * model). The window itself stays unbacked in the domain's P2M, so every
 * guest access to it reaches mmio().
 */
#ifndef VMM_DEVICE_H
#define VMM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>

#include <hv/hv.h>

struct vmm_device_model {
	const char *what; /* for messages, e.g. "DMA device" */
	/* A device of d at [base, base + its window). arg: what the model
	 * needs besides, as its header says (NULL: its defaults). NULL
	 * without memory. */
	void *(*create)(struct hv *hv, struct domain *d, paddr_t base, const void *arg);
	/* Frees a device from create (NULL allowed). */
	void (*destroy)(void *dev);
	/* A guest access of size bytes at gpa: true when it is the device's
	 * (a read fills *val, a write takes it). */
	bool (*mmio)(void *dev, paddr_t gpa, unsigned int size, bool write, uint64_t *val);
};

/*
 * Defines the model x_model of a device whose own interface follows the
 * convention struct x *, x_destroy(dev), x_mmio_read(dev, gpa, size, &val),
 * x_mmio_write(dev, gpa, size, val), with the device's x_model_create
 * (the create member: it knows what arg is). The glue is the same for
 * every device, so it is written once, here.
 */
#define VMM_DEVICE_MODEL(x, what_)                                              \
	static void x##_model_destroy(void *dev)                               \
	{                                                                      \
		x##_destroy(dev);                                              \
	}                                                                      \
	static bool x##_model_mmio(void *dev, paddr_t gpa, unsigned int size,   \
				   bool write, uint64_t *val)                  \
	{                                                                      \
		return write ? x##_mmio_write(dev, gpa, size, *val)            \
			     : x##_mmio_read(dev, gpa, size, val);             \
	}                                                                      \
	const struct vmm_device_model x##_model = {                            \
		.what = (what_),                                               \
		.create = x##_model_create,                                    \
		.destroy = x##_model_destroy,                                  \
		.mmio = x##_model_mmio,                                        \
	}

#endif
