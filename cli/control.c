/*
 * The operator interface (control.h): Dom0's console as the command path,
 * the control socket of `memvisor run --control`, its clients, and
 * `memvisor run --create`.
 *
 * Locks: ctl.one serialises commands; ctl.lock guards the reply being
 * collected and is taken by the runner's line hook with the hypervisor
 * lock held, so nothing here takes the hypervisor lock (hv_console_input,
 * hv_lock) while holding ctl.lock. The socket thread and the --create
 * thread block the run's stop signals (runner.h): those stay the runner's.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <hv/console.h>
#include <hv/hv.h>
#include <xen/xlcfg.h>

#include "blkdev.h"
#include "cli.h"
#include "control.h"

static double ms_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void abs_deadline(struct timespec *ts, unsigned int ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += ms / 1000;
	ts->tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts->tv_nsec >= 1000000000L) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000L;
	}
}

/* ---- Dom0's replies: the runner's line hook (hypervisor lock held) ---- */

/* Dom0's block device (the virtio backend's disk), or NULL. */
static struct blkdev *dom0_disk(struct ctl *c)
{
	for (unsigned int i = 0; i < c->r->nr; i++)
		if (c->r->dom[i].d == c->dom0)
			return c->r->dom[i].dev[RUNNER_DEV_BLK];
	return NULL;
}

/* "xl: building dN NAME" (ctl.lock held). */
static void note_name(struct ctl *c, const char *line, size_t len)
{
	char tmp[100], name[64];
	unsigned int id;
	struct blkdev *disk = dom0_disk(c);
	struct blkdev_stats st = {0};

	memcpy(tmp, line, len);
	tmp[len] = '\0';
	if (sscanf(tmp, "xl: building d%u %63s", &id, name) != 2)
		return;
	if (disk)
		blkdev_get_stats(disk, &st);
	c->names[c->next_name].used = true;
	c->names[c->next_name].id = id;
	snprintf(c->names[c->next_name].name, sizeof(c->names[0].name), "%s", name);
	c->names[c->next_name].reads = st.reads;
	c->names[c->next_name].writes = st.writes;
	c->names[c->next_name].bytes_read = st.bytes_read;
	c->names[c->next_name].bytes_written = st.bytes_written;
	c->next_name = (c->next_name + 1) % (unsigned int)ARRAY_SIZE(c->names);
}

static void ctl_line(void *ctx, struct domain *d, const char *line, size_t len)
{
	struct ctl *c = ctx;

	if (d != c->dom0 || len < 4 || memcmp(line, "xl: ", 4))
		return;
	pthread_mutex_lock(&c->lock);
	if (len > 14 && len < 100 && !memcmp(line, "xl: building d", 14))
		note_name(c, line, len);
	if (c->active && !c->ended) {
		/* a reply too long for the buffer loses its middle, never its end */
		if (c->reply_len + len + 1 <= sizeof(c->reply)) {
			memcpy(c->reply + c->reply_len, line, len);
			c->reply_len += len;
			c->reply[c->reply_len++] = '\n';
		}
		if (len > 8 && !memcmp(line, "xl: end ", 8)) {
			char num[16];
			size_t n = MIN(len - 8, sizeof(num) - 1);

			memcpy(num, line + 8, n);
			num[n] = '\0';
			c->rc = (int)strtol(num, NULL, 10);
			c->ended = true;
			c->t_end_ms = ms_now();
		}
		pthread_cond_broadcast(&c->cond);
	}
	pthread_mutex_unlock(&c->lock);
}

/*
 * The report of a created domain whose run ended (runner.dyn_report): the
 * line a boot-built domain gets at its end, with the name Dom0 gave it,
 * then its block of the run's report (RAM, costs) and, with a virtio
 * disk, what reached its backend and what Dom0's block device moved
 * meanwhile (shared with whatever else Dom0 served at the time).
 */
static void ctl_dyn_report(void *ctx, struct runner_dom *rd, bool stopped)
{
	struct ctl *c = ctx;
	struct hv *hv = &c->r->m->hv;
	struct transport *t = c->r->m->transport;
	struct domain *d = rd->d;
	char how[400], name[64] = "";
	const char *what;
	uint64_t ram, owned, hc, exits, ioreqs, irqs;
	struct blkdev *disk = dom0_disk(c);
	struct blkdev_stats st = {0}, st0 = {0};
	FILE *f = c->r->err;

	runner_describe(rd, how, sizeof(how));
	what = strstr(how, "): ");
	what = stopped ? "stopped while running (destroyed)" : what ? what + 3 : how;
	pthread_mutex_lock(&c->lock);
	for (unsigned int i = 0; i < ARRAY_SIZE(c->names); i++)
		if (c->names[i].used && c->names[i].id == d->id) {
			snprintf(name, sizeof(name), "%s", c->names[i].name);
			st0.reads = c->names[i].reads;
			st0.writes = c->names[i].writes;
			st0.bytes_read = c->names[i].bytes_read;
			st0.bytes_written = c->names[i].bytes_written;
		}
	pthread_mutex_unlock(&c->lock);
	if (!stopped && rd->ex.kind != GEXIT_SHUTDOWN)
		__atomic_add_fetch(&c->created_bad, 1, __ATOMIC_RELAXED);
	hv_lock(hv);
	ram = d->p2m.st.ram_frames;
	owned = d->tot_pages;
	hc = d->st.hypercalls;
	ioreqs = d->st.ioreqs;
	irqs = d->st.irq_raised;
	hv_unlock(hv);
	exits = hc;
	if (t->ops->exits && vmm_dom(d)->transport)
		exits = t->ops->exits(t, vmm_dom(d));
	fprintf(f, "memvisor: d%u (%s): %s (created at runtime; vCPU 0 entered %.2f ms after "
		   "its first unpause", d->id, name, what,
		rd->start_ms ? rd->start_ms - rd->unpause_ms : -1.0);
	if (rd->first_line_ms)
		fprintf(f, ", first console line after %.2f ms", rd->first_line_ms - rd->unpause_ms);
	fprintf(f, ")\n");
	fprintf(f, "  d%u %-8s RAM %llu MiB (%llu pages owned); hypercalls %llu, exits %llu; "
		   "%.0f ms%s\n", d->id, name, (unsigned long long)(ram >> 8),
		(unsigned long long)owned, (unsigned long long)hc, (unsigned long long)exits,
		rd->run_ms, !stopped && rd->ex.kind != GEXIT_SHUTDOWN ? "  [FAILED]" : "");
	if (ioreqs) {
		if (disk)
			blkdev_get_stats(disk, &st);
		fprintf(f, "     virtio disk: %llu accesses forwarded to its backend (IOREQ), %llu "
			   "interrupts raised; Dom0's block device meanwhile: %llu read(s), %llu "
			   "KiB; %llu write(s), %llu KiB\n",
			(unsigned long long)ioreqs, (unsigned long long)irqs,
			(unsigned long long)(st.reads - st0.reads),
			(unsigned long long)((st.bytes_read - st0.bytes_read) >> 10),
			(unsigned long long)(st.writes - st0.writes),
			(unsigned long long)((st.bytes_written - st0.bytes_written) >> 10));
	}
	fflush(f);
}

void ctl_init(struct ctl *c, struct runner *r, struct domain *dom0)
{
	memset(c, 0, sizeof(*c));
	c->r = r;
	c->dom0 = dom0;
	c->timeout_ms = CTL_DEFAULT_TIMEOUT_MS;
	c->listen_fd = -1;
	c->quit_pipe[0] = c->quit_pipe[1] = -1;
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->one, NULL);
	pthread_cond_init(&c->cond, NULL);
	r->line_hook = ctl_line;
	r->line_ctx = c;
	r->dyn_report = ctl_dyn_report;
	r->dyn_report_ctx = c;
}

static bool dom0_running(struct ctl *c)
{
	struct hv *hv = &c->r->m->hv;
	bool up;

	hv_lock(hv);
	up = c->dom0->state == DOMS_running;
	hv_unlock(hv);
	return up;
}

typedef void (*ctl_out_fn)(void *arg, const char *text, size_t len);

/* A reply line of the VMM's own (an error before or instead of Dom0's). */
static void say(ctl_out_fn out, void *arg, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void say(ctl_out_fn out, void *arg, const char *fmt, ...)
{
	char buf[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	out(arg, buf, MIN((size_t)n, sizeof(buf) - 1));
}

/* Until the console input has room, in steps so that the end of the run
 * or of Dom0 cuts the wait short. 0 or -ETIMEDOUT. */
static int wait_room(struct ctl *c)
{
	for (unsigned int waited = 0; waited < c->timeout_ms; waited += 200) {
		if (!hv_console_input_wait(&c->r->m->hv, 200))
			return 0;
		if (__atomic_load_n(&c->closing, __ATOMIC_ACQUIRE) || !dom0_running(c))
			return -ETIMEDOUT;
	}
	return -ETIMEDOUT;
}

/*
 * One command: its bytes into Dom0's console input, then Dom0's reply
 * lines handed to out as they come, Dom0's own `xl: end <rc>` last. A
 * failure of the path itself (no Dom0, Dom0 not reading, no answer in
 * time) is said as "memvisor: ..." plus an `xl: end <rc>` of its own.
 * Returns rc.
 */
static int ctl_command(struct ctl *c, const void *req, size_t len, ctl_out_fn out, void *arg)
{
	struct hv *hv = &c->r->m->hv;
	const char *p = req;
	size_t done = 0;
	struct timespec ts;
	int rc;

	pthread_mutex_lock(&c->one);
	if (!dom0_running(c)) {
		say(out, arg, "memvisor: d%u (Dom0) is not running: nobody takes commands\n",
		    c->dom0->id);
		rc = -ESRCH;
		goto end_own;
	}
	pthread_mutex_lock(&c->lock);
	c->active = true;
	c->ended = false;
	c->rc = 0;
	c->reply_len = c->reply_read = 0;
	c->t_sent_ms = ms_now();
	pthread_mutex_unlock(&c->lock);

	while (done < len) {
		done += hv_console_input(hv, p + done, len - done);
		if (done == len)
			break;
		if (wait_room(c)) {
			say(out, arg, "memvisor: Dom0 took none of the command's bytes for %u s "
				      "(%zu of %zu sent): is its toolstack running?\n",
			    c->timeout_ms / 1000, done, len);
			rc = -ETIMEDOUT;
			goto end_active;
		}
	}

	/* The reply, line by line, until its end; the time limit counts from
	 * the last line Dom0 said. */
	pthread_mutex_lock(&c->lock);
	abs_deadline(&ts, c->timeout_ms);
	for (;;) {
		while (c->reply_read < c->reply_len) {
			char line[CTL_REPLY_MAX];
			size_t n = c->reply_len - c->reply_read;

			memcpy(line, c->reply + c->reply_read, n);
			c->reply_read += n;
			pthread_mutex_unlock(&c->lock);
			out(arg, line, n);
			pthread_mutex_lock(&c->lock);
			abs_deadline(&ts, c->timeout_ms);
		}
		if (c->ended)
			break;
		if (c->closing) {
			pthread_mutex_unlock(&c->lock);
			say(out, arg, "memvisor: the system ended before Dom0 answered\n");
			rc = -ECANCELED;
			goto end_active;
		}
		if (pthread_cond_timedwait(&c->cond, &c->lock, &ts) == ETIMEDOUT) {
			pthread_mutex_unlock(&c->lock);
			say(out, arg, "memvisor: Dom0 did not answer within %u s%s\n",
			    c->timeout_ms / 1000, dom0_running(c) ? "" : " (it is no longer running)");
			rc = -ETIMEDOUT;
			goto end_active;
		}
	}
	rc = c->rc;
	c->active = false;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&c->one);
	return rc;

end_active:
	pthread_mutex_lock(&c->lock);
	c->active = false;
	pthread_mutex_unlock(&c->lock);
end_own:
	say(out, arg, "xl: end %d\n", rc);
	pthread_mutex_unlock(&c->one);
	return rc;
}

/* ---- the request bytes ---- */

static char *dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return strdup(".");
	if (slash == path)
		return strdup("/");
	return strndup(path, (size_t)(slash - path));
}

void *ctl_create_request(const char *cmd, const char *cfg_path, size_t *len)
{
	static struct xlcfg cfg; /* large: not on the stack */
	char err[256], hdr[64], *kpath = NULL, *dir = NULL, *out = NULL;
	void *text = NULL, *kernel = NULL;
	size_t tlen = 0, klen = 0;
	FILE *f;
	int n;

	f = fopen(cfg_path, "rb");
	if (!f) {
		cli_error(cmd, "cannot read the config %s: %s", cfg_path, strerror(errno));
		return NULL;
	}
	text = cli_read_all(f, CTL_CFG_MAX + 1, &tlen);
	fclose(f);
	if (!text || tlen > CTL_CFG_MAX) {
		cli_error(cmd, "%s: %s", cfg_path, text ? "larger than 64 KiB" : "out of memory");
		goto out;
	}
	/* Checked here too, so that a bad config is said before a system is
	 * involved; Dom0 parses it again with the same parser. */
	if (xlcfg_parse(text, tlen, &cfg, err, sizeof(err))) {
		cli_error(cmd, "%s: %s", cfg_path, err);
		goto out;
	}
	if (!cfg.kernel[0]) {
		cli_error(cmd, "%s: no kernel = '...' (the kernel image to load)", cfg_path);
		goto out;
	}
	dir = dir_of(cfg_path);
	if (!dir || (cfg.kernel[0] == '/' ? !(kpath = strdup(cfg.kernel))
					  : asprintf(&kpath, "%s/%s", dir, cfg.kernel) < 0)) {
		kpath = NULL;
		cli_error(cmd, "out of memory");
		goto out;
	}
	f = fopen(kpath, "rb");
	if (!f && errno == ENOENT && cfg.kernel[0] != '/') {
		/* as `memvisor run` does for a system's kernels: the image of
		 * that name memvisor was built or installed with */
		const char *base = strrchr(cfg.kernel, '/');
		char *alt = cli_find_file(CLI_GUEST, base ? base + 1 : cfg.kernel, NULL, 0);

		if (alt) {
			free(kpath);
			kpath = alt;
			f = fopen(kpath, "rb");
		} else {
			errno = ENOENT;
		}
	}
	if (!f) {
		cli_error(cmd, "%s: kernel %s (relative to the config): %s", cfg_path, kpath,
			  strerror(errno));
		goto out;
	}
	kernel = cli_read_all(f, CTL_KERNEL_MAX + 1, &klen);
	fclose(f);
	if (!kernel || klen > CTL_KERNEL_MAX || !klen) {
		cli_error(cmd, "%s: kernel %s: %s", cfg_path, kpath,
			  !kernel ? "out of memory" : klen ? "larger than 64 MiB" : "empty");
		goto out;
	}
	n = snprintf(hdr, sizeof(hdr), "create %zu %zu\n", tlen, klen);
	out = malloc((size_t)n + tlen + klen);
	if (!out) {
		cli_error(cmd, "out of memory");
		goto out;
	}
	memcpy(out, hdr, (size_t)n);
	memcpy(out + n, text, tlen);
	memcpy(out + n + tlen, kernel, klen);
	*len = (size_t)n + tlen + klen;
out:
	free(text);
	free(kernel);
	free(kpath);
	free(dir);
	return out;
}

/* ---- the socket ---- */

char *ctl_default_path(bool make_dir)
{
	const char *run = getenv("XDG_RUNTIME_DIR");
	char *dir, *path;
	struct stat st;

	if (run && *run) {
		if (asprintf(&dir, "%s/memvisor", run) < 0)
			return NULL;
	} else if (asprintf(&dir, "/tmp/memvisor-%u", (unsigned int)getuid()) < 0) {
		return NULL;
	}
	if (make_dir && mkdir(dir, 0700) && errno != EEXIST) {
		cli_error("run", "cannot make %s: %s", dir, strerror(errno));
		free(dir);
		return NULL;
	}
	/* Whoever can reach the socket can create domains: the directory
	 * must be ours alone (in /tmp another user could have made it). */
	if (make_dir && (lstat(dir, &st) || !S_ISDIR(st.st_mode) || st.st_uid != getuid() ||
			 (st.st_mode & 077))) {
		cli_error("run", "%s is not a directory of this user's only (mode 0700): not "
			  "using it; give --control=SOCKET", dir);
		free(dir);
		return NULL;
	}
	if (asprintf(&path, "%s/control", dir) < 0)
		path = NULL;
	free(dir);
	return path;
}

static int sock_addr(const char *path, struct sockaddr_un *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sa->sun_path))
		return -ENAMETOOLONG;
	strcpy(sa->sun_path, path);
	return 0;
}

static void sock_out(void *arg, const char *text, size_t len)
{
	int fd = *(int *)arg;

	while (len) {
		ssize_t n = send(fd, text, len, MSG_NOSIGNAL);

		if (n <= 0)
			return; /* the client went away; the command still completes */
		text += n;
		len -= (size_t)n;
	}
}

/* Reads exactly len bytes (the socket has a receive time-out). */
static int read_full(int fd, void *buf, size_t len)
{
	char *p = buf;

	while (len) {
		ssize_t n = recv(fd, p, len, 0);

		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

/* One connection: one command (control.h). */
static void serve_one(struct ctl *c, int fd)
{
	char hdr[300];
	size_t h = 0;
	struct timeval tv = {.tv_sec = 10};
	char *req = NULL;
	unsigned long long a, b;
	size_t len;
	char tail;

	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	while (h < sizeof(hdr) - 1) {
		if (recv(fd, hdr + h, 1, 0) != 1)
			break;
		if (hdr[h++] == '\n')
			break;
	}
	hdr[h] = '\0';
	if (!h || hdr[h - 1] != '\n') {
		say(sock_out, &fd, "memvisor: no command line (create, destroy, list, shutdown)\n"
				   "xl: end %d\n", -EINVAL);
		return;
	}
	if (sscanf(hdr, "create %llu %llu%c", &a, &b, &tail) == 3 && tail == '\n') {
		if (a > CTL_CFG_MAX || b > CTL_KERNEL_MAX) {
			say(sock_out, &fd, "memvisor: config or kernel too large\nxl: end %d\n",
			    -E2BIG);
			return;
		}
		len = h + (size_t)a + (size_t)b;
		req = malloc(len);
		if (!req) {
			say(sock_out, &fd, "memvisor: out of memory\nxl: end %d\n", -ENOMEM);
			return;
		}
		memcpy(req, hdr, h);
		if (read_full(fd, req + h, (size_t)(a + b))) {
			say(sock_out, &fd, "memvisor: the client sent less than the %llu + %llu "
					   "bytes it announced\nxl: end %d\n", a, b, -EINVAL);
			free(req);
			return;
		}
		ctl_command(c, req, len, sock_out, &fd);
		free(req);
		return;
	}
	if (!strcmp(hdr, "list\n") || !strcmp(hdr, "shutdown\n") ||
	    (!strncmp(hdr, "destroy ", 8) && h > 9 && !strpbrk(hdr + 8, " \t\r") )) {
		ctl_command(c, hdr, h, sock_out, &fd);
		return;
	}
	say(sock_out, &fd, "memvisor: unknown command (create, destroy, list, shutdown)\n"
			   "xl: end %d\n", -EINVAL);
}

static void *serve_thread(void *arg)
{
	struct ctl *c = arg;

	for (;;) {
		struct pollfd pf[2] = {{.fd = c->listen_fd, .events = POLLIN},
				       {.fd = c->quit_pipe[0], .events = POLLIN}};
		int fd;

		if (poll(pf, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (pf[1].revents)
			break;
		if (!(pf[0].revents & POLLIN))
			continue;
		fd = accept4(c->listen_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd < 0)
			continue;
		serve_one(c, fd);
		close(fd);
	}
	return NULL;
}

/* Threads of ours leave the run's stop signals to the runner. */
static int start_thread(pthread_t *th, void *(*fn)(void *), void *arg)
{
	sigset_t set, old;
	int rc;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	sigaddset(&set, SIGPIPE);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	rc = pthread_create(th, NULL, fn, arg);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

int ctl_serve(struct ctl *c, const char *path)
{
	struct sockaddr_un sa;
	int fd;

	c->path = path ? strdup(path) : ctl_default_path(true);
	if (!c->path)
		return -1;
	if (sock_addr(c->path, &sa)) {
		cli_error("run", "--control %s: path too long for a unix socket", c->path);
		goto err_path;
	}
	/* A socket left by a run that ended badly is removed; one that
	 * answers belongs to a running system. */
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd >= 0 && !connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		cli_error("run", "--control %s: another system serves it", c->path);
		goto err_path;
	}
	if (fd >= 0)
		close(fd);
	unlink(c->path);
	c->listen_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->listen_fd < 0 || bind(c->listen_fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    chmod(c->path, 0600) || listen(c->listen_fd, 8)) {
		cli_error("run", "--control %s: %s", c->path, strerror(errno));
		goto err_sock;
	}
	if (pipe2(c->quit_pipe, O_CLOEXEC) || start_thread(&c->th, serve_thread, c)) {
		cli_error("run", "--control: cannot start its thread");
		goto err_sock;
	}
	c->serving = true;
	fprintf(stderr, "memvisor: control socket %s (memvisor create|list|destroy|shutdown "
			"--system %s)\n", c->path, c->path);
	return 0;

err_sock:
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->path);
	}
	c->listen_fd = -1;
err_path:
	free(c->path);
	c->path = NULL;
	return -1;
}

/* ---- --create ---- */

static void print_out(void *arg, const char *text, size_t len)
{
	(void)arg;
	(void)text;
	(void)len; /* Dom0's lines are on the run's console already */
}

static void *create_thread(void *arg)
{
	struct ctl *c = arg;
	static const char shut[] = "shutdown\n";

	for (unsigned int i = 0; i < c->nr_create; i++) {
		size_t len = 0;
		void *req = ctl_create_request("run --create", c->create[i], &len);
		int rc;

		if (!req) {
			c->create_failed++;
			continue;
		}
		rc = ctl_command(c, req, len, print_out, NULL);
		free(req);
		if (rc) {
			fprintf(stderr, "memvisor: --create %s: %s (%d)\n", c->create[i],
				strerror(-rc), rc);
			c->create_failed++;
		}
	}
	/* The one-shot's end: when what was created has run, the system
	 * goes down (Dom0 destroys its domains, then itself). */
	while (runner_dyn_running(c->r) && dom0_running(c))
		usleep(10000);
	if (dom0_running(c))
		ctl_command(c, shut, sizeof(shut) - 1, print_out, NULL);
	return NULL;
}

int ctl_run_creates(struct ctl *c, const char *const *cfgs, unsigned int n)
{
	c->create = cfgs;
	c->nr_create = n;
	if (start_thread(&c->create_th, create_thread, c)) {
		cli_error("run", "--create: cannot start its thread");
		return -1;
	}
	c->creating = true;
	return 0;
}

void ctl_fini(struct ctl *c, unsigned int *failed)
{
	pthread_mutex_lock(&c->lock);
	c->closing = true;
	pthread_cond_broadcast(&c->cond);
	pthread_mutex_unlock(&c->lock);
	if (c->creating)
		pthread_join(c->create_th, NULL);
	c->creating = false;
	if (c->serving) {
		char x = 'q';

		if (write(c->quit_pipe[1], &x, 1) != 1)
			fprintf(stderr, "memvisor: control socket: cannot stop its thread\n");
		pthread_join(c->th, NULL);
		c->serving = false;
	}
	if (c->listen_fd >= 0) {
		close(c->listen_fd);
		unlink(c->path);
	}
	for (int i = 0; i < 2; i++)
		if (c->quit_pipe[i] >= 0)
			close(c->quit_pipe[i]);
	free(c->path);
	c->path = NULL;
	c->r->line_hook = NULL;
	c->r->dyn_report = NULL;
	if (failed)
		*failed = c->create_failed;
}

/* ---- the clients ---- */

static int client_usage(const char *cmd, const char *args, FILE *f)
{
	fprintf(f,
		"usage: memvisor %s %s[--system SOCKET] [--timeout SECONDS]\n"
		"\n"
		"Asks the toolstack in Dom0 of a system that `memvisor run --control` runs.\n"
		"  --system SOCKET   its control socket (default: $XDG_RUNTIME_DIR/memvisor/control,\n"
		"                    else /tmp/memvisor-<uid>/control, as `run --control` makes it)\n"
		"  --timeout SECONDS how long to wait for the answer (default 60)\n"
		"Exit status: 0 when the toolstack says 0, 1 when it fails (the errno said), 2\n"
		"for usage errors and when the system cannot be reached.\n",
		cmd, args);
	return f == stdout ? 0 : 2;
}

/* Sends req, prints the reply (xl: lines to stdout without the prefix,
 * the rest to stderr), returns the exit status. */
static int client_send(const char *cmd, const char *sock, const void *req, size_t len,
		       unsigned int timeout_s)
{
	struct sockaddr_un sa;
	struct timeval tv = {.tv_sec = timeout_s};
	char buf[4096], line[4096];
	size_t ll = 0;
	int fd, rc = INT_MIN;

	if (sock_addr(sock, &sa)) {
		cli_error(cmd, "%s: path too long for a unix socket", sock);
		return 2;
	}
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		cli_error(cmd, "cannot reach a system at %s: %s (is `memvisor run --control` "
			  "running there?)", sock, strerror(errno));
		if (fd >= 0)
			close(fd);
		return 2;
	}
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (const char *p = req; len;) {
		ssize_t n = send(fd, p, len, MSG_NOSIGNAL);

		if (n <= 0) {
			cli_error(cmd, "%s: the system closed the connection: %s", sock,
				  strerror(errno));
			close(fd);
			return 2;
		}
		p += n;
		len -= (size_t)n;
	}
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			cli_error(cmd, "no answer from %s within %u s", sock, timeout_s);
			close(fd);
			return 1;
		}
		if (n <= 0)
			break;
		for (ssize_t i = 0; i < n; i++) {
			if (buf[i] != '\n') {
				if (ll < sizeof(line) - 1)
					line[ll++] = buf[i];
				continue;
			}
			line[ll] = '\0';
			ll = 0;
			if (!strncmp(line, "xl: end ", 8))
				rc = atoi(line + 8);
			else if (!strncmp(line, "xl: ", 4))
				printf("%s\n", line + 4);
			else
				fprintf(stderr, "%s\n", line);
		}
	}
	close(fd);
	fflush(stdout);
	if (rc == INT_MIN) {
		cli_error(cmd, "%s closed the connection without an answer", sock);
		return 1;
	}
	if (rc) {
		cli_error(cmd, "failed: %s (%d)", strerror(-rc), rc);
		return 1;
	}
	return 0;
}

/* The options every client takes; the positional arguments in *pos. */
static int client_args(const char *cmd, const char *args, int argc, char **argv, char **sock,
		       unsigned int *timeout_s, int *npos)
{
	static const struct option opts[] = {
		{"system", required_argument, NULL, 's'},
		{"timeout", required_argument, NULL, 't'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_args p;
	char *end;
	int c;

	*sock = NULL;
	*timeout_s = 60;
	cli_args_init(&p, cmd, argc, argv, "h", opts);
	while ((c = cli_args_next(&p)) != -1) {
		switch (c) {
		case 's':
			free(*sock);
			*sock = strdup(optarg);
			break;
		case 't':
			*timeout_s = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !*optarg || !*timeout_s || *timeout_s > 86400) {
				cli_error(cmd, "--timeout wants seconds (1..86400)");
				return 2;
			}
			break;
		case 'h':
			return client_usage(cmd, args, stdout);
		default:
			return client_usage(cmd, args, stderr);
		}
	}
	*npos = p.npos;
	if (!*sock)
		*sock = ctl_default_path(false);
	if (!*sock) {
		cli_error(cmd, "out of memory");
		return 2;
	}
	return -1;
}

int cmd_create(int argc, char **argv)
{
	unsigned int t;
	char *sock;
	void *req;
	size_t len = 0;
	int npos, rc = client_args("create", "CFG ", argc, argv, &sock, &t, &npos);

	if (rc >= 0)
		return rc;
	if (npos != 1) {
		free(sock);
		cli_error("create", "one xl.cfg file, please");
		return client_usage("create", "CFG ", stderr);
	}
	req = ctl_create_request("create", argv[1], &len);
	rc = req ? client_send("create", sock, req, len, t) : 1;
	free(req);
	free(sock);
	return rc;
}

static int simple(const char *cmd, const char *args, int argc, char **argv, bool want_arg)
{
	unsigned int t;
	char *sock, line[256];
	int npos, n, rc = client_args(cmd, args, argc, argv, &sock, &t, &npos);

	if (rc >= 0)
		return rc;
	if (npos != (want_arg ? 1 : 0) ||
	    (want_arg && (!argv[1][0] || strpbrk(argv[1], " \t\r\n") || strlen(argv[1]) > 200))) {
		free(sock);
		cli_error(cmd, want_arg ? "one domain name or id, please" : "no arguments, please");
		return client_usage(cmd, args, stderr);
	}
	n = want_arg ? snprintf(line, sizeof(line), "%s %s\n", cmd, argv[1])
		     : snprintf(line, sizeof(line), "%s\n", cmd);
	rc = client_send(cmd, sock, line, (size_t)n, t);
	free(sock);
	return rc;
}

int cmd_list(int argc, char **argv)
{
	return simple("list", "", argc, argv, false);
}

int cmd_destroy(int argc, char **argv)
{
	return simple("destroy", "NAME|ID ", argc, argv, true);
}

int cmd_shutdown(int argc, char **argv)
{
	return simple("shutdown", "", argc, argv, false);
}
