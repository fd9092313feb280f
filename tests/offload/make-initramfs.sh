#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# make-initramfs.sh BUILD_DIR OUT.cpio.gz: pack the netdevsim guest's root:
#   /init                   guest-init.sh (runs the checks, prints the lines)
#   /bin/busybox + applets  busybox-static
#   /usr/sbin/enforcerd, /usr/sbin/enforcerctl, /usr/bin/enf-offload-probe
#                           the project's binaries from BUILD_DIR
#   /usr/libexec/enforcer-test/ip
#                           iproute2's ip, whose `-d link show` prints the
#                           XDP attach details busybox's ip does not
#   their shared libraries (ldd) and the dynamic loader, at the same paths
#   /usr/share/enforcer/rules the bundled default rule set
#   /etc/passwd, /etc/group root and the enforcer group
#   /usr/lib/enforcer-test/vmlinux.btf
#                           the kernel types the XDP objects' CO-RE
#                           relocations name (see below)
# enforcerd's configuration is written by /init, which knows the netdevsim
# interface's name only at run time.
#
# Exit: 0; 1 on failure (a project binary not built included); 77 when a
# host tool is missing, with the reason.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_root=$(cd "$here/../.." && pwd)

if [[ $# -ne 2 ]]; then
	echo "usage: $0 BUILD_DIR OUT.cpio.gz" >&2
	exit 2
fi
build=$(cd "$1" && pwd)
out=$2

log() { echo "make-initramfs: $*" >&2; }
skip() {
	log "SKIP: $*"
	exit 77
}

busybox=/bin/busybox
if ! [[ -x $busybox ]] || ! "$busybox" --list >/dev/null 2>&1; then
	skip "busybox missing (apt-get install busybox-static)"
fi
ldd "$busybox" >/dev/null 2>&1 &&
	skip "$busybox is dynamically linked; the guest needs busybox-static"
for t in cpio gzip ldd; do
	command -v "$t" >/dev/null || skip "'$t' missing (make deps)"
done
iproute_ip=$(command -v ip || true)
[[ -n $iproute_ip ]] && ! "$iproute_ip" -V 2>&1 | grep -q iproute2 &&
	iproute_ip=""
[[ -n $iproute_ip ]] || skip "iproute2's ip missing (make deps)"

declare -A bins=(
	[/usr/sbin/enforcerd]=$build/enforcer/enforcerd
	[/usr/sbin/enforcerctl]=$build/enforcer/enforcerctl
	[/usr/bin/enf-offload-probe]=$build/tests/offload/enf-offload-probe
	[/usr/libexec/enforcer-test/ip]=$iproute_ip
)
# The project's own binaries are built by `make`; their absence is a
# failure, not a missing prerequisite.
for dst in "${!bins[@]}"; do
	if ! [[ -x ${bins[$dst]} ]]; then
		log "${bins[$dst]} not built (cmake --build $build)"
		exit 1
	fi
done

root=$(mktemp -d "${TMPDIR:-/tmp}/enf-initramfs.XXXXXX")
trap 'rm -rf "$root"' EXIT

mkdir -p "$root"/{bin,sbin,dev,proc,sys,tmp,run,etc,root,var/lib} \
	"$root"/usr/{bin,sbin,share/enforcer} "$root/usr/libexec/enforcer-test"
chmod 1777 "$root/tmp"
# The kernel opens /dev/console for /init before anything is mounted; /init
# mounts devtmpfs and reopens it, so the node is a convenience (root only).
mknod -m 600 "$root/dev/console" c 5 1 2>/dev/null || true

cp "$busybox" "$root/bin/busybox"
for applet in $("$busybox" --list); do
	[[ $applet == busybox ]] && continue
	ln -s busybox "$root/bin/$applet"
done

# Copies a file to the same path under the root, following symlinks (the
# loader finds libraries by the path ldd printed, or in its trusted dirs).
copy_same_path() {
	local f=$1
	[[ -e $root$f ]] && return 0
	mkdir -p "$root$(dirname "$f")"
	cp -L "$f" "$root$f"
}

declare -A libs=()
for dst in "${!bins[@]}"; do
	mkdir -p "$root$(dirname "$dst")"
	cp -L "${bins[$dst]}" "$root$dst"
	while read -r line; do
		# "libx.so.1 => /path/libx.so.1 (0x...)" or "/lib64/ld-... (0x...)"
		if [[ $line =~ =\>\ (/[^ ]+) ]]; then
			libs[${BASH_REMATCH[1]}]=1
		elif [[ $line =~ ^(/[^ ]+)\ \( ]]; then
			libs[${BASH_REMATCH[1]}]=1
		elif [[ $line == *"not found"* ]]; then
			log "${bins[$dst]}: $line"
			exit 1
		fi
	done < <(ldd "${bins[$dst]}")
done
for lib in "${!libs[@]}"; do
	copy_same_path "$lib"
done

mkdir -p "$root/usr/share/enforcer/rules"
cp "$src_root"/rules/sets/*.conf "$root/usr/share/enforcer/rules/"

printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
printf 'root:x:0:\nenforcer:x:990:\n' >"$root/etc/group"

# The guest kernel has no BTF (the shared fragment turns DEBUG_INFO_BTF off:
# pahole and DWARF would double the build), but the XDP objects include
# vmlinux.h, whose preserve_access_index turns every packet-header and
# xdp_md access into a CO-RE relocation that libbpf resolves against the
# kernel's BTF before loading. Those types are UAPI (ethhdr, iphdr, ipv6hdr,
# tcphdr, udphdr, xdp_md): their layout is the same in every kernel, so the
# minimal BTF for exactly these objects, cut from the build host's kernel
# BTF by bpftool, resolves them as the guest's own would. /init puts it
# where libbpf looks when /sys/kernel/btf/vmlinux is absent. Objects without
# CO-RE relocations make it empty and harmless.
mkdir -p "$root/usr/lib/enforcer-test"
xdp_objs=("$build"/bpf/xdp_*.bpf.o)
if [[ -r /sys/kernel/btf/vmlinux && -e ${xdp_objs[0]} ]] &&
	command -v bpftool >/dev/null; then
	bpftool gen min_core_btf /sys/kernel/btf/vmlinux \
		"$root/usr/lib/enforcer-test/vmlinux.btf" "${xdp_objs[@]}"
else
	log "no kernel BTF or bpftool on this host: the guest gets none"
fi

install -m 0755 "$here/guest-init.sh" "$root/init"

mkdir -p "$(dirname "$out")"
(cd "$root" && find . -print0 | LC_ALL=C sort -z |
	cpio --null -o -H newc --owner=0:0 --quiet) | gzip -1 >"$out.tmp"
mv "$out.tmp" "$out"
log "packed $(du -h "$out" | cut -f1) into $out (${#libs[@]} libraries)"
