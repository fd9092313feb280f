#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rules managed at run time against a running enforcerd: a shadow rule
# audits what it would deny and denies nothing; rule show, disable, enable
# and delete change the database and the active set together; rules of the
# rules directory cannot be changed that way; a chain added at run time
# matches only when all its rules do. nginx with TLS in a server namespace,
# curl in a client namespace.
# Usage: test_rule_cli.sh BUILD_DIR
set -uo pipefail

ENF_ID=enfrc$$
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
enf_need_root

q1() { enf_ctl audit query "$1" | sed -n 2p | sed 's/ *$//'; }
has_rule() { enf_ctl rule list | grep -q "^$1 "; }
lacks_rule() { ! has_rule "$1"; }
served() { test "$(enf_curl "$1" "$2" 2>&1)" = "$3"; }
rows() { test "$(q1 "SELECT count(*) FROM audit WHERE rule_id = $1")" = "$2"; }

enf_setup "${1:-build}"
enf_start_nginx
enf_start_enforcerd

# --- a shadow rule: audited as what it would do, nothing denied ---
out=$(enf_ctl rule add --shadow 'SecRule REQUEST_URI "@rx ^/secret" "id:910100,msg:'\''shadowed secret'\'',deny"' 2>&1)
check "shadow rule added" grep -q 'added rule 910100 (shadow)' <<<"$out"
check "rule list shows its mode" grep -Eq '^910100 .* shadow ' <<<"$(enf_ctl rule list)"
check "a request matches it and is served" served "$ENF_CLI_ADDR" /secret "the secret page"
check "its audit row says what it would have done" \
	enf_wait_for 5 test "$(q1 "SELECT action FROM audit WHERE rule_id = 910100")" = "shadow:deny:src"
check "the client was not denied" served "$ENF_CLI_ADDR" /secret "the secret page"
check "nothing in the blocklist" test -z "$(enf_ctl block list | grep " $ENF_CLI_ADDR ")"
check "status counts it as shadowed" test "$(enf_stat requests.shadowed)" -ge 1

# --- rule show ---
out=$(enf_ctl rule show 910100 2>&1)
check "rule show: active, engine and why" grep -q "engine:   hyperscan: Hyperscan takes the pattern" <<<"$out"
check "rule show: its database row" grep -q "database: enabled, mode shadow" <<<"$out"
check "rule show: its text" grep -q '"@rx ^/secret"' <<<"$out"

# --- disable, enable, delete: database and active set together ---
out=$(enf_ctl rule disable 910100 2>&1)
check "rule disabled" grep -q "rule 910100 disabled" <<<"$out"
check "a disabled rule leaves the active set" lacks_rule 910100
check "rule show: a disabled rule is not active" \
	grep -q "not active (disabled in the database)" <<<"$(enf_ctl rule show 910100)"
n=$(q1 "SELECT count(*) FROM audit WHERE rule_id = 910100")
served "$ENF_CLI_ADDR" /secret "the secret page"
sleep 1
check "a disabled rule matches nothing" rows 910100 "$n"
check "rule enabled" grep -q "rule 910100 enabled" <<<"$(enf_ctl rule enable 910100 2>&1)"
check "an enabled rule is active again" has_rule 910100
served "$ENF_CLI_ADDR" /secret "the secret page"
check "and matches again" enf_wait_for 5 rows 910100 $((n + 1))
check "rule deleted" grep -q "rule 910100 deleted" <<<"$(enf_ctl rule delete 910100 2>&1)"
check "a deleted rule leaves the active set" lacks_rule 910100
out=$(enf_ctl rule show 910100 2>&1)
check "rule show: a deleted rule is gone ($?)" grep -q "no rule 910100" <<<"$out"
out=$(enf_ctl rule delete 910100 2>&1)
rc=$?
check "deleting it again fails (exit $rc)" test "$rc" = 1
check "... saying it is not a rule of the database" grep -q "not a rule of the database" <<<"$out"
out=$(enf_ctl rule disable 100100 2>&1)
check "a rule of the rules directory is not disabled by id" grep -q "rules of the rules directory change with their files" <<<"$out"
check "... and stays active" has_rule 100100
out=$(enf_ctl rule enable 0 2>&1)
check "a bad id is a usage error ($?)" grep -q "is not a rule id" <<<"$out"

# --- a chain added at run time ---
out=$(enf_ctl rule add -f - 2>&1 <<'RULES'
SecRule REQUEST_URI "@beginsWith /search" "id:910200,msg:'chain',log,pass,chain"
  SecRule ARGS:q "@streq both"
RULES
)
check "chain added as one rule" grep -q "added rule 910200" <<<"$out"
enf_curl "$ENF_CLI_ADDR" "/search?q=one" >/dev/null
enf_curl "$ENF_CLI_ADDR" "/search?q=both" >/dev/null
check "the chain matches when both rules do" enf_wait_for 5 rows 910200 1
sleep 1
check "... and only then" rows 910200 1
check "its audit row names the first rule's variable" \
	test "$(q1 "SELECT excerpt FROM audit WHERE rule_id = 910200")" = "REQUEST_URI=/search?q=both"

echo "$pass passed, $fail failed"
if ((fail > 0)); then
	echo "--- enforcerd log ---"
	cat "$ENF_TMP/enforcerd.log" 2>/dev/null
fi
((fail == 0))
