/*
 * Entry of a guest-test program: the test (built hosted) plus the driver.
 */
#include <rt/rt.h>

#include "gtest.h"

int main(int argc, char **argv)
{
	return gtest_main(argc, argv, rt_main);
}
