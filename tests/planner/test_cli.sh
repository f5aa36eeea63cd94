#!/bin/sh
# End-to-end test of `memvisor layout`: text, --json (the facts 8.8 numbers),
# --dtb-out (guest DTBs that dtc can read back), --svg (rendered to PNG with
# rsvg-convert), bad input (exit status and messages, no crash).
# usage: test_cli.sh LAYOUT_BINARY DTB_DIR
set -u
bin=$1
dir=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0
ok() { pass=$((pass + 1)); echo "ok - $1"; }
ko() { fail=$((fail + 1)); echo "not ok - $1"; }
check() { if eval "$2"; then ok "$1"; else ko "$1"; fi; }

"$bin" "$dir/qemu-virt.dtb" --json -q >"$tmp/out.json" 2>"$tmp/err"
check "json exit 0" '[ $? -eq 0 ]'
check "json dom0 facts 8.8" 'python3 - "$tmp/out.json" <<PY
import json, sys
j = json.load(open(sys.argv[1]))
d = {x["name"]: x for x in j["domains"]}
d0 = d["dom0"]
assert d0["direct_map"] is True and d0["iommu"] is False and d0["gpaddr_bits"] == 44
assert d0["memory"] == [["0x60000000", "0x20000000"]]
assert d0["hypervisor_node"] is True
assert d0["grant_table"] == ["0x40200000", "0x40000"]
assert d0["extended_regions"] == [["0x40400000", "0x1fc00000"], ["0x80000000", "0xc0000000"]]
u = d["domU1"]
assert u["grant_table"] == ["0x38000000", "0x1000000"]
assert u["extended_regions"] == [["0x60000000", "0xa0000000"], ["0x200000000", "0xfe00000000"]]
assert d["domU2"]["hypervisor_node"] is False and d["domU2"]["grant_table"] is None
PY'

"$bin" "$dir/qemu-virt.dtb" --json -q --bootargs "dom0_mem=512M ext_regions=no" >"$tmp/off.json"
check "ext_regions=no gives region 0 only" 'python3 -c "
import json; j = json.load(open(\"$tmp/off.json\"))
d0 = j[\"domains\"][0]
assert d0[\"grant_table\"] == [\"0x40200000\", \"0x40000\"] and d0[\"extended_regions\"] == []
"'

"$bin" "$dir/qemu-virt.dtb" --dom0-banks 0x80000000:0x40000000 --xen-image 0x40000000:0x100000 \
	--json -q >"$tmp/banks.json"
check "--dom0-banks and --xen-image" 'python3 -c "
import json; j = json.load(open(\"$tmp/banks.json\"))
d0 = j[\"domains\"][0]
assert d0[\"memory\"] == [[\"0x80000000\", \"0x40000000\"]], d0
assert d0[\"grant_table\"] == [\"0x40000000\", \"0x40000\"], d0
assert d0[\"extended_regions\"] == [[\"0x40200000\", \"0x3fe00000\"], [\"0xc0000000\", \"0x80000000\"]], d0
"'

"$bin" "$dir/qemu-virt.dtb" >"$tmp/out.txt" 2>&1
check "text output names regions" 'grep -q "region 2 *0x80000000" "$tmp/out.txt"'
check "text output says why things are left out" 'grep -q "too small" "$tmp/out.txt"'

"$bin" "$dir/qemu-virt.dtb" -q --dtb-out "$tmp/dtbs" >/dev/null
check "guest DTBs written" '[ -s "$tmp/dtbs/dom0.dtb" ] && [ -s "$tmp/dtbs/domU1.dtb" ] && [ -s "$tmp/dtbs/domU2.dtb" ]'
dtc -q -I dtb -O dts -o "$tmp/domU1.dts" "$tmp/dtbs/domU1.dtb"
check "domU1 DTB has the hypervisor node" 'grep -q "xen,xen-4.22" "$tmp/domU1.dts" && grep -q "0x00 0x38000000 0x00 0x1000000 0x00 0x60000000 0x00 0xa0000000 0x02 0x00 0xfe 0x00" "$tmp/domU1.dts"'
dtc -q -I dtb -O dts -o "$tmp/domU2.dts" "$tmp/dtbs/domU2.dtb"
check "domU2 DTB has no hypervisor node" '! grep -q hypervisor "$tmp/domU2.dts"'

"$bin" "$dir/iommu.dtb" -q --svg "$tmp/map.svg" --xen 4.17 >/dev/null
check "svg written" '[ -s "$tmp/map.svg" ]'
if command -v rsvg-convert >/dev/null 2>&1; then
	rsvg-convert -o "$tmp/map.png" "$tmp/map.svg" 2>"$tmp/rsvg.err"
	check "svg renders to png" '[ -s "$tmp/map.png" ] && [ ! -s "$tmp/rsvg.err" ]'
else
	echo "SKIP: rsvg-convert not installed, svg not rendered"
fi

"$bin" "$dir/cells1.dtb" --iommu on >/dev/null 2>"$tmp/c1.err"
check "1-cell root truncation warned with address" 'grep -q "0xfff01e00000.*high bits" "$tmp/c1.err"'

head -c 100 "$dir/qemu-virt.dtb" >"$tmp/trunc.dtb"
"$bin" "$tmp/trunc.dtb" >/dev/null 2>"$tmp/trunc.err"
rc=$?
check "truncated DTB: exit 1 with a message" '[ $rc -eq 1 ] && grep -q "truncated DTB" "$tmp/trunc.err"'
"$bin" "$dir/qemu-virt.dtb" --xen 9.9 >/dev/null 2>&1
check "bad --xen is a usage error" '[ $? -eq 2 ]'
"$bin" "$dir/iommu-untranslatable.dtb" >/dev/null 2>"$tmp/u.err"
check "untranslatable reg names node and address" 'grep -q "/bus@10000000/gic@2000000: @0x2000000" "$tmp/u.err"'

# Facts 8.9: 4.17 removes reserved-memory children in the board's order.
"$bin" "$dir/sdm630-reserved.dtb" --xen 4.17 --json -q >"$tmp/order.json"
check "4.17 reserved removal in tree order (SDM630)" 'python3 -c "
import json; j = json.load(open(\"$tmp/order.json\"))
assert j[\"boots\"] is True
r = j[\"domains\"][0][\"extended_regions\"]
assert r[0] == [\"0x80400000\", \"0x5200000\"], r
"'
"$bin" "$dir/sdm630-reserved-sorted.dtb" --xen 4.17 --json -q >"$tmp/sorted.json"
check "4.17 address order gives 12 MiB more (SDM630)" 'python3 -c "
import json; j = json.load(open(\"$tmp/sorted.json\"))
r = j[\"domains\"][0][\"extended_regions\"]
assert r[0] == [\"0x80400000\", \"0x5e00000\"], r
assert any(n[\"why\"] == \"xen417_bug\" for n in j[\"domains\"][0][\"left_out\"])
"'

# Facts 8.10: overlapping RAM banks, 4.17 does not boot: say so, exit 1.
"$bin" "$dir/sdm630-ram-overlap.dtb" --xen 4.17 >"$tmp/nb.txt" 2>"$tmp/nb.err"
rc=$?
check "4.17 overlapping RAM: exit 1" '[ $rc -eq 1 ]'
check "4.17 overlapping RAM: stdout says it would not boot and why" \
	'grep -q "Xen 4.17 would not boot this tree: RAM banks /memory@80000000 .* and /reserved-memory/memory@85e00000 .* overlap" "$tmp/nb.txt" && ! grep -q "dom0" "$tmp/nb.txt"'
check "4.17 overlapping RAM: stderr names the cause" 'grep -q "sdm630-ram-overlap.dtb: Xen 4.17 would not boot" "$tmp/nb.err"'
"$bin" "$dir/sdm630-ram-overlap.dtb" --xen 4.17 --json -q >"$tmp/nb.json" 2>"$tmp/nbq.err"
rc=$?
check "4.17 overlapping RAM: --json exit 1, boots false, reason" '[ $rc -eq 1 ] && python3 -c "
import json; j = json.load(open(\"$tmp/nb.json\"))
assert j[\"boots\"] is False and j[\"domains\"] == []
nb = j[\"no_boot\"]
assert nb[\"why\"] == \"ram_banks_overlap\"
assert nb[\"nodes\"] == [\"/memory@80000000\", \"/reserved-memory/memory@85e00000\"]
assert nb[\"between\"] == [[\"0x80000000\", \"0xc0000000\"], [\"0x85e00000\", \"0x200000\"]]
"'
check "4.17 overlapping RAM: the verdict survives -q" 'grep -q "would not boot" "$tmp/nbq.err"'
# Facts 8b.4: from 4.18 the same board stops earlier, on its overlapping
# /reserved-memory children ("removed region" over qhee-code).
for x in 4.18 4.19 4.20 4.21 latest; do
	"$bin" "$dir/sdm630-ram-overlap.dtb" --xen $x --json -q >"$tmp/nb-$x.json" 2>/dev/null
	rc=$?
	check "--xen $x: the board is refused for its overlapping reserved regions" '[ $rc -eq 1 ] && python3 -c "
import json; j = json.load(open(\"$tmp/nb-$x.json\"))
assert j[\"boots\"] is False and j[\"domains\"] == []
nb = j[\"no_boot\"]
assert nb[\"why\"] == \"reserved_regions_overlap\", nb
assert nb[\"nodes\"] == [\"/reserved-memory/qhee-code@85800000\", \"/reserved-memory/removed_region@85800000\"]
assert nb[\"between\"] == [[\"0x85800000\", \"0x600000\"], [\"0x85800000\", \"0x3700000\"]]
assert \"Early FDT parsing failed\" in nb[\"message\"] and \"Xen $x would not boot\" in nb[\"message\"]
"'
done
"$bin" --json -q --xen 4.17 "$dir/qemu-virt.dtb" "$dir/sdm630-ram-overlap.dtb" >"$tmp/multi.jsonl"
rc=$?
check "several DTBs: one line each, exit 1 when one would not boot" '[ $rc -eq 1 ] && python3 -c "
import json; l = [json.loads(x) for x in open(\"$tmp/multi.jsonl\")]
assert [x[\"boots\"] for x in l] == [True, False]
"'

# --compare: region by region what changes between releases, and the rule.
"$bin" -q --compare 4.17,4.20 "$dir/qemu-virt.dtb" >"$tmp/cmp.txt"
rc=$?
check "--compare 4.17,4.20 text: exit 0, both regions 2 MiB short, the rule named" '[ $rc -eq 0 ] &&
	grep -q "Xen 4.17 -> 4.20" "$tmp/cmp.txt" &&
	grep -q "dom0: 2 changes" "$tmp/cmp.txt" &&
	grep -q "0x5fe00000 +0x200000 (2 MiB) only in Xen 4.17: Xen 4.20 sizes regions 2 MiB short.*\[short_2m\]" "$tmp/cmp.txt" &&
	grep -q "0x13fe00000 +0x200000 (2 MiB) only in Xen 4.17: .*\[short_2m\]" "$tmp/cmp.txt" &&
	grep -q "domU1: the same regions" "$tmp/cmp.txt"'
cmpjson() { # tree releases python-assertions
	"$bin" -q --json --compare "$2" "$dir/$1.dtb" >"$tmp/cmp-$1.json"
	rc=$?
	[ $rc -eq 0 ] && python3 -c "
import json; j = json.load(open('$tmp/cmp-$1.json'))
ch = {(c['from'], c['to']): {d['name']: d for d in c['domains']} for c in j['changes']}
$3
"
}
check "--compare json: the range-removal fix of 4.19.3 (pci-417)" 'cmpjson pci-417 4.19.2,4.19 "
d = ch[(\"4.19.2\", \"4.19\")][\"dom0\"]
assert d[\"changes\"] == [{\"start\": \"0xfe00000\", \"size\": \"0x8000000\", \"only_in\": \"4.19.2\", \"rule\": \"removal_bug\", \"why\": d[\"changes\"][0][\"why\"]}], d
assert j[\"releases\"][0][\"xen_models\"] == \"4.19.0-4.19.2\"
"'
check "--compare json: /memreserve/ excluded from 4.19" 'cmpjson memreserve 4.18,4.19 "
c = ch[(\"4.18\", \"4.19\")][\"dom0\"][\"changes\"]
assert [(x[\"start\"], x[\"size\"], x[\"rule\"]) for x in c] == [(\"0x8fe00000\", \"0x200000\", \"short_2m\"), (\"0x90000000\", \"0xfe00000\", \"memreserve_excluded\")], c
"'
check "--compare json: xen,reg excluded from 4.21" 'cmpjson xenreg 4.20,4.21 "
c = ch[(\"4.20\", \"4.21\")][\"dm\"][\"changes\"]
assert (\"0xc0000000\", \"0x10000000\", \"4.20\", \"xen_reg_excluded\") in [(x[\"start\"], x[\"size\"], x[\"only_in\"], x[\"rule\"]) for x in c], c
"'
check "--compare json: three releases, DomU regions from 4.17 and shm from 4.19" 'cmpjson shm 4.16,4.17,4.19 "
c = ch[(\"4.16\", \"4.17\")][\"domU1\"][\"changes\"]
assert [x[\"rule\"] for x in c] == [\"domu_holes\", \"domu_holes\"] and all(x[\"only_in\"] == \"4.17\" for x in c), c
c = ch[(\"4.17\", \"4.19\")][\"domU1\"][\"changes\"]
assert (\"0x90000000\", \"0x10000000\", \"shm_excluded\") in [(x[\"start\"], x[\"size\"], x[\"rule\"]) for x in c], c
assert ch[(\"4.16\", \"4.17\")][\"dom0\"][\"changes\"] == []
"'
check "--compare json: a release that refuses the tree says so, no regions compared" 'cmpjson sdm630-reserved 4.17,4.20 "
assert [r[\"boots\"] for r in j[\"releases\"]] == [True, False]
assert j[\"releases\"][1][\"no_boot\"][\"why\"] == \"reserved_regions_overlap\"
c = j[\"changes\"][0]
assert c[\"boot\"] == [None, \"reserved_regions_overlap\"] and c[\"domains\"] == []
"'
"$bin" -q --compare 4.17 "$dir/qemu-virt.dtb" >/dev/null 2>&1
check "--compare needs two releases" '[ $? -eq 2 ]'
"$bin" -q --compare 4.17,5.0 "$dir/qemu-virt.dtb" >/dev/null 2>&1
check "--compare with a bad release is a usage error" '[ $? -eq 2 ]'
"$bin" -q --compare 4.17,4.20 --dtb-out "$tmp/cmpdtbs" "$dir/qemu-virt.dtb" >/dev/null 2>&1
check "--compare with --dtb-out is a usage error" '[ $? -eq 2 ]'
"$bin" -q --compare 4.17,4.20,4.21 --svg "$tmp/cmp.svg" "$dir/qemu-virt.dtb" >/dev/null
check "--compare --svg: one column per release, each with its regions" '[ $? -eq 0 ] &&
	grep -q ">Xen 4.17: dom0<" "$tmp/cmp.svg" && grep -q ">Xen 4.20: dom0<" "$tmp/cmp.svg" &&
	grep -q ">Xen 4.21: dom0<" "$tmp/cmp.svg" &&
	[ $(grep -c "<title>ext region" "$tmp/cmp.svg") -eq 6 ] &&
	grep -q "ext region 0x40400000-0x5fdfffff (506 MiB)" "$tmp/cmp.svg" &&
	grep -q "ext region 0x40400000-0x5fffffff (508 MiB)" "$tmp/cmp.svg"'
"$bin" -q --compare 4.17,4.20 --svg "$tmp/cmp2.svg" "$dir/sdm630-reserved.dtb" >/dev/null
check "--compare --svg: a release that refuses the tree has an empty column saying so" '[ $? -eq 0 ] &&
	grep -q "does not boot: reserved_regions_overlap" "$tmp/cmp2.svg" &&
	[ $(grep -c "<title>ext region" "$tmp/cmp2.svg") -eq 5 ]'
if command -v rsvg-convert >/dev/null 2>&1; then
	rsvg-convert -o "$tmp/cmp.png" "$tmp/cmp.svg" 2>"$tmp/rsvg2.err"
	check "--compare svg renders to png" '[ -s "$tmp/cmp.png" ] && [ ! -s "$tmp/rsvg2.err" ]'
fi
for x in 4.16 4.18 4.19.2 4.20.0 4.20.4; do
	"$bin" -q --json --xen $x "$dir/qemu-virt.dtb" >"$tmp/pol.json"
	check "--xen $x accepted" '[ $? -eq 0 ] && grep -q "\"boots\":true" "$tmp/pol.json"'
done
check "--xen 4.20.4 plans as 4.20 (2 MiB short)" 'python3 -c "
import json; j = json.load(open(\"$tmp/pol.json\"))
assert j[\"xen\"] == \"4.20\" and j[\"domains\"][0][\"extended_regions\"][1] == [\"0x80000000\", \"0xbfe00000\"]
assert any(n[\"why\"] == \"short_2mib\" for n in j[\"domains\"][0][\"left_out\"])
"'

# --xen 4.16 through the CLI: NR_MEM_BANKS was 128 (facts 1.2, 1.7), so
# Dom0 with IOMMU on a host of 200 small devices gets 128 regions and the
# rest is left out as "limit"; 4.17 has room for all of them.
python3 - >"$tmp/many.dts" <<'PY'
print("/dts-v1/;\n/ {\n #address-cells = <2>;\n #size-cells = <2>;")
print(' memory@40000000 { device_type = "memory"; reg = <0x0 0x40000000 0x0 0x40000000>; };')
for i in range(200):
    a = 0x100000000 + i * (128 << 20) + (126 << 20)
    print(' dev@%x { reg = <0x%x 0x%x 0x0 0x200000>; };' % (a, a >> 32, a & 0xffffffff))
print("};")
PY
dtc -q -I dts -O dtb -o "$tmp/many.dtb" "$tmp/many.dts"
"$bin" -q --json --iommu on --xen 4.16 "$tmp/many.dtb" >"$tmp/many16.json"
"$bin" -q --json --iommu on --xen 4.17 "$tmp/many.dtb" >"$tmp/many17.json"
check "--xen 4.16 caps Dom0 at 128 regions, 4.17 does not" 'python3 -c "
import json
a = json.load(open(\"$tmp/many16.json\"))[\"domains\"][0]
b = json.load(open(\"$tmp/many17.json\"))[\"domains\"][0]
assert len(a[\"extended_regions\"]) == 128, len(a[\"extended_regions\"])
assert sum(n[\"why\"] == \"limit\" for n in a[\"left_out\"]) == len(b[\"extended_regions\"]) - 128
assert len(b[\"extended_regions\"]) > 128 and not any(n[\"why\"] == \"limit\" for n in b[\"left_out\"])
assert a[\"extended_regions\"] == b[\"extended_regions\"][:128]
"'

# --domu-cfg: a libxl DomU planned from its xl.cfg (issue 16 item 5).
cat >"$tmp/domu.cfg" <<'CFG'
# the seed's frontend as a libxl DomU
name = "domu1"
memory = 512
vcpus = 2
kernel = "frontend.elf"
extra = "console=hvc0"
disk = [ 'backend=0, backendtype=standalone, specification=virtio, transport=mmio, vdev=xvda, target=/srv/disk.img' ]
CFG
"$bin" --domu-cfg "$tmp/domu.cfg" --json >"$tmp/domu.json" 2>"$tmp/domu.err"
check "--domu-cfg json: banks, region 0, libxl regions at 40 bits, virtio window" '[ $? -eq 0 ] && python3 -c "
import json; j = json.load(open(\"$tmp/domu.json\"))
d = j[\"domains\"][0]
assert j[\"xen\"] == \"latest\" and d[\"name\"] == \"domu1\" and d[\"libxl\"] is True
assert d[\"gpaddr_bits\"] == 40 and \"getdomaininfo\" in d[\"gpaddr_bits_from\"]
assert d[\"memory\"] == [[\"0x40000000\", \"0x20000000\"]]
assert d[\"grant_table\"] == [\"0x38000000\", \"0x1000000\"]
assert d[\"extended_regions\"] == [[\"0x60000000\", \"0xa0000000\"], [\"0x200000000\", \"0xfe00000000\"]], d
assert d[\"virtio_mmio\"] == [{\"base\": \"0x2000000\", \"size\": \"0x200\", \"spi\": 33, \"vdev\": \"xvda\", \"target\": \"/srv/disk.img\", \"backend\": \"0\", \"backendtype\": \"standalone\", \"readonly\": False}], d
assert d[\"vcpus\"] == 2 and d[\"bootargs\"] == \"console=hvc0\"
"'
cat >"$tmp/domu4g.cfg" <<'CFG'
name = "big"; kernel = "frontend.elf"; memory = 4096
disk = [ '/a.img,,xvda,specification=virtio', '/b.img,raw,xvdb,ro,specification=virtio' ]
CFG
"$bin" --domu-cfg "$tmp/domu4g.cfg" --ipa-bits 36 --xen 4.19 --json >"$tmp/domu4g.json"
check "--domu-cfg 4 GiB at 36 bits: bank 0 full, bank 1 capped, two virtio windows" '[ $? -eq 0 ] && python3 -c "
import json; j = json.load(open(\"$tmp/domu4g.json\"))
d = j[\"domains\"][0]
assert j[\"xen\"] == \"4.19\" and d[\"gpaddr_bits\"] == 36 and d[\"gpaddr_bits_from\"] == \"--ipa-bits\"
assert d[\"memory\"] == [[\"0x40000000\", \"0xc0000000\"], [\"0x200000000\", \"0x40000000\"]]
assert d[\"extended_regions\"] == [[\"0x240000000\", \"0xdc0000000\"]], d
assert any(n[\"why\"] == \"capped\" and n[\"start\"] == \"0x1000000000\" for n in d[\"left_out\"]), d
assert [(v[\"base\"], v[\"spi\"], v[\"readonly\"]) for v in d[\"virtio_mmio\"]] == [(\"0x2000000\", 33, False), (\"0x2000200\", 34, True)]
"'
"$bin" --domu-cfg "$tmp/domu.cfg" >"$tmp/domu.txt" 2>&1
check "--domu-cfg text names regions and the virtio window" '[ $? -eq 0 ] &&
	grep -q "region 2 *0x200000000 +0xfe00000000" "$tmp/domu.txt" &&
	grep -q "virtio 0 *0x2000000 +0x200 .*SPI 33, xvda <- /srv/disk.img" "$tmp/domu.txt" &&
	grep -q "gpaddr_bits 40" "$tmp/domu.txt"'
"$bin" -q --domu-cfg "$tmp/domu.cfg" --dtb-out "$tmp/domudt" >/dev/null
dtc -q -I dtb -O dts -o "$tmp/domu1.dts" "$tmp/domudt/domu1.dtb" 2>/dev/null
check "--domu-cfg --dtb-out: the DomU tree has its regions, virtio node and bootargs" '[ -s "$tmp/domu1.dts" ] &&
	grep -q "0x00 0x38000000 0x00 0x1000000 0x00 0x60000000 0x00 0xa0000000 0x02 0x00 0xfe 0x00" "$tmp/domu1.dts" &&
	grep -q "virtio@2000000" "$tmp/domu1.dts" && grep -q "\"virtio,mmio\"" "$tmp/domu1.dts" &&
	grep -q "interrupts = <0x00 0x01 0x01>" "$tmp/domu1.dts" &&
	grep -q "bootargs = \"console=hvc0\"" "$tmp/domu1.dts" && grep -q "xen,xen-4.22" "$tmp/domu1.dts"'
"$bin" --domu-cfg "$tmp/domu.cfg" --xen 4.16 >"$tmp/o" 2>"$tmp/e16"
check "--domu-cfg --xen 4.16: no virtio disks before libxl 4.17 (exit 1, says why)" '[ $? -eq 1 ] &&
	grep -q "disk 0 (xvda): virtio disks came with libxl 4.17" "$tmp/e16"'
grep -v "^disk" "$tmp/domu.cfg" >"$tmp/nodisk.cfg"
"$bin" --domu-cfg "$tmp/nodisk.cfg" --xen 4.16 --json >"$tmp/nd16.json"
check "--domu-cfg --xen 4.16: libxl regions exist (57f87857dc), one per bank" '[ $? -eq 0 ] && python3 -c "
import json; d = json.load(open(\"$tmp/nd16.json\"))[\"domains\"][0]
assert d[\"extended_regions\"] == [[\"0x60000000\", \"0xa0000000\"], [\"0x200000000\", \"0xfe00000000\"]], d
"'
printf 'name = "x"\nkernel = "k"\n  on_crash = "destroy"\n' >"$tmp/bad1.cfg"
"$bin" --domu-cfg "$tmp/bad1.cfg" >/dev/null 2>"$tmp/bad1.err"
check "--domu-cfg unknown key: exit 1, names file, line and key" '[ $? -eq 1 ] &&
	grep -q "bad1.cfg: line 3: unknown key .on_crash." "$tmp/bad1.err"'
printf 'name = "x"\nkernel = "k"\nmemory = 4096\ndisk = [ "/a,,xvda" ]\n' >"$tmp/bad2.cfg"
"$bin" --domu-cfg "$tmp/bad2.cfg" >/dev/null 2>"$tmp/bad2.err"
check "--domu-cfg Xen PV disk: exit 1, says use virtio" '[ $? -eq 1 ] &&
	grep -q "disk 0 (xvda): a Xen PV disk" "$tmp/bad2.err"'
grep -v "^disk" "$tmp/bad2.cfg" >"$tmp/bad3.cfg"
"$bin" --domu-cfg "$tmp/bad3.cfg" --ipa-bits 32 >/dev/null 2>"$tmp/bad3.err"
check "--domu-cfg RAM beyond gpaddr_bits: exit 1" '[ $? -eq 1 ] && grep -q "beyond 2^32" "$tmp/bad3.err"'
"$bin" --domu-cfg "$tmp/nope.cfg" >/dev/null 2>"$tmp/bad4.err"
check "--domu-cfg missing file: exit 1" '[ $? -eq 1 ] && grep -q "cannot read" "$tmp/bad4.err"'
"$bin" --domu-cfg "$tmp/domu.cfg" "$dir/qemu-virt.dtb" >/dev/null 2>&1
check "--domu-cfg with a host DTB is a usage error" '[ $? -eq 2 ]'

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
