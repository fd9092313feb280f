#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the libFuzzer targets of tests/fuzz/ from their kept seed corpus.
#
#   tests/fuzz/run.sh [--secs N] [--keep DIR] FUZZ_BUILD [TARGET...]
#   tests/fuzz/run.sh --merge DIR FUZZ_BUILD [TARGET...]
#
# FUZZ_BUILD is the clang build of tests/fuzz (make fuzz-build, or
# <build>/fuzz of the main build); TARGET defaults to every line of
# targets.list. Each target runs --secs seconds (default 10) on a copy of
# corpus/<target>/ in a temporary directory: the kept corpus is never
# written. --keep DIR keeps each target's grown corpus in DIR/<target>/ for
# a later --merge, which adds to corpus/<target>/ only the inputs of
# DIR/<target>/ that reach new coverage (libFuzzer -merge=1); review and
# commit them by hand.
#
# A crash, leak, UB or failed check: the input is copied to
# FUZZ_BUILD/crashes/<target>/, the run goes on with the next target and
# the script exits 1. Exit 0 when every target ran clean.
set -uo pipefail

here=$(cd "$(dirname "$0")" && pwd)
secs=10
keep=
merge=
while [[ $# -gt 0 ]]; do
	case $1 in
	--secs)
		secs=$2
		shift 2
		;;
	--keep)
		keep=$2
		shift 2
		;;
	--merge)
		merge=$2
		shift 2
		;;
	-h | --help)
		sed -n '3,20p' "$0" | sed 's/^# \{0,1\}//'
		exit 0
		;;
	-*)
		echo "run.sh: unknown option $1" >&2
		exit 2
		;;
	*) break ;;
	esac
done
if [[ $# -lt 1 ]]; then
	echo "usage: run.sh [--secs N] [--keep DIR] FUZZ_BUILD [TARGET...]" >&2
	exit 2
fi
if ! [[ $secs =~ ^[0-9]+$ ]] || [[ $secs -lt 1 ]]; then
	echo "run.sh: --secs wants a whole number of seconds >= 1" >&2
	exit 2
fi
build=$(cd "$1" && pwd) || exit 2
shift
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
	mapfile -t targets < <(grep -E '^[a-z0-9_]+$' "$here/targets.list")
fi

# ASan: leaks fail the run; a malloc over the limit is a crash, not NULL
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
for t in "${targets[@]}"; do
	bin=$build/$t
	seeds=$here/corpus/$t
	if [[ ! -x $bin ]]; then
		echo "run.sh: $bin missing (build it: make fuzz-build)" >&2
		failed=1
		continue
	fi
	if [[ ! -d $seeds ]]; then
		echo "run.sh: no seed corpus $seeds" >&2
		failed=1
		continue
	fi

	if [[ -n $merge ]]; then
		echo "== $t: merging $merge/$t into $seeds"
		before=$(find "$seeds" -type f | wc -l)
		"$bin" -merge=1 "$seeds" "$merge/$t" >"$tmp/$t.log" 2>&1 || {
			tail -20 "$tmp/$t.log"
			failed=1
			continue
		}
		after=$(find "$seeds" -type f | wc -l)
		echo "$t: $before seeds, now $after (review, then git add)"
		continue
	fi

	work=$tmp/$t
	[[ -n $keep ]] && work=$keep/$t
	mkdir -p "$work" "$tmp/art-$t"
	cp -r "$seeds/." "$work/"
	echo "== $t: ${secs}s from $(find "$seeds" -type f | wc -l) seeds"
	# -runs guards a run whose clock never ends it; timeout guards a hang
	# that libFuzzer's own -timeout misses (a stuck merge, a stall at exit)
	timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" \
		-runs=100000000 -timeout=20 -rss_limit_mb=2048 \
		-print_final_stats=1 -artifact_prefix="$tmp/art-$t/" \
		"$work" >"$tmp/$t.log" 2>&1
	rc=$?
	grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|Done )' \
		"$tmp/$t.log"
	if [[ $rc -ne 0 ]]; then
		mkdir -p "$build/crashes/$t"
		cp "$tmp/art-$t/"* "$build/crashes/$t/" 2>/dev/null
		grep -vE '^#[0-9]+' "$tmp/$t.log" | tail -60
		echo "FAIL $t (exit $rc): inputs in $build/crashes/$t/:" \
			$(ls "$build/crashes/$t" 2>/dev/null)
		failed=1
	else
		echo "ok $t: $(find "$work" -type f | wc -l) inputs in the corpus"
	fi
done
exit $failed
