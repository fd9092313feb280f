#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make deb and make rpm (scripts/package.sh), and the Debian package's life
# on this machine: installed with dpkg -i, its commands run, its files,
# conffiles, group, state directory and unit where they belong; the
# installed enforcerd started on a veth and stopped (XDP stays attached, as
# documented), then dpkg -r takes the programs and pins down and keeps the
# conffiles, and dpkg -P leaves nothing: every file the package had, its
# directories, /etc/enforcer and /var/lib/enforcer gone, and no other path
# named after enforcer in /etc, /lib, /run, /usr or /var that was not there
# before. The RPM is read with rpm -qlp, -qcp, --scripts and --requires, and
# its enforcerctl run from the unpacked payload.
# Usage: test_packages.sh BUILD_DIR
set -uo pipefail

src=$(cd "$(dirname "$0")/../.." && pwd)
# shellcheck source=tests/check.sh
source "$src/tests/check.sh"

skip() {
	echo "SKIP: $*" >&2
	exit 77
}
quiet() { "$@" >/dev/null 2>&1; }

[[ $(id -u) -eq 0 ]] || skip "needs root (dpkg -i, XDP)"
for t in dpkg-buildpackage dh rpmbuild rpm2cpio cpio git ip; do
	command -v "$t" >/dev/null || skip "$t not installed (make deps)"
done
git -C "$src" rev-parse --is-inside-work-tree >/dev/null 2>&1 ||
	skip "$src is not a git checkout (the packages are built from git's files)"
# Never over an administrator's enforcer: an installed package (or one
# removed with its conffiles kept), or files a make install left.
status=$(dpkg-query -W -f='${Status}' enforcer 2>/dev/null)
[[ -z $status || $status == *not-installed ]] ||
	skip "the enforcer package is on this machine ($status): not touching it"
for p in /etc/enforcer /var/lib/enforcer /run/enforcer /usr/share/enforcer \
	/usr/sbin/enforcerd /usr/sbin/enforcerctl /lib/systemd/system/enforcerd.service \
	/sys/fs/bpf/enforcer; do
	[[ -e $p || -L $p ]] && skip "$p exists: not installing over it"
done

build=$(cd "${1:-build}" && pwd) || exit 1
out=$build/test-packages
tmp=$(mktemp -d /tmp/enforcer-pkg.XXXXXX)
version=$(sed -n 's/^project(enforcer VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
id=ep$$
veth=${id}a
pin=/sys/fs/bpf/$id
prc=/usr/sbin/policy-rc.d
installed=0
made_prc=0
daemon=
getent group enforcer >/dev/null && had_group=1 || had_group=0

cleanup() {
	[[ -n $daemon ]] && kill -KILL "$daemon" 2>/dev/null
	((installed)) && dpkg -P enforcer >/dev/null 2>&1
	((made_prc)) && rm -f "$prc"
	ip link del "$veth" 2>/dev/null
	[[ -d $pin ]] && rm -rf "$pin"
	((had_group)) || ! getent group enforcer >/dev/null || groupdel enforcer
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Paths named after enforcer outside the build trees, to compare after purge.
enforcer_paths() {
	find /etc /lib /run /usr /var -xdev \( -path /var/tmp -o -path /var/cache \) \
		-prune -o -name '*enforcer*' -print 2>/dev/null | sort
}
enforcer_paths >"$tmp/before"

# --- build ---
start=$SECONDS
"$src/scripts/package.sh" deb "$out" >"$tmp/deb.log" 2>&1
rc=$?
check "make deb: built ($((SECONDS - start)) s, exit $rc)" test "$rc" = 0
[[ $rc == 0 ]] || tail -n 30 "$tmp/deb.log"
deb=$out/enforcer_${version}_$(dpkg --print-architecture).deb
check "... $(basename "$deb")" test -f "$deb"
start=$SECONDS
"$src/scripts/package.sh" rpm "$out" >"$tmp/rpm.log" 2>&1
rc=$?
check "make rpm: built ($((SECONDS - start)) s, exit $rc)" test "$rc" = 0
[[ $rc == 0 ]] || tail -n 30 "$tmp/rpm.log"
rpms=("$out"/enforcer-"$version"-*.rpm)
rpmf=${rpms[0]}
check "... ${rpmf##*/}" test -f "$rpmf"

# --- the RPM, read ---
if [[ -f $rpmf ]]; then
	rpm -qlvp "$rpmf" >"$tmp/rpm-files" 2>&1
	has() { grep -Eq -- "$1" "$2"; }
	for f in /usr/sbin/enforcerd /usr/sbin/enforcerctl \
		/usr/lib/systemd/system/enforcerd.service \
		/etc/enforcer/enforcer.conf /etc/enforcer/rules.d/default.conf \
		/etc/enforcer/tls-offsets.conf /usr/share/man/man8/enforcerd.8 \
		/usr/share/man/man8/enforcerctl.8 /usr/share/man/man5/enforcer.rules.5 \
		/usr/share/bash-completion/completions/enforcerctl; do
		check "rpm -qlp: $f" has " $f(\.gz)?$" "$tmp/rpm-files"
	done
	check "rpm -qlp: /usr/share/enforcer/rules links to /etc/enforcer/rules.d" \
		has " /usr/share/enforcer/rules -> [./]*etc/enforcer/rules.d$" "$tmp/rpm-files"
	check "rpm -qlp: /var/lib/enforcer is 0750 root:enforcer" \
		has "^drwxr-x--- .* root +enforcer .* /var/lib/enforcer$" "$tmp/rpm-files"
	check "rpm -qlp: enforcer.conf is 0640 root:enforcer" \
		has "^-rw-r----- .* root +enforcer .* /etc/enforcer/enforcer.conf$" "$tmp/rpm-files"
	rpm -qcp "$rpmf" >"$tmp/rpm-conf" 2>&1
	for f in enforcer.conf tls-offsets.conf rules.d/default.conf; do
		check "rpm -qcp: /etc/enforcer/$f is a config file" \
			grep -qx "/etc/enforcer/$f" "$tmp/rpm-conf"
	done
	rpm -qp --scripts "$rpmf" >"$tmp/rpm-scripts" 2>&1
	# scriptlet_text NAME: the scriptlet NAME (preinstall, ...)
	scriptlet_text() {
		awk -v s="$1 scriptlet" 'index($0, s) == 1 { on = 1; next }
			/^[a-z]+ scriptlet/ { on = 0 } on' "$tmp/rpm-scripts"
	}
	# scriptlet NAME PATTERN: PATTERN in the scriptlet NAME
	scriptlet() { scriptlet_text "$1" | grep -Eq -- "$2"; }
	check "rpm --scripts: preinstall makes the enforcer group" \
		scriptlet preinstall "groupadd -r enforcer"
	check "rpm --scripts: postinstall presets the unit" \
		scriptlet postinstall "systemctl .*preset .*enforcerd.service"
	check "rpm --scripts: preuninstall stops and disables it" \
		scriptlet preuninstall "systemctl .*disable --now .*enforcerd.service"
	check "rpm --scripts: ... and takes XDP and the pins down" \
		scriptlet preuninstall 'ip link set dev .* off'
	scriptlet_text preuninstall >"$tmp/rpm-preun"
	check "rpm --scripts: postuninstall restarts it after an upgrade" \
		scriptlet postuninstall "systemctl .*try-restart .*enforcerd.service"
	rpm -qp --requires "$rpmf" >"$tmp/rpm-req" 2>&1
	for lib in libbpf libhs libpcre2-8 libsqlite3 libjansson libelf \
		libnghttp2 libsystemd libseccomp; do
		check "rpm --requires: $lib" grep -Eq "^$lib\.so\.[0-9]+\(\)\(64bit\)$" "$tmp/rpm-req"
	done
	for req in shadow-utils iproute; do
		check "rpm --requires: $req" grep -qx "$req" "$tmp/rpm-req"
	done
	mkdir -p "$tmp/rpm-root"
	(cd "$tmp/rpm-root" && rpm2cpio "$rpmf" | cpio -idm --quiet)
	check "the RPM's enforcerctl runs: version $version" \
		grep -qx "enforcerctl $version" <("$tmp/rpm-root/usr/sbin/enforcerctl" version)
	check "the RPM's enforcerd has no test-only commands (debug.exec)" \
		bash -c "! grep -q debug.exec '$tmp/rpm-root/usr/sbin/enforcerd'"
fi

if [[ ! -f $deb ]]; then
	echo "$pass passed, $fail failed"
	exit 1
fi

# --- the Debian package, installed ---
# Where systemd runs, the install would start the service with the stock
# configuration; policy-rc.d (as in make deps) keeps it from doing so.
if [[ ! -e $prc ]]; then
	printf '#!/bin/sh\nexit 101\n' >"$prc"
	chmod 755 "$prc"
	made_prc=1
fi
installed=1
dpkg -i "$deb" >"$tmp/dpkg-i.log" 2>&1
rc=$?
((made_prc)) && rm -f "$prc" && made_prc=0
check "dpkg -i: exit $rc" test "$rc" = 0
[[ $rc == 0 ]] || cat "$tmp/dpkg-i.log"
check "dpkg -s: installed" grep -qx "Status: install ok installed" <(dpkg -s enforcer 2>&1)
dpkg -L enforcer >"$tmp/files"

check "enforcerctl version: $version" grep -qx "enforcerctl $version" <(enforcerctl version)
check "enforcerd --version: $version" grep -qx "enforcerd $version" <(enforcerd --version)
enforcerd --check-config >"$tmp/check.log" 2>&1
rc=$?
check "enforcerd --check-config with the installed configuration: exit $rc" test "$rc" = 0
check "... the rules from /usr/share/enforcer/rules ($(grep -o '[0-9]* rules' "$tmp/check.log"))" \
	grep -Eq "configuration ok: .* [1-9][0-9]* rules \([1-9][0-9]* from /usr/share/enforcer/rules" "$tmp/check.log"
printf 'no_such_key = 1\n' >"$tmp/bad.conf"
enforcerd --check-config -c "$tmp/bad.conf" >"$tmp/bad.log" 2>&1
rc=$?
check "enforcerd --check-config -c BAD: refused (exit $rc)" test "$rc" != 0
check "... naming the key" grep -q "no_such_key" "$tmp/bad.log"

for f in /usr/sbin/enforcerd /usr/sbin/enforcerctl; do
	check "$f installed" test -x "$f"
done
check "... enforcerd without test-only commands (debug.exec)" \
	bash -c "! grep -q debug.exec /usr/sbin/enforcerd"
check "the unit in /lib/systemd/system" test -f /lib/systemd/system/enforcerd.service
check "... enabled (multi-user.target.wants)" \
	test -L /etc/systemd/system/multi-user.target.wants/enforcerd.service
if command -v systemd-analyze >/dev/null; then
	vout=$(systemd-analyze verify --man=no /lib/systemd/system/enforcerd.service 2>&1)
	rc=$?
	check "... systemd-analyze verify: clean (exit $rc${vout:+: $vout})" test "$rc" = 0 -a -z "$vout"
fi
for m in man8/enforcerd.8 man8/enforcerctl.8 man5/enforcer.rules.5; do
	check "man page $m (compressed)" test -f "/usr/share/man/$m.gz"
done
check "bash completion" test -f /usr/share/bash-completion/completions/enforcerctl
conffiles=/var/lib/dpkg/info/enforcer.conffiles
for f in enforcer.conf tls-offsets.conf rules.d/default.conf; do
	check "conffile /etc/enforcer/$f" grep -qx "/etc/enforcer/$f" "$conffiles"
done
check "/usr/share/enforcer/rules is /etc/enforcer/rules.d" \
	test "$(readlink -f /usr/share/enforcer/rules)" = /etc/enforcer/rules.d
check "the enforcer group exists" quiet getent group enforcer
check "/var/lib/enforcer is 0750 root:enforcer" \
	test "$(stat -c '%a %U:%G' /var/lib/enforcer 2>&1)" = "750 root:enforcer"

# --- the installed daemon, started by hand and stopped ---
# The administrator's edit of the conffile: one interface (a veth here),
# capture narrowed to no process, no egress programs, pins of our own.
ip link add "$veth" type veth peer name "${id}b" && ip link set "$veth" up &&
	ip link set "${id}b" up
cat >>/etc/enforcer/enforcer.conf <<CONF
# added by tests/integration/test_packages.sh
interface = $veth:generic
pin_path = $pin
control_socket = $tmp/enforcerd.sock
capture_comms = $id-none
egress_cgroup = none
CONF
xdp_on() { ip -d link show dev "$veth" | grep -q "prog/xdp .* name xdp_host "; }
# start_stop WHEN: the installed enforcerd started, then stopped
start_stop() {
	enforcerd >"$tmp/enforcerd.log" 2>&1 &
	daemon=$!
	for _ in $(seq 100); do
		[[ -S $tmp/enforcerd.sock ]] &&
			grep -q "enforcerd ready" "$tmp/enforcerd.log" && break
		kill -0 "$daemon" 2>/dev/null || break
		sleep 0.2
	done
	check "$1: the installed enforcerd starts on $veth" \
		grep -q "enforcerd ready" "$tmp/enforcerd.log"
	grep -q "enforcerd ready" "$tmp/enforcerd.log" ||
		tail -n 20 "$tmp/enforcerd.log"
	check "... the installed enforcerctl talks to it" \
		quiet enforcerctl -s "$tmp/enforcerd.sock" status
	check "... its database in /var/lib/enforcer" test -f /var/lib/enforcer/policy.db
	kill -TERM "$daemon" 2>/dev/null
	wait "$daemon"
	rc=$?
	daemon=
	check "... stopped: exit $rc" test "$rc" = 0
	check "... XDP stays attached after the stop" xdp_on
	check "... and the maps pinned in $pin" test -d "$pin/$veth"
}
xdp_gone() { ! ip -d link show dev "$veth" | grep -q prog/xdp; }

# The RPM's preuninstall, which cannot be installed here, run as at its
# last erase ($1 = 0) against what the daemon left.
start_stop "for the RPM's preuninstall"
if [[ -s $tmp/rpm-preun ]]; then
	sh "$tmp/rpm-preun" 0 >"$tmp/rpm-preun.log" 2>&1
	rc=$?
	check "the RPM's preuninstall: exit $rc" test "$rc" = 0
	check "... the XDP program detached from $veth" xdp_gone
	check "... the pins removed" test ! -e "$pin"
fi
start_stop "for dpkg -r"

# --- remove ---
dpkg -r enforcer >"$tmp/dpkg-r.log" 2>&1
rc=$?
check "dpkg -r: exit $rc" test "$rc" = 0
[[ $rc == 0 ]] || cat "$tmp/dpkg-r.log"
check "... the XDP program detached from $veth" xdp_gone
check "... the pins removed" test ! -e "$pin"
check "... binaries gone" test ! -e /usr/sbin/enforcerd -a ! -e /usr/sbin/enforcerctl
check "... the unit gone" test ! -e /lib/systemd/system/enforcerd.service
check "... the edited conffile kept" grep -q "test_packages.sh" /etc/enforcer/enforcer.conf
check "... dpkg -s: config-files" grep -qx "Status: deinstall ok config-files" <(dpkg -s enforcer 2>&1)
check "... the state kept" test -f /var/lib/enforcer/policy.db

# --- purge ---
dpkg -P enforcer >"$tmp/dpkg-p.log" 2>&1
rc=$?
check "dpkg -P: exit $rc" test "$rc" = 0
[[ $rc == 0 ]] || cat "$tmp/dpkg-p.log"
installed=0
check "... dpkg -s: not installed" grep -q "is not installed" <(dpkg -s enforcer 2>&1)
left=()
while IFS= read -r f; do
	[[ $f != /. && (-e $f || -L $f) ]] || continue
	# a directory other packages still own: /usr/share/man/man8 and kin
	[[ -d $f ]] && quiet dpkg -S "$f" && continue
	left+=("$f")
done <"$tmp/files"
check "... nothing dpkg -L listed is left (${left[*]:-none})" test "${#left[@]}" = 0
for d in /etc/enforcer /var/lib/enforcer /run/enforcer; do
	check "... $d gone" test ! -e "$d"
done
check "... the group kept (see packaging/README.md)" quiet getent group enforcer
enforcer_paths >"$tmp/after"
new=$(comm -13 "$tmp/before" "$tmp/after" | tr '\n' ' ')
check "... no new path named after enforcer in /etc /lib /run /usr /var (${new:-none})" \
	test -z "$new"

echo "$pass passed, $fail failed"
((fail == 0))
