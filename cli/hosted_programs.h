/* The built-in (hosted) programs of memvisor: cli/hosted_programs.c. */
#ifndef CLI_HOSTED_PROGRAMS_H
#define CLI_HOSTED_PROGRAMS_H

/* The main of the built-in program a kernel file names, or NULL. */
void (*hosted_program(const char *path))(void);

#endif
