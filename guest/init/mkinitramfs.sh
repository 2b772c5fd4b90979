#!/bin/sh
# mkinitramfs.sh: build the msb guest initramfs (a gzip'd newc cpio archive).
#
# Usage:
#   mkinitramfs.sh --kernel-version VER --agent PATH --out FILE.cpio.gz
#                  [--modules "NAME ..."] [--modules-dir DIR]
#
#   --kernel-version VER  kernel release the modules belong to (uname -r form)
#   --agent PATH          the static msb-agent; it becomes /init (PID 1)
#   --out FILE            archive to write (replaced atomically)
#   --modules "NAME ..."  modules the guest needs, by name ('-' and '_' are
#                         the same); their dependencies are added from
#                         modules.dep and everything is ordered deps-first.
#                         Built-in modules (modules.builtin) are skipped.
#                         Default: virtio_mmio virtio_blk ext4 vsock
#                         vmw_vsock_virtio_transport virtio_net
#   --modules-dir DIR     default /lib/modules/VER
#
# The archive holds /init, /lib/modules/NAME.ko (decompressed: finit_module
# only takes compressed modules when the kernel was built to), and
# /etc/msb/modules, the absolute paths of those files one a line in load
# order, which the agent's msb_init_boot() loads. Needs no root: file owners
# are set to 0:0 in the archive. Needs cpio, gzip, awk, and xz or zstd only
# for modules compressed that way.
set -eu

prog=${0##*/}
die() {
	echo "$prog: $*" >&2
	exit 1
}
usage() {
	awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2
	exit 2
}

kver=
agent=
out=
moddir=
modules="virtio_mmio virtio_blk ext4 vsock vmw_vsock_virtio_transport virtio_net"

while [ $# -gt 0 ]; do
	case $1 in
	--kernel-version) [ $# -ge 2 ] || usage; kver=$2; shift 2 ;;
	--agent) [ $# -ge 2 ] || usage; agent=$2; shift 2 ;;
	--out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
	--modules) [ $# -ge 2 ] || usage; modules=$2; shift 2 ;;
	--modules-dir) [ $# -ge 2 ] || usage; moddir=$2; shift 2 ;;
	-h | --help) usage ;;
	*) echo "$prog: unknown argument: $1" >&2; usage ;;
	esac
done
if [ -z "$kver" ] || [ -z "$agent" ] || [ -z "$out" ]; then
	usage
fi
moddir=${moddir:-/lib/modules/$kver}

if [ ! -f "$agent" ] || [ ! -x "$agent" ]; then
	die "agent $agent is not an executable file"
fi
# A dynamically linked /init dies before it can log why: refuse it here.
if command -v readelf >/dev/null 2>&1 &&
	readelf -l "$agent" 2>/dev/null | grep -q 'program interpreter'; then
	die "agent $agent is dynamically linked; /init must be static"
fi
[ -r "$moddir/modules.dep" ] || die "$moddir/modules.dep not found (is the kernel for $kver installed?)"
command -v cpio >/dev/null 2>&1 || die "cpio not found (apt-get install cpio)"
builtin=$moddir/modules.builtin
[ -r "$builtin" ] || builtin=/dev/null

work=$(mktemp -d "${TMPDIR:-/tmp}/mkinitramfs.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 1' HUP INT TERM
root=$work/root
mkdir -p "$root/etc/msb" "$root/lib/modules" "$root/dev" "$root/proc" \
	"$root/sys" "$root/newroot"

# Prints the module files (relative to moddir) to load, dependencies first:
# a depth-first walk of modules.dep, each file printed after its deps.
awk -v want="$modules" -v prog="$prog" '
function modname(path,   n) {
	n = path
	sub(/^.*\//, "", n)
	sub(/\.ko(\.(gz|xz|zst))?$/, "", n)
	gsub(/-/, "_", n)
	return n
}
function visit(path,   i, n, d) {
	if (state[path] == 2)
		return
	if (state[path] == 1) {
		printf "%s: dependency cycle at %s\n", prog, path > "/dev/stderr"
		failed = 1
		return
	}
	if (!(path in deps)) {
		printf "%s: %s is not in modules.dep\n", prog, path > "/dev/stderr"
		failed = 1
		return
	}
	state[path] = 1
	n = split(deps[path], d, " ")
	for (i = 1; i <= n; i++)
		visit(d[i])
	state[path] = 2
	print path
}
FILENAME == ARGV[1] { isbuiltin[modname($0)] = 1; next }
{
	path = $1
	sub(/:$/, "", path)
	$1 = ""
	deps[path] = $0
	byname[modname(path)] = path
}
END {
	n = split(want, w, " ")
	for (i = 1; i <= n; i++) {
		name = w[i]
		gsub(/-/, "_", name)
		if (name in isbuiltin) {
			printf "%s: %s is built into the kernel\n", prog, name > "/dev/stderr"
			continue
		}
		if (!(name in byname)) {
			printf "%s: no module %s in modules.dep\n", prog, name > "/dev/stderr"
			failed = 1
			continue
		}
		visit(byname[name])
	}
	exit failed
}' "$builtin" "$moddir/modules.dep" >"$work/order" ||
	die "cannot resolve modules \"$modules\" for $kver"

: >"$root/etc/msb/modules"
while IFS= read -r rel; do
	name=${rel##*/}
	base=${name%.gz}
	base=${base%.xz}
	base=${base%.zst}
	dst=$root/lib/modules/$base
	case $name in
	*.ko.gz) gzip -dc "$moddir/$rel" >"$dst" ;;
	*.ko.xz) xz -dc "$moddir/$rel" >"$dst" ;;
	*.ko.zst) zstd -qdc "$moddir/$rel" >"$dst" ;;
	*.ko) cp "$moddir/$rel" "$dst" ;;
	*) die "unexpected module file $rel" ;;
	esac || die "cannot copy $rel"
	echo "/lib/modules/$base" >>"$root/etc/msb/modules"
done <"$work/order"

cp "$agent" "$root/init"
chmod 0755 "$root/init"

# Sorted names keep the archive byte-for-byte stable for the same inputs.
(cd "$root" && find . -mindepth 1 | LC_ALL=C sort |
	cpio --quiet -o -H newc -R 0:0 --reproducible) >"$work/initramfs.cpio" ||
	die "cpio failed"
gzip -9n "$work/initramfs.cpio" || die "gzip failed"
mv -f "$work/initramfs.cpio.gz" "$out.tmp.$$" || die "cannot write $out.tmp.$$"
mv -f "$out.tmp.$$" "$out" || die "cannot write $out"
echo "$prog: wrote $out ($(wc -l <"$root/etc/msb/modules") modules)" >&2
