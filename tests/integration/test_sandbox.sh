#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# enforcerd's in-process sandbox, entered once every stage has started: the
# event thread keeps seven capabilities, the helper threads none, and a
# seccomp filter on every thread refuses what the steady state does not
# use. debug.exec (a control command of test builds, ENF_TEST_HOOKS) makes
# the control thread call execve("/bin/true"):
#   sandbox = eperm  refused with EPERM, logged once, counted; the daemon
#                    goes on blocking attacks
#   sandbox = kill   the daemon is killed by SIGSYS
#   sandbox = off    the daemon becomes /bin/true and exits 0: what the
#                    first case would show if the filter let execve through
# Usage: test_sandbox.sh BUILD_DIR
set -uo pipefail

ENF_ID=enfsb$$
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
enf_need_root
# this test makes the sandbox refuse a call on purpose (lib.sh fails any
# other test whose daemon log shows a refusal)
ENF_SANDBOX_REFUSALS_OK=1
ulimit -c 0 # sandbox = kill: no core file from the SIGSYS

enf_setup "${1:-build}"
enf_start_nginx

# ctl_raw CMD: one request on the control socket, the reply printed ("closed"
# when the daemon closed it unanswered). enforcerctl knows no debug command.
ctl_raw() {
	python3 - "$ENF_TMP/enforcerd.sock" "$1" <<'PY'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
req = json.dumps({"cmd": sys.argv[2], "args": {}}).encode()
s.sendall(struct.pack(">I", len(req)) + req)
def take(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            return None
        b += c
    return b
head = take(4)
body = take(struct.unpack(">I", head)[0]) if head else None
print(body.decode() if body else "closed")
PY
}
reply_errno() { python3 -c 'import json,sys; print(json.loads(sys.argv[1])["result"]["errno"])' "$1" 2>/dev/null; }
field() { grep -E "^$2:" "/proc/$1/status" | awk '{print $2}'; }
sb() { enf_stat "sandbox.$1"; }
# the capabilities the event thread keeps (daemon/sandbox.h), as a mask
keep=$(printf '%016x' $(((1 << 2) | (1 << 5) | (1 << 12) | (1 << 19) | (1 << 21) | (1 << 38) | (1 << 39))))
served() { test "$(enf_curl "$1" / 2>&1)" = "welcome to the demo shop"; }
refused_connection() { ! enf_curl "$1" / --max-time 2 >/dev/null 2>&1; }
quiet() { "$@" >/dev/null; }

# --- sandbox = eperm (the default) ---
enf_start_enforcerd
pid=$ENF_DAEMON_PID
if [[ $(ctl_raw debug.exec) == *"unknown command"* ]]; then
	echo "SKIP: enforcerd was built without ENF_TEST_HOOKS (make test builds with them)" >&2
	exit 77
fi
# that first call was refused too: count from here
check "the log says the sandbox is on" grep -q "sandbox = eperm: 7 capabilities kept" "$ENF_TMP/enforcerd.log"
check "status: mode eperm, filter on" test "$(sb mode)/$(sb filter)" = "eperm/True"
check "status names the capabilities kept" test "$(enf_ctl --json status | python3 -c 'import json,sys; print(",".join(sorted(json.load(sys.stdin)["sandbox"]["capabilities"])))')" = "bpf,dac_read_search,kill,net_admin,perfmon,sys_admin,sys_ptrace"
check "enforcerctl status prints it" grep -Eq "^sandbox: eperm, [0-9]+ system calls admitted, [0-9]+ refused since start; capabilities of the event thread: dac_read_search kill net_admin sys_ptrace sys_admin perfmon bpf$" <<<"$(enf_ctl status)"
check "event thread: permitted set is the seven ($(field "$pid" CapPrm))" test "$(field "$pid" CapPrm)" = "$keep"
# the unit's bounding set (lib.sh) holds no CAP_SETPCAP, so the bounding
# set stays the unit's: nothing beyond it
unit=0x$(setpriv --bounding-set "-all,$(enf_unit_caps)" grep CapBnd /proc/self/status | awk '{print $2}')
check "event thread: bounding set within the unit's ($(field "$pid" CapBnd))" test $((0x$(field "$pid" CapBnd) & ~unit)) = 0
check "event thread: effective set is the seven" test "$(field "$pid" CapEff)" = "$keep"
check "no new privileges" test "$(field "$pid" NoNewPrivs)" = 1
helpers=0
helpers_bare=0
filtered=0
tasks=0
for t in /proc/"$pid"/task/*; do
	tid=${t##*/}
	tasks=$((tasks + 1))
	[[ $(field "$pid/task/$tid" Seccomp) == 2 ]] && filtered=$((filtered + 1))
	[[ $tid == "$pid" ]] && continue
	helpers=$((helpers + 1))
	[[ $(field "$pid/task/$tid" CapPrm) == 0000000000000000 ]] && helpers_bare=$((helpers_bare + 1))
done
check "every thread is under the filter ($filtered of $tasks)" test "$filtered" = "$tasks"
check "helper threads hold no capability ($helpers_bare of $helpers)" test "$helpers" -ge 3 -a "$helpers_bare" = "$helpers"

refused=$(sb refused)
out=$(ctl_raw debug.exec)
check "debug.exec: execve refused with EPERM ($out)" test "$(reply_errno "$out")" = 1
check "... the daemon is still running" kill -0 "$pid"
check "... the refusal is logged, with the call's name" grep -q "sandbox: refused system call execve (59) with EPERM" "$ENF_TMP/enforcerd.log"
check "... and counted" test "$(sb refused)" -gt "$refused"
out=$(ctl_raw debug.exec)
check "a second execve: refused again" test "$(reply_errno "$out")" = 1
check "... counted, not logged again" test "$(grep -c "refused system call execve" "$ENF_TMP/enforcerd.log")" = 1
check "the daemon still serves enforcerctl" quiet enf_ctl status
check "a benign request is still served" served "$ENF_CLI_ADDR"
attack="/search?q=1'%20UNION%20SELECT%20password%20FROM%20users--"
enf_curl "$ENF_CLI_ADDR" "$attack" >/dev/null 2>&1
check "an attack still puts its client on the deny list" \
	enf_wait_for 5 enf_is_blocked "$ENF_CLI_ADDR"
check "... and its next connection fails" refused_connection "$ENF_CLI_ADDR"
audited() { enf_ctl audit query "SELECT count(*) FROM audit WHERE rule_id = 100100" | sed -n 2p | grep -q '^ *[1-9]'; }
check "... audited through the (capability-less) audit writer" \
	enf_wait_for 5 audited
kill -TERM "$pid"
wait "$pid"
rc=$?
ENF_DAEMON_PID=
check "SIGTERM still stops it cleanly (exit $rc)" test "$rc" = 0

# --- sandbox = kill ---
echo "sandbox = kill" >>"$ENF_TMP/enforcer.conf"
enf_start_enforcerd
pid=$ENF_DAEMON_PID
check "status: mode kill" test "$(sb mode)" = kill
ctl_raw debug.exec >/dev/null 2>&1
wait "$pid"
rc=$?
ENF_DAEMON_PID=
check "sandbox = kill: execve kills the daemon with SIGSYS (status $rc)" test "$rc" = $((128 + 31))

# --- sandbox = off: the negative control ---
sed -i 's/^sandbox = kill$/sandbox = off/' "$ENF_TMP/enforcer.conf"
enf_start_enforcerd
pid=$ENF_DAEMON_PID
check "status: mode off, no filter" test "$(sb mode)/$(sb filter)" = "off/False"
check "no filter on the process" test "$(field "$pid" Seccomp)" = 0
out=$(ctl_raw debug.exec)
wait "$pid"
rc=$?
ENF_DAEMON_PID=
check "sandbox = off: execve runs, the daemon became /bin/true (exit $rc, reply $out)" test "$rc" = 0 -a "$out" = closed

# --- a bad mode is refused with its line ---
printf 'sandbox = maybe\n' >"$ENF_TMP/bad.conf"
out=$("$ENFORCERD" --check-config -c "$ENF_TMP/bad.conf" 2>&1)
rc=$?
check "sandbox = maybe: refused (exit $rc: $out)" test "$rc" != 0
check "... naming the line and the choices" grep -q "bad.conf:1: sandbox: must be eperm, kill or off" <<<"$out"

echo "$pass passed, $fail failed"
((fail == 0))
