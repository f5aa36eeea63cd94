/*
 * xl.cfg parser (guest/xen/xlcfg.c), built hosted: the syntax xl accepts
 * (quotes, numbers in three bases, lists over several lines, comments,
 * `;`), the defaults libxl applies, libxl's disk spec (positional and named
 * parameters, `target=` taking the rest), and for every refused input its
 * Xen errno and a message that names the line and the key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <public/errno.h>
#include <xen/xlcfg.h>

static int parse(const char *text, struct xlcfg *cfg, char *err, size_t errlen)
{
	return xlcfg_parse(text, strlen(text), cfg, err, errlen);
}

static void test_full(void **state)
{
	static const char text[] =
		"# a DomU for the seed backend\n"
		"name = \"domu1\"\n"
		"memory = 0x200 ; maxmem = '1024'\n"
		"vcpus=2\n"
		"maxvcpus = 04   # octal, as xl reads it\n"
		"kernel = '/boot/frontend.elf'\r\n"
		"extra = 'console=hvc0 role=\\'fe\\''\n"
		"type = 'pvh'\n"
		"disk = [\n"
		"   'backend=0, backendtype=standalone, specification=virtio, "
		"transport=mmio, vdev=xvda, access=r, target=/srv/disk.img',\n"
		"   # a comment inside the list\n"
		"   \"/dev/vg/guest,,xvdb\",\n"
		"]\n";
	struct xlcfg cfg;
	char err[XLCFG_ERR_MIN];

	assert_int_equal(parse(text, &cfg, err, sizeof(err)), 0);
	assert_string_equal(err, "");
	assert_string_equal(cfg.name, "domu1");
	assert_int_equal(cfg.memory_mib, 512);
	assert_int_equal(cfg.maxmem_mib, 1024);
	assert_int_equal(cfg.vcpus, 2);
	assert_int_equal(cfg.maxvcpus, 4);
	assert_string_equal(cfg.kernel, "/boot/frontend.elf");
	assert_string_equal(cfg.extra, "console=hvc0 role='fe'");
	assert_int_equal(cfg.type, XLCFG_TYPE_PVH);
	assert_int_equal(cfg.nr_disks, 2);

	assert_string_equal(cfg.disk[0].target, "/srv/disk.img");
	assert_string_equal(cfg.disk[0].vdev, "xvda");
	assert_string_equal(cfg.disk[0].backend, "0");
	assert_true(cfg.disk[0].readonly);
	assert_int_equal(cfg.disk[0].backendtype, XLCFG_BT_STANDALONE);
	assert_int_equal(cfg.disk[0].specification, XLCFG_SPEC_VIRTIO);
	assert_int_equal(cfg.disk[0].transport, XLCFG_TRANSPORT_MMIO);
	assert_true(xlcfg_disk_is_virtio_mmio(&cfg.disk[0]));

	assert_string_equal(cfg.disk[1].target, "/dev/vg/guest");
	assert_string_equal(cfg.disk[1].vdev, "xvdb");
	assert_false(cfg.disk[1].readonly);
	assert_int_equal(cfg.disk[1].format, XLCFG_FMT_RAW);
	assert_int_equal(cfg.disk[1].specification, XLCFG_SPEC_XEN);
	assert_int_equal(cfg.disk[1].grant_usage, -1);
	assert_false(xlcfg_disk_is_virtio_mmio(&cfg.disk[1]));
}

/* libxl's defaults: 32 MiB, maxmem = memory, 1 vCPU, pvh, no disks. */
static void test_defaults(void **state)
{
	struct xlcfg cfg;
	char err[XLCFG_ERR_MIN];

	assert_int_equal(parse("name='a';kernel='k'", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.memory_mib, XLCFG_MEMORY_DEFAULT_MIB);
	assert_int_equal(cfg.memory_mib, 32);
	assert_int_equal(cfg.maxmem_mib, 32);
	assert_int_equal(cfg.vcpus, 1);
	assert_int_equal(cfg.maxvcpus, 1);
	assert_int_equal(cfg.type, XLCFG_TYPE_PVH);
	assert_int_equal(cfg.nr_disks, 0);
	assert_string_equal(cfg.extra, "");

	/* memory alone sets maxmem; vcpus alone sets maxvcpus */
	assert_int_equal(parse("name='a'\nkernel='k'\nmemory=300\nvcpus=3\ntype=\"hvm\"\n", &cfg,
			       err, sizeof(err)), 0);
	assert_int_equal(cfg.maxmem_mib, 300);
	assert_int_equal(cfg.maxvcpus, 3);
	assert_int_equal(cfg.type, XLCFG_TYPE_HVM);

	/* the text need not be NUL-terminated: only len bytes are read */
	{
		const char t[] = "name='a'\nkernel='k'\nmemory=64";

		assert_int_equal(xlcfg_parse(t, strlen(t) - 1, &cfg, err, sizeof(err)), 0);
		assert_int_equal(cfg.memory_mib, 6);
	}
	/* an empty list is no disk */
	assert_int_equal(parse("name='a'\nkernel='k'\ndisk=[ ]\n", &cfg, err, sizeof(err)), 0);
	assert_int_equal(cfg.nr_disks, 0);
}

/* The command line as xl builds it: cmdline wins; else root= then extra. */
static void test_cmdline(void **state)
{
	struct xlcfg cfg;
	char err[XLCFG_ERR_MIN];

	assert_int_equal(parse("name='a'\nkernel='k'\nroot='/dev/xvda1 ro'\nextra='quiet'\n",
			       &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.extra, "root=/dev/xvda1 ro quiet");
	assert_int_equal(parse("name='a'\nkernel='k'\nroot='/dev/xvda1'\n", &cfg, err,
			       sizeof(err)), 0);
	assert_string_equal(cfg.extra, "root=/dev/xvda1");
	assert_int_equal(parse("extra='x'\ncmdline='only this'\nroot='r'\nname='a'\nkernel='k'",
			       &cfg, err, sizeof(err)), 0);
	assert_string_equal(cfg.extra, "only this");
}

/* Disk specs: the equivalent spellings xl-disk-configuration(5) lists. */
static void test_disk_forms(void **state)
{
	static const char *const same[] = {
		"/dev/vg/guest-volume,,hda",
		"/dev/vg/guest-volume,raw,hda,rw",
		"format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume",
		"vdev=hda,/dev/vg/guest-volume",
		" /dev/vg/guest-volume , raw , hda , w ,",
	};
	struct xlcfg_disk d;
	char err[XLCFG_ERR_MIN];

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		assert_int_equal(xlcfg_parse_disk(same[i], strlen(same[i]), &d, err, sizeof(err)),
				 0);
		assert_string_equal(d.target, "/dev/vg/guest-volume");
		assert_string_equal(d.vdev, "hda");
		assert_false(d.readonly);
		assert_int_equal(d.format, XLCFG_FMT_RAW);
	}

	/* cdrom: flag or devtype, implies read-only; an empty cdrom is fine */
	{
		const char s[] = "/root/image.iso,,hdc,cdrom";

		assert_int_equal(xlcfg_parse_disk(s, strlen(s), &d, err, sizeof(err)), 0);
	}
	assert_true(d.cdrom);
	assert_true(d.readonly);
	assert_string_equal(d.vdev, "hdc");
	{
		const char s[] = ",qcow2,hdc,,devtype=cdrom";

		assert_int_equal(xlcfg_parse_disk(s, strlen(s), &d, err, sizeof(err)), 0);
	}
	assert_true(d.cdrom);
	assert_int_equal(d.format, XLCFG_FMT_QCOW2);
	assert_string_equal(d.target, "");

	/* target= takes the rest, commas included; mode= is access */
	{
		const char s[] = "vdev=xvda, mode=ro, target=/odd,name=x.img";

		assert_int_equal(xlcfg_parse_disk(s, strlen(s), &d, err, sizeof(err)), 0);
		assert_string_equal(d.target, "/odd,name=x.img");
		assert_true(d.readonly);
	}
	/* virtio with the default transport is virtio-mmio (libxl) */
	{
		const char s[] = "/d.img,,xvda,specification=virtio,grant_usage=0,backendtype=phy";

		assert_int_equal(xlcfg_parse_disk(s, strlen(s), &d, err, sizeof(err)), 0);
		assert_true(xlcfg_disk_is_virtio_mmio(&d));
		assert_int_equal(d.transport, XLCFG_TRANSPORT_DEFAULT);
		assert_int_equal(d.grant_usage, 0);
		assert_int_equal(d.backendtype, XLCFG_BT_PHY);
		assert_string_equal(xlcfg_backendtype_name(d.backendtype), "phy");
		assert_string_equal(xlcfg_spec_name(d.specification), "virtio");
	}
	{
		const char s[] = "/d.img,,xvda,specification=virtio,transport=pci";

		assert_int_equal(xlcfg_parse_disk(s, strlen(s), &d, err, sizeof(err)), 0);
		assert_false(xlcfg_disk_is_virtio_mmio(&d));
	}
}

struct bad {
	const char *text;
	int rc;
	const char *msg[3]; /* every one must appear in the message */
};

#define OK_HEAD "name='a'\nkernel='k'\n"

static const struct bad bad_cases[] = {
	/* unknown keys: refused by name, at their line */
	{OK_HEAD "on_crash = 'destroy'\n", -XEN_EOPNOTSUPP, {"line 3", "on_crash", "unknown key"}},
	{OK_HEAD "memory=64\n\n  vif = [ '' ]\n", -XEN_EOPNOTSUPP, {"line 5", "'vif'"}},
	/* syntax */
	{"name 'a'\n", -XEN_EINVAL, {"line 1", "name", "expected ="}},
	{OK_HEAD "memory = 64 128\n", -XEN_EINVAL, {"line 3", "memory", "unexpected text"}},
	{OK_HEAD "= 5\n", -XEN_EINVAL, {"line 3", "expected a key"}},
	{"name='a\nkernel='k'\n", -XEN_EINVAL, {"line 1", "name", "unterminated string"}},
	{"name='a\\q'\nkernel='k'\n", -XEN_EINVAL, {"line 1", "name", "unknown escape"}},
	{"name=\nkernel='k'\n", -XEN_EINVAL, {"line 1", "name", "value missing"}},
	{"name=domu\nkernel='k'\n", -XEN_EINVAL, {"line 1", "name", "quoted string"}},
	{"name=['a']\nkernel='k'\n", -XEN_EINVAL, {"line 1", "name", "not a list"}},
	{OK_HEAD "disk = [ '/d,,xvda'\n", -XEN_EINVAL, {"line 4", "disk", "not closed"}},
	{OK_HEAD "disk = [ '/d,,xvda' '/e,,xvdb' ]\n", -XEN_EINVAL, {"line 3", "disk", ", or ]"}},
	{OK_HEAD "disk = '/d,,xvda'\n", -XEN_EINVAL, {"line 3", "disk", "expected a list"}},
	{OK_HEAD "disk = [ 5 ]\n", -XEN_EINVAL, {"line 3", "disk", "quoted string"}},
	/* numbers */
	{OK_HEAD "memory = 12x\n", -XEN_EINVAL, {"line 3", "memory", "not a number"}},
	{OK_HEAD "memory = '0x'\n", -XEN_EINVAL, {"line 3", "memory", "not a number"}},
	{OK_HEAD "memory = 08\n", -XEN_EINVAL, {"line 3", "memory", "not a number"}},
	{OK_HEAD "memory = 0\n", -XEN_ERANGE, {"line 3", "memory", "out of range"}},
	{OK_HEAD "memory = -5\n", -XEN_ERANGE, {"line 3", "memory", "out of range"}},
	{OK_HEAD "memory = 99999999999999999999999\n", -XEN_ERANGE, {"memory", "out of range"}},
	{OK_HEAD "maxmem = 1043457\n", -XEN_ERANGE, {"line 3", "maxmem", "1043456"}},
	{OK_HEAD "vcpus = 129\n", -XEN_ERANGE, {"line 3", "vcpus", "1..128"}},
	{OK_HEAD "maxvcpus = [1]\n", -XEN_EINVAL, {"line 3", "maxvcpus", "not a list"}},
	{OK_HEAD "vcpus = \n", -XEN_EINVAL, {"line 3", "vcpus", "value missing"}},
	/* semantics */
	{OK_HEAD "name = 'b'\n", -XEN_EEXIST, {"line 3", "name", "given twice"}},
	{"name=''\nkernel='k'\n", -XEN_EINVAL, {"line 1", "name", "empty"}},
	{"kernel='k'\nmemory=64\n", -XEN_EINVAL, {"name", "missing"}},
	{"name='a'\n", -XEN_EINVAL, {"kernel", "missing"}},
	{OK_HEAD "memory=256\nmaxmem=128\n", -XEN_EINVAL, {"maxmem", "smaller than memory"}},
	{OK_HEAD "vcpus=4\nmaxvcpus=2\n", -XEN_EINVAL, {"maxvcpus", "smaller than vcpus"}},
	{OK_HEAD "type='pv'\n", -XEN_EOPNOTSUPP, {"line 3", "type", "\"pv\""}},
	{OK_HEAD "type='windows'\n", -XEN_EINVAL, {"line 3", "type", "pvh"}},
	{"name='0123456789012345678901234567890123456789012345678901234567890123'\n",
	 -XEN_ENAMETOOLONG, {"line 1", "name", "63 bytes"}},
	/* disks */
	{OK_HEAD "disk=['/a,,xvda','/b,,xvdb','/c,,xvdc','/d,,xvdd','/e,,xvde']\n", -XEN_E2BIG,
	 {"line 3", "disk", "more than 4"}},
	{OK_HEAD "disk=['/a']\n", -XEN_EINVAL, {"line 3", "disk 0", "vdev: missing"}},
	{OK_HEAD "disk=['/a,,xvda',\n 'vdev=xvdb']\n", -XEN_EINVAL, {"line 4", "disk 1",
									 "target: missing"}},
	{OK_HEAD "disk=['/a,,xvda,rx']\n", -XEN_EINVAL, {"disk 0", "access", "'rx'"}},
	{OK_HEAD "disk=['/a,vmdk,xvda']\n", -XEN_EINVAL, {"disk 0", "format", "'vmdk'"}},
	{OK_HEAD "disk=['/a,,xvda,specification=nvme']\n", -XEN_EINVAL,
	 {"disk 0", "specification", "'nvme'"}},
	{OK_HEAD "disk=['/a,,xvda,transport=mmio']\n", -XEN_EINVAL,
	 {"disk 0", "transport", "specification=virtio"}},
	{OK_HEAD "disk=['/a,,xvda,specification=virtio,transport=ccw']\n", -XEN_EINVAL,
	 {"disk 0", "transport", "'ccw'"}},
	{OK_HEAD "disk=['/a,,xvda,backendtype=iscsi']\n", -XEN_EINVAL,
	 {"disk 0", "backendtype", "'iscsi'"}},
	{OK_HEAD "disk=['/a,,xvda,grant_usage=2']\n", -XEN_EINVAL, {"disk 0", "grant_usage"}},
	{OK_HEAD "disk=['/a,,xvda,vdev=xvdb']\n", -XEN_EEXIST, {"disk 0", "vdev", "twice"}},
	{OK_HEAD "disk=['/a,raw,xvda,rw,extra']\n", -XEN_EINVAL, {"disk 0", "too many positional",
								"'extra'"}},
	{OK_HEAD "disk=['/a,,xvda,script=block']\n", -XEN_EOPNOTSUPP, {"disk 0", "'script'"}},
	{OK_HEAD "disk=['/a,,xvda,colour=red']\n", -XEN_EOPNOTSUPP,
	 {"disk 0", "unknown disk parameter", "'colour'"}},
	{OK_HEAD "disk=['/a,,xvda,discard']\n", -XEN_EOPNOTSUPP, {"disk 0", "'discard'"}},
	{OK_HEAD "disk=['/a,,xvda,devtype=floppy']\n", -XEN_EINVAL, {"disk 0", "devtype"}},
	{OK_HEAD "disk=['/a,,xvdaaaaaaaaaaaaaaaaaaaa']\n", -XEN_ENAMETOOLONG,
	 {"disk 0", "vdev", "too long"}},
};

static void test_bad(void **state)
{
	for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
		const struct bad *b = &bad_cases[i];
		struct xlcfg cfg;
		char err[XLCFG_ERR_MIN];
		int rc;

		memset(&cfg, 0xa5, sizeof(cfg));
		rc = parse(b->text, &cfg, err, sizeof(err));
		if (rc != b->rc)
			fail_msg("case %zu (%s): rc %d, want %d; message: %s", i, b->text, rc, b->rc,
				 err);
		for (size_t m = 0; m < 3 && b->msg[m]; m++)
			if (!strstr(err, b->msg[m]))
				fail_msg("case %zu (%s): message '%s' lacks '%s'", i, b->text, err,
					 b->msg[m]);
		/* nothing half-filled */
		assert_int_equal(cfg.nr_disks, 0);
		assert_string_equal(cfg.name, "");
		assert_int_equal(cfg.memory_mib, 0);
	}
}

/* The message is cut to the buffer and always terminated; no buffer at all
 * is allowed. */
static void test_err_buffer(void **state)
{
	struct xlcfg cfg;
	char err[8];

	memset(err, 'x', sizeof(err));
	assert_int_equal(parse("bogus = 1\n", &cfg, err, sizeof(err)), -XEN_EOPNOTSUPP);
	assert_int_equal(strlen(err), sizeof(err) - 1);
	assert_memory_equal(err, "line 1:", 7);
	assert_int_equal(parse("bogus = 1\n", &cfg, NULL, 0), -XEN_EOPNOTSUPP);
	/* NUL bytes in the text are an error, not an end */
	{
		const char t[] = "name='a'\nkernel='k'\n\0memory=5";
		char e2[XLCFG_ERR_MIN];

		assert_int_equal(xlcfg_parse(t, sizeof(t) - 1, &cfg, e2, sizeof(e2)), -XEN_EINVAL);
		assert_non_null(strstr(e2, "line 3"));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_cmdline),
		cmocka_unit_test(test_disk_forms),
		cmocka_unit_test(test_bad),
		cmocka_unit_test(test_err_buffer),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
