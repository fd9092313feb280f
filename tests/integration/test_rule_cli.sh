#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Rules managed at run time against a running enforcerd: a shadow rule
# audits what it would deny and denies nothing; drop and block enforce what
# the configuration's drop_action and block_action say; rule show, disable, enable
# and delete change the database and the active set together; rules of the
# rules directory cannot be changed that way; a chain added at run time
# matches only when all its rules do; rule import loads a directory of
# .conf files all or nothing (a bad file, a duplicate id, a dry run, an
# oversized directory: nothing added). nginx with TLS in a server
# namespace, curl in a client namespace.
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
# what SecLang's drop and block enforce, from the configuration
cat >>"$ENF_TMP/enforcer.conf" <<CONF
drop_action = flow
block_action = none
CONF
enf_start_nginx
enf_start_enforcerd

# action_is RULE WANT: rule RULE's audit row has action WANT (a function,
# so that enf_wait_for queries again each try)
action_is() { test "$(q1 "SELECT action FROM audit WHERE rule_id = $1")" = "$2"; }

# --- a shadow rule: audited as what it would do, nothing denied ---
out=$(enf_ctl rule add --shadow 'SecRule REQUEST_URI "@rx ^/secret" "id:910100,msg:'\''shadowed secret'\'',deny"' 2>&1)
check "shadow rule added" grep -q 'added rule 910100 (shadow)' <<<"$out"
check "rule list shows its mode" grep -Eq '^910100 .* shadow ' <<<"$(enf_ctl rule list)"
check "a request matches it and is served" served "$ENF_CLI_ADDR" /secret "the secret page"
check "its audit row says what it would have done" \
	enf_wait_for 5 action_is 910100 "shadow:deny:src"
check "the client was not denied" served "$ENF_CLI_ADDR" /secret "the secret page"
check "nothing in the blocklist" test -z "$(enf_ctl block list | grep " $ENF_CLI_ADDR ")"
check "status counts it as shadowed" test "$(enf_stat requests.shadowed)" -ge 1

# --- drop and block enforce what the configuration says ---
out=$(enf_ctl rule add 'SecRule REQUEST_URI "@rx ^/secret/drop" "id:910150,msg:'\''dropped'\'',drop"
SecRule REQUEST_URI "@rx ^/secret/block" "id:910151,msg:'\''blocked'\'',block"' 2>&1)
check "drop and block rules added" grep -q 'added rule 910151' <<<"$out"
check "rule show: drop enforces the configured drop_action" \
	grep -q "enforce:  flow (the configuration's drop_action)" <<<"$(enf_ctl rule show 910150)"
check "rule show: block enforces the configured block_action" \
	grep -q "enforce:  none (the configuration's block_action)" <<<"$(enf_ctl rule show 910151)"
enf_curl "$ENF_CLI_ADDR" /secret/drop >/dev/null 2>&1
check "drop's audit row: the flow, as drop_action says" \
	enf_wait_for 5 action_is 910150 "deny:flow"
flowkey=$(enf_ctl block list | awk -v c="$ENF_CLI_ADDR:" '$1 == "flow" && index($3, c) == 1 { print $2, $3, $4; exit }')
check "the blocklist holds that flow" test -n "$flowkey"
check "and not the client's address" test -z "$(enf_ctl block list | grep "^src  *$ENF_CLI_ADDR ")"
enf_curl "$ENF_CLI_ADDR" /secret/block >/dev/null 2>&1
check "block's audit row: nothing enforced, as block_action = none says" \
	enf_wait_for 5 action_is 910151 "deny:none"
check "a new connection of the client is served" served "$ENF_CLI_ADDR" /secret "the secret page"
[[ -n $flowkey ]] && enf_ctl block del flow $flowkey >/dev/null
enf_ctl rule delete 910150 >/dev/null
enf_ctl rule delete 910151 >/dev/null

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
check "its audit row names the last link's variable, as MATCHED_VAR" \
	test "$(q1 "SELECT excerpt FROM audit WHERE rule_id = 910200")" = "ARGS:q=both"

# --- rule import: a directory of .conf files, all or nothing ---
imp=$ENF_TMP/import
mkdir -p "$imp/ok" "$imp/bad" "$imp/dup" "$imp/off" "$imp/inc" "$imp/big"
cat >"$imp/ok/10-uri.conf" <<'RULES'
# rule import: one rule
SecRule REQUEST_URI "@contains imp-one" "id:920101,msg:'import one',log,pass"
RULES
cat >"$imp/ok/20-args.conf" <<'RULES'
SecRule ARGS:q "@streq imp-two" "id:920102,msg:'import two',log,pass"
SecRule REQUEST_HEADERS:User-Agent "@contains imp-agent" \
    "id:920103,msg:'import three',log,pass"
RULES
cat >"$imp/ok/30-file.conf" <<'RULES'
SecRule REQUEST_FILENAME "@streq /search/imp-four" "id:920104,msg:'import four',log,pass"
RULES
echo 'not a rule file' >"$imp/ok/README"
imp_rows() { q1 "SELECT count(*) FROM rules WHERE rule_id BETWEEN 920100 AND 920399"; }
before=$(enf_ctl rule list)

out=$(enf_ctl rule import --dry-run "$imp/ok" 2>&1)
check "import --dry-run lists what it would add" grep -q "would add rule 920103 (enforce) from 20-args.conf:2: import three" <<<"$out"
check "... and says it stored nothing" grep -q "dry run: 4 rules from 3 files would be added" <<<"$out"
check "... and stores nothing" test "$(imp_rows)" = 0
check "... and loads nothing" test "$(enf_ctl rule list)" = "$before"

out=$(enf_ctl rule import "$imp/ok" 2>&1)
check "import: 4 rules of 3 files" grep -q "imported 4 rules from 3 files" <<<"$out"
check "... each named with its file and line" grep -q "added rule 920104 (enforce) from 30-file.conf:1: import four" <<<"$out"
check "... all active" eval 'has_rule 920101 && has_rule 920102 && has_rule 920103 && has_rule 920104'
check "... all stored" test "$(imp_rows)" = 4
check "... in one reload" test "$(grep -c 'added 4 rule(s) from 3 text(s)' "$ENF_TMP/enforcerd.log")" = 1
check "rule show: an imported rule's source is its file" \
	grep -q "source import:20-args.conf (uid 0)" <<<"$(enf_ctl rule show 920102)"
enf_curl "$ENF_CLI_ADDR" "/search?x=imp-one" >/dev/null
enf_curl "$ENF_CLI_ADDR" "/search?q=imp-two" >/dev/null
enf_curl "$ENF_CLI_ADDR" "/search" -A "imp-agent/1" >/dev/null
enf_curl "$ENF_CLI_ADDR" "/search/imp-four" >/dev/null
for id in 920101 920102 920103 920104; do
	check "imported rule $id matches its request" enf_wait_for 5 rows "$id" 1
done

# a third file that does not parse: nothing of the directory added
printf '%s\n' 'SecRule ARGS "@streq a" "id:920201,log,pass"' >"$imp/bad/10-a.conf"
printf '%s\n' 'SecRule ARGS "@streq b" "id:920202,log,pass"' >"$imp/bad/20-b.conf"
printf '%s\n' '# broken' 'SecRule ARGS "@nosuch c" "id:920203,log,pass"' >"$imp/bad/30-c.conf"
before=$(enf_ctl rule list)
out=$(enf_ctl rule import "$imp/bad" 2>&1)
rc=$?
check "a bad file fails the import (exit $rc)" test "$rc" = 1
check "... naming its file, line and column" grep -q "rule refused: 30-c.conf:2:15: unknown operator '@nosuch'" <<<"$out"
check "... and adds nothing" test "$(enf_ctl rule list)" = "$before"
check "... and stores nothing" test "$(imp_rows)" = 4

# an id that a loaded rule holds: nothing added
printf '%s\n' 'SecRule ARGS "@streq a" "id:920301,log,pass"' >"$imp/dup/10-new.conf"
printf '%s\n' 'SecRule ARGS "@streq b" "id:920101,log,pass"' >"$imp/dup/20-dup.conf"
out=$(enf_ctl rule import "$imp/dup" 2>&1)
rc=$?
check "a duplicate id fails the import (exit $rc)" test "$rc" = 1
check "... naming the file and the rule it repeats" grep -q "20-dup.conf:1:.*duplicate id 920101 (already defined at" <<<"$out"
check "... and adds nothing" test "$(enf_ctl rule list)" = "$before"
check "... nor the other file's rule" lacks_rule 920301
check "... and stores nothing" test "$(imp_rows)" = 4

# an id that a disabled rule of the database holds
enf_ctl rule disable 920104 >/dev/null
printf '%s\n' 'SecRule ARGS "@streq b" "id:920104,log,pass"' >"$imp/off/10-off.conf"
out=$(enf_ctl rule import "$imp/off" 2>&1)
check "an id held by a disabled rule is refused" grep -q "10-off.conf:1: id 920104 is taken by a disabled rule" <<<"$out"
enf_ctl rule enable 920104 >/dev/null

# Include, and @pmFromFile relative to the directory: refused with the line
printf '%s\n' '# x' 'Include other.conf' >"$imp/inc/10-inc.conf"
out=$(enf_ctl rule import "$imp/inc" 2>&1)
check "Include is refused with its file and line" grep -q "10-inc.conf:2:1: unsupported directive 'Include'" <<<"$out"
echo 'phrase' >"$imp/inc/words.txt"
printf '%s\n' 'SecRule ARGS "@pmFromFile words.txt" "id:920401,log,pass"' >"$imp/inc/10-inc.conf"
out=$(enf_ctl rule import "$imp/inc" 2>&1)
check "a relative @pmFromFile is refused with its file and line" grep -q "10-inc.conf:1:[0-9]*: @pmFromFile: 'words.txt' is relative" <<<"$out"

# more than one control request carries
before=$(enf_ctl rule list)
head -c 700000 /dev/zero | tr '\0' '#' >"$imp/big/10-a.conf"
head -c 700000 /dev/zero | tr '\0' '#' >"$imp/big/20-b.conf"
printf '\n%s\n' 'SecRule ARGS "@streq a" "id:920501,log,pass"' >>"$imp/big/20-b.conf"
out=$(enf_ctl rule import "$imp/big" 2>&1)
rc=$?
check "a directory over the request limit fails (exit $rc)" test "$rc" = 1
check "... saying so" grep -q "more than 1048576 bytes.*nothing imported" <<<"$out"
check "... and adds nothing" test "$(enf_ctl rule list)" = "$before"
check "the daemon still answers" has_rule 920101

echo "$pass passed, $fail failed"
if ((fail > 0)); then
	echo "--- enforcerd log ---"
	cat "$ENF_TMP/enforcerd.log" 2>/dev/null
fi
((fail == 0))
