#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Install every build and test dependency of enforcer from Debian's packages.
# Idempotent: packages already installed are left alone, and apt is not
# touched at all when nothing is missing.
set -euo pipefail

pkgs=(
	# build
	cmake make gcc pkg-config clang llvm bpftool
	libbpf-dev libelf-dev zlib1g-dev
	libhyperscan-dev libpcre2-dev libsqlite3-dev libseccomp-dev
	libnghttp2-dev libjansson-dev libcmocka-dev
	# sd_notify (readiness, watchdog); systemd-analyze for the unit's test
	libsystemd-dev systemd
	# tests and demo
	iproute2 procps psmisc util-linux sqlite3 openssl libssl-dev curl
	nginx-light gnutls-bin xdp-tools
	# TLS peers of the capture tests (issue 4): wolfSSL, NSS's tools, Python
	libwolfssl-dev libgnutls28-dev libnss3-dev libnss3-tools python3
	libnginx-mod-http-echo binutils
	# benchmarks (make bench): the HTTPS load and the capture peer tool;
	# the rule engine's peer and its instruction counts (bench/rules)
	wrk bpftrace libmodsecurity-dev valgrind
	# libFuzzer for clang 14 (tests/fuzz: make test, make fuzz)
	libclang-rt-14-dev
	# the netdevsim guest test (tests/offload): kernel build, initramfs, qemu
	linux-source-6.1 flex bison bc xz-utils cpio busybox-static
	qemu-system-x86
	# make deb, make rpm and their test (tests/integration/test_packages.sh):
	# debhelper with dpkg-buildpackage; Debian's rpmbuild, rpm2cpio for the
	# payload (and cpio, above)
	debhelper dpkg-dev rpm rpm2cpio
)

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[[ "$st" == "install ok installed" ]] || missing+=("$p")
done

if [[ ${#missing[@]} -eq 0 ]]; then
	echo "deps: all ${#pkgs[@]} packages present"
	exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
	echo "deps: missing packages: ${missing[*]}" >&2
	echo "deps: run 'make deps' as root to install them" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
# policy-rc.d keeps packaged daemons (nginx) from being started by the install
# on machines where an init system is running; tests start their own servers.
prc=/usr/sbin/policy-rc.d
had_prc=0
[[ -e $prc ]] && had_prc=1
if [[ $had_prc -eq 0 ]]; then
	printf '#!/bin/sh\nexit 101\n' >"$prc"
	chmod 755 "$prc"
fi
rc=0
apt-get install -y -q --no-install-recommends "${missing[@]}" || rc=$?
[[ $had_prc -eq 0 ]] && rm -f "$prc"
exit $rc
