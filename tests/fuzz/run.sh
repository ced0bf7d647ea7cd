#!/bin/sh
# run.sh: run the libFuzzer harnesses built in DIR, one TAP line each.
#
#   run.sh fuzz SECONDS DIR TARGET...     fuzz each target for SECONDS
#   run.sh regress 0 DIR TARGET...        replay tests/fuzz/corpus/TARGET
#                                         and tests/fuzz/regress/TARGET once
#
# Fuzzing starts from the committed seeds (tests/fuzz/corpus/TARGET)
# and what earlier runs found (DIR/corpus/TARGET, not in git); a crash,
# leak, timeout or sanitizer report fails the target, its input is kept
# as DIR/artifacts/TARGET-*, and its log is DIR/log/TARGET.log.
# Exit status 1 when any target failed.
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

echo "1..$#"
n=0 failed=0
for t in "$@"; do
	n=$((n + 1))
	log=$dir/log/$t.log
	dict=
	[ -f "$here/$t.dict" ] && dict=-dict=$here/$t.dict
	start=$(date +%s)
	if [ "$mode" = fuzz ]; then
		mkdir -p "$dir/corpus/$t"
		# stdin is /dev/null: a harness that opens a path the fuzzer
		# wrote (/dev/stdin) must not wait for a terminal
		"$dir/$t" -max_total_time="$seconds" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 \
			-artifact_prefix="$dir/artifacts/$t-" $dict \
			"$dir/corpus/$t" "$here/corpus/$t" \
			</dev/null >"$log" 2>&1
		rc=$?
		runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
		what="fuzz $t: $(($(date +%s) - start)) s, ${runs:-0} runs"
	else
		files=$(find "$here/corpus/$t" "$here/regress/$t" -type f \
			2>/dev/null | sort)
		# shellcheck disable=SC2086
		"$dir/$t" -timeout=10 -rss_limit_mb=2048 \
			-artifact_prefix="$dir/artifacts/$t-" $files \
			</dev/null >"$log" 2>&1
		rc=$?
		what="fuzz-regress $t: $(echo "$files" | grep -c .) inputs"
	fi
	if [ "$rc" = 0 ]; then
		echo "ok $n - $what"
		continue
	fi
	failed=$((failed + 1))
	echo "not ok $n - $what: status $rc, log $log"
	grep -E '^(==[0-9]+==|SUMMARY|.*property broken|artifact_prefix|Test unit written|.*runtime error)' \
		"$log" | head -20 | sed 's/^/# /'
done
[ "$failed" = 0 ]
