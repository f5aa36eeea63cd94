/*
 * memvisor run: build every domain of a system device tree and run each as
 * a KVM VM (docs/system-dt.md, docs/boot-protocol.md).
 *
 * The system DT is parsed (bootinfo), planned (layout) and built
 * (build_system) by the hypervisor core exactly as for `memvisor layout`;
 * this file only finds each domain's kernel, hands everything to the
 * runner and turns the outcome into an exit status: 0 when every domain
 * shut down by itself without crashing, 1 otherwise, 2 for usage errors.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <libfdt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hv/bootinfo.h>
#include <hv/build.h>
#include <hv/layout.h>

#include "blkdev.h"
#include "cli.h"
#include "control.h"
#include "elfload.h"
#include "hostinfo.h"
#include "hosted_programs.h"
#include "inproc.h"
#include "kvm.h"
#include "run_report.h"
#include "run_limit.h"
#include "runner.h"

/* The hosted runtime's entry; the built-in programs: hosted_programs.h. */
void rt_hosted_start(const struct inproc_env *env);

enum run_transport { RUN_AUTO, RUN_KVM, RUN_INPROC };
/* --prefault: when guest RAM is populated (realize.h, struct vmm_prefault). */
enum run_prefault { RUN_PREFAULT_BACKGROUND, RUN_PREFAULT_BEFORE, RUN_PREFAULT_NONE };

#define RUN_DEFAULT_SYSTEM "seed-virtio.dts" /* in systems/ */
#define RUN_DEFAULT_TIMEOUT_S 60
#define RUN_MAX_MODULES 32
#define RUN_MAX_VIRTIO 16 /* virtio disks in the report */
#define RUN_MAX_CREATE 16 /* --create */

struct run_module {
	const char *name, *file;
};

struct run_args {
	const char *system;
	struct run_module mod[RUN_MAX_MODULES];
	unsigned int nr_mod;
	unsigned int timeout_s;
	bool verbose;
	bool json;
	bool limit;           /* --limit: measure the machine's limit afterwards */
	enum run_prefault prefault;
	enum run_transport transport;
	const char *bootargs;
	const char *disk;     /* --disk: the block device's file */
	const char *xen;      /* --xen: the release to present (wins over the DT's) */
	char *default_system; /* allocated when no SYSTEM was given */
	bool control;         /* --control[=SOCKET] */
	const char *control_path; /* NULL: the default (control.h) */
	const char *create[RUN_MAX_CREATE]; /* --create CFG */
	unsigned int nr_create;
};

static void run_usage(FILE *f)
{
	fprintf(f,
		"usage: memvisor run [SYSTEM.dtb|SYSTEM.dts] [options]\n"
		"\n"
		"Builds every domain of the system device tree (Dom0 from /chosen modules\n"
		"and dom0_mem=, dom0less domains from their nodes) and runs each as a KVM VM.\n"
		"A domain's kernel is an ELF64 file named by the `memvisor,file` property of\n"
		"its kernel module node, or given with --module. Default SYSTEM: systems/%s\n"
		"(from the current directory, else the one memvisor was built or installed with).\n"
		"\n"
		"options:\n"
		"  --module NAME=FILE  kernel for domain NAME (\"dom0\" or the domain node name)\n"
		"  --transport T       kvm, inproc or auto (default: KVM when usable, else\n"
		"                      in-process, said plainly); in-process runs the built-in\n"
		"                      programs named by the kernel files (backend, frontend,\n"
		"                      virtio_backend, virtio_frontend, hello, dom0)\n"
		"  --bootargs STR      replaces /chosen xen,xen-bootargs (e.g. ext_regions=no)\n"
		"  --disk FILE         the blocks of the domain's emulated block device\n"
		"                      (memvisor,blk-device; created when missing, extended\n"
		"                      to %llu KiB); default: a temporary file, removed at exit\n"
		"  --xen VERSION       the Xen release presented for the whole run: version,\n"
		"                      CPUID, /hypervisor, domctl/sysctl versions, feature\n"
		"                      bits, extended regions; as `memvisor layout --xen`\n"
		"                      (default: /chosen memvisor,xen-release, else latest)\n"
		"  --json              the final report as JSON on stdout (guest consoles go\n"
		"                      to stderr)\n"
		"  --prefault WHEN     populate guest RAM in the background while the guests\n"
		"                      run (default), before they start, or none (KVM\n"
		"                      faults each page in on first use)\n"
		"  --limit             after the run, time the same memory work without guests\n"
		"                      (first touch of all guest RAM in a fresh memfd, a read\n"
		"                      of what the backends foreign-mapped through a second\n"
		"                      view, the release) and report the run against it\n"
		"  --timeout SECONDS   stop domains still running after this long (default %d,\n"
		"                      0 = no limit); they count as failed\n"
		"  -v, --verbose       hypervisor log on stderr\n"
		"  --control [SOCKET]  serve Dom0's toolstack on a unix socket for `memvisor\n"
		"                      create|list|destroy|shutdown --system SOCKET` (default\n"
		"                      $XDG_RUNTIME_DIR/memvisor/control, else\n"
		"                      /tmp/memvisor-<uid>/control)\n"
		"  --create CFG        have Dom0's toolstack create a domain from this xl.cfg\n"
		"                      (repeatable); when the created domains have ended, Dom0\n"
		"                      is asked to shut the system down (a one-shot run)\n"
		"\n"
		"Exit status: 0 when every domain shut down without crashing, 1 otherwise.\n",
		RUN_DEFAULT_SYSTEM, (unsigned long long)(BLKDEV_DEFAULT_BLOCKS * BLKDEV_BLOCK >> 10),
		RUN_DEFAULT_TIMEOUT_S);
}

/* Reads a DTB, or compiles a DTS with dtc. */
static void *load_system(const char *path, size_t *len)
{
	size_t pl = strlen(path);
	void *blob;
	FILE *f;

	if (pl > 4 && !strcmp(path + pl - 4, ".dts")) {
		char *cmd;
		int st;

		if (strchr(path, '\'')) {
			cli_error("run", "%s: quote characters in the path are not supported", path);
			return NULL;
		}
		if (asprintf(&cmd, "dtc -q -I dts -O dtb '%s'", path) < 0)
			return NULL;
		f = popen(cmd, "r");
		free(cmd);
		if (!f) {
			cli_error("run", "cannot run dtc: %s", strerror(errno));
			return NULL;
		}
		blob = cli_read_all(f, SIZE_MAX, len);
		st = pclose(f);
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
			cli_error("run", "%s: dtc failed", path);
			free(blob);
			return NULL;
		}
		return blob;
	}
	f = fopen(path, "rb");
	if (!f) {
		cli_error("run", "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	blob = cli_read_all(f, SIZE_MAX, len);
	fclose(f);
	return blob;
}

/* A relative memvisor,file is relative to the system file's directory. */
static char *resolve(const char *system, const char *file)
{
	const char *slash = strrchr(system, '/');
	char *out;

	if (file[0] == '/' || !slash)
		return strdup(file);
	if (asprintf(&out, "%.*s/%s", (int)(slash - system), system, file) < 0)
		return NULL;
	return out;
}

/* The kernel of plan domain ld: --module first, then memvisor,file on the
 * domain node, then memvisor,file on its kernel module node. */
static char *kernel_path(const struct run_args *a, const struct bootinfo *bi,
			 const struct layout_domain *ld)
{
	for (unsigned int i = 0; i < a->nr_mod; i++)
		if (!strcmp(a->mod[i].name, ld->name))
			return strdup(a->mod[i].file);
	if (!ld->is_dom0 && ld->bootinfo_index >= 0) {
		const struct bootinfo_domain *bd = &bi->domain[ld->bootinfo_index];

		for (unsigned int i = 0; i < bd->nr_props; i++) {
			const struct bootinfo_prop *p = &bd->props[i];
			const char *v = p->val;

			if (!strcmp(p->name, "memvisor,file") && p->len > 1 && v[p->len - 1] == '\0')
				return resolve(a->system, v);
		}
	}
	for (unsigned int i = 0; i < bi->nr_module; i++) {
		const struct bootinfo_module *mod = &bi->module[i];
		int want = ld->is_dom0 ? -1 : ld->bootinfo_index;
		const char *file;
		int node, len;

		if (mod->kind != BOOTMOD_KERNEL || mod->domain != want || !mod->span.label)
			continue;
		node = fdt_path_offset(bi->fdt, mod->span.label);
		file = node >= 0 ? fdt_getprop(bi->fdt, node, "memvisor,file", &len) : NULL;
		if (file && len > 1 && file[len - 1] == '\0')
			return resolve(a->system, file);
	}
	return NULL;
}

/* The seed scenario, wherever memvisor runs from (cli_find_file). */
static char *default_system(void)
{
	char tried[1024];
	char *p = cli_find_file(CLI_SYSTEM, RUN_DEFAULT_SYSTEM, tried, sizeof(tried));

	if (!p)
		cli_error("run", "the seed scenario %s is not installed; looked at %s",
			  RUN_DEFAULT_SYSTEM, tried);
	return p;
}

/* A kernel named by the system DT may point into another build directory
 * or, installed, nowhere: when it does not exist, the image of the same
 * name that memvisor ships is used. */
static char *existing_kernel(char *path)
{
	const char *base;
	char *alt;

	if (!path || access(path, R_OK) == 0)
		return path;
	base = strrchr(path, '/');
	base = base ? base + 1 : path;
	alt = cli_find_file(CLI_GUEST, base, NULL, 0);
	if (!alt)
		return path;
	free(path);
	return alt;
}

/* The release to present: --xen, else the system DT's /chosen
 * memvisor,xen-release (docs/system-dt.md), else the newest, as `memvisor
 * layout` defaults to. -EINVAL (said) for a name the planner does not know. */
static int run_release(const struct run_args *a, const void *fdt, enum xen_policy *out)
{
	int chosen = fdt_path_offset(fdt, "/chosen"), len = 0;
	const char *s = chosen >= 0 ? fdt_getprop(fdt, chosen, "memvisor,xen-release", &len) : NULL;

	*out = XEN_POLICY_LATEST;
	if (a->xen)
		return xen_policy_parse(a->xen, out);
	if (!s)
		return 0;
	if (len < 2 || s[len - 1] != '\0' || xen_policy_parse(s, out)) {
		cli_error("run", "%s: /chosen memvisor,xen-release: not a release memvisor knows "
			  "(4.16 .. 4.21, 4.19.2, 4.20.0, latest)", a->system);
		return -EINVAL;
	}
	return 0;
}

static bool has_dom0_kernel(const struct run_args *a, const struct bootinfo *bi)
{
	for (unsigned int i = 0; i < a->nr_mod; i++)
		if (!strcmp(a->mod[i].name, "dom0"))
			return true;
	for (unsigned int i = 0; i < bi->nr_module; i++)
		if (bi->module[i].kind == BOOTMOD_KERNEL && bi->module[i].domain == -1)
			return true;
	return false;
}

static void log_sink(void *ctx, enum hv_log_level lvl, const char *msg)
{
	const struct run_args *a = ctx;

	if (lvl <= HV_LOG_WARN || a->verbose)
		fprintf(stderr, "(XEN) %s\n", msg);
}

/* `--control SOCKET` as well as `--control=SOCKET` (an optional argument
 * must be joined for getopt): the word after --control is its socket
 * unless it is an option or a system file (.dts, .dtb). Returns argc. */
static int join_control_arg(int argc, char **argv)
{
	static char joined[4096];

	for (int i = 1; i + 1 < argc; i++) {
		const char *w = argv[i + 1];
		size_t l = strlen(w);

		if (strcmp(argv[i], "--control") || w[0] == '-' || !w[0] ||
		    (l > 4 && (!strcmp(w + l - 4, ".dts") || !strcmp(w + l - 4, ".dtb"))))
			continue;
		if (snprintf(joined, sizeof(joined), "--control=%s", w) >= (int)sizeof(joined))
			break;
		argv[i] = joined;
		memmove(&argv[i + 1], &argv[i + 2], (size_t)(argc - i - 1) * sizeof(*argv));
		return argc - 1;
	}
	return argc;
}

static int parse_args(int argc, char **argv, struct run_args *a)
{
	static const struct option opts[] = {
		{"module", required_argument, NULL, 'm'},
		{"timeout", required_argument, NULL, 't'},
		{"verbose", no_argument, NULL, 'v'},
		{"transport", required_argument, NULL, 'T'},
		{"bootargs", required_argument, NULL, 'b'},
		{"disk", required_argument, NULL, 'd'},
		{"json", no_argument, NULL, 'j'},
		{"limit", no_argument, NULL, 'L'},
		{"prefault", required_argument, NULL, 'P'},
		{"xen", required_argument, NULL, 'x'},
		{"control", optional_argument, NULL, 'C'},
		{"create", required_argument, NULL, 'c'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct cli_args p;
	int c;

	memset(a, 0, sizeof(*a));
	a->timeout_s = RUN_DEFAULT_TIMEOUT_S;
	argc = join_control_arg(argc, argv);
	cli_args_init(&p, "run", argc, argv, "vh", opts);
	while ((c = cli_args_next(&p)) != -1) {
		char *eq, *end;

		switch (c) {
		case 'm':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1] || a->nr_mod == RUN_MAX_MODULES) {
				cli_error("run", "--module wants NAME=FILE");
				return 2;
			}
			*eq = '\0';
			a->mod[a->nr_mod++] = (struct run_module){optarg, eq + 1};
			break;
		case 't':
			a->timeout_s = (unsigned int)strtoul(optarg, &end, 10);
			if (*end || !*optarg || a->timeout_s > 86400) {
				cli_error("run", "--timeout wants seconds (0..86400)");
				return 2;
			}
			break;
		case 'v':
			a->verbose = true;
			break;
		case 'T':
			if (!strcmp(optarg, "kvm"))
				a->transport = RUN_KVM;
			else if (!strcmp(optarg, "inproc"))
				a->transport = RUN_INPROC;
			else if (!strcmp(optarg, "auto"))
				a->transport = RUN_AUTO;
			else {
				cli_error("run", "--transport wants kvm, inproc or auto, not '%s'", optarg);
				return 2;
			}
			break;
		case 'b':
			a->bootargs = optarg;
			break;
		case 'd':
			if (!*optarg) {
				cli_error("run", "--disk wants a file");
				return 2;
			}
			a->disk = optarg;
			break;
		case 'j':
			a->json = true;
			break;
		case 'L':
			a->limit = true;
			break;
		case 'P':
			if (!strcmp(optarg, "background"))
				a->prefault = RUN_PREFAULT_BACKGROUND;
			else if (!strcmp(optarg, "before"))
				a->prefault = RUN_PREFAULT_BEFORE;
			else if (!strcmp(optarg, "none"))
				a->prefault = RUN_PREFAULT_NONE;
			else {
				cli_error("run", "--prefault wants background, before or none, not '%s'",
					  optarg);
				return 2;
			}
			break;
		case 'x': {
			enum xen_policy pol;

			if (xen_policy_parse(optarg, &pol)) {
				cli_error("run", "--xen wants 4.16 .. 4.21, 4.19.2, 4.20.0 or latest, "
					  "not '%s'", optarg);
				return 2;
			}
			a->xen = optarg;
			break;
		}
		case 'C':
			a->control = true;
			if (optarg && !*optarg) {
				cli_error("run", "--control=SOCKET wants a path");
				return 2;
			}
			a->control_path = optarg;
			break;
		case 'c':
			if (a->nr_create == RUN_MAX_CREATE || !*optarg) {
				cli_error("run", "--create wants an xl.cfg file (at most %d)",
					  RUN_MAX_CREATE);
				return 2;
			}
			a->create[a->nr_create++] = optarg;
			break;
		case 'h':
			run_usage(stdout);
			return 0;
		default:
			run_usage(stderr);
			return 2;
		}
	}
	if (p.npos > 1) {
		cli_error("run", "one SYSTEM at most, not %d", p.npos);
		run_usage(stderr);
		return 2;
	}
	if (p.npos == 1) {
		a->system = argv[1];
	} else {
		a->default_system = default_system();
		a->system = a->default_system;
	}
	return -1;
}

/*
 * The block device's file: --disk FILE (created when missing), else a
 * temporary file under $TMPDIR or /tmp whose path is said on stderr and
 * which *tmp_path names so that the caller removes it at exit. Both are
 * at least BLKDEV_DEFAULT_BLOCKS blocks long. The fd, or -1 (said).
 */
static int open_disk(const struct run_args *a, char **tmp_path)
{
	unsigned long long kib = BLKDEV_DEFAULT_BLOCKS * BLKDEV_BLOCK >> 10;
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd;

	*tmp_path = NULL;
	if (a->disk) {
		fd = blkdev_open_file(a->disk, BLKDEV_DEFAULT_BLOCKS);
		if (fd < 0) {
			cli_error("run", "--disk %s: %s", a->disk, strerror(-fd));
			return -1;
		}
		fprintf(stderr, "memvisor: block device file %s (%llu KiB)\n", a->disk, kib);
		return fd;
	}
	if (!dir || !*dir)
		dir = "/tmp";
	if (asprintf(&path, "%s/memvisor-disk-XXXXXX", dir) < 0) {
		cli_error("run", "out of memory");
		return -1;
	}
	fd = mkstemp(path);
	if (fd < 0) {
		cli_error("run", "cannot create a temporary disk file in %s: %s (use --disk FILE)",
			  dir, strerror(errno));
		free(path);
		return -1;
	}
	if (fcntl(fd, F_SETFD, FD_CLOEXEC) ||
	    ftruncate(fd, (off_t)(BLKDEV_DEFAULT_BLOCKS * BLKDEV_BLOCK))) {
		cli_error("run", "%s: %s", path, strerror(errno));
		close(fd);
		unlink(path);
		free(path);
		return -1;
	}
	fprintf(stderr, "memvisor: block device file %s (%llu KiB, temporary: removed at exit; "
			"--disk FILE keeps it)\n", path, kib);
	*tmp_path = path;
	return fd;
}

/* One line per block device: what it moved. */
static void disk_summary(const struct runner *r, const char *file)
{
	for (unsigned int i = 0; i < r->nr; i++) {
		struct blkdev_stats st;

		if (!r->dom[i].dev[RUNNER_DEV_BLK])
			continue;
		blkdev_get_stats(r->dom[i].dev[RUNNER_DEV_BLK], &st);
		fprintf(stderr, "memvisor: d%u (%s): block device %s: %llu read(s), %llu KiB; "
				"%llu write(s), %llu KiB; %llu refused\n",
			r->dom[i].d->id, r->dom[i].d->name, file, (unsigned long long)st.reads,
			(unsigned long long)(st.bytes_read >> 10), (unsigned long long)st.writes,
			(unsigned long long)(st.bytes_written >> 10), (unsigned long long)st.errors);
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* The limit for the run's memory work: every domain's RAM touched once,
 * what the backends foreign-mapped read once more (run_limit.h). */
static void measure_limit(const struct run_report_dom *rep, unsigned int n, bool thp,
			  struct run_phases *ph)
{
	uint64_t ram = 0, view = 0;
	int rc;

	for (unsigned int i = 0; i < n; i++) {
		ram += rep[i].ram_before << PAGE_SHIFT;
		view += rep[i].foreign_maps_made << PAGE_SHIFT;
	}
	rc = run_limit_measure(ram, view, thp, ph);
	if (rc)
		fprintf(stderr, "memvisor: --limit: cannot measure the limit with %llu MiB: %s\n",
			(unsigned long long)(ram >> 20), strerror(-rc));
}

/* When the first domain entered its transport, in ms from t_start. */
static double first_entry_ms(const struct runner *r, double t_start)
{
	double first = -1;

	for (unsigned int i = 0; i < r->nr; i++)
		if (r->dom[i].started && (first < 0 || r->dom[i].start_ms < first))
			first = r->dom[i].start_ms;
	return first < 0 ? 0 : first - t_start;
}

int cmd_run(int argc, char **argv)
{
	struct run_args a;
	struct hostinfo host;
	struct bootinfo bi;
	struct bootinfo_opts bo = {.policy = XEN_POLICY_LATEST};
	enum xen_policy release;
	struct layout_opts lo;
	struct layout_plan plan;
	struct build_result res;
	struct vmm_config cfg;
	struct vmm m;
	struct kvm_sys *k = NULL;
	struct inproc_transport inproc;
	struct runner r;
	struct runner_dom *rd = NULL;
	struct ctl *ctl = NULL;
	struct run_report_dom *rep = NULL;
	struct run_report_dev vdev[RUN_MAX_VIRTIO];
	unsigned int nr_vdev;
	unsigned int *plan_index = NULL;
	uint64_t *ram_before = NULL;
	void **images = NULL;
	char *tmp_disk = NULL;
	int disk_fd = -1;
	struct blkdev_disk disk = {.fd = -1, .blocks = BLKDEV_DEFAULT_BLOCKS};
	unsigned int nr_blk = 0;
	char err[256];
	size_t len = 0;
	void *blob;
	unsigned int bad;
	bool use_kvm, torn_down = false, thp;
	struct run_phases ph;
	double t_start = now_ms(), t0, wall_ms;
	int rc, ret = 1;

	memset(&ph, 0, sizeof(ph));
	rc = parse_args(argc, argv, &a);
	if (rc >= 0)
		return rc;
	/* The host the run's figures were taken on, its load before we add ours. */
	if (a.json)
		hostinfo_collect(&host);
	if (!a.system)
		return 1; /* default_system() said why */
	blob = load_system(a.system, &len);
	if (!blob) {
		free(a.default_system);
		return 1;
	}
	memset(&bi, 0, sizeof(bi));
	memset(&plan, 0, sizeof(plan));
	memset(&res, 0, sizeof(res));
	if (run_release(&a, blob, &release)) {
		free(blob);
		free(a.default_system);
		return 1;
	}
	bo.policy = release;
	bo.bootargs = a.bootargs;
	rc = bootinfo_parse(&bi, blob, len, &bo);
	free(blob);
	for (unsigned int i = 0; i < bi.nr_diag; i++)
		if (bi.diag[i].level == BOOTINFO_ERR || a.verbose)
			fprintf(stderr, "memvisor run: %s: %s\n", bi.diag[i].path, bi.diag[i].msg);
	if (rc) {
		cli_error("run", "%s: unusable device tree", a.system);
		goto out_bi;
	}
	memset(&lo, 0, sizeof(lo));
	lo.policy = release;
	lo.no_dom0 = !has_dom0_kernel(&a, &bi);
	rc = layout_plan(&bi, &lo, &plan);
	if (rc) {
		for (unsigned int i = 0; i < plan.nr_msg; i++)
			fprintf(stderr, "memvisor run: %s: %s\n", plan.msg[i].path, plan.msg[i].msg);
		cli_error("run", "%s: planning failed: %s", a.system, strerror(-rc));
		goto out_plan;
	}
	if (plan.no_boot.why) {
		/* The release memvisor imitates would stop here; running the
		 * domains anyway would show a system real Xen never builds. */
		cli_error("run", "%s: %s", a.system,
			  plan.no_boot.message);
		goto out_plan;
	}
	if (!plan.nr_dom) {
		cli_error("run", "%s: no domains to run", a.system);
		goto out_plan;
	}

	/* Transport: KVM when asked or usable; otherwise in-process, said plainly. */
	use_kvm = a.transport != RUN_INPROC;
	if (use_kvm) {
		k = kvm_open(err, sizeof(err));
		if (!k && a.transport == RUN_KVM) {
			cli_error("run", "KVM unavailable: %s", err);
			goto out_plan;
		}
		if (!k) {
			fprintf(stderr, "memvisor: KVM unavailable (%s): running the domains "
					"in-process instead\n", err);
			use_kvm = false;
		}
	}
	if (use_kvm) {
		char sig[13];
		int ic = kvm_cpuid_cpl3_intercepted(k, sig);

		if (ic == 0)
			fprintf(stderr, "memvisor: kvm: this host does not intercept CPUID at CPL3 "
					"(the outer hypervisor answers, \"%s\"): guests must read "
					"Xen's CPUID leaves at CPL0\n", sig);
		else if (ic < 0)
			fprintf(stderr, "memvisor: kvm: cannot tell whether CPUID at CPL3 is "
					"intercepted here: %s\n", strerror(-ic));
	}

	memset(&cfg, 0, sizeof(cfg));
	for (unsigned int i = 0; i < bi.ram.n && i < FRAME_MAX_BANKS; i++) {
		cfg.banks[i][0] = bi.ram.s[i].start;
		cfg.banks[i][1] = bi.ram.s[i].size;
		cfg.nr_banks++;
	}
	cfg.log = log_sink;
	cfg.log_ctx = &a;
	cfg.log_level = a.verbose ? HV_LOG_DEBUG : HV_LOG_WARN;
	cfg.prefault = a.prefault != RUN_PREFAULT_NONE;
	/* By default guest RAM is populated while the guests already run,
	 * ahead of them (realize.h, struct vmm_prefault), so that the first
	 * guest instruction does not wait for gigabytes of page faults. */
	cfg.prefault_background = a.prefault == RUN_PREFAULT_BACKGROUND;
	cfg.release = xen_policy_traits(release);
	rc = vmm_init(&m, &cfg);
	if (rc) {
		cli_error("run", "cannot set up machine RAM: %s", strerror(-rc));
		goto out_kvm;
	}
	inproc_transport_init(&inproc, rt_hosted_start);
	vmm_set_transport(&m, use_kvm ? kvm_transport(k) : &inproc.t);
	rc = build_system(&m.hv, &bi, &plan, runner_devices, RUNNER_NR_DEVICES, &res);
	if (rc) {
		cli_error("run", "%s", res.err);
		goto out_vmm;
	}

	rd = calloc(res.nr, sizeof(*rd));
	images = calloc(res.nr, sizeof(*images));
	rep = calloc(res.nr, sizeof(*rep));
	plan_index = calloc(res.nr, sizeof(*plan_index));
	ram_before = calloc(res.nr, sizeof(*ram_before));
	if (!rd || !images || !rep || !plan_index || !ram_before)
		goto out_build;
	memset(&r, 0, sizeof(r));
	r.m = &m;
	r.timeout_ms = a.timeout_s * 1000;
	/* With --json the report owns stdout. */
	r.out = a.json ? stderr : stdout;
	r.err = stderr;
	r.progress_tty = isatty(fileno(r.out));
	r.dom = rd;
	r.nr = res.nr;
	for (unsigned int i = 0; i < res.nr; i++)
		nr_blk += res.dom[i].dev_base[RUNNER_DEV_BLK] != 0;
	if (nr_blk > 1) {
		cli_error("run", "%u domains have a block device; memvisor run gives one its disk "
			  "file, so at most one may", nr_blk);
		goto out_build;
	}
	if (nr_blk) {
		disk_fd = open_disk(&a, &tmp_disk);
		disk.fd = disk_fd;
		if (disk_fd < 0)
			goto out_build;
	}
	for (unsigned int i = 0; i < res.nr; i++) {
		const struct build_domain *bd = &res.dom[i];
		const struct layout_domain *ld = &plan.dom[bd->plan_index];
		char *path = existing_kernel(kernel_path(&a, &bi, ld));

		rd[i].d = bd->d;
		rd[i].dtb = bd->dtb;
		for (unsigned int dv = 0; dv < RUNNER_NR_DEVICES; dv++)
			rd[i].dev_base[dv] = bd->dev_base[dv];
		rd[i].dev_arg[RUNNER_DEV_BLK] = &disk;
		plan_index[i] = bd->plan_index;
		if (!path) {
			cli_error("run", "domain %s has no kernel: give its kernel module a "
				  "memvisor,file property or use --module %s=FILE", ld->name, ld->name);
			goto out_build;
		}
		if (use_kvm) {
			images[i] = elf_read_file(path, &rd[i].image_len, err, sizeof(err));
			if (!images[i]) {
				cli_error("run", "%s: %s", ld->name, err);
				free(path);
				goto out_build;
			}
			rd[i].image = images[i];
		} else {
			rd[i].guest_main = hosted_program(path);
			if (!rd[i].guest_main) {
				cli_error("run", "%s: %s has no built-in program to run in-process "
					  "(built in: backend, frontend, virtio_backend, virtio_frontend, hello, dom0); "
					  "use --transport kvm", ld->name, path);
				free(path);
				goto out_build;
			}
		}
		if (runner_prepare(&r, &rd[i], err, sizeof(err))) {
			cli_error("run", "%s (%s): %s", ld->name, path, err);
			free(path);
			goto out_build;
		}
		/* The RAM a guest can use is what its P2M maps as RAM: a
		 * direct-mapped domain keeps owning frames it balloons out. */
		ram_before[i] = bd->d->p2m.st.ram_frames;
		bd->d->p2m.st.ram_frames_low = ram_before[i];
		fprintf(stderr, "memvisor: d%u (%s): %s, %llu MiB%s\n", bd->d->id, ld->name, path,
			(unsigned long long)(bd->d->tot_pages >> 8), use_kvm ? "" : " (in-process)");
		free(path);
	}
	/* Everything up to here is the build phase, but for the prefault the
	 * realization did along the way (MAP_POPULATE). */
	t0 = now_ms();
	ph.prefault_ms = m.st.prefault_ms;
	ph.prefault_bytes = m.st.prefault_bytes;
	ph.build_ms = t0 - t_start - ph.prefault_ms;
	rc = vmm_prefault_start(&m);
	if (rc) {
		fprintf(stderr, "memvisor: cannot prefault guest RAM in the background (%s): "
				"populated it before the run\n", strerror(-rc));
		t0 = now_ms(); /* the run starts after that prefault */
	}
	if (a.control || a.nr_create) {
		struct domain *dom0 = NULL;

		for (unsigned int i = 0; i < res.nr; i++)
			if ((rd[i].d->flags & DOMF_privileged) && (!dom0 || rd[i].d->id < dom0->id))
				dom0 = rd[i].d;
		ctl = calloc(1, sizeof(*ctl));
		if (!dom0 || !ctl) {
			cli_error("run", "%s", !ctl ? "out of memory"
				  : "--control and --create need a Dom0 (a privileged domain) that "
				    "runs the toolstack, e.g. systems/toolstack.dts");
			goto out_build;
		}
		ctl_init(ctl, &r, dom0);
		if ((a.control && ctl_serve(ctl, a.control_path)) ||
		    (a.nr_create && ctl_run_creates(ctl, a.create, a.nr_create))) {
			ctl_fini(ctl, NULL);
			goto out_build;
		}
	}
	bad = runner_run(&r);
	if (ctl) {
		unsigned int failed = 0;

		ctl_fini(ctl, &failed);
		if (failed || ctl->created_bad) {
			fprintf(stderr, "memvisor: %u create(s) failed, %u created domain(s) crashed "
					"or timed out\n", failed, ctl->created_bad);
			bad++;
		}
	}
	/* What the guests did not need before they stopped is not populated. */
	vmm_prefault_stop(&m);
	ph.run_ms = now_ms() - t0;
	ph.prefault_background = !rc && m.pf.started && m.pf.bytes;
	ph.prefault_ms += m.pf.ms;
	ph.prefault_bytes += m.pf.bytes;
	ph.first_entry_ms = first_entry_ms(&r, t_start);
	ret = bad ? 1 : 0;
	disk_summary(&r, tmp_disk ? tmp_disk : a.disk);
	if (r.stuck) {
		if (tmp_disk)
			unlink(tmp_disk);
		fflush(NULL);
		exit(ret); /* a guest thread still runs: no teardown under it */
	}
	run_report_collect(&r, &plan, plan_index, ram_before, rep);
	nr_vdev = run_report_devices(&r, &res, &plan, vdev, RUN_MAX_VIRTIO);
	for (unsigned int i = 0; i < res.nr; i++)
		if (!rep[i].ok)
			ret = 1;
	wall_ms = now_ms() - t0;
	snprintf(ph.backing, sizeof(ph.backing), "%s", vmm_backing(&m));
	thp = vmm_backing_thp(&m);

	/* The teardown is a phase of the run: the report comes after it. */
	t0 = now_ms();
	runner_release(&r);
	vmm_destroy(&m);
	if (k)
		kvm_close(k);
	k = NULL;
	torn_down = true;
	ph.teardown_ms = now_ms() - t0;
	ph.total_ms = now_ms() - t_start;
	if (a.limit)
		measure_limit(rep, res.nr, thp, &ph);

	if (a.json)
		run_report_json(stdout, rep, res.nr, vdev, nr_vdev, a.system,
				use_kvm ? "kvm" : "inproc", wall_ms, &host, &ph);
	else
		run_report_print(stdout, rep, res.nr, vdev, nr_vdev, a.system,
				 use_kvm ? "kvm" : "inproc", wall_ms);
	if (!a.json)
		run_report_phases_print(stdout, &ph);

out_build:
	free(ctl);
	if (images)
		for (unsigned int i = 0; i < res.nr; i++)
			free(images[i]);
	free(images);
	free(rd);
	free(rep);
	free(plan_index);
	free(ram_before);
	if (disk_fd >= 0)
		close(disk_fd);
	if (tmp_disk)
		unlink(tmp_disk);
	free(tmp_disk);
	build_result_free(&res);
out_vmm:
	if (!torn_down)
		vmm_destroy(&m);
out_kvm:
	if (k)
		kvm_close(k);
out_plan:
	layout_free(&plan);
out_bi:
	bootinfo_free(&bi);
	free(a.default_system);
	return ret;
}
