#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# make demo: the golden thread, end to end, in two network namespaces.
# A client sends a benign and a malicious HTTPS request to nginx; enforcerd
# reads the decrypted request from inside nginx's TLS library, matches the
# rule set, and drops the client's next packets in XDP. Exits 0 only if every
# step happened.
set -uo pipefail

BUILD=${1:-build}
ENF_ID=enfdemo
# shellcheck source=../tests/integration/lib.sh
source "$(dirname "$0")/../tests/integration/lib.sh"
enf_need_root

failures=0
step=0
if [[ -t 1 ]]; then B=$'\033[1m' N=$'\033[0m'; else B= N=; fi
say() { printf '\n%s%d. %s%s\n' "$B" "$((++step))" "$*" "$N"; }
ok() { printf '   [ ok ] %s\n' "$*"; }
bad() { printf '   [FAIL] %s\n' "$*"; failures=$((failures + 1)); }
show() { sed 's/^/   | /'; }

echo "enforcer demo: the golden thread from a TLS request to an XDP drop"
echo "   server namespace $ENF_NS_SRV ($ENF_SRV_ADDR), client namespace" \
	"$ENF_NS_CLI ($ENF_CLI_ADDR, $ENF_CLI2_ADDR)"

say "Set up two network namespaces joined by a veth pair, nginx serving HTTPS"
enf_setup "$BUILD"
enf_start_nginx
ok "nginx listens on https://$ENF_SRV_ADDR:$ENF_PORT (pid $ENF_NGINX_PID)"

say "Start enforcerd on the server side with the default rule set"
enf_start_enforcerd
sed 's/^[0-9:.]* //' "$ENF_TMP/enforcerd.log" | show
enf_ctl status | show
mode=$(enf_ctl --json status | sed -n 's/.*"mode": *"\([a-z]*\)".*/\1/p' | head -n1)
[[ $mode == native || $mode == generic ]] && ok "XDP attached to $ENF_IF_SRV in $mode mode" ||
	bad "XDP is not attached"

say "A benign request from $ENF_CLI_ADDR is served"
body=$(enf_curl "$ENF_CLI_ADDR" / 2>&1)
echo "\$ curl https://$ENF_SRV_ADDR:$ENF_PORT/" | show
echo "$body" | show
[[ $body == "welcome to the demo shop" ]] && ok "served" || bad "benign request failed"

say "A SQL injection from $ENF_CLI_ADDR: enforcerd sees it decrypted and denies the source"
attack="/search?q=1'%20UNION%20SELECT%20password%20FROM%20users--"
echo "\$ curl \"https://$ENF_SRV_ADDR:$ENF_PORT$attack\"" | show
enf_curl "$ENF_CLI_ADDR" "$attack" 2>&1 | show
if enf_wait_for 5 enf_is_blocked "$ENF_CLI_ADDR"; then
	ok "verdict: $ENF_CLI_ADDR is on the deny list"
else
	bad "no verdict against $ENF_CLI_ADDR"
fi
grep 'verdict:' "$ENF_TMP/enforcerd.log" | sed 's/^[0-9:.]* //' | show
enf_ctl block list | show

say "The client's next connection is dropped in XDP, before the TCP stack"
before=$(enf_counter drop_src4)
echo "\$ curl https://$ENF_SRV_ADDR:$ENF_PORT/   (3 s timeout)" | show
if enf_curl "$ENF_CLI_ADDR" / >/dev/null 2>&1; then
	bad "the blocked client was served"
else
	ok "the connection from $ENF_CLI_ADDR timed out"
fi
after=$(enf_counter drop_src4)
echo "drop_src4 counter: $before -> $after" | show
((after > before)) && ok "XDP dropped $((after - before)) packets from $ENF_CLI_ADDR" ||
	bad "the drop counter did not rise"

say "Another client, $ENF_CLI2_ADDR, is still served"
body=$(enf_curl "$ENF_CLI2_ADDR" / 2>&1)
echo "$body" | show
[[ $body == "welcome to the demo shop" ]] && ok "served" || bad "the other client was not served"

say "The audit log answers SQL: who sent what, from which process, and what was done"
q="SELECT time, rule_id, action, saddr, sport, daddr, dport, exe, pid, method, uri FROM audit ORDER BY id"
echo "\$ enforcerctl audit query \"$q\"" | show
out=$(enf_ctl audit query "$q" 2>&1)
echo "$out" | show
grep -q "deny:src.*$ENF_CLI_ADDR.*nginx.*UNION" <<<"$out" &&
	ok "the audit row ties the request to nginx's pid, the flow and the action" ||
	bad "no audit row for the attack"
echo "\$ enforcerctl audit query \"DELETE FROM audit\"" | show
out=$(enf_ctl audit query "DELETE FROM audit" 2>&1)
echo "$out" | show
grep -q "not allowed" <<<"$out" && ok "audit queries are read-only" ||
	bad "a DELETE through the audit query was not refused"

say "A rule added at run time is live at once, no restart"
rule="SecRule REQUEST_HEADERS:User-Agent \"@contains evil-bot\" \"id:900100,msg:'Demo: evil bot',severity:WARNING,deny\""
echo "\$ enforcerctl rule add '$rule'" | show
enf_ctl rule add "$rule" 2>&1 | show
enf_curl "$ENF_CLI2_ADDR" / -A "evil-bot/1.0" >/dev/null 2>&1
if enf_wait_for 5 enf_is_blocked "$ENF_CLI2_ADDR"; then
	ok "the new rule denied $ENF_CLI2_ADDR"
else
	bad "the new rule did not fire"
fi

echo
if ((failures == 0)); then
	printf '%sdemo passed: every step of the golden thread happened%s\n' "$B" "$N"
	exit 0
fi
printf '%sdemo FAILED: %d step(s) did not happen; enforcerd log:%s\n' "$B" "$failures" "$N"
show <"$ENF_TMP/enforcerd.log"
exit 1
