/*
 * The operator's way to Dom0's toolstack (issue 16 item 4; docs/toolstack.md,
 * "The operator interface").
 *
 * A command travels as bytes on Dom0's console input (hv/console.h), in the
 * protocol the Dom0 program reads (guest/programs/dom0):
 *   create <cfg_len> <kernel_len>\n  <cfg bytes> <kernel bytes>
 *   destroy <name-or-domid>\n | list\n | shutdown\n
 * and its reply comes back as Dom0's console lines starting "xl: ", the
 * last one "xl: end <rc>" (0 or a negative errno). One command at a time.
 *
 * `memvisor run --control [SOCKET]` serves the same protocol on a unix
 * socket (one connection = one command: the client sends the command's
 * bytes, the server answers with the reply lines, then closes), and
 * `memvisor create|list|destroy|shutdown --system SOCKET` are its clients;
 * `memvisor run --create CFG` sends creates from inside the run.
 */
#ifndef MEMVISOR_CONTROL_H
#define MEMVISOR_CONTROL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "runner.h"

#define CTL_REPLY_MAX 65536        /* bytes of reply lines kept per command */
#define CTL_CFG_MAX (64 * 1024)    /* an xl.cfg */
#define CTL_KERNEL_MAX (64 << 20)  /* a kernel image */
#define CTL_DEFAULT_TIMEOUT_MS 30000

struct ctl {
	struct runner *r;
	struct domain *dom0;       /* the domain whose console takes the commands */
	unsigned int timeout_ms;   /* for Dom0 to take a command and to answer it */
	pthread_mutex_t lock;      /* below; taken under the hypervisor lock (line hook) */
	pthread_cond_t cond;
	pthread_mutex_t one;       /* one command at a time */
	bool active, ended, closing;
	int rc;
	char reply[CTL_REPLY_MAX]; /* "xl: " lines of the command in progress, '\n'-ended */
	size_t reply_len, reply_read;
	double t_sent_ms, t_end_ms;
	/* the socket server */
	char *path;
	int listen_fd, quit_pipe[2];
	pthread_t th;
	bool serving;
	/* names of created domains, from Dom0's "xl: building dN NAME" (said
	 * before the unpause), with Dom0's block-device counters then */
	struct {
		bool used;
		unsigned int id;
		char name[64];
		uint64_t reads, writes, bytes_read, bytes_written;
	} names[32];
	unsigned int next_name;
	unsigned int created_bad; /* created domains that crashed or timed out */
	/* --create */
	const char *const *create;
	unsigned int nr_create, create_failed;
	pthread_t create_th;
	bool creating;
};

/* Sets up the command path for Dom0's console (r's line hook). */
void ctl_init(struct ctl *c, struct runner *r, struct domain *dom0);
/* Serves the socket at path (NULL: the default, ctl_default_path). 0, or
 * -1 after saying why. Threads are made with the stop signals blocked. */
int ctl_serve(struct ctl *c, const char *path);
/* Sends the creates of --create, waits for the created domains' end, then
 * asks Dom0 to shut the system down. */
int ctl_run_creates(struct ctl *c, const char *const *cfgs, unsigned int n);
/* Stops the threads, removes the socket. *failed: creates that failed. */
void ctl_fini(struct ctl *c, unsigned int *failed);

/* The default socket: $XDG_RUNTIME_DIR/memvisor/control, else
 * /tmp/memvisor-<uid>/control (a directory of the user's, mode 0700). */
char *ctl_default_path(bool make_dir);

/* The bytes of a create command for cfg_path: header, config, the kernel
 * it names (relative to the config). NULL after saying why (cmd: who). */
void *ctl_create_request(const char *cmd, const char *cfg_path, size_t *len);

int cmd_create(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_destroy(int argc, char **argv);
int cmd_shutdown(int argc, char **argv);

#endif
