#!/bin/sh
# run.sh: run the libFuzzer harnesses built in DIR, one TAP line each.
#
#   run.sh fuzz SECONDS DIR TARGET...     fuzz each target for SECONDS
#   run.sh regress 0 DIR TARGET...        replay each target's committed
#                                         inputs once
#   run.sh ci SECONDS DIR TARGET...       both, one line per target
#
# The committed inputs are the seeds (tests/fuzz/corpus/TARGET) and the
# inputs of past findings (tests/fuzz/regress/TARGET). Fuzzing starts
# from the seeds and what earlier runs found (DIR/corpus/TARGET, not in
# git). A crash, leak, timeout, memory blow-up or sanitizer report fails
# the target; the input is kept as DIR/artifacts/TARGET-*, the log is
# DIR/log/TARGET.log. Exit status 1 when any target failed.
set -u
mode=$1 seconds=$2 dir=$3
shift 3
here=$(dirname "$0")

mkdir -p "$dir/log" "$dir/artifacts" "$dir/tmp"
# temporary files of the harnesses stay in the build directory
TMPDIR=$(cd "$dir/tmp" && pwd)
export TMPDIR
UBSAN_OPTIONS=print_stacktrace=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}
export UBSAN_OPTIONS

# the same limits for every run: 10 s for one input, 2 GB of memory
limits() {
	echo "-timeout=10 -rss_limit_mb=2048 -artifact_prefix=$dir/artifacts/$1-"
}

# regress TARGET: replay its committed inputs; prints their number
regress() {
	files=$(find "$here/corpus/$1" "$here/regress/$1" -type f 2>/dev/null |
		sort)
	echo "$files" | grep -c .
	# with no file operand libFuzzer would fuzz, not replay
	[ -n "$files" ] || return 0
	# shellcheck disable=SC2046,SC2086
	"$dir/$1" $(limits "$1") $files </dev/null >"$dir/log/$1.log" 2>&1
}

# fuzz TARGET: fuzz it for $seconds; prints the number of runs
fuzz() {
	dict=
	[ -f "$here/$1.dict" ] && dict=-dict=$here/$1.dict
	mkdir -p "$dir/corpus/$1"
	# stdin is /dev/null: a harness that opens a path the fuzzer
	# wrote (/dev/stdin) must not wait for a terminal
	# shellcheck disable=SC2046,SC2086
	"$dir/$1" -max_total_time="$seconds" -print_final_stats=1 \
		$(limits "$1") $dict "$dir/corpus/$1" "$here/corpus/$1" \
		</dev/null >>"$dir/log/$1.log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' \
		"$dir/log/$1.log")
	echo "${runs:-0}"
	return "$rc"
}

echo "1..$#"
n=0 failed=0
for t in "$@"; do
	n=$((n + 1))
	: >"$dir/log/$t.log"
	start=$(date +%s)
	case $mode in
	regress)
		inputs=$(regress "$t")
		rc=$?
		what="fuzz-regress $t: $inputs inputs"
		;;
	fuzz)
		runs=$(fuzz "$t")
		rc=$?
		what="fuzz $t: $(($(date +%s) - start)) s, $runs runs"
		;;
	ci)
		inputs=$(regress "$t")
		rc=$?
		runs=0
		if [ "$rc" = 0 ]; then
			runs=$(fuzz "$t")
			rc=$?
		fi
		what="fuzz $t: $inputs inputs replayed, $runs runs in $(($(date +%s) - start)) s"
		;;
	*)
		echo "run.sh: unknown mode '$mode'" >&2
		exit 2
		;;
	esac
	if [ "$rc" = 0 ]; then
		echo "ok $n - $what"
		continue
	fi
	failed=$((failed + 1))
	echo "not ok $n - $what: status $rc, log $dir/log/$t.log"
	grep -E '^(==[0-9]+==|SUMMARY|.*property broken|artifact_prefix|Test unit written|.*runtime error)' \
		"$dir/log/$t.log" | head -20 | sed 's/^/# /'
done
[ "$failed" = 0 ]
