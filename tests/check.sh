# SPDX-License-Identifier: GPL-2.0-or-later
# Named assertions for the shell tests: source it, then check NAME CMD...
# runs CMD and counts it in pass or fail (the caller reports the totals).
pass=0
fail=0
check() { # check NAME CMD...: one named assertion
	local name=$1
	shift
	if "$@"; then
		echo "ok   - $name"
		pass=$((pass + 1))
	else
		echo "FAIL - $name"
		fail=$((fail + 1))
	fi
}
