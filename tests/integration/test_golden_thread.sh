#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The golden thread, asserted: nginx with TLS in a server namespace, curl in a
# client namespace, enforcerd between them. Every step of the demo, checked,
# plus the refusals: a malformed or duplicate rule, a write through the audit
# query, a bad configuration, an unprivileged user.
# Usage: test_golden_thread.sh BUILD_DIR
set -uo pipefail

ENF_ID=enfit$$
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
enf_need_root

finish() {
	echo "$pass passed, $fail failed"
	if ((fail > 0)); then
		echo "--- enforcerd log ---"
		cat "$ENF_TMP/enforcerd.log" 2>/dev/null
	fi
	((fail == 0))
}
q() { enf_ctl audit query "$1" 2>&1; }
has_rule() { enf_ctl rule list | grep -q "^$1 "; }
not_blocked() { ! enf_ctl block list | grep -q " $1 "; }
xdp_on_if() { ip -n "$ENF_NS_SRV" link show dev "$ENF_IF_SRV" | grep -q xdp; }
no_xdp_on_if() { ! xdp_on_if; }
served() { test "$(enf_curl "$1" / 2>&1)" = "welcome to the demo shop"; }
refused_connection() { ! enf_curl "$1" / --max-time 2 "${@:2}" >/dev/null 2>&1; }
is_nginx() { [[ $(cat /proc/"$1"/comm 2>/dev/null) == nginx ]]; }
# q1 SQL: the single value a query returns (table: header, value, count line)
q1() { enf_ctl audit query "$1" | sed -n 2p | sed 's/ *$//'; }

enf_setup "${1:-build}"
# The smallest capture ring, and loss looked at every second: one big TLS
# write overruns it (the flood check near the end).
cat >>"$ENF_TMP/enforcer.conf" <<CONF
capture_ringbuf = 1048576
capture_loss_interval = 1
CONF
enf_start_nginx
enf_start_enforcerd

# --- start-up ---
st=$(enf_ctl --json status)
check "xdp attached in native or generic mode" \
	grep -Eq '"mode": "(native|generic)"' <<<"$st"
check "xdp program visible on the interface" xdp_on_if
check "bundled rule set loaded" has_rule 100100
check "tls capture attached to libssl.so.3" grep -q 'libssl.so.3' <<<"$st"
check "status shows what was not inspected or lost" \
	grep -q '^not inspected or lost: .*gaps=0 overlaps=0 session_reuse=0 http2_refused=0 http2_skipped=0 http2_unmatched=0' <<<"$(enf_ctl status)"
check "status shows responses and HTTP/2" \
	grep -q '^http2: connections=0 ' <<<"$(enf_ctl status)"

# --- benign, then the attack ---
counter_above() { test "$(enf_counter "$1")" -gt "$2"; }
stat_above() { test "$(enf_stat "$1")" -gt "$2"; }
r2xx=$(enf_stat responses.2xx)
check "benign request served" served "$ENF_CLI_ADDR"
check "benign request leaves no deny entry" not_blocked "$ENF_CLI_ADDR"
check "its HTTP/1 response is parsed and counted as 2xx" \
	enf_wait_for 5 stat_above responses.2xx "$r2xx"

# --- HTTP/2 is inspected: a benign request parsed and answered, then the
# same attack as over HTTP/1 below, from a fourth address ---
parsed=$(enf_stat requests.parsed)
h2req=$(enf_stat http2.requests)
h2resp=$(enf_stat http2.responses)
r2xx=$(enf_stat responses.2xx)
# (capture sees every process on the host: compared before and after)
h2bad=$(enf_stat http2.errors)/$(enf_stat http2.hpack_errors)
h2lost=$(enf_stat http2.midstream)/$(enf_stat http2.state_lost)
out=$(enf_curl2 "$ENF_CLI4_ADDR" / 2>&1)
check "benign HTTP/2 request served ($out)" \
	test "$out" = "welcome to the demo shop"
check "an HTTP/2 connection is parsed from its preface" \
	enf_wait_for 5 stat_above http2.connections 0
check "its request is parsed as HTTP/2" \
	enf_wait_for 5 stat_above http2.requests "$h2req"
check "and counted with the parsed requests" stat_above requests.parsed "$parsed"
check "its HTTP/2 response is parsed" \
	enf_wait_for 5 stat_above http2.responses "$h2resp"
check "and counted as 2xx" stat_above responses.2xx "$r2xx"
check "the server side is parsed as HTTP/2 too" stat_above http2.server_sides 0
check "nginx and curl speak HTTP/2 without protocol errors" \
	test "$(enf_stat http2.errors)/$(enf_stat http2.hpack_errors)" = "$h2bad"
check "a connection seen from its start is trusted" \
	test "$(enf_stat http2.midstream)/$(enf_stat http2.state_lost)" = "$h2lost"
check "benign HTTP/2 request leaves no deny entry" not_blocked "$ENF_CLI4_ADDR"

attack="/search?q=1'%20UNION%20SELECT%20password%20FROM%20users--"
enf_curl2 "$ENF_CLI4_ADDR" "$attack" >/dev/null 2>&1
check "attack over HTTP/2 puts its client on the deny list" \
	enf_wait_for 5 enf_is_blocked "$ENF_CLI4_ADDR"
check "the HTTP/2 attack is audited with its uri" \
	grep -q 'UNION%20SELECT' <<<"$(q1 "SELECT uri FROM audit WHERE rule_id = 100100 AND saddr = '$ENF_CLI4_ADDR' LIMIT 1")"
check "the HTTP/2 client's next connection fails" \
	refused_connection "$ENF_CLI4_ADDR" --http2

# the same attack over HTTP/1.1
enf_curl "$ENF_CLI_ADDR" "$attack" >/dev/null 2>&1
check "attack puts the client on the deny list" \
	enf_wait_for 5 enf_is_blocked "$ENF_CLI_ADDR"
check "deny entry is in the kernel map" \
	grep -q '"enforced": true' <<<"$(enf_ctl --json block list)"
check "status shows the source in the inline IPv4 table, none overflowed" \
	grep -Eq '^host src4 fast table: [1-9][0-9]*/[0-9]+ slots used, [0-9]+ deleted, 0 overflowed' \
	<<<"$(enf_ctl status)"

# --- the drop ---
before=$(enf_counter drop_src4)
check "blocked client's next connection fails" \
	refused_connection "$ENF_CLI_ADDR"
after=$(enf_counter drop_src4)
check "drop_src4 counter rose ($before -> $after)" test "$after" -gt "$before"
check "second client at another address still served" \
	served "$ENF_CLI2_ADDR"

# --- the audit row: request, process, flow, action ---
row="SELECT rule_id, action, saddr, daddr, dport, proto, exe, comm, method, direction, tls_lib FROM audit WHERE rule_id = 100100"
got=$(enf_ctl --json audit query "$row")
for want in '"100100"' '"deny:src"' '"192.0.2.2"' '"192.0.2.1"' '"8443"' \
	'"tcp"' '"/usr/sbin/nginx"' '"nginx"' '"GET"' '"inbound"' '"openssl"'; do
	check "audit row has $want" grep -qF "$want" <<<"$got"
done
apid=$(q1 "SELECT pid FROM audit WHERE rule_id = 100100 LIMIT 1")
check "audit pid $apid is an nginx process" is_nginx "$apid"
auid=$(q1 "SELECT uid FROM audit WHERE rule_id = 100100 LIMIT 1")
puid=$(awk '/^Uid:/ {print $2}' /proc/"$apid"/status 2>/dev/null)
check "audit uid $auid is the worker's uid $puid" test "$auid" = "$puid"
# (the table view cuts long values: read these two from the JSON)
qj() {
	enf_ctl --json audit query "$1" |
		python3 -c 'import json,sys; r=json.load(sys.stdin)["rows"]; print(r[0][0] if r and r[0][0] is not None else "")'
}
acg=$(qj "SELECT cgroup FROM audit WHERE rule_id = 100100 LIMIT 1")
pcg=$(sed -n 's/^0:://p' /proc/"$apid"/cgroup 2>/dev/null)
check "audit cgroup '$acg' is the worker's cgroup v2 path '$pcg'" \
	test -n "$acg" -a "$acg" = "$pcg"
if [[ -n $ENF_CGROUP ]]; then
	check "nginx runs in the test's container cgroup" test "$pcg" = "$ENF_CGROUP"
	acont=$(qj "SELECT container FROM audit WHERE rule_id = 100100 LIMIT 1")
	check "audit container id is the one its cgroup names" \
		test "$acont" = "$ENF_CONTAINER"
else
	echo "# skip: container id (no cgroup2 mount)"
fi
acookie=$(q1 "SELECT sock_cookie FROM audit WHERE rule_id = 100100 LIMIT 1")
check "audit row carries the socket cookie ($acookie)" test "${acookie:-0}" -gt 0
check "status lists the system libssl probed, with its version" \
	grep -Eq '^  openssl +OpenSSL 3\.[0-9.]+ +/.*libssl\.so\.3 \(system, dynsym' \
	<<<"$(enf_ctl status)"
asport=$(q1 "SELECT sport FROM audit WHERE rule_id = 100100 LIMIT 1")
check "audit source port $asport is an ephemeral port" test "$asport" -ge 1024
auri=$(q1 "SELECT uri FROM audit WHERE rule_id = 100100 LIMIT 1")
check "audit uri holds the attack" grep -q 'UNION%20SELECT' <<<"$auri"

# --- read-only audit queries ---
# (capture-loss rows may come at any time: other TLS traffic on the host
# can overrun this test's small ring)
rows_sql="SELECT count(*) FROM audit WHERE event <> 'capture-loss'"
n_before=$(q1 "$rows_sql")
for sql in "DELETE FROM audit" "UPDATE audit SET msg = 'x'" \
	"INSERT INTO audit(time_ns, event) VALUES (1, 'x')" "DROP TABLE audit" \
	"ATTACH DATABASE '/tmp/x.db' AS x" "PRAGMA user_version = 7" \
	"SELECT 1; DELETE FROM audit"; do
	out=$(q "$sql")
	check "refused: $sql" grep -qi 'not allowed\|refused\|read-only\|only one' <<<"$out"
done
check "audit rows unchanged by refused statements" \
	test "$(q1 "$rows_sql")" = "$n_before"

# --- rules at run time ---
n_rules=$(enf_ctl rule list | tail -n +2 | wc -l)
out=$(enf_ctl rule add 'SecRule REQUEST_URI "@rx ^/secret" "id:900200,msg:'\''x'\'',bogus_action"' 2>&1)
check "malformed rule refused with position" grep -Eq ':[0-9]+:[0-9]+: .*bogus_action' <<<"$out"
out=$(enf_ctl rule add 'SecRule NO_SUCH_VAR "@rx x" "id:900201,deny"' 2>&1)
check "unknown variable refused" grep -q 'NO_SUCH_VAR' <<<"$out"
out=$(enf_ctl rule add 'SecRule REQUEST_URI "@rx x" "id:100100,deny"' 2>&1)
check "duplicate rule id refused" grep -qi 'id.*100100\|100100.*id\|duplicate' <<<"$out"
check "refused rules changed nothing in the daemon" \
	test "$(enf_ctl rule list | tail -n +2 | wc -l)" = "$n_rules"
check "refused rules stored nothing" \
	test "$(q1 "SELECT count(*) FROM rules")" = "0"
out=$(enf_ctl rule add 'SecRule REQUEST_URI "@rx ^/secret" "id:900200,msg:'\''secret area'\'',deny"' 2>&1)
check "valid rule added" grep -q 'added rule 900200' <<<"$out"
check "rule stored in the database" \
	test "$(q1 "SELECT count(*) FROM rules WHERE rule_id = 900200")" = "1"
check "rule active without a restart" has_rule 900200
# (from a known port: the audit row must name this connection's own flow)
enf_curl "$ENF_CLI2_ADDR" /secret --local-port 42000 >/dev/null 2>&1
check "new rule enforces: second client denied" \
	enf_wait_for 5 enf_is_blocked "$ENF_CLI2_ADDR"
secret_flow() { q1 "SELECT saddr || ':' || sport FROM audit WHERE rule_id = 900200"; }
secret_audited() { test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = 900200")" -ge 1; }
enf_wait_for 5 secret_audited
got=$(secret_flow)
check "the deny is audited under the second client's own flow ($got)" \
	test "$got" = "$ENF_CLI2_ADDR:42000"
check "no other address denied by the new rule" \
	test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = 900200 AND saddr <> '$ENF_CLI2_ADDR'")" = "0"
if ! enf_is_blocked "$ENF_CLI2_ADDR"; then
	echo "# diag: rule 900200's audit rows: $(q "SELECT time, saddr, sport, action, uri, pid, sock_cookie FROM audit WHERE rule_id = 900200" | tr '\n' ' ')"
	echo "# diag: deny list: $(enf_ctl block list | tr '\n' ' ')"
fi

# --- every connection is audited under its own flow: nginx's next
# connection often gets the SSL object an earlier one freed, and the
# kernel its struct sock; the capture must not carry that connection's
# flow over (it did: the check above failed in 2 runs in about 75 when
# /secret's connection inherited both from the first client's attack
# connection, and 192.0.2.2 was denied again instead). Six connections in
# a row, each from its own port, matched by a rule that only logs. ---
out=$(enf_ctl rule add 'SecRule REQUEST_URI "@rx ^/flow/" "id:900300,msg:'\''flow check'\'',log,pass"' 2>&1)
check "log-only rule added" grep -q 'added rule 900300' <<<"$out"
for k in 1 2 3 4 5 6; do
	enf_curl "$ENF_CLI3_ADDR" "/flow/$k" --local-port $((42100 + k)) >/dev/null 2>&1
done
flows_logged() { test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = 900300")" = 6; }
check "six connections in a row, six audit rows" enf_wait_for 5 flows_logged
for k in 1 2 3 4 5 6; do
	want="$ENF_CLI3_ADDR:$((42100 + k))"
	got=$(q1 "SELECT saddr || ':' || sport FROM audit WHERE rule_id = 900300 AND uri = '/flow/$k'")
	check "connection $k audited under its own flow ($got, want $want)" \
		test "$got" = "$want"
done
check "the log-only rule denied nothing" not_blocked "$ENF_CLI3_ADDR"

# --- rules that read the process and the direction: an inbound request is
# nginx's, an outbound one curl's (curl's own request, captured in its
# libssl), and only rules that read DIRECTION see outbound requests ---
out=$(enf_ctl rule add 'SecRule PROCESS_COMM "@streq nginx" "id:900400,msg:'\''nginx got it'\'',chain,log,pass"
  SecRule REQUEST_URI "@beginsWith /proc-check" "t:none"
SecRule PROCESS_COMM "@streq curl" "id:900401,msg:'\''curl got it'\'',chain,log,pass"
  SecRule REQUEST_URI "@beginsWith /proc-check" "t:none"
SecRule DIRECTION "@streq outbound" "id:900402,msg:'\''marker sent'\'',chain,log,pass"
  SecRule REQUEST_HEADERS:X-Note "@contains exfil-marker" "t:none"' 2>&1)
check "process and direction rules added" grep -q 'added rule 900402' <<<"$out"
enf_curl "$ENF_CLI3_ADDR" /proc-check -H 'X-Note: exfil-marker-7' >/dev/null 2>&1
proc_logged() { test "$(q1 "SELECT count(*) FROM audit WHERE rule_id IN (900400, 900402)")" -ge 2; }
enf_wait_for 5 proc_logged
check "PROCESS_COMM: the request nginx received matched once" \
	test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = 900400 AND direction = 'inbound'")" = 1
check "PROCESS_COMM: no inbound request is curl's, and curl's own is not matched without DIRECTION" \
	test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = 900401")" = 0
check "DIRECTION: curl's outbound request matched once" \
	test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = 900402 AND direction = 'outbound'")" = 1
curl_exe=$(readlink -f "$(command -v curl)")
got=$(q1 "SELECT exe FROM audit WHERE rule_id = 900402")
check "the outbound match names curl's executable ($got)" test "$got" = "$curl_exe"
got=$(q1 "SELECT saddr FROM audit WHERE rule_id = 900402")
check "the outbound match's peer is the server ($got)" test "$got" = "$ENF_SRV_ADDR"
check "the log-only outbound rule denied nothing" not_blocked "$ENF_SRV_ADDR"
# the default set's EDR rule: curl (not a key tool) sending a private key;
# its deny names the server it went to, lifted again at once
enf_curl "$ENF_CLI3_ADDR" /proc-check -H 'X-Note: -----BEGIN OPENSSH PRIVATE KEY-----' >/dev/null 2>&1
key_denied() { test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = 100902 AND direction = 'outbound' AND saddr = '$ENF_SRV_ADDR'")" -ge 1; }
check "default EDR rule 100902: curl sending a private key is audited" \
	enf_wait_for 5 key_denied
got=$(q1 "SELECT exe FROM audit WHERE rule_id = 100902")
check "its audit row names curl ($got)" test "$got" = "$curl_exe"
check "and the server it went to is denied" enf_wait_for 5 enf_is_blocked "$ENF_SRV_ADDR"
enf_ctl block del src "$ENF_SRV_ADDR" >/dev/null 2>&1
check "the server's deny entry lifted" not_blocked "$ENF_SRV_ADDR"

# --- reloads: enforcerctl reload and SIGHUP rebuild from files and database ---
n_active=$(enf_ctl rule list | tail -n +2 | wc -l)
out=$(enf_ctl reload 2>&1)
check "reload keeps every rule ($n_active)" grep -q "rules reloaded: $n_active active" <<<"$out"
activations() { grep -c "rules: now $n_active active" "$ENF_TMP/enforcerd.log"; }
more_activations() { test "$(activations)" -gt "$1"; }
n_logged=$(activations)
kill -HUP "$ENF_DAEMON_PID"
check "SIGHUP rebuilds the rule set" enf_wait_for 5 more_activations "$n_logged"
check "daemon still serves after SIGHUP" has_rule 900200

# --- the control socket admits root and the enforcer group only ---
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$ENFORCERCTL" -s "$ENF_TMP/enforcerd.sock" status 2>&1)
rc=$?
check "unprivileged user refused (exit $rc)" test "$rc" -eq 1
check "refusal is explained" grep -qi 'permission denied' <<<"$out"

# --- bad configuration and bad rule files are refused before start ---
printf 'interface = lo\nxdp_mode = turbo\n' >"$ENF_TMP/bad.conf"
out=$("$ENFORCERD" -c "$ENF_TMP/bad.conf" 2>&1)
rc=$?
check "bad config: exit non-zero" test "$rc" -ne 0
check "bad config: file, line and reason" \
	grep -q "bad.conf:2: xdp_mode: must be auto, hw, native or generic" <<<"$out"
mkdir -p "$ENF_TMP/badrules"
printf '# ok\nSecRule ARGS "@rx a" "id:1,deny"\n\nSecRule ARGS "@nosuchop a" "id:2,deny"\n' \
	>"$ENF_TMP/badrules/x.conf"
sed "s|^rules_dir = .*|rules_dir = $ENF_TMP/badrules|" "$ENF_TMP/enforcer.conf" \
	>"$ENF_TMP/badrules.conf"
out=$("$ENFORCERD" -c "$ENF_TMP/badrules.conf" --check-config 2>&1)
rc=$?
check "bad rule file: check-config exits non-zero" test "$rc" -ne 0
check "bad rule file: file, line and column" grep -q "x.conf:4:[0-9]*:" <<<"$out"

# --- blocks by hand: a prefix and a 5-tuple, enforced and removed ---
check "third client served" served "$ENF_CLI3_ADDR"
out=$(enf_ctl block add cidr 192.0.2.4/30 2>&1)
check "block add cidr accepted" grep -q "denied cidr 192.0.2.4/30" <<<"$out"
check "a denied prefix drops its hosts" refused_connection "$ENF_CLI3_ADDR"
check "drop_cidr4 counted" counter_above drop_cidr4 0
out=$(enf_ctl block del cidr 192.0.2.4/30 2>&1)
check "block del cidr accepted" grep -q "removed cidr 192.0.2.4/30" <<<"$out"
check "after block del the prefix is served again" served "$ENF_CLI3_ADDR"
flow="tcp $ENF_CLI3_ADDR:40404 $ENF_SRV_ADDR:$ENF_PORT"
out=$(enf_ctl block add flow $flow 2>&1)
check "block add flow accepted" grep -q "denied flow $flow" <<<"$out"
check "the denied 5-tuple is dropped" \
	refused_connection "$ENF_CLI3_ADDR" --local-port 40404
check "the same host from another port is served" \
	test "$(enf_curl "$ENF_CLI3_ADDR" / --local-port 40405 2>&1)" = "welcome to the demo shop"
check "block list shows the flow, enforced" \
	grep -q "^flow  *$flow .* yes " <<<"$(enf_ctl block list)"
out=$(enf_ctl block add cidr 192.0.2.1/24 2>&1)
check "a prefix with host bits is refused" grep -q "host bits set" <<<"$out"
out=$(enf_ctl block add src 999.1.1.1 2>&1)
check "a bad address is refused" grep -q "not an IP address" <<<"$out"
out=$(enf_ctl block del src 198.51.100.7 2>&1)
check "removing what is not denied says so" grep -q "is not denied" <<<"$out"
# --- a flood overruns the capture ring: counted, audited, and capture goes on
# One 2 MiB SSL_write_ex from Python: its first 1 MiB (the per-call cap) is
# 64 records of 16 KiB, more than the 1 MiB ring holds at once, written
# while enforcerd is stopped (SIGSTOP: a consumer that stalls), so the
# overrun does not depend on how fast it drains.
flood() {
	ip netns exec "$ENF_NS_CLI" python3 - "$ENF_CLI3_ADDR" "$ENF_SRV_ADDR" "$ENF_PORT" <<'PY'
import socket, ssl, sys
src, dst, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
ctx = ssl.create_default_context()
ctx.check_hostname = False
ctx.verify_mode = ssl.CERT_NONE
body = b"x" * (2 << 20)
head = b"POST /upload HTTP/1.1\r\nHost: shop\r\nContent-Length: %d\r\n\r\n" % len(body)
with socket.create_connection((dst, port), timeout=10, source_address=(src, 0)) as s:
    with ctx.wrap_socket(s) as t:
        t.sendall(head + body)
        t.recv(1024)
PY
}
lost_before=$(enf_counter lost)
kill -STOP "$ENF_DAEMON_PID"
flood >/dev/null 2>&1
kill -CONT "$ENF_DAEMON_PID"
lost_above() { test "$(enf_counter lost)" -gt "$lost_before"; }
check "a write bigger than the ring is counted as lost" enf_wait_for 5 lost_above
loss_row() { test "$(q1 "SELECT count(*) FROM audit WHERE event = 'capture-loss'")" -ge 1; }
check "the loss is written as a capture-loss audit row" enf_wait_for 5 loss_row
check "the capture-loss row names the CPUs" \
	grep -q "lost [0-9]* records on CPU" \
	<<<"$(q1 "SELECT msg FROM audit WHERE event = 'capture-loss' LIMIT 1")"
check "status shows the loss per CPU" \
	grep -Eq '^  lost per CPU:( [0-9]+)+; capture-loss audit rows: [1-9]' \
	<<<"$(enf_ctl status)"
events_before=$(enf_counter events)
out=$(enf_curl "$ENF_CLI3_ADDR" / 2>&1)
check "after the flood a client is served ($out)" \
	test "$out" = "welcome to the demo shop"
ev_above() { test "$(enf_counter events)" -gt "$events_before"; }
check "and its request is captured" enf_wait_for 5 ev_above
check "operator blocks are audited" \
	test "$(q1 "SELECT count(*) FROM audit WHERE event = 'block'")" -ge 3

enf_ctl status | grep -E '^(requests|responses|http2|not inspected)' | sed 's/^/# /'

# --- stop: enforcement outlives the daemon unless --detach ---
stop_daemon() {
	kill -TERM "$ENF_DAEMON_PID"
	wait "$ENF_DAEMON_PID" 2>/dev/null
	local rc=$?
	ENF_DAEMON_PID=
	return $rc
}
stop_daemon
check "enforcerd stops cleanly on SIGTERM" test $? -eq 0
check "xdp stays attached after a plain stop" xdp_on_if
check "deny maps stay pinned" test -e "$ENF_PIN/deny_src4"
check "a denied client is still dropped with the daemon stopped" \
	refused_connection "$ENF_CLI_ADDR"
enf_start_enforcerd --detach
check "restarted over its own programs" xdp_on_if
check "the restarted daemon finds the entry in the reused maps" \
	grep -q "^src  *$ENF_CLI_ADDR .* yes " <<<"$(enf_ctl block list)"
stop_daemon
check "enforcerd --detach stops cleanly" test $? -eq 0
check "after --detach no program is attached" no_xdp_on_if
check "after --detach no pin is left" test ! -e "$ENF_PIN"
check "after --detach the blocked client is served" served "$ENF_CLI_ADDR"

finish
