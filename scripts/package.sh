#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make deb, make rpm: build the Debian or the RPM package from this tree.
# Usage: package.sh deb|rpm OUTDIR
#
# The package is built from a copy of the files git knows about (tracked,
# and new ones not ignored; as they are in the working tree, uncommitted
# edits included), so a clean clone and a tree being worked on give the same
# thing, and build directories never end up in the package. The package
# lands in OUTDIR; the build itself stays in OUTDIR/deb or OUTDIR/rpm.
set -euo pipefail

die() {
	echo "package: $*" >&2
	exit 1
}

[[ $# -eq 2 && ($1 == deb || $1 == rpm) ]] || {
	echo "usage: $0 deb|rpm OUTDIR" >&2
	exit 2
}
kind=$1
mkdir -p "$2"
out=$(cd "$2" && pwd)
src=$(cd "$(dirname "$0")/.." && pwd)
jobs=$(nproc)

git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	die "$src is not a git checkout: the files to package are git's"
version=$(sed -n 's/^project(enforcer VERSION \([0-9.]*\).*/\1/p' \
	"$src/CMakeLists.txt")
[[ -n $version ]] || die "no version in CMakeLists.txt's project()"

# The version is written in three places; the packages must agree with CMake.
deb_version=$(sed -n '1s/^enforcer (\([^)]*\)).*/\1/p' \
	"$src/packaging/deb/debian/changelog")
rpm_version=$(sed -n 's/^Version:[[:space:]]*//p' \
	"$src/packaging/rpm/enforcer.spec")
[[ ${deb_version%%-*} == "$version" ]] ||
	die "debian/changelog says $deb_version, CMakeLists.txt $version"
[[ $rpm_version == "$version" ]] ||
	die "enforcer.spec says $rpm_version, CMakeLists.txt $version"

# stage DIR: the source files into DIR (emptied first)
stage() {
	rm -rf "$1"
	mkdir -p "$1"
	(cd "$src" && git ls-files -z --cached --others --exclude-standard |
		while IFS= read -r -d '' f; do
			# not those deleted in the working tree, still in the index
			if [[ -e $f || -L $f ]]; then printf '%s\0' "$f"; fi
		done | tar --null -T - -cf -) | tar -xf - -C "$1"
}

build_deb() {
	local top=$out/deb tree=$out/deb/enforcer-$version deb
	if ! command -v dpkg-buildpackage >/dev/null || ! command -v dh >/dev/null; then
		die "dpkg-buildpackage or dh missing (make deps: dpkg-dev, debhelper)"
	fi
	stage "$tree"
	cp -a "$src/packaging/deb/debian" "$tree/debian"
	rm -f "$top"/*.deb "$top"/*.ddeb "$top"/*.buildinfo "$top"/*.changes
	# -b: binary packages only (no source package to sign or upload);
	# nocheck: the test suite needs root, BPF and namespaces (make test).
	(cd "$tree" &&
		DEB_BUILD_OPTIONS="parallel=$jobs nocheck" \
			dpkg-buildpackage -b -us -uc)
	deb=$(ls "$top"/enforcer_"$version"*_*.deb)
	cp "$deb" "$out/"
	echo "package: $out/$(basename "$deb")"
}

build_rpm() {
	local top=$out/rpm name=enforcer-$version rpm
	command -v rpmbuild >/dev/null || die "rpmbuild missing (make deps: rpm)"
	rm -rf "$top"
	mkdir -p "$top"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
	stage "$top/stage/$name"
	tar -C "$top/stage" -czf "$top/SOURCES/$name.tar.gz" "$name"
	rm -rf "$top/stage"
	cp "$src/packaging/rpm/enforcer.spec" "$top/SPECS/"
	# --nodeps: on Debian the RPM database is empty, so no BuildRequires
	# can be met there; Debian's packages (make deps) provide them instead.
	rpmbuild -bb --nodeps \
		--define "_topdir $top" \
		--define "_smp_mflags -j$jobs" \
		"$top/SPECS/enforcer.spec"
	rpm=$(ls "$top"/RPMS/*/enforcer-"$version"-*.rpm)
	cp "$rpm" "$out/"
	echo "package: $out/$(basename "$rpm")"
}

build_"$kind"
