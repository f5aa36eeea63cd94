/*
 * Test driver: `memvisor-layout HOST.dtb [options]` runs the planner's
 * cmd_layout() on its own, so planner tests do not depend on the rest of
 * the CLI being built.
 */
#include "cli.h"

int main(int argc, char **argv)
{
	return cmd_layout(argc, argv);
}
