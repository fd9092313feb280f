#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The enforce: actions other than src, with the real daemon: flow denies
# one 5-tuple (its connection, and a new one from the same port, get
# nothing; the host from another port is served), cidr/N denies the peer's
# prefix with the host bits zeroed (its neighbour refused, an address
# outside served), kill SIGKILLs the TLS client that sent a request
# (audited with its process; nginx, which received it, untouched), and a
# shadow kill only audits; reset ends the request's connection at both
# ends; after:3/60 denies at the third match and ttl:3 lifts it again; a
# manual entry's --ttl; an allowlisted client is never denied (audited as
# suppressed); egress denies a client cgroup's connect()s to the server it
# sent its request to (EPERM; another port, and other cgroups, connect)
# until the cgroup is removed; stats counts each enforced verdict's
# latency; kill -9 leaves entries enforced, and the restart repairs
# (and audits) the drift made behind enforcerd's back, as block verify
# shows it. nginx with TLS in a server namespace; Python,
# curl and openssl s_client in a client namespace.
# Usage: test_enforce_actions.sh BUILD_DIR
set -uo pipefail

ENF_ID=enfea$$
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
enf_need_root

# what the rules look for: only this run's requests carry it
TAG=enfact$$
OUR_PIDS=()

finish() {
	echo "$pass passed, $fail failed"
	if ((fail > 0)); then
		echo "--- enforcerd log ---"
		cat "$ENF_TMP/enforcerd.log" 2>/dev/null
	fi
	((fail == 0))
}
on_exit() {
	local rc=$?
	for p in "${OUR_PIDS[@]}"; do
		kill -KILL "$p" 2>/dev/null
	done
	(exit "$rc")
	enf_cleanup
}
# q1 SQL: the first column of the first row (JSON: the table view cuts)
q1() {
	enf_ctl --json audit query "$1" | python3 -c '
import json, sys
r = json.load(sys.stdin).get("rows") or [[None]]
print("" if r[0][0] is None else r[0][0])'
}
rows() { test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = $1")" = "$2"; }
# blocks RULE: the deny entries rule RULE made, "KIND KEY ENFORCED" a line
blocks() {
	enf_ctl --json block list | python3 -c '
import json, sys
for b in json.load(sys.stdin)["entries"]:
    if b["rule_id"] == int(sys.argv[1]):
        print(b["kind"], b["key"], "yes" if b["enforced"] else "no")' "$1"
}
has_blocks() { test -n "$(blocks "$1")"; }
not_src_denied() { ! enf_ctl block list | grep -q "^src  *$1 "; }
served() { test "$(enf_curl "$1" / "${@:2}" 2>&1)" = "welcome to the demo shop"; }
refused_connection() { ! enf_curl "$1" / --max-time 2 "${@:2}" >/dev/null 2>&1; }
counter_above() { test "$(enf_counter "$1")" -gt "$2"; }
# gone PID: exited (reaped, or a zombie not yet waited for)
gone() { [[ ! -e /proc/$1 ]] || grep -q '^[0-9]* (.*) [ZX] ' "/proc/$1/stat" 2>/dev/null; }
alive() { ! gone "$1"; }
worker_pids() { pgrep -d, -P "$ENF_NGINX_PID" nginx; }

enf_setup "${1:-build}"
trap on_exit EXIT
# a fifth client, allowlisted: never denied
ALLOWED_ADDR=192.0.2.17
ip -n "$ENF_NS_CLI" addr add "$ALLOWED_ADDR/24" dev "$ENF_IF_CLI"
echo "allowlist = loopback, 192.0.2.16/28" >>"$ENF_TMP/enforcer.conf"
enf_start_nginx
enf_start_enforcerd

# --- flow: the 5-tuple of the matching request, and only it ---
# A Python client from a fixed port: its first request matches; once the
# deny is in, a second request on the same connection, then (after an
# abortive close, which leaves no TIME_WAIT to bind around) a new
# connection from the same address and port, each with 2 s to answer.
# (the script is an argument: the client's standard input is the fifo)
read -r -d '' FLOW_PY <<'PY'
import os, socket, ssl, struct, sys
src, sport, dst, dport, path = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4]), sys.argv[5]
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE

def sock():
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((src, sport))
    s.settimeout(2)
    return s

def get(t, path):
    t.sendall(b"GET %s HTTP/1.1\r\nHost: shop\r\n\r\n" % path.encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = t.recv(4096)
        if not chunk:
            raise EOFError
        data += chunk
    head, body = data.split(b"\r\n\r\n", 1)
    n = 0
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            n = int(v)
    while len(body) < n:
        chunk = t.recv(4096)
        if not chunk:
            raise EOFError
        body += chunk
    return head.split(b"\r\n")[0].decode()

def attempt(what, fn):
    try:
        print(what, fn(), flush=True)
    except socket.timeout:
        print(what, "timeout", flush=True)
    except (OSError, EOFError) as e:
        print(what, "error", type(e).__name__, getattr(e, "errno", ""), flush=True)

s = sock()
s.connect((dst, dport))
t = ctx.wrap_socket(s)
attempt("first", lambda: get(t, path))
sys.stdin.readline()  # the deny is in
if len(sys.argv) > 6:  # what the kernel says of the connection first
    raw = socket.socket(fileno=os.dup(t.fileno()))
    raw.setblocking(False)
    attempt("probe", lambda: raw.recv(1) or "eof")
    raw.close()
attempt("again", lambda: get(t, "/"))
t.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
t.close()
def fresh():
    s = sock()
    s.connect((dst, dport))
    s.close()
    return "connected"
attempt("fresh", fresh)
PY
flow_client() { ip netns exec "$ENF_NS_CLI" python3 -c "$FLOW_PY" "$@"; }

FLOW_PORT=45011
out=$(enf_ctl rule add "SecRule REQUEST_URI \"@contains $TAG-flow\" \"id:900501,msg:'flow case',deny,enforce:flow\"" 2>&1)
check "flow rule added" grep -q 'added rule 900501' <<<"$out"
check "the flow's client is served before" served "$ENF_CLI4_ADDR"
mkfifo "$ENF_TMP/flow.in"
exec {flow_in}<>"$ENF_TMP/flow.in"
flow_client "$ENF_CLI4_ADDR" "$FLOW_PORT" "$ENF_SRV_ADDR" "$ENF_PORT" \
	"/search?q=$TAG-flow" <&"$flow_in" >"$ENF_TMP/flow.out" 2>&1 &
flow_pid=$!
OUR_PIDS+=("$flow_pid")
check "the flow rule denies" enf_wait_for 5 has_blocks 900501
drops=$(enf_counter drop_flow)
echo >&"$flow_in"
wait "$flow_pid"
exec {flow_in}>&-
flow_out=$(cat "$ENF_TMP/flow.out")
want="flow tcp $ENF_CLI4_ADDR:$FLOW_PORT $ENF_SRV_ADDR:$ENF_PORT yes"
got=$(blocks 900501)
check "the blocklist holds exactly that flow, peer first, enforced ($got)" \
	test "$got" = "$want"
check "the matching request was answered" \
	grep -q '^first HTTP/1.1 200' <<<"$flow_out"
check "its connection's next request gets no answer" \
	grep -q '^again timeout' <<<"$flow_out"
check "a new connection from the same address and port gets none" \
	grep -q '^fresh timeout' <<<"$flow_out"
check "drop_flow counted them" counter_above drop_flow "$drops"
check "the same address from another port is served" \
	served "$ENF_CLI4_ADDR" --local-port $((FLOW_PORT + 1))
check "the address itself is not denied" not_src_denied "$ENF_CLI4_ADDR"
check "audited as deny:flow with its port" test \
	"$(q1 "SELECT action || ' ' || saddr || ':' || sport FROM audit WHERE rule_id = 900501")" \
	= "deny:flow $ENF_CLI4_ADDR:$FLOW_PORT"
[[ $flow_out == *"again timeout"*"fresh timeout"* ]] ||
	echo "# flow client said: $(tr '\n' ';' <<<"$flow_out")"

# --- kill: the outbound request of a TLS client kills it ---
# openssl s_client held open on a fifo; the rule reads DIRECTION, so the
# same request as nginx received it (inbound) does not match.
s_client() { # s_client NAME: starts one, sets pid and the fd to write to
	mkfifo "$ENF_TMP/$1.in"
	exec {cli_in}<>"$ENF_TMP/$1.in"
	ip netns exec "$ENF_NS_CLI" openssl s_client -quiet -nocommands \
		-connect "$ENF_SRV_ADDR:$ENF_PORT" -bind "$ENF_CLI3_ADDR:0" \
		<&"$cli_in" >"$ENF_TMP/$1.out" 2>&1 &
	cli_pid=$!
	OUR_PIDS+=("$cli_pid")
}
# send FD PATH: one HTTP/1.1 request down an s_client's fifo
send() { printf 'GET %s HTTP/1.1\r\nHost: shop\r\n\r\n' "$2" >&"$1"; }
# answered NAME N: the s_client NAME has had N answers 200
answered() { test "$(grep -o 'HTTP/1.1 200' "$ENF_TMP/$1.out" | wc -l)" -eq "$2"; }

out=$(enf_ctl rule add "SecRule DIRECTION \"@streq outbound\" \"id:900503,msg:'exfil by a client',chain,deny,enforce:kill\"
  SecRule REQUEST_URI \"@contains $TAG-kill\" \"t:none\"
SecRule DIRECTION \"@streq outbound\" \"id:900504,msg:'exfil, shadow',chain,deny,enforce:kill,mode:shadow\"
  SecRule REQUEST_URI \"@contains $TAG-shadow\" \"t:none\"" 2>&1)
check "kill and shadow kill rules added" grep -q 'added rule 900504' <<<"$out"
workers=$(worker_pids)
killed=$(enf_stat requests.killed)

s_client kill
kill_pid=$cli_pid kill_in=$cli_in
send "$kill_in" /
check "the client is up and served" enf_wait_for 5 answered kill 1
check "and alive" alive "$kill_pid"
send "$kill_in" "/search?exfil=$TAG-kill"
check "its matching request kills it" enf_wait_for 5 gone "$kill_pid"
rc=alive
if gone "$kill_pid"; then
	wait "$kill_pid"
	rc=$?
fi
check "it died of SIGKILL (exit $rc)" test "$rc" = 137
exec {kill_in}>&-
check "killed once" rows 900503 1
row="FROM audit WHERE rule_id = 900503"
got=$(q1 "SELECT action $row")
check "audit action is deny:kill ($got)" test "$got" = "deny:kill"
got=$(q1 "SELECT direction $row")
check "it was the outbound request ($got)" test "$got" = "outbound"
got=$(q1 "SELECT tgid $row")
check "audit tgid is the killed pid ($got, $kill_pid)" test "$got" = "$kill_pid"
got=$(q1 "SELECT pid $row")
check "audit pid is its thread ($got)" test "$got" = "$kill_pid"
got=$(q1 "SELECT exe $row")
check "audit exe is openssl's ($got)" \
	test "$got" = "$(readlink -f "$(command -v openssl)")" -a "${got##*/}" = openssl
got=$(q1 "SELECT comm $row")
check "audit comm is openssl ($got)" test "$got" = openssl
got=$(q1 "SELECT cmdline $row")
check "audit cmdline is its command line ($got)" \
	grep -q "^openssl s_client .*-connect $ENF_SRV_ADDR:$ENF_PORT" <<<"$got"
got=$(q1 "SELECT saddr || ':' || sport $row")
check "audit peer is the server it sent to ($got)" \
	test "$got" = "$ENF_SRV_ADDR:$ENF_PORT"
check "status counts the kill" \
	test "$(enf_stat requests.killed)" -eq $((killed + 1))
check "a kill denies nothing" test -z "$(blocks 900503)"
check "nginx's master is alive" alive "$ENF_NGINX_PID"
check "its workers are the same ($workers)" test "$(worker_pids)" = "$workers"
check "and nginx still serves" served "$ENF_CLI3_ADDR"

# the shadow rule audits what it would do, and the client lives on
s_client shadow
sh_pid=$cli_pid sh_in=$cli_in
send "$sh_in" "/search?exfil=$TAG-shadow"
check "shadow kill audited" enf_wait_for 5 rows 900504 1
got=$(q1 "SELECT action FROM audit WHERE rule_id = 900504")
check "as shadow:deny:kill ($got)" test "$got" = "shadow:deny:kill"
check "its request was answered" enf_wait_for 5 answered shadow 1
sleep 0.5
check "the shadowed client is alive" alive "$sh_pid"
send "$sh_in" /
check "and still talks" enf_wait_for 5 answered shadow 2
check "status counts no kill for it" \
	test "$(enf_stat requests.killed)" -eq $((killed + 1))
kill -TERM "$sh_pid"
wait "$sh_pid" 2>/dev/null
exec {sh_in}>&-

# --- cidr: the peer's prefix, host bits zeroed ---
# From 192.0.2.3 with cidr/31: 192.0.2.2/31, which holds .2 and .3 and
# neither the server nor .5 and .9.
out=$(enf_ctl rule add "SecRule REQUEST_URI \"@contains $TAG-cidr\" \"id:900502,msg:'cidr case',deny,enforce:cidr/31\"" 2>&1)
check "cidr rule added" grep -q 'added rule 900502' <<<"$out"
check "the prefix's other host is served before" served "$ENF_CLI_ADDR"
enf_curl "$ENF_CLI2_ADDR" "/search?q=$TAG-cidr" >/dev/null 2>&1
check "the cidr rule denies" enf_wait_for 5 has_blocks 900502
got=$(blocks 900502)
check "the blocklist holds the prefix with its host bit zeroed ($got)" \
	test "$got" = "cidr 192.0.2.2/31 yes"
check "audited as deny:cidr/31" \
	test "$(q1 "SELECT action FROM audit WHERE rule_id = 900502")" = "deny:cidr/31"
check "the address itself is not denied" not_src_denied "$ENF_CLI2_ADDR"
drops=$(enf_counter drop_cidr4)
check "the other host of the prefix is refused" refused_connection "$ENF_CLI_ADDR"
check "and so is the one that matched" refused_connection "$ENF_CLI2_ADDR"
check "drop_cidr4 counted it" counter_above drop_cidr4 "$drops"
check "an address outside the prefix is served" served "$ENF_CLI3_ADDR"
out=$(enf_ctl block del cidr 192.0.2.2/31 2>&1)
check "block del removes the prefix" grep -q 'removed cidr 192.0.2.2/31' <<<"$out"
check "and its hosts are served again" served "$ENF_CLI_ADDR"

# --- stats: the verdict latency, capture to enforced ---
# flow, kill and cidr enforced so far: each counted once in the histogram,
# the same in JSON and in the Prometheus text; the cidr verdict's audit row
# has its latency, above zero and below the histogram's max.
lat_json=$(enf_ctl --json stats)
lat_count=$(python3 -c '
import json, sys
print(json.load(sys.stdin)["histograms"]["verdict_latency"]["count"])' <<<"$lat_json")
check "stats counts the enforced verdicts' latency ($lat_count)" \
	test "${lat_count:-0}" -ge 3
prom=$(enf_ctl stats --prometheus)
check "stats --prometheus: the histogram's count is the same" \
	grep -qx "enforcer_verdict_latency_seconds_count $lat_count" <<<"$prom"
check "stats --prometheus: and so is its +Inf bucket" \
	grep -qx "enforcer_verdict_latency_seconds_bucket{le=\"+Inf\"} $lat_count" <<<"$prom"
check "stats --prometheus: the verdict counters" \
	grep -qE '^enforcer_requests_verdicts_total [1-9]' <<<"$prom"
# every entry went through the map writer: the flow and cidr verdicts'
# and the manual blocks so far, each a write or one shared
wr=$(python3 -c '
import json, sys
w = json.load(sys.stdin)["counters"]["map_writer"]
print(w["ops"], w["writes"] + w["coalesced"], w["errors"])' <<<"$lat_json")
map_writer_sane() {
	set -- $wr
	[[ $1 -ge 2 && $1 -eq $2 ]]
}
check "stats: the map writer did every entry's write ($wr)" map_writer_sane
check "stats --prometheus: the map writer's counters" \
	grep -qE '^enforcer_map_writer_ops_total [1-9]' <<<"$prom"
check "stats prints the histogram with its p99" \
	grep -qE "^verdict latency \(capture to enforced\): $lat_count verdicts, .*p99 <=" \
	<<<"$(enf_ctl stats)"
lat_row=$(q1 "SELECT latency_ns FROM audit WHERE rule_id = 900502")
lat_max=$(python3 -c '
import json, sys
print(int(json.load(sys.stdin)["histograms"]["verdict_latency"]["max_s"] * 1e9) + 1)' <<<"$lat_json")
check "the cidr verdict's audit row has its latency ($lat_row ns)" \
	test "${lat_row:-0}" -gt 0 -a "${lat_row:-0}" -le "$lat_max"

# --- reset: the request's connection ends at both ends at once ---
# The flow client again, from its own port: its matching request, then
# (once the reset is audited) another on the same connection, which
# finds it reset; the server's socket is gone; a new connection from the
# same port is served (a reset denies nothing).
RESET_PORT=45021
out=$(enf_ctl rule add "SecRule REQUEST_URI \"@contains $TAG-reset\" \"id:900505,msg:'reset case',deny,enforce:reset\"" 2>&1)
check "reset rule added" grep -q 'added rule 900505' <<<"$out"
mkfifo "$ENF_TMP/reset.in"
exec {reset_in}<>"$ENF_TMP/reset.in"
flow_client "$ENF_CLI4_ADDR" "$RESET_PORT" "$ENF_SRV_ADDR" "$ENF_PORT" \
	"/search?q=$TAG-reset" probe <&"$reset_in" >"$ENF_TMP/reset.out" 2>&1 &
reset_pid=$!
OUR_PIDS+=("$reset_pid")
check "the reset is audited" enf_wait_for 5 rows 900505 1
got=$(q1 "SELECT action FROM audit WHERE rule_id = 900505")
check "as deny:reset ($got)" test "$got" = "deny:reset"
server_sock() {
	ip netns exec "$ENF_NS_SRV" ss -Htn state all \
		"( sport = :$ENF_PORT and dport = :$RESET_PORT )" | grep -q .
}
check "the server's socket is gone" enf_wait_for 3 eval '! server_sock'
echo >&"$reset_in"
wait "$reset_pid"
exec {reset_in}>&-
reset_out=$(cat "$ENF_TMP/reset.out")
echo "# reset client said: $(tr '\n' ';' <<<"$reset_out")"
check "the client's kernel saw a reset (ECONNRESET)" \
	grep -q '^probe error ConnectionResetError 104' <<<"$reset_out"
check "and TLS on it fails" grep -q '^again error' <<<"$reset_out"
check "a new connection from the same port is served (nothing denied)" \
	grep -q '^fresh connected' <<<"$reset_out"
check "a reset writes no deny entry" test -z "$(blocks 900505)"
check "status counts the reset" test "$(enf_stat requests.resets)" -ge 1

# --- escalation and ttl: the third match in a minute denies, for 3 s ---
out=$(enf_ctl rule add "SecRule REQUEST_URI \"@contains $TAG-esc\" \"id:900506,msg:'escalation case',deny,enforce:src,after:3/60,ttl:3\"" 2>&1)
check "escalation rule added" grep -q 'added rule 900506' <<<"$out"
for i in 1 2; do
	check "match $i of 3 is served" served "$ENF_CLI4_ADDR" \
		--url-query "q=$TAG-esc"
done
got=$(q1 "SELECT group_concat(action, ' ') FROM (SELECT action FROM audit WHERE rule_id = 900506 ORDER BY id)")
check "the first two are counted, not enforced ($got)" \
	test "$got" = "count(1/3) count(2/3)"
check "and deny nothing" not_src_denied "$ENF_CLI4_ADDR"
enf_curl "$ENF_CLI4_ADDR" "/search?q=$TAG-esc" >/dev/null 2>&1
check "the third denies its source" enf_wait_for 5 has_blocks 900506
check "which is refused" refused_connection "$ENF_CLI4_ADDR"
check "the entry expires with its ttl (3 s) and traffic comes back" \
	enf_wait_for 8 served "$ENF_CLI4_ADDR"
check "the sweeper lifted it" test -z "$(blocks 900506)"
check "and audited it" \
	test "$(q1 "SELECT count(*) FROM audit WHERE action = 'block:expired' AND rule_id = 900506")" = 1
check "its blocklist row is marked expired" \
	test "$(q1 "SELECT state FROM blocklist WHERE rule_id = 900506")" = expired
check "the flow denied earlier from that address stays" \
	test "$(blocks 900501)" = "flow tcp $ENF_CLI4_ADDR:$FLOW_PORT $ENF_SRV_ADDR:$ENF_PORT yes"

# --- a manual entry with a ttl ---
out=$(enf_ctl block add --ttl 2 src "$ENF_CLI3_ADDR" 2>&1)
check "block add --ttl 2" grep -q "denied src $ENF_CLI3_ADDR" <<<"$out"
check "the address is refused" refused_connection "$ENF_CLI3_ADDR"
check "and served again once its 2 s are up" \
	enf_wait_for 8 served "$ENF_CLI3_ADDR"
check "status counts the expired entries" \
	test "$(enf_stat deny_entries.expired)" -ge 2

# --- the allowlist: never denied, audited as suppressed ---
out=$(enf_ctl rule add "SecRule REQUEST_URI \"@contains $TAG-allow\" \"id:900507,msg:'allowlist case',deny,enforce:'src,reset'\"" 2>&1)
check "allowlist rule added" grep -q 'added rule 900507' <<<"$out"
check "an allowlisted client's attack is answered" \
	served "$ALLOWED_ADDR" --url-query "q=$TAG-allow"
check "it is audited" enf_wait_for 5 rows 900507 1
got=$(q1 "SELECT action FROM audit WHERE rule_id = 900507")
check "as suppressed ($got)" test "$got" = "deny:src(suppressed)+reset(suppressed)"
check "no entry for it" test -z "$(blocks 900507)"
check "and it is still served" served "$ALLOWED_ADDR"
out=$(enf_ctl block add src "$ALLOWED_ADDR" 2>&1)
check "block add of an allowlisted address is refused" \
	grep -q "in the allowlist (192.0.2.16/28)" <<<"$out"
check "and denies nothing" not_src_denied "$ALLOWED_ADDR"
check "status shows the allowlist" \
	grep -q '^allowlist (never denied): 127.0.0.0/8 ::1/128 192.0.2.16/28' \
	<<<"$(enf_ctl status)"
check "status counts the suppressed verdict" \
	test "$(enf_stat requests.suppressed)" -ge 1

# --- egress: a client's outbound request denies its cgroup's connect()s
# to that server and port (EPERM); other destinations, and processes in
# other cgroups, connect; the entry leaves once the cgroup is gone ---
CG2=$(awk '$3 == "cgroup2" { print $2; exit }' /proc/self/mounts)
EG_REL=/$ENF_ID-egress
EG_CG=$CG2$EG_REL
mkdir "$EG_CG"
# in_cg CMD...: CMD in the test's cgroup, in the client namespace
in_cg() {
	bash -c 'echo $$ >"$1/cgroup.procs" && shift && exec "$@"' _ "$EG_CG" \
		ip netns exec "$ENF_NS_CLI" "$@"
}
# connect_err PORT: what a connect() from the cgroup to the server answers
CONNECT_PY='
import socket, sys
s = socket.socket()
s.settimeout(3)
try:
    s.connect((sys.argv[1], int(sys.argv[2])))
    print("connected")
except OSError as e:
    print(e.errno)'
connect_err() { in_cg python3 -c "$CONNECT_PY" "$ENF_SRV_ADDR" "$1"; }
# a second listener on the server, for "another destination"; it ends by
# itself after two minutes (ip netns exec execs it: $! is its pid)
ip netns exec "$ENF_NS_SRV" python3 -c '
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind((sys.argv[1], 8081))
s.listen(16)
s.settimeout(1)
end = time.monotonic() + 120
while time.monotonic() < end:
    try:
        s.accept()[0].close()
    except socket.timeout:
        pass' "$ENF_SRV_ADDR" &
OUR_PIDS+=("$!")
out=$(enf_ctl rule add "SecRule DIRECTION \"@streq outbound\" \"id:900509,msg:'exfil, egress',chain,deny,enforce:egress\"
  SecRule REQUEST_URI \"@contains $TAG-egress\" \"t:none\"" 2>&1)
check "egress rule added" grep -q 'added rule 900509' <<<"$out"
check "status: egress enforced on the cgroup2 root" \
	grep -q "^egress (enforce:egress): connect programs on cgroup $CG2;" \
	<<<"$(enf_ctl status)"
check "from the cgroup the server connects before" \
	test "$(connect_err "$ENF_PORT")" = connected
in_cg curl -sS -k --max-time 3 --interface "$ENF_CLI3_ADDR" \
	"https://$ENF_SRV_ADDR:$ENF_PORT/search?q=$TAG-egress" >/dev/null 2>&1
check "the outbound request is denied" enf_wait_for 5 has_blocks 900509
got=$(blocks 900509)
eg_id=$(stat -c %i "$EG_CG")
check "the blocklist holds the cgroup's egress entry ($got)" \
	test "$got" = "egress $ENF_SRV_ADDR:$ENF_PORT $eg_id yes"
check "with the cgroup's path" \
	test "$(q1 "SELECT cgroup FROM blocklist WHERE rule_id = 900509")" = "$EG_REL"
check "audited as deny:egress" \
	test "$(q1 "SELECT action FROM audit WHERE rule_id = 900509")" = "deny:egress"
got=$(connect_err "$ENF_PORT")
check "a connect() from the cgroup to it answers EPERM ($got)" test "$got" = 1
curl_refused() { ! in_cg curl -sS -k --max-time 3 "https://$ENF_SRV_ADDR:$ENF_PORT/"; }
check "curl from the cgroup fails" curl_refused
got=$(connect_err 8081)
check "another port of the same server connects ($got)" test "$got" = connected
check "a process in another cgroup is served" served "$ENF_CLI3_ADDR"
check "status counts the denied connect()s" \
	test "$(enf_stat egress.denied_total)" -ge 2
rmdir "$EG_CG"
no_blocks() { test -z "$(blocks "$1")"; }
check "once the cgroup is gone the sweeper lifts the entry" \
	enf_wait_for 15 no_blocks 900509
check "marked removed" \
	test "$(q1 "SELECT state FROM blocklist WHERE rule_id = 900509")" = removed
check "audited block:removed" \
	test "$(q1 "SELECT count(*) FROM audit WHERE action = 'block:removed' AND excerpt = '$ENF_SRV_ADDR:$ENF_PORT $eg_id'")" = 1
check "and the egress map is empty" test "$(enf_stat egress.entries)" -eq 0

check "no verdict failed" test "$(enf_stat requests.kill_errors)" -eq 0
check "no reset failed" test "$(enf_stat requests.reset_errors)" -eq 0

# --- kill -9: entries stay enforced; the restart repairs the drift made
# behind enforcerd's back, and says so ---
# src4 KEY ADDR: deny_src4's key and value bytes for bpftool
src4_key() { tr . ' ' <<<"$1"; }
src4_put() {
	# shellcheck disable=SC2046
	bpftool map update pinned "$ENF_PIN/deny_src4" key $(src4_key "$1") \
		value 0 0 0 0 0 0 0 0
}
src4_del() {
	# shellcheck disable=SC2046
	bpftool map delete pinned "$ENF_PIN/deny_src4" key $(src4_key "$1")
}
# spill_key ADDR: deny_spill's key of a source (struct enf_spill_key: the
# tuple's saddr, daddr, ports, proto, family 2 (v4), pad; kind 1 (src), pad)
spill_key() {
	echo "$(src4_key "$1") $(printf '0 %.0s' {1..32}) 0 2 0 0 1 0 0 0"
}
spill_put() {
	# shellcheck disable=SC2046
	bpftool map update pinned "$ENF_PIN/deny_spill" key $(spill_key "$1") \
		value 0 0 0 0 0 0 0 0
}
spill_del() {
	# shellcheck disable=SC2046
	bpftool map delete pinned "$ENF_PIN/deny_spill" key $(spill_key "$1")
}
out=$(enf_ctl block add src "$ENF_CLI3_ADDR" 2>&1)
check "a manual entry for the crash" grep -q "denied src $ENF_CLI3_ADDR" <<<"$out"
check "verify: in sync" grep -q '^in sync' <<<"$(enf_ctl block verify)"
kill -KILL "$ENF_DAEMON_PID"
wait "$ENF_DAEMON_PID" 2>/dev/null
check "after kill -9 the entry is still enforced" \
	refused_connection "$ENF_CLI3_ADDR"
check "and the rest is served" served "$ENF_CLI_ADDR"
# behind its back: the manual entry lost, an unknown one added
check "bpftool removes the entry from deny_src4" src4_del "$ENF_CLI3_ADDR"
check "bpftool adds one the blocklist does not hold" src4_put "$ENF_CLI_ADDR"
check "and one in deny_spill, as if a NIC had refused it" spill_put 192.0.2.19
enf_start_enforcerd
check "the restart restored the lost entry" \
	grep -q "reconcile: src $ENF_CLI3_ADDR was in the blocklist, not in the maps: restored" \
	"$ENF_TMP/enforcerd.log"
check "and removed the unknown one" \
	grep -q "reconcile: src $ENF_CLI_ADDR was in the maps, not in the blocklist: removed" \
	"$ENF_TMP/enforcerd.log"
got=$(q1 "SELECT group_concat(action || ' ' || excerpt, ', ') FROM (SELECT action, excerpt FROM audit WHERE event = 'drift' ORDER BY id)")
check "and the one in deny_spill" \
	grep -q "reconcile: src 192.0.2.19 (deny_spill) was in the maps, not in the blocklist: removed" \
	"$ENF_TMP/enforcerd.log"
check "the drift report is audited: exactly what was changed ($got)" \
	test "$got" = "drift:restored src $ENF_CLI3_ADDR, drift:removed src $ENF_CLI_ADDR, drift:removed src 192.0.2.19 (deny_spill)"
spill_absent() { ! spill_del 192.0.2.19 2>/dev/null; }
check "deny_spill no longer holds it" spill_absent
check "the restored entry is enforced" refused_connection "$ENF_CLI3_ADDR"
check "the removed one's address is served" served "$ENF_CLI_ADDR"
check "verify: in sync again" grep -q '^in sync' <<<"$(enf_ctl block verify)"
# while enforcerd runs, verify shows drift and does not repair it
src4_put 192.0.2.18
out=$(enf_ctl block verify)
rc=$?
check "verify shows the unknown entry (exit $rc)" \
	test "$rc" = 1 -a -n "$(grep '^unknown  *src 192.0.2.18$' <<<"$out")"
check "and leaves it" grep -q '^unknown  *src 192.0.2.18$' <<<"$(enf_ctl block verify)"
src4_del 192.0.2.18
check "verify: in sync once it is gone" grep -q '^in sync' <<<"$(enf_ctl block verify)"
spill_put 192.0.2.19
check "verify shows an unknown deny_spill entry, and where" \
	grep -q '^unknown  *src 192.0.2.19 (deny_spill)$' <<<"$(enf_ctl block verify)"
spill_del 192.0.2.19
finish
