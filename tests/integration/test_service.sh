#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# enforcerd under a service manager, without one running here: the test
# plays systemd's side of the notify protocol. A listener on a datagram
# socket given as NOTIFY_SOCKET records every message enforcerd sends:
# READY=1 only once the control socket answers, with a STATUS naming the
# rules; WATCHDOG=1 pings while WATCHDOG_USEC is set; RELOADING=1 (with
# MONOTONIC_USEC) at SIGHUP and READY=1 again once the reload is done;
# STOPPING=1 at SIGTERM. Then the unit file: systemd-analyze verify is
# clean, the hardening directives are there, and the exposure score of
# systemd-analyze security is printed and must be at most 4.0.
# Usage: test_service.sh BUILD_DIR
set -uo pipefail

ENF_ID=enfsv$$
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
enf_need_root
ENF_CGROUP_DIR=
command -v systemd-analyze >/dev/null ||
	enf_die "systemd-analyze not installed (make deps)"

enf_setup "${1:-build}"
notify_sock=$ENF_TMP/notify.sock
notify_log=$ENF_TMP/notify.log

# The listener: one line a message, "SECONDS.usec|socket=yes/no|MSG" with
# the message's newlines as ';'. It stops by itself after 120 s.
python3 - "$notify_sock" "$notify_log" "$ENF_TMP/enforcerd.sock" <<'PY' &
import os, socket, sys, time
path, log, ctl = sys.argv[1:4]
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind(path)
s.settimeout(0.5)
end = time.monotonic() + 120
with open(log, "a", buffering=1) as f:
    while time.monotonic() < end:
        try:
            msg = s.recv(4096).decode()
        except socket.timeout:
            continue
        up = "yes" if os.path.exists(ctl) else "no"
        f.write("%.6f|socket=%s|%s\n" % (time.monotonic(), up,
                                         msg.replace("\n", ";")))
PY
listener=$!
for _ in $(seq 50); do [[ -S $notify_sock ]] && break; sleep 0.1; done
check "the notify listener is up" test -S "$notify_sock"

enf_quiet() { "$@" >/dev/null; }
got() { grep -c -- "$1" "$notify_log" 2>/dev/null || true; }
seen() { [[ $(got "$1") -ge ${2:-1} ]]; }

# 2 s watchdog: a ping at least every second
NOTIFY_SOCKET=$notify_sock WATCHDOG_USEC=2000000 enf_start_enforcerd
enf_wait_for 5 seen "READY=1"
check "READY=1 sent" seen "READY=1"
ready=$(grep -m1 "READY=1" "$notify_log")
check "... once the control socket is there ($ready)" grep -q "socket=yes" <<<"$ready"
check "... with a STATUS naming the rules" grep -Eq "STATUS=[0-9]+ rules active .*control socket $ENF_TMP/enforcerd.sock" <<<"$ready"
check "... and enforcerctl answers" enf_quiet enf_ctl status
check "the log says the watchdog is on" grep -q "watchdog: 2000 ms, pinged every 1000 ms" "$ENF_TMP/enforcerd.log"
pings=$(got "WATCHDOG=1")
enf_wait_for 10 seen "WATCHDOG=1" $((pings + 3))
check "WATCHDOG=1 pings keep coming ($(got "WATCHDOG=1") so far)" seen "WATCHDOG=1" $((pings + 3))

kill -HUP "$ENF_DAEMON_PID"
enf_wait_for 10 seen "READY=1" 2
check "RELOADING=1 at SIGHUP" seen "RELOADING=1"
check "... with MONOTONIC_USEC" grep -Eq "RELOADING=1;MONOTONIC_USEC=[0-9]+" "$notify_log"
check "READY=1 again once the reload is done" seen "READY=1" 2
reload_line=$(grep -n "RELOADING=1" "$notify_log" | head -1 | cut -d: -f1)
ready2_line=$(grep -n "READY=1" "$notify_log" | sed -n 2p | cut -d: -f1)
check "... after RELOADING=1 (lines $reload_line, $ready2_line)" test "${ready2_line:-0}" -gt "${reload_line:-0}"
check "enforcerd still answers" enf_quiet enf_ctl status

# --- the configuration file read again (reload and SIGHUP) ---
cp "$ENF_TMP/enforcer.conf" "$ENF_TMP/enforcer.conf.good"
mkdir -p "$ENF_TMP/rules2"
cat >"$ENF_TMP/rules2/one.conf" <<'RULE'
SecRule REQUEST_URI "@contains /only-rule" "id:990001,phase:1,deny,msg:'the one rule'"
RULE
rules_loaded() { enf_ctl --json status | python3 -c 'import json,sys; print(json.load(sys.stdin)["rules"]["loaded"])'; }
before=$(rules_loaded)
sed -i -e "s|^rules_dir = .*|rules_dir = $ENF_TMP/rules2|" \
	-e "s|^log_level = .*|log_level = debug|" "$ENF_TMP/enforcer.conf"
printf 'capture_poll_ms = 20\n' >>"$ENF_TMP/enforcer.conf"
out=$(enf_ctl reload 2>&1)
check "reload reads the configuration: rules_dir moved, 1 rule now ($before before)" test "$(rules_loaded)" = 1
check "... a key it cannot apply live is named ($out)" grep -q "taking effect at the next start: capture_poll_ms$" <<<"$out"
check "... and logged" grep -q "config: capture_poll_ms changed in .*; it takes effect at the next start" "$ENF_TMP/enforcerd.log"
check "... log_level applies at once" grep -q "config: log_level is now debug" "$ENF_TMP/enforcerd.log"
printf 'bogus_key = 1\n' >>"$ENF_TMP/enforcer.conf"
out=$(enf_ctl reload 2>&1)
rc=$?
check "a configuration that does not parse: reload refused (exit $rc)" test "$rc" != 0
check "... with the file's line ($out)" grep -Eq "configuration refused, nothing reloaded: .*enforcer.conf:[0-9]+: " <<<"$out"
check "... the running rules stay" test "$(rules_loaded)" = 1
readies=$(got "READY=1")
kill -HUP "$ENF_DAEMON_PID"
enf_wait_for 10 seen "READY=1" $((readies + 1))
check "SIGHUP with it: refused and logged" grep -Eq "SIGHUP: configuration refused, nothing reloaded: .*enforcer.conf:[0-9]+: " "$ENF_TMP/enforcerd.log"
check "... READY=1 all the same, the running set serving" seen "READY=1" $((readies + 1))
cp "$ENF_TMP/enforcer.conf.good" "$ENF_TMP/enforcer.conf"
kill -HUP "$ENF_DAEMON_PID"
rules_are() { test "$(rules_loaded)" = "$1"; }
check "SIGHUP after the file is mended: rules_dir back ($before rules)" enf_wait_for 10 rules_are "$before"

kill -TERM "$ENF_DAEMON_PID"
wait "$ENF_DAEMON_PID"
rc=$?
check "SIGTERM: exit 0 ($rc)" test "$rc" = 0
check "STOPPING=1 sent" seen "STOPPING=1"
ENF_DAEMON_PID=
kill "$listener" 2>/dev/null
wait "$listener" 2>/dev/null

# A watchdog meant for another process (WATCHDOG_PID) is not enforcerd's,
# and a notify socket nobody listens on fails the message, not the daemon.
from=$(($(wc -l <"$ENF_TMP/enforcerd.log") + 1))
NOTIFY_SOCKET=$ENF_TMP/nobody.sock WATCHDOG_USEC=2000000 WATCHDOG_PID=1 enf_start_enforcerd
check "no listener: enforcerd answers all the same" enf_quiet enf_ctl status
check "... says the READY message failed" bash -c "tail -n +$from '$ENF_TMP/enforcerd.log' | grep -q 'sd_notify READY: '"
check "a watchdog for PID 1: not taken" bash -c "! tail -n +$from '$ENF_TMP/enforcerd.log' | grep -q 'watchdog: '"
kill -TERM "$ENF_DAEMON_PID"
wait "$ENF_DAEMON_PID"
rc=$?
check "... and it stops cleanly ($rc)" test "$rc" = 0
ENF_DAEMON_PID=

# --- the unit file ---
unit_dir=$ENF_TMP/unit
mkdir -p "$unit_dir"
sed "s|/usr/sbin/enforcerd|$ENFORCERD|g" \
	"$ENF_SRC/packaging/systemd/enforcerd.service" >"$unit_dir/enforcerd.service"
check "the unit is Type=notify" grep -qx "Type=notify" "$unit_dir/enforcerd.service"
check "... with a watchdog" grep -Eqx "WatchdogSec=[0-9]+s" "$unit_dir/enforcerd.service"
out=$(systemd-analyze verify --man=no "$unit_dir/enforcerd.service" 2>&1)
rc=$?
check "systemd-analyze verify: clean (exit $rc${out:+: $out})" test "$rc" = 0 -a -z "$out"
out=$(systemd-analyze security --offline=true "$unit_dir/enforcerd.service" 2>&1)
score=$(grep -Eo "Overall exposure level for enforcerd.service: [0-9.]+ [A-Z]+" <<<"$out")
check "systemd-analyze security gives a score" test -n "$score"
echo "$score"
level=$(grep -Eo "[0-9]+\.[0-9]+ [A-Z]+$" <<<"$score" | cut -d' ' -f1)
check "the exposure is at most 4.0 (${level:-none})" \
	python3 -c 'import sys; sys.exit(not float(sys.argv[1]) <= 4.0)' "${level:-99}"
for d in ProtectSystem=strict NoNewPrivileges=yes PrivateTmp=yes ProtectHome=yes \
	ProtectKernelTunables=yes ProtectKernelModules=yes ProtectControlGroups=yes \
	SystemCallArchitectures=native RestrictNamespaces=net; do
	check "the unit has $d" grep -qx "$d" "$unit_dir/enforcerd.service"
done
check "... writable: state, runtime and bpffs" \
	grep -qx "ReadWritePaths=/var/lib/enforcer /run/enforcer /sys/fs/bpf" "$unit_dir/enforcerd.service"
check "... a system call filter and address families" \
	grep -q "^SystemCallFilter=@system-service bpf perf_event_open" "$unit_dir/enforcerd.service"
check "... no MemoryDenyWriteExecute (PCRE2's JIT)" \
	bash -c "! grep -q '^MemoryDenyWriteExecute' '$unit_dir/enforcerd.service'"
# what systemd-analyze itself finds: the bounding set, the filter
check "systemd-analyze: capabilities bounded (no CAP_SYS_MODULE, CAP_SETUID...)" \
	grep -Eq "✓ CapabilityBoundingSet=~CAP_SYS_MODULE" <<<"$out"
check "systemd-analyze: a system call filter without @mount" \
	grep -Eq "✓ SystemCallFilter=~@mount" <<<"$out"

echo "$pass passed, $fail failed"
((fail == 0))
