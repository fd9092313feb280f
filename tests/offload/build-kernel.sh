#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
#
# build-kernel.sh: build (or find in the cache) the small kernel the netdevsim
# guest test boots, and print the path of its bzImage on the last line of
# stdout. Everything else goes to stderr.
#
# The kernel is Debian's linux-source-6.1 (/usr/src/linux-source-6.1.tar.xz),
# `make tinyconfig`, then two fragments merged over it:
#   - the shared netdevsim fragment, ../shared/offload/netdevsim.config beside
#     the repository (authoritative; override with ENF_NETDEVSIM_CONFIG);
#   - tests/offload/enforcer.config, what enforcerd needs on top of it.
# Every option either fragment asks for is checked in the final .config; one
# that did not land (a missing dependency) fails the build by name.
#
# Cache: ${ENF_KERNEL_CACHE:-/var/cache/enforcer-test} (or, when that is not
# writable, ~/.cache/enforcer-test), outside any build directory, so
# `make clean` keeps it. The bzImage is kept under
# kernel-<key>/, the key being a hash of both fragments, the source package's
# version and RECIPE below; the unpacked source and the object directory are
# kept too, so a changed fragment rebuilds incrementally. A cached kernel is
# returned in well under a second. A lock serialises concurrent runs.
#
# Usage: build-kernel.sh [-j JOBS]     (default: nproc)
# Exit: 0 with the path printed; 1 on failure; 77 when a prerequisite
# (source package, fragment, compiler) is missing, with the reason.
set -euo pipefail

# Bump when the steps below change in a way that changes the kernel.
RECIPE=1

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
src_root=$(cd "$here/../.." && pwd)
cache=${ENF_KERNEL_CACHE:-/var/cache/enforcer-test}
# Not root and no cache of one's own: the user's cache directory.
if [[ -z ${ENF_KERNEL_CACHE:-} ]]; then
	if ! mkdir -p "$cache" 2>/dev/null || ! [[ -w $cache ]]; then
		cache=${XDG_CACHE_HOME:-$HOME/.cache}/enforcer-test
	fi
fi
tarball=${ENF_KERNEL_TARBALL:-/usr/src/linux-source-6.1.tar.xz}
base_frag=${ENF_NETDEVSIM_CONFIG:-$src_root/../shared/offload/netdevsim.config}
our_frag=$here/enforcer.config
jobs=$(nproc)

while getopts "j:" opt; do
	case $opt in
	j) jobs=$OPTARG ;;
	*)
		echo "usage: $0 [-j JOBS]" >&2
		exit 2
		;;
	esac
done

log() { echo "build-kernel: $*" >&2; }
skip() {
	log "SKIP: $*"
	exit 77
}

[[ -r $tarball ]] || skip "$tarball missing (apt-get install linux-source-6.1)"
[[ -r $base_frag ]] ||
	skip "netdevsim fragment $base_frag missing (set ENF_NETDEVSIM_CONFIG)"
for t in make gcc flex bison bc xz sha256sum flock; do
	command -v "$t" >/dev/null || skip "'$t' missing (make deps)"
done

pkgver=$(dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null || true)
[[ -n $pkgver ]] || pkgver="tarball-$(stat -c %s-%Y "$tarball")"
key=$({
	echo "recipe=$RECIPE"
	echo "linux-source-6.1=$pkgver"
	echo "--- netdevsim.config"
	cat "$base_frag"
	echo "--- enforcer.config"
	cat "$our_frag"
} | sha256sum | cut -c1-16)
out=$cache/kernel-$key

if [[ -s $out/bzImage ]]; then
	log "cached kernel $key ($pkgver)"
	echo "$out/bzImage"
	exit 0
fi

mkdir -p "$cache"
exec 9>"$cache/lock"
log "waiting for the cache lock" && flock 9
# Another run may have built it while we waited.
if [[ -s $out/bzImage ]]; then
	log "cached kernel $key ($pkgver)"
	echo "$out/bzImage"
	exit 0
fi

start=$SECONDS
safever=${pkgver//[^A-Za-z0-9.+-]/_}
srcdir=$cache/src-$safever
objdir=$cache/obj-$safever
if [[ ! -f $srcdir/.unpacked ]]; then
	log "unpacking $tarball"
	rm -rf "$srcdir" "$srcdir.tmp"
	mkdir -p "$srcdir.tmp"
	tar -xJf "$tarball" -C "$srcdir.tmp" --strip-components=1
	mv "$srcdir.tmp" "$srcdir"
	touch "$srcdir/.unpacked"
	log "unpacked in $((SECONDS - start))s"
fi

mkdir -p "$objdir"
kmake() {
	make -C "$srcdir" O="$objdir" ARCH=x86_64 "$@"
}
log "configuring: tinyconfig + $(basename "$base_frag") + enforcer.config"
kmake -s tinyconfig >"$objdir/config.log" 2>&1 || {
	cat "$objdir/config.log" >&2
	exit 1
}
"$srcdir/scripts/kconfig/merge_config.sh" -m -O "$objdir" \
	"$objdir/.config" "$base_frag" "$our_frag" >"$objdir/merge.log" 2>&1 || {
	cat "$objdir/merge.log" >&2
	exit 1
}
kmake -s olddefconfig >>"$objdir/config.log" 2>&1 || {
	cat "$objdir/config.log" >&2
	exit 1
}

# Every option asked for must be in the result, or the build says which not.
missing=()
while IFS= read -r line; do
	[[ $line =~ ^(CONFIG_[A-Za-z0-9_]+)=(.*)$ ]] || continue
	opt=${BASH_REMATCH[1]} val=${BASH_REMATCH[2]}
	if [[ $val == n ]]; then
		grep -q "^$opt=" "$objdir/.config" && missing+=("$opt=n")
	else
		grep -qx "$opt=$val" "$objdir/.config" || missing+=("$opt=$val")
	fi
done < <(cat "$base_frag" "$our_frag")
if [[ ${#missing[@]} -gt 0 ]]; then
	log "options that did not land in .config: ${missing[*]}"
	exit 1
fi

log "building bzImage with -j$jobs (log: $objdir/build.log)"
bstart=$SECONDS
if ! kmake -j"$jobs" bzImage >"$objdir/build.log" 2>&1; then
	tail -n 40 "$objdir/build.log" >&2
	log "kernel build failed"
	exit 1
fi

mkdir -p "$out.tmp"
cp "$objdir/arch/x86/boot/bzImage" "$out.tmp/bzImage"
cp "$objdir/.config" "$out.tmp/config"
{
	echo "linux-source-6.1 $pkgver"
	echo "fragments: $base_frag $our_frag"
	echo "built $(date -u +%FT%TZ) in $((SECONDS - bstart))s with -j$jobs"
} >"$out.tmp/README"
rm -rf "$out"
mv "$out.tmp" "$out"
log "built kernel $key in $((SECONDS - start))s"
echo "$out/bzImage"
