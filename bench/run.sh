#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-or-later
# Runs the benchmarks in bench/ from a build directory, each pinned to one
# CPU, and prints their summary lines together at the end.
#
#   bench/run.sh [BUILD] [NAME...]     (BUILD defaults to ./build)
#
# BENCH_CPU picks the CPU (default: the last one). Extra arguments for one
# benchmark go in BENCH_ARGS_<name>, e.g. BENCH_ARGS_xdp_cost="--samples 31".
# Exit 0 when every benchmark ran (or was skipped, exit 77), 1 otherwise.
# Benchmarks never assert a time: a missed target is reported, not failed.
set -uo pipefail

all=(xdp_cost xdp_veth capture http rules verdict map_update audit)

build=${1:-build}
[[ $# -gt 0 ]] && shift
names=("$@")
[[ ${#names[@]} -eq 0 ]] && names=("${all[@]}")
cpu=${BENCH_CPU:-$(($(nproc) - 1))}

if [[ ! -d $build/bench ]]; then
	echo "run.sh: no benchmarks in $build (build first: make build)" >&2
	exit 1
fi

out=$(mktemp)
trap 'rm -f "$out"' EXIT
summary=()
failed=0
for name in "${names[@]}"; do
	bin=$build/bench/$name/$name
	if [[ ! -x $bin ]]; then
		echo "run.sh: $bin missing" >&2
		failed=1
		continue
	fi
	args_var=BENCH_ARGS_$name
	# shellcheck disable=SC2206 # word splitting of the options is wanted
	args=(${!args_var:-})
	echo "== $name (taskset -c $cpu; $(date -u +%FT%TZ); $(uname -r))"
	taskset -c "$cpu" "$bin" "${args[@]}" | tee "$out"
	rc=${PIPESTATUS[0]}
	case $rc in
	0) summary+=("$(grep '^bench ' "$out")") ;;
	77) summary+=("bench $name: skipped") ;;
	*)
		summary+=("bench $name: failed (exit $rc)")
		failed=1
		;;
	esac
	echo
done

echo "== summary"
printf '%s\n' "${summary[@]}"
exit $failed
