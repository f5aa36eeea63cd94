/*
 * Adversarial guest tests: role groups kept in their own files, called
 * from test_main (guest/tests/adversary/main.c).
 */
#ifndef ADV_ROLES_H
#define ADV_ROLES_H

#include <stdbool.h>

/* The virtio roles (virtio.c): runs role r and returns true if it is one. */
bool adv_virtio_role(const char *r);

#endif
