#!/bin/sh
# bench/run.sh: the falco-pipes benchmark, run by `make bench`.
#
# On a generated corpus of Falco alerts (bench/gen-corpus.c, cached in
# $FALCO_PIPES_BUILD/bench/corpus.ndjson) it measures, in this one run, with a
# warm page cache and the best of $BENCH_RUNS runs:
#   falco-filter against jq and grep -c -F, falco-filter's peak RSS, and that
#   falco-filter and jq select as many alerts;
#   falco-route against falco-filter on three conditions, when it is built;
#   falco-slack's alerts per second to a local receiver, and its RSS under a
#   storm at the default rate, when it is built;
#   falco-listen's alerts per second received over loopback keep-alive
#   connections, one alert per request as Falco posts them (posted by
#   tests/tools/alert-post.c), and its peak RSS, when it is built.
#   falco-prom counting the corpus with --listen on against falco-filter
#   passing every alert through, and falco-prom's peak RSS, when it is built.
#   falco-filter on a condition with modifiers and transformers against the
#   same selection written without them;
#   falco-loki's alerts per second pushed to a local receiver, its requests
#   and its peak RSS on a part and on the whole corpus, when it is built;
#   falco-webhook's alerts per second in batches of 1 MiB, and one request
#   per alert (Falcosidekick's model) over one keep-alive connection.
# It prints PASS or FAIL per target and exits 1 if any target failed.
# Nothing here contacts any address but 127.0.0.1.
#
# Environment: FALCO_PIPES_BUILD (default ./build), BENCH_RUNS (3),
# BENCH_CORPUS_MB (300, in MiB), BENCH_JQ_MB (0: jq reads the whole corpus;
# N: jq and falco-filter read its first N MB, for a quicker run),
# BENCH_SLACK_ALERTS (20000), BENCH_STORM_ALERTS (100000),
# BENCH_LISTEN_ALERTS (200000), BENCH_LISTEN_CONNECTIONS (8).
# BENCH_LOKI_ALERTS (200000), BENCH_WEBHOOK_ALERTS (200000),
# BENCH_WEBHOOK_SINGLE_ALERTS (20000).
#
# rounds() sets best_NAME, rss_NAME and status_NAME by eval and calls the
# run_NAME functions by name, which shellcheck cannot follow:
# shellcheck disable=SC2154,SC2317
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
build=${FALCO_PIPES_BUILD:-$root/build}
work=$build/bench
runs=${BENCH_RUNS:-3}
corpus_bytes=$(( ${BENCH_CORPUS_MB:-300} * 1048576 ))
jq_bytes=$(( ${BENCH_JQ_MB:-0} * 1000000 ))
slack_alerts=${BENCH_SLACK_ALERTS:-20000}
storm_alerts=${BENCH_STORM_ALERTS:-100000}
listen_alerts=${BENCH_LISTEN_ALERTS:-200000}
listen_connections=${BENCH_LISTEN_CONNECTIONS:-8}
loki_alerts=${BENCH_LOKI_ALERTS:-200000}
webhook_alerts=${BENCH_WEBHOOK_ALERTS:-200000}
webhook_single_alerts=${BENCH_WEBHOOK_SINGLE_ALERTS:-20000}

condition='priority >= warning and k8s.ns.name = demo'
# The same condition for jq 1.6, which has no severity order of its own.
jq_program='def severity:
	{"emergency": 0, "alert": 1, "critical": 2, "error": 3, "warning": 4,
	 "notice": 5, "informational": 6, "info": 6, "debug": 7}
	[ascii_downcase] // 99;
select((.priority | if type == "string" then severity else 99 end) <= 4
	and .output_fields["k8s.ns.name"] == "demo")'
# Not the verdict, for information: jq is faster with the namespace tested
# first, since it then skips the severity lookup on most alerts.
jq_program_reordered='select(.output_fields["k8s.ns.name"] == "demo"
	and ({"emergency": 0, "alert": 1, "critical": 2, "error": 3,
	      "warning": 4}[.priority | ascii_downcase] != null))'
grep_string='"k8s.ns.name":"demo"'

# The same selection twice: with Falco 0.44's modifiers and a transformer,
# and without (the corpus spells one namespace both demo and Demo).
language_rich='priority >= warning and toupper(k8s.ns.name) == oneof (DEMO, PROD) and proc.cmdline contains anyof (curl, wget)'
language_plain='priority >= warning and k8s.ns.name in (demo, Demo, prod) and (proc.cmdline contains curl or proc.cmdline contains wget)'

route_when1='priority >= error'
route_when2='k8s.ns.name = demo'
route_when3='fd.sip in ("213.215.222.58", "213.215.222.59")'

# Targets, from issues 2, 3 and 4; the storm bound and the language ratio
# (issue 14 asks only that such a condition be measured) are this bench's own.
language_target=0.5
jq_target=20
grep_target=0.3
rss_target_kib=16384
route_target=0.5
slack_target=2000
storm_rss_target_kib=65536
# issue 13: alerts a second received, on 2 cores
listen_target=20000
prom_target=0.5
prom_rss_target_kib=32768
# Issues 12 and 16; the RSS bound is this bench's own: the relay's queue
# (16 MiB) and two batch bodies (1 MiB each), with room to spare, far
# below the corpus.
loki_target=50000
loki_rss_target_kib=65536
webhook_target=20000

cflags="-O2 -std=c17 -D_GNU_SOURCE -pthread -Wall -Wextra -Werror -Wshadow
	-Wstrict-prototypes -Wmissing-prototypes -Wformat=2 -Wvla
	-Wpointer-arith -Wcast-qual"

failed=0
receiver_pid=
listen_pid=

say() {
	printf '%s\n' "$*"
}

verdict() {	# verdict OK TEXT: one PASS/FAIL line; a FAIL fails the bench
	if [ "$1" = 1 ]; then
		say "PASS  $2"
	else
		say "FAIL  $2"
		failed=1
	fi
}

calc() {	# calc AWK-EXPRESSION: prints its value
	awk "BEGIN { print $1 }"
}

is_at_least() {	# is_at_least A B: 1 when A >= B
	awk -v a="$1" -v b="$2" 'BEGIN { print (a + 0 >= b + 0) ? 1 : 0 }'
}

mb() {	# mb BYTES: in MB of 10^6 bytes
	calc "sprintf(\"%.1f\", $1 / 1e6)"
}

mib() {	# mib KIB: in MiB
	calc "sprintf(\"%.1f\", $1 / 1024)"
}

seconds() {	# seconds NANOSECONDS
	calc "sprintf(\"%.3f\", $1 / 1e9)"
}

mb_per_s() {	# mb_per_s BYTES NANOSECONDS
	calc "sprintf(\"%.1f\", $1 / 1e6 / ($2 / 1e9))"
}

count_lines() {
	wc -l <"$1" | tr -d ' '
}

program() {	# program NAME: true when $build/NAME is there to measure
	[ -x "$build/$1" ]
}

stop_receiver() {
	if [ -n "$receiver_pid" ]; then
		kill "$receiver_pid" 2>/dev/null || true
		wait "$receiver_pid" 2>/dev/null || true
		receiver_pid=
	fi
}

stop_listen() {
	if [ -n "$listen_pid" ]; then
		kill "$listen_pid" 2>/dev/null || true
		wait "$listen_pid" 2>/dev/null || true
		listen_pid=
	fi
}
trap 'stop_receiver; stop_listen' EXIT
trap 'exit 130' INT TERM

# timed OUTFILE CMD...: one run of CMD with its stdout to OUTFILE; sets
# run_ns (wall time), run_rss (peak RSS, KiB) and run_status. Statuses 0
# and 1 are both results (grep, falco-filter: matched or not); anything
# else stops the bench.
timed() {
	timed_out=$1
	shift
	start_ns=$(date +%s%N)
	run_status=0
	/usr/bin/time -f %M -o "$work/rss" "$@" >"$timed_out" || run_status=$?
	end_ns=$(date +%s%N)
	if [ "$run_status" -gt 1 ]; then
		say "bench: '$1' exited with status $run_status" >&2
		exit 2
	fi
	run_ns=$((end_ns - start_ns))
	# GNU time puts "Command exited with non-zero status" first.
	run_rss=$(tail -n 1 "$work/rss")
}

# rounds NAME...: $runs rounds, each running every run_NAME function once in
# turn, so that load from elsewhere on the machine falls on all of them
# alike. Sets, per NAME, best_NAME (fastest wall time, ns), rss_NAME (largest
# peak RSS, KiB) and status_NAME (of the last run). NAMEs are fixed words of
# this script, so eval sees nothing else.
rounds() {
	for name; do
		eval "best_$name=; rss_$name=0"
	done
	round=0
	while [ "$round" -lt "$runs" ]; do
		round=$((round + 1))
		for name; do
			"run_$name"
			eval "best=\$best_$name; rss=\$rss_$name"
			if [ -z "$best" ] || [ "$run_ns" -lt "$best" ]; then
				eval "best_$name=$run_ns"
			fi
			if [ "$run_rss" -gt "$rss" ]; then
				eval "rss_$name=$run_rss"
			fi
			eval "status_$name=$run_status"
		done
	done
}

compile() {	# compile NAME [LIBS...]: bench/NAME.c into $work/NAME
	compile_name=$1
	shift
	# shellcheck disable=SC2086 # the flags are words
	${CC:-cc} $cflags -o "$work/$compile_name" \
		"$root/bench/$compile_name.c" "$@"
}

# make_corpus FILE BYTES: generated unless it is there from the same
# generator and size (the stamp holds both).
make_corpus() {
	stamp="$(cksum <"$root/bench/gen-corpus.c") $2"
	if [ -f "$1" ] && [ -f "$1.stamp" ] && [ "$(cat "$1.stamp")" = "$stamp" ]
	then
		return 0
	fi
	rm -f "$1.stamp"
	"$work/gen-corpus" "$2" >"$1"
	say "$stamp" >"$1.stamp"
}

# The measured commands, for rounds.
# grep's answer goes to a file: with stdout on /dev/null, GNU grep stops at
# the first match and there would be nothing to measure.
run_grep() {
	timed "$work/grep.out" grep -c -F "$grep_string" "$corpus"
}

run_jq() {
	timed "$work/jq.out" jq -c "$jq_program" "$jq_input"
}

run_jq_reordered() {
	timed /dev/null jq -c "$jq_program_reordered" "$jq_input"
}

run_filter() {
	timed /dev/null "$build/falco-filter" "$condition" "$corpus"
}

# What jq read, with the output to a file as jq's, to count and compare.
run_filter_as_jq() {
	timed "$work/filter.out" "$build/falco-filter" "$condition" "$jq_input"
}

# Peak RSS must not grow with the input: the same on 16 alerts.
run_filter_samples() {
	timed /dev/null "$build/falco-filter" "$condition" "$samples"
}

run_language_plain() {
	timed "$work/plain.out" "$build/falco-filter" "$language_plain" "$corpus"
}

run_language_rich() {
	timed "$work/rich.out" "$build/falco-filter" "$language_rich" "$corpus"
}

run_route_filter1() {
	timed "$work/filter1" "$build/falco-filter" "$route_when1" "$corpus"
}

run_route_filter2() {
	timed "$work/filter2" "$build/falco-filter" "$route_when2" "$corpus"
}

run_route_filter3() {
	timed "$work/filter3" "$build/falco-filter" "$route_when3" "$corpus"
}

# Path sinks append: each run starts from empty files, removed by the shell
# that then execs falco-route (a negligible part of the time).
run_route() {
	# shellcheck disable=SC2016 # expanded by that shell
	timed /dev/null sh -c 'rm -f "$1" "$2" "$3" && shift 3 && exec "$@"' \
		sh "$work/route1" "$work/route2" "$work/route3" \
		"$build/falco-route" --default /dev/null \
		--when "$route_when1" --to "$work/route1" \
		--when "$route_when2" --to "$work/route2" \
		--when "$route_when3" --to "$work/route3" "$corpus"
}

run_slack() {
	timed "$work/slack.out" "$build/falco-slack" -q --rate 1000000/1 \
		"$work/slack.ndjson"
}

# falco-filter passing every alert through, as falco-prom does.
run_pass_filter() {
	timed /dev/null "$build/falco-filter" 'rule exists' "$corpus"
}

# --listen on (port 0: any free one, on 127.0.0.1), and a textfile at the
# end to check the counts; the --max-series warning goes to a file.
run_prom() {
	# shellcheck disable=SC2016 # expanded by that shell
	timed /dev/null sh -c 'exec "$@" 2>"$0"' "$work/prom.err" \
		"$build/falco-prom" --listen 127.0.0.1:0 \
		--textfile "$work/prom.prom" "$corpus"
}

run_prom_samples() {
	# shellcheck disable=SC2016 # expanded by that shell
	timed /dev/null sh -c 'exec "$@" 2>"$0"' "$work/prom.err" \
		"$build/falco-prom" --listen 127.0.0.1:0 \
		--textfile "$work/prom.prom" "$samples"
}

run_loki() {
	timed "$work/loki.out" "$build/falco-loki" -q "$work/loki.ndjson"
}

run_loki_corpus() {
	timed "$work/loki.out" "$build/falco-loki" -q "$corpus"
}

run_webhook() {
	timed "$work/webhook.out" "$build/falco-webhook" -q \
		--batch-bytes 1M --batch-wait 1s "$work/webhook.ndjson"
}

run_webhook_single() {
	timed "$work/webhook.out" "$build/falco-webhook" -q \
		"$work/webhook-single.ndjson"
}

run_storm() {
	timed "$work/slack.out" timeout 300 "$build/falco-slack" -q \
		"$work/storm.ndjson"
}

bench_filter() {
	say ""
	say "== falco-filter, jq, grep"
	say "condition: $condition"
	if ! program falco-filter; then
		rounds grep jq
	else
		rounds grep jq filter filter_as_jq filter_samples
	fi

	grep_rate=$(mb_per_s "$corpus_size" "$best_grep")
	say "grep -c -F     $(mb "$corpus_size") MB in $(seconds "$best_grep")s: $grep_rate MB/s ($(cat "$work/grep.out") lines hold $grep_string)"
	jq_rate=$(mb_per_s "$jq_size" "$best_jq")
	jq_count=$(count_lines "$work/jq.out")
	say "jq -c select   $(mb "$jq_size") MB in $(seconds "$best_jq")s: $jq_rate MB/s ($jq_what; $jq_count selected)"
	if ! program falco-filter; then
		say "skipped: falco-filter not built"
		verdict 0 "falco-filter throughput, RSS and selection (falco-filter not built)"
		return 0
	fi
	filter_rate=$(mb_per_s "$corpus_size" "$best_filter")
	say "falco-filter   $(mb "$corpus_size") MB in $(seconds "$best_filter")s: $filter_rate MB/s, peak RSS $(mib "$rss_filter") MiB"
	as_jq_rate=$(mb_per_s "$jq_size" "$best_filter_as_jq")
	filter_count=$(count_lines "$work/filter.out")
	say "falco-filter   $(mb "$jq_size") MB in $(seconds "$best_filter_as_jq")s: $as_jq_rate MB/s ($jq_what, output to a file as jq's; $filter_count selected)"

	say ""
	jq_ratio=$(calc "sprintf(\"%.1f\", $as_jq_rate / $jq_rate)")
	verdict "$(is_at_least "$jq_ratio" "$jq_target")" \
		"falco-filter/jq = $jq_ratio (target >= $jq_target; both on $jq_what)"
	saved_runs=$runs
	runs=1
	rounds jq_reordered
	runs=$saved_runs
	reordered_rate=$(mb_per_s "$jq_size" "$best_jq_reordered")
	say "      for information, one run: jq testing the namespace first, $reordered_rate MB/s; falco-filter/that jq = $(calc "sprintf(\"%.1f\", $as_jq_rate / $reordered_rate)")"
	grep_ratio=$(calc "sprintf(\"%.2f\", $filter_rate / $grep_rate)")
	verdict "$(is_at_least "$grep_ratio" "$grep_target")" \
		"falco-filter/grep = $grep_ratio (target >= $grep_target)"
	verdict "$(is_at_least "$((rss_target_kib - 1))" "$rss_filter")" \
		"falco-filter peak RSS $(mib "$rss_filter") MiB on $(mb "$corpus_size") MB, $(mib "$rss_filter_samples") MiB on the 16 samples (target < $(mib "$rss_target_kib") MiB)"
	# jq -c re-serialises (and rounds evt.time), so lines are not
	# comparable; the number selected is.
	same=0
	[ "$filter_count" != "$jq_count" ] || same=1
	verdict "$same" \
		"falco-filter and jq select the same number of alerts ($filter_count and $jq_count)"
	rm -f "$work/filter.out" "$work/jq.out" "$work/grep.out"
}

bench_language() {
	say ""
	say "== falco-filter, modifiers and transformers"
	if ! program falco-filter; then
		say "skipped: falco-filter not built"
		return 0
	fi
	say "with:    $language_rich"
	say "without: $language_plain"
	rounds language_plain language_rich
	plain_rate=$(mb_per_s "$corpus_size" "$best_language_plain")
	rich_rate=$(mb_per_s "$corpus_size" "$best_language_rich")
	say "falco-filter   without: $plain_rate MB/s; with: $rich_rate MB/s ($(count_lines "$work/rich.out") selected)"

	say ""
	ratio=$(calc "sprintf(\"%.2f\", $rich_rate / $plain_rate)")
	verdict "$(is_at_least "$ratio" "$language_target")" \
		"with/without = $ratio (target >= $language_target)"
	same=1
	cmp -s "$work/plain.out" "$work/rich.out" || same=0
	verdict "$same" \
		"both conditions select the same alerts, byte for byte"
	rm -f "$work/plain.out" "$work/rich.out"
}

bench_route() {
	say ""
	say "== falco-route"
	if ! program falco-route; then
		say "skipped: falco-route not built"
		return 0
	fi
	if ! program falco-filter; then
		say "skipped: falco-filter not built, nothing to compare falco-route with"
		return 0
	fi
	say "three routes to three files, --default /dev/null:"
	say "  '$route_when1', '$route_when2', '$route_when3'"
	rounds route_filter1 route_filter2 route_filter3 route

	n=1
	for when in "$route_when1" "$route_when2" "$route_when3"; do
		eval "best=\$best_route_filter$n"
		say "falco-filter   '$when': $(seconds "$best")s, $(count_lines "$work/filter$n") selected"
		n=$((n + 1))
	done
	# One falco-filter pass per condition; the route does all three in one.
	filter_pass_ns=$(( (best_route_filter1 + best_route_filter2 +
		best_route_filter3) / 3 ))
	filter_rate=$(mb_per_s "$corpus_size" "$filter_pass_ns")
	route_rate=$(mb_per_s "$corpus_size" "$best_route")
	say "falco-filter   $filter_rate MB/s, the mean of one pass per condition"
	say "falco-route    $(mb "$corpus_size") MB in $(seconds "$best_route")s: $route_rate MB/s, peak RSS $(mib "$rss_route") MiB"

	say ""
	route_ratio=$(calc "sprintf(\"%.2f\", $route_rate / $filter_rate)")
	verdict "$(is_at_least "$route_ratio" "$route_target")" \
		"falco-route/falco-filter = $route_ratio (target >= $route_target)"
	same=1
	for n in 1 2 3; do
		cmp -s "$work/route$n" "$work/filter$n" || same=0
	done
	[ "$status_route" = 0 ] || same=0
	verdict "$same" \
		"each falco-route sink holds byte for byte what falco-filter selects (exit status $status_route)"
	rm -f "$work/route1" "$work/route2" "$work/route3" \
		"$work/filter1" "$work/filter2" "$work/filter3"
}

start_receiver() {
	rm -f "$work/receiver.port" "$work/receiver.stats"
	"$work/receiver" "$work/receiver.port" "$work/receiver.stats" &
	receiver_pid=$!
	waited=0
	while [ ! -s "$work/receiver.port" ]; do
		waited=$((waited + 1))
		if [ "$waited" -gt 100 ]; then
			say "bench: the receiver did not start" >&2
			exit 2
		fi
		sleep 0.1
	done
	# The webhook URL through the environment, as a user keeps it out of
	# ps; the receiver listens on 127.0.0.1 only.
	SLACK_WEBHOOK_URL="http://127.0.0.1:$(cat "$work/receiver.port")/services/bench"
	export SLACK_WEBHOOK_URL
}

# stop_receiver_count: stops the receiver; sets requests and connections to
# what it received. Not in $(...): only this shell can wait for the receiver.
stop_receiver_count() {
	stop_receiver
	requests=$(awk '$1 == "requests" { print $2 }' "$work/receiver.stats")
	connections=$(awk '$1 == "connections" { print $2 }' \
		"$work/receiver.stats")
}

bench_slack() {
	say ""
	say "== falco-slack"
	if ! program falco-slack; then
		say "skipped: falco-slack not built"
		return 0
	fi
	# shellcheck disable=SC2046 # the flags are words
	compile receiver $(pkg-config --cflags --libs libmicrohttpd)
	head -n "$slack_alerts" "$corpus" >"$work/slack.ndjson"
	head -n "$storm_alerts" "$corpus" >"$work/storm.ndjson"
	storm_size=$(wc -c <"$work/storm.ndjson" | tr -d ' ')
	# Fewer when the corpus is smaller than asked (BENCH_CORPUS_MB).
	slack_alerts=$(count_lines "$work/slack.ndjson")
	storm_alerts=$(count_lines "$work/storm.ndjson")

	# One run each: a run posts thousands of requests, and the storm is
	# about memory, not time.
	saved_runs=$runs
	runs=1
	start_receiver
	rounds slack
	stop_receiver_count
	slack_requests=$requests
	slack_connections=$connections
	start_receiver
	rounds storm
	stop_receiver_count
	storm_requests=$requests
	runs=$saved_runs
	unset SLACK_WEBHOOK_URL

	slack_rate=$(calc "sprintf(\"%.0f\", $slack_alerts / ($best_slack / 1e9))")
	say "falco-slack    $slack_alerts alerts in $(seconds "$best_slack")s with --rate 1000000/1: $slack_rate alerts/s, $slack_requests requests received over $slack_connections connection(s), peak RSS $(mib "$rss_slack") MiB"
	say "falco-slack    storm of $storm_alerts alerts ($(mb "$storm_size") MB) at the default rate: $(seconds "$best_storm")s, $storm_requests requests received, peak RSS $(mib "$rss_storm") MiB"

	say ""
	delivered=0
	[ "$status_slack" != 0 ] || [ "$status_storm" != 0 ] || delivered=1
	verdict "$delivered" \
		"falco-slack delivered every alert (exit status $status_slack, and $status_storm in the storm)"
	# Issue 4 asks for the rate over one reused connection.
	fast=$(is_at_least "$slack_rate" "$slack_target")
	[ "$slack_connections" = 1 ] || fast=0
	verdict "$fast" \
		"falco-slack posts $slack_rate alerts/s over $slack_connections connection(s) (target >= $slack_target over one)"
	# Bounded means not holding the storm: well below its own size.
	verdict "$(is_at_least "$((storm_rss_target_kib - 1))" "$rss_storm")" \
		"falco-slack peak RSS $(mib "$rss_storm") MiB under the storm (target < $(mib "$storm_rss_target_kib") MiB)"
	rm -f "$work/slack.ndjson" "$work/storm.ndjson" "$work/slack.out"
}

# listen_round CONNECTIONS: one run of falco-listen, its standard output
# counted through a pipe, fed $work/listen.ndjson by alert-post over
# CONNECTIONS keep-alive connections; sets round_rate (alerts answered a
# second), round_ok (answered 200), round_rss (peak RSS, KiB),
# round_written (lines written) and round_status. Only this shell can
# wait for falco-listen, so this is not called in $(...).
listen_round() {
	rm -f "$work/listen.ports" "$work/listen.fifo" "$work/listen.count"
	mkfifo "$work/listen.fifo"
	wc -l <"$work/listen.fifo" >"$work/listen.count" &
	count_pid=$!
	STATE_DIRECTORY=$work/listen-state "$build/falco-listen" \
		--listen 127.0.0.1:0 --port-file "$work/listen.ports" \
		>"$work/listen.fifo" 2>"$work/listen.err" &
	listen_pid=$!
	waited=0
	while [ ! -s "$work/listen.ports" ]; do
		waited=$((waited + 1))
		if [ "$waited" -gt 100 ]; then
			say "bench: falco-listen did not start" >&2
			exit 2
		fi
		sleep 0.1
	done
	"$build/tests/alert-post" -c "$1" "$(cat "$work/listen.ports")" \
		"$work/listen.ndjson" >"$work/listen.posted" || true
	# VmHWM is the peak resident set so far: every alert is answered
	round_rss=$(awk '$1 == "VmHWM:" { print $2 }' "/proc/$listen_pid/status")
	kill -TERM "$listen_pid"
	round_status=0
	wait "$listen_pid" || round_status=$?
	listen_pid=
	wait "$count_pid"
	round_written=$(tr -d ' ' <"$work/listen.count")
	round_rate=$(awk '/requests in/ { print $6 }' "$work/listen.posted")
	round_ok=$(awk '$1 == 200 { print $2 }' "$work/listen.posted")
	round_ok=${round_ok:-0}
}

bench_listen() {
	say ""
	say "== falco-listen"
	if ! program falco-listen || [ ! -x "$build/tests/alert-post" ]; then
		say "skipped: falco-listen or tests/alert-post not built"
		return 0
	fi
	head -n "$listen_alerts" "$corpus" >"$work/listen.ndjson"
	listen_alerts=$(count_lines "$work/listen.ndjson")
	best_listen=0
	rss_listen=0
	all_written=1
	round=0
	while [ "$round" -lt "$runs" ]; do
		round=$((round + 1))
		listen_round "$listen_connections"
		if [ "$(is_at_least "$round_rate" "$best_listen")" = 1 ]; then
			best_listen=$round_rate
		fi
		[ "$round_rss" -le "$rss_listen" ] || rss_listen=$round_rss
		if [ "$round_ok" != "$listen_alerts" ] ||
		    [ "$round_written" != "$listen_alerts" ] ||
		    [ "$round_status" != 0 ]; then
			all_written=0
			say "round $round: $round_ok of $listen_alerts answered 200, $round_written written, exit status $round_status"
		fi
	done
	# for information: one connection, as one Falco posts
	listen_round 1
	one_rate=$round_rate

	say "falco-listen   $listen_alerts alerts, one a request, over $listen_connections keep-alive connections: $best_listen alerts/s (best of $runs), peak RSS $(mib "$rss_listen") MiB"
	say "               for information, one run over 1 connection: $one_rate alerts/s"

	say ""
	verdict "$(is_at_least "$best_listen" "$listen_target")" \
		"falco-listen receives $best_listen alerts/s over $listen_connections connections (target >= $listen_target)"
	verdict "$all_written" \
		"falco-listen wrote every alert it answered 200, once, and exited 0 on SIGTERM ($listen_alerts a run)"
	rm -rf "$work/listen.ndjson" "$work/listen.fifo" "$work/listen.count" \
		"$work/listen.posted" "$work/listen.ports" "$work/listen-state"
}

# prom_metric NAME: an unlabelled metric's value in the last textfile
prom_metric() {
	awk -v name="$1" '$1 == name { print $2 }' "$work/prom.prom"
}

bench_prom() {
	say ""
	say "== falco-prom"
	if ! program falco-prom; then
		say "skipped: falco-prom not built"
		return 0
	fi
	if ! program falco-filter; then
		say "skipped: falco-filter not built, nothing to compare falco-prom with"
		return 0
	fi
	rounds prom_samples
	rounds pass_filter prom

	pass_rate=$(mb_per_s "$corpus_size" "$best_pass_filter")
	prom_rate=$(mb_per_s "$corpus_size" "$best_prom")
	say "falco-filter   'rule exists' (every alert passed through): $(seconds "$best_pass_filter")s, $pass_rate MB/s"
	say "falco-prom     --listen 127.0.0.1:0, every line passed through: $(seconds "$best_prom")s, $prom_rate MB/s, peak RSS $(mib "$rss_prom") MiB"
	lines=$(prom_metric falco_prom_lines_total)
	series=$(prom_metric falco_prom_series)
	dropped=$(prom_metric falco_prom_series_dropped_total)
	bad=$(prom_metric falco_prom_bad_lines_total)
	counted=$(awk '/^falco_events_total/ { n += $NF } END { print n + 0 }' "$work/prom.prom")
	say "falco-prom     $lines lines: $counted alerts in $series series, $dropped past --max-series, $bad bad"

	say ""
	prom_ratio=$(calc "sprintf(\"%.2f\", $prom_rate / $pass_rate)")
	verdict "$(is_at_least "$prom_ratio" "$prom_target")" \
		"falco-prom/falco-filter = $prom_ratio (target >= $prom_target)"
	verdict "$(is_at_least "$((prom_rss_target_kib - 1))" "$rss_prom")" \
		"falco-prom peak RSS $(mib "$rss_prom") MiB on $(mb "$corpus_size") MB, $(mib "$rss_prom_samples") MiB on the 16 samples (target < $(mib "$prom_rss_target_kib") MiB, default --max-series)"
	same=0
	if [ "$status_prom" = 0 ] && [ "$lines" = "$(count_lines "$corpus")" ] &&
	    [ "$((counted + dropped + bad))" = "$lines" ]; then
		same=1
	fi
	verdict "$same" \
		"falco-prom counted every line of the corpus (exit status $status_prom)"
	rm -f "$work/prom.prom" "$work/prom.err"
}

# receiver_url: the local receiver's base URL, once start_receiver is done
receiver_url() {
	say "http://127.0.0.1:$(cat "$work/receiver.port")"
}

bench_loki() {
	say ""
	say "== falco-loki"
	if ! program falco-loki; then
		say "skipped: falco-loki not built"
		return 0
	fi
	# shellcheck disable=SC2046 # the flags are words
	[ -x "$work/receiver" ] || compile receiver $(pkg-config --cflags --libs libmicrohttpd)
	head -n "$loki_alerts" "$corpus" >"$work/loki.ndjson"
	loki_alerts=$(count_lines "$work/loki.ndjson")
	corpus_alerts=$(count_lines "$corpus")

	saved_runs=$runs
	runs=1
	start_receiver
	LOKI_URL=$(receiver_url)
	export LOKI_URL
	rounds loki
	stop_receiver_count
	loki_requests=$requests
	loki_connections=$connections
	start_receiver
	LOKI_URL=$(receiver_url)
	rounds loki_corpus
	stop_receiver_count
	corpus_requests=$requests
	runs=$saved_runs
	unset LOKI_URL

	loki_rate=$(calc "sprintf(\"%.0f\", $loki_alerts / ($best_loki / 1e9))")
	say "falco-loki     $loki_alerts alerts in $(seconds "$best_loki")s: $loki_rate alerts/s in $loki_requests requests over $loki_connections connection(s) (Falcosidekick: $loki_alerts requests), peak RSS $(mib "$rss_loki") MiB"
	say "falco-loki     the whole corpus, $corpus_alerts alerts ($(mb "$corpus_size") MB), in $(seconds "$best_loki_corpus")s: $corpus_requests requests, peak RSS $(mib "$rss_loki_corpus") MiB"

	say ""
	delivered=0
	[ "$status_loki" != 0 ] || [ "$status_loki_corpus" != 0 ] || delivered=1
	verdict "$delivered" \
		"falco-loki delivered every alert (exit status $status_loki, and $status_loki_corpus on the whole corpus)"
	verdict "$(is_at_least "$loki_rate" "$loki_target")" \
		"falco-loki pushes $loki_rate alerts/s (target >= $loki_target)"
	verdict "$(is_at_least "$((loki_rss_target_kib - 1))" "$rss_loki_corpus")" \
		"falco-loki peak RSS $(mib "$rss_loki") MiB on $loki_alerts alerts, $(mib "$rss_loki_corpus") MiB on $corpus_alerts (target < $(mib "$loki_rss_target_kib") MiB whatever the input)"
	rm -f "$work/loki.ndjson" "$work/loki.out"
}

bench_webhook() {
	say ""
	say "== falco-webhook"
	if ! program falco-webhook; then
		say "skipped: falco-webhook not built"
		return 0
	fi
	# shellcheck disable=SC2046 # the flags are words
	[ -x "$work/receiver" ] || compile receiver $(pkg-config --cflags --libs libmicrohttpd)
	head -n "$webhook_alerts" "$corpus" >"$work/webhook.ndjson"
	head -n "$webhook_single_alerts" "$corpus" >"$work/webhook-single.ndjson"
	webhook_alerts=$(count_lines "$work/webhook.ndjson")
	webhook_single_alerts=$(count_lines "$work/webhook-single.ndjson")

	saved_runs=$runs
	runs=1
	start_receiver
	FALCO_WEBHOOK_URL=$(receiver_url)/bulk
	export FALCO_WEBHOOK_URL
	rounds webhook
	stop_receiver_count
	webhook_requests=$requests
	webhook_connections=$connections
	start_receiver
	FALCO_WEBHOOK_URL=$(receiver_url)/hook
	rounds webhook_single
	stop_receiver_count
	single_requests=$requests
	single_connections=$connections
	runs=$saved_runs
	unset FALCO_WEBHOOK_URL

	webhook_rate=$(calc "sprintf(\"%.0f\", $webhook_alerts / ($best_webhook / 1e9))")
	single_rate=$(calc "sprintf(\"%.0f\", $webhook_single_alerts / ($best_webhook_single / 1e9))")
	say "falco-webhook  $webhook_alerts alerts in batches of 1 MiB in $(seconds "$best_webhook")s: $webhook_rate alerts/s, $webhook_requests requests over $webhook_connections connection(s), peak RSS $(mib "$rss_webhook") MiB"
	say "falco-webhook  one request per alert, Falcosidekick's model: $webhook_single_alerts alerts in $(seconds "$best_webhook_single")s: $single_rate alerts/s, $single_requests requests over $single_connections keep-alive connection(s)"

	say ""
	delivered=0
	[ "$status_webhook" != 0 ] || [ "$status_webhook_single" != 0 ] || delivered=1
	verdict "$delivered" \
		"falco-webhook delivered every alert (exit status $status_webhook, and $status_webhook_single one per request)"
	verdict "$(is_at_least "$webhook_rate" "$webhook_target")" \
		"falco-webhook posts $webhook_rate alerts/s in batches of 1 MiB (target >= $webhook_target)"
	one=0
	[ "$single_connections" != 1 ] || [ "$single_requests" != "$webhook_single_alerts" ] || one=1
	verdict "$one" \
		"falco-webhook sends one request per alert over one keep-alive connection: $single_rate alerts/s, $single_requests requests over $single_connections connection(s)"
	rm -f "$work/webhook.ndjson" "$work/webhook-single.ndjson" "$work/webhook.out"
}

main() {
	mkdir -p "$work"
	for tool in jq grep awk cmp /usr/bin/time; do
		if ! command -v "$tool" >/dev/null 2>&1; then
			say "bench: '$tool' not found (make deps installs it)" >&2
			exit 2
		fi
	done
	compile gen-corpus
	samples=$root/tests/fixtures/samples.ndjson
	corpus=$work/corpus.ndjson
	gen_start=$(date +%s%N)
	make_corpus "$corpus" "$corpus_bytes"
	jq_input=$corpus
	jq_what="the whole corpus"
	if [ "$jq_bytes" -gt 0 ]; then
		# The generator is deterministic: a smaller size is a line prefix.
		jq_input=$work/corpus-prefix.ndjson
		make_corpus "$jq_input" "$jq_bytes"
		jq_what="the first $(mb "$jq_bytes") MB of the corpus"
	fi
	gen_s=$(seconds "$(($(date +%s%N) - gen_start))")
	corpus_size=$(wc -c <"$corpus" | tr -d ' ')
	jq_size=$(wc -c <"$jq_input" | tr -d ' ')
	# Warm the page cache, so that every program reads from memory.
	cat "$corpus" >/dev/null

	say "falco-pipes bench: $corpus"
	say "corpus: $(mb "$corpus_size") MB, $(count_lines "$corpus") alerts (ready in ${gen_s}s; kept for the next run)"
	say "best of $runs interleaved runs, warm page cache, MB = 10^6 bytes, $(nproc) CPUs"

	bench_filter
	bench_language
	bench_route
	bench_slack
	bench_listen
	bench_prom
	bench_loki
	bench_webhook

	say ""
	if [ "$failed" = 0 ]; then
		say "bench: all targets met"
	else
		say "bench: some targets failed"
	fi
	exit "$failed"
}

main "$@"
