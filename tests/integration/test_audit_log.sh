#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# The audit log of a running enforcerd, with block add/del as the source of
# rows (each writes one): the hash chain verifies, and a row edited behind
# the daemon's back is named; audit top, tail, show, query --csv and
# --json; every event in the JSON lines export with the row's id and hash,
# the export file reopened on SIGHUP after a logrotate-style rename; the
# Prometheus scrape endpoint on loopback; queries and verifies while the
# writer writes; enforcerd killed with SIGKILL while rows flow, then the
# database intact and the chain whole up to the last committed row; a user
# neither root nor in the enforcer group refused at the socket.
# Usage: test_audit_log.sh BUILD_DIR
set -uo pipefail

ENF_ID=enfau$$
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
enf_need_root
ENF_CGROUP_DIR=
command -v sqlite3 >/dev/null || enf_die "sqlite3 not installed (make deps)"

q1() { enf_ctl audit query "$1" | sed -n 2p | sed 's/ *$//'; }
rows() { q1 "SELECT count(*) FROM audit"; }

enf_setup "${1:-build}"
port=$((20000 + $$ % 20000))
cat >>"$ENF_TMP/enforcer.conf" <<CONF
audit_export_file = $ENF_TMP/events.json
audit_batch = 64
audit_flush_ms = 50
metrics_listen = 127.0.0.1:$port
CONF
enf_start_enforcerd
base=$(rows)

# --- rows: 40 adds, 20 deletes ---
for i in $(seq 1 40); do enf_ctl block add src "198.51.100.$i" >/dev/null; done
for i in $(seq 1 20); do enf_ctl block del src "198.51.100.$i" >/dev/null; done
check "60 block rows written" test "$(q1 "SELECT count(*) FROM audit WHERE event = 'block'")" = 60
out=$(enf_ctl audit verify 2>&1)
rc=$?
check "audit verify: intact (exit $rc)" test "$rc" = 0
check "... says so" grep -q "intact" <<<"$out"
check "every row has a 32-byte hash" test "$(q1 "SELECT count(*) FROM audit WHERE length(hash) = 32")" = "$(rows)"
check "the chain's head is the last row" test "$(q1 "SELECT head_id FROM audit_chain")" = "$(q1 "SELECT max(id) FROM audit")"

# --- reports ---
out=$(enf_ctl audit top --by event --since 1h)
check "audit top --by event: block, 60 events" grep -Eq '^block +60 ' <<<"$out"
out=$(enf_ctl --json audit top --by event --since all)
check "audit top --json is JSON with the columns" python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["columns"][:2] == ["event", "events"], r["columns"]' <<<"$out"
out=$(enf_ctl audit top --by bogus 2>&1)
check "audit top --by bogus: a usage error ($?)" grep -q "rule, src, exe, cgroup, container or event" <<<"$out"
out=$(enf_ctl audit tail -n 5)
check "audit tail -n 5: a header and 5 rows" test "$(grep -c . <<<"$out")" = 7
check "... the last row last" grep -q "src 198.51.100.20 by uid 0" <<<"$(tail -n 2 <<<"$out")"
last=$(q1 "SELECT max(id) FROM audit")
out=$(enf_ctl audit show "$last")
check "audit show: every column, the hash in hex" grep -Eq '^hash +[0-9A-F]{64}$' <<<"$out"
check "audit show: its action" grep -Eq '^action +block:del$' <<<"$out"
out=$(enf_ctl audit show 999999 2>&1)
check "audit show of no row fails ($?)" grep -q "no audit row 999999" <<<"$out"
out=$(enf_ctl audit query --csv "SELECT id, msg FROM audit WHERE id = $last")
check "audit query --csv: a header and the row" test "$out" = "id,msg
$last,src 198.51.100.20 by uid 0"
out=$(enf_ctl audit query "DELETE FROM audit" 2>&1)
check "a DELETE is refused ($?)" grep -qi "not allowed" <<<"$out"
check "... and nothing deleted" test "$(q1 "SELECT count(*) FROM audit WHERE event = 'block'")" = 60

# --- export: every event, with the row's id and hash ---
export_matches() {
	python3 - "$ENF_TMP/policy.db" "$@" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect("file:%s?mode=ro" % sys.argv[1], uri=True)
rows = {i: (h.hex(), m) for i, h, m in db.execute("SELECT id, hash, msg FROM audit")}
seen = 0
for path in sys.argv[2:]:
    for line in open(path):
        e = json.loads(line)
        h, m = rows[e["id"]]
        assert e["hash"] == h, (e["id"], e["hash"], h)
        assert e.get("msg") == m, (e["id"], e.get("msg"), m)
        assert e["event"] and e["timestamp"][10] == "T" and "host" in e, e
        seen += 1
assert seen == len(rows), (seen, len(rows))
PY
}
check "every audit row exported, id, hash and msg as in the database" \
	enf_wait_for 5 export_matches "$ENF_TMP/events.json"
stat_of() { # stat_of GROUP.NAME: a counter of enforcerctl stats --json
	enf_ctl --json stats | python3 -c '
import json, sys
g, n = sys.argv[1].split(".")
print(json.load(sys.stdin)["counters"][g][n])' "$1"
}
at_least() { test "$(stat_of "$1")" -ge "$2"; }
mv "$ENF_TMP/events.json" "$ENF_TMP/events.json.1"
kill -HUP "$ENF_DAEMON_PID"
check "SIGHUP: the export file reopened (export reopens)" enf_wait_for 10 at_least export.reopens 1
for i in $(seq 21 25); do enf_ctl block del src "198.51.100.$i" >/dev/null; done
new_dels() { test "$(grep -c 'src 198.51.100.2[1-5] by uid' "$ENF_TMP/events.json")" = 5; }
check "new events go to the file at the path again" enf_wait_for 5 new_dels
check "the old and the new file hold every row, each once" \
	enf_wait_for 5 export_matches "$ENF_TMP/events.json.1" "$ENF_TMP/events.json"
check "stats: export dropped nothing" test "$(stat_of export.dropped)" = 0
check "stats: the audit writer wrote every row" test "$(stat_of audit.written)" -ge 65

# --- the scrape endpoint, on loopback in the daemon's namespace ---
metrics=$(ip netns exec "$ENF_NS_SRV" curl -sS --max-time 3 "http://127.0.0.1:$port/metrics")
check "GET /metrics: the audit writer's counters" grep -Eq '^enforcer_audit_written_total [1-9][0-9]*$' <<<"$metrics"
check "GET /metrics: the verdict histogram" grep -q '^enforcer_verdict_latency_seconds_count ' <<<"$metrics"
check "GET /metrics: the same names as stats --prometheus" \
	test "$(grep -c '^# TYPE' <<<"$metrics")" = "$(enf_ctl stats --prometheus | grep -c '^# TYPE')"
code=$(ip netns exec "$ENF_NS_SRV" curl -s -o /dev/null -w '%{http_code}' --max-time 3 "http://127.0.0.1:$port/other")
check "GET /other: 404 ($code)" test "$code" = 404

# --- queries and verifies while the writer writes ---
(
	for i in $(seq 1 150); do
		enf_ctl block add src "203.0.113.$((i % 250 + 1))" >/dev/null
		enf_ctl block del src "203.0.113.$((i % 250 + 1))" >/dev/null
	done
) &
writer=$!
prev=0 bad=0 queries=0 verifies=0
while kill -0 "$writer" 2>/dev/null; do
	n=$(q1 "SELECT count(*) FROM audit")
	if [[ ! $n =~ ^[0-9]+$ ]] || ((n < prev)); then
		bad=$((bad + 1))
		echo "# query gave '$n' after $prev"
	fi
	prev=${n:-0}
	queries=$((queries + 1))
	if ! enf_ctl audit verify >/dev/null 2>&1; then
		bad=$((bad + 1))
		enf_ctl audit verify | head -3
	fi
	verifies=$((verifies + 1))
done
wait "$writer"
echo "# $queries queries and $verifies verifies beside 300 rows written"
check "queries beside the writer: none failed, counts never went back" test "$bad" = 0
check "... and some ran while it wrote ($queries)" test "$queries" -ge 3
check "the 300 rows are there" test "$(q1 "SELECT count(*) FROM audit WHERE event = 'block'")" = 365

# --- tampering found ---
victim=$(q1 "SELECT min(id) + 10 FROM audit WHERE event = 'block'")
msg=$(q1 "SELECT msg FROM audit WHERE id = $victim")
sqlite3 "$ENF_TMP/policy.db" "PRAGMA busy_timeout = 5000; UPDATE audit SET msg = 'nothing happened' WHERE id = $victim"
out=$(enf_ctl audit verify 2>&1)
rc=$?
check "an edited row: audit verify exits 1 ($rc)" test "$rc" = 1
check "... and names the row" grep -q "at row $victim: row $victim does not match its hash" <<<"$out"
check "... and where the chain holds to" grep -q "holds up to row $((victim - 1))" <<<"$out"
sqlite3 "$ENF_TMP/policy.db" "PRAGMA busy_timeout = 5000; UPDATE audit SET msg = '$msg' WHERE id = $victim"
check "put back, the chain is intact again" enf_ctl audit verify
sqlite3 "$ENF_TMP/policy.db" "PRAGMA busy_timeout = 5000; INSERT INTO audit (time_ns, event) VALUES (1, 'forged')"
out=$(enf_ctl audit verify 2>&1)
check "a row inserted by hand is named" grep -q "has no hash: inserted" <<<"$out"
sqlite3 "$ENF_TMP/policy.db" "PRAGMA busy_timeout = 5000; DELETE FROM audit WHERE event = 'forged'"
check "removed again, intact" enf_ctl audit verify

# --- an unprivileged user at the socket ---
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ENFORCERCTL" -s "$ENF_TMP/enforcerd.sock" status 2>&1)
rc=$?
check "nobody cannot connect to the 0660 socket (exit $rc)" test "$rc" = 1
check "... told why" grep -qi "permission denied" <<<"$out"
chmod 0666 "$ENF_TMP/enforcerd.sock"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$ENFORCERCTL" -s "$ENF_TMP/enforcerd.sock" audit query "SELECT 1" 2>&1)
rc=$?
check "with the socket opened up, the daemon refuses nobody itself (exit $rc)" test "$rc" = 1
check "... saying uid 65534 is neither root nor in the group" grep -q "uid 65534 is neither root nor a member of group 'enforcer'" <<<"$out"
chmod 0660 "$ENF_TMP/enforcerd.sock"
check "the daemon goes on" enf_ctl status

# --- SIGKILL while rows flow ---
(
	for i in $(seq 1 400); do
		enf_ctl block add src "198.18.$((i / 250)).$((i % 250 + 1))" >/dev/null 2>&1 || exit 0
	done
) &
flood=$!
sleep 1
kill -KILL "$ENF_DAEMON_PID"
wait "$ENF_DAEMON_PID" 2>/dev/null
wait "$flood" 2>/dev/null
check "after SIGKILL: integrity_check ok" test "$(sqlite3 "$ENF_TMP/policy.db" "PRAGMA integrity_check")" = ok
killed=$(sqlite3 "$ENF_TMP/policy.db" "SELECT count(*) FROM audit")
echo "# $killed audit rows when enforcerd was killed"
check "after SIGKILL: the last row committed is the chain's head" \
	test "$(sqlite3 "$ENF_TMP/policy.db" "SELECT head_id = (SELECT max(id) FROM audit) FROM audit_chain")" = 1
enf_start_enforcerd
out=$(enf_ctl audit verify 2>&1)
check "after SIGKILL and a restart: audit verify intact" grep -q "intact" <<<"$out"
enf_ctl block add src 198.51.100.200 >/dev/null
check "and the chain goes on" enf_ctl audit verify

echo "$pass passed, $fail failed"
((fail == 0))
