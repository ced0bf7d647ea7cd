#!/usr/bin/env bats
# The conventions of falco-pipes(7) that every program keeps, checked for
# every directory in cmd/: a new program inherits these tests, and fails
# them until it is given its offline arguments below.

load test_helper

PROGRAMS=${CONTRACT_PROGRAMS:-$(cd "$BATS_TEST_DIRNAME/../cmd" && ls)}

# offline PROG: sets ARGS to options that let PROG read alerts from its
# input and pass them on without a server, a cluster or a network; fails
# for a program that reads no input
offline() {
	case $1 in
	falco-filter) ARGS=('') ;;
	falco-route) ARGS=(--spool-dir "$BATS_TEST_TMPDIR") ;;
	falco-slack) ARGS=(-n) ;;
	falco-netpol) ARGS=(-w 'never.matched.field exists' --server https://127.0.0.1:9) ;;
	falco-prom) ARGS=() ;;
	falco-loki) ARGS=(-n) ;;
	falco-webhook) ARGS=(-n) ;;
	falco-listen) return 1 ;;	# reads HTTP, not standard input
	*) echo "contract.bats: no offline arguments for $1" >&2; return 2 ;;
	esac
}

# pass_through PROG: 0 when PROG writes every alert it reads to stdout,
# in order (falco-netpol adds a member to each)
pass_through() {
	case $1 in
	falco-filter | falco-route | falco-netpol | falco-prom) return 0 ;;
	*) return 1 ;;
	esac
}

# same_alerts A B: the same alerts of feed-and-stop.py, in the same order
same_alerts() {
	cmp <(grep -o '^{"n":[0-9]*' "$1") <(grep -o '^{"n":[0-9]*' "$2")
}

setup() {
	cd "$BATS_TEST_TMPDIR"
}

@test "every program in cmd/ has offline arguments here, or says it reads no input" {
	for p in $PROGRAMS; do
		status=0
		offline "$p" || status=$?
		[ "$status" -le 1 ] || fail "$p: no offline arguments"
	done
}

@test "--help prints the synopsis on standard output, status 0, before any other option is acted on" {
	for p in $PROGRAMS; do
		run -0 --separate-stderr "$p" --lists /nonexistent/rules.yaml --help
		[[ ${lines[0]} == "usage: $p "* ]] || fail "$p: ${lines[0]}"
		[ -z "$stderr" ] || fail "$p: $stderr"
	done
}

@test "--version prints the program and the toolkit's version, status 0" {
	for p in $PROGRAMS; do
		run -0 --separate-stderr "$p" --version
		[[ $output =~ ^$p\ [0-9]+\.[0-9]+\.[0-9]+ ]] || fail "$p: $output"
	done
}

@test "help that cannot be written (a full device) is status 2" {
	for p in $PROGRAMS; do
		run -2 --separate-stderr bash -c "\"\$1\" --help >/dev/full" _ "$p"
		[[ $stderr == "$p: standard output: No space left on device" ]] ||
			fail "$p: $stderr"
	done
}

@test "an unknown option is a usage error: status 2 and the synopsis on stderr" {
	for p in $PROGRAMS; do
		run -2 --separate-stderr "$p" --no-such-option
		[ -z "$output" ] || fail "$p wrote to stdout: $output"
		[[ ${stderr_lines[0]} == "$p: unrecognized option '--no-such-option'" ]] ||
			fail "$p: ${stderr_lines[0]}"
		[[ ${stderr_lines[1]} == "$p: usage: $p "* ]] || fail "$p: ${stderr_lines[1]}"
	done
}

@test "the shared option letters mean the same in every program that has them" {
	# -w CONDITION, -p PRIORITY, -l FILE, -q, -n, -h, -V and --max-line-bytes
	for p in $PROGRAMS; do
		run -0 "$p" --help
		for opt in "-h, --help" "-V, --version" "-l, --lists=FILE" \
		    "--max-line-bytes=SIZE"; do
			[[ $output == *"$opt"* ]] || fail "$p: no '$opt'"
		done
		for opt in "-w, --when=CONDITION" "-p, --min-priority=PRIORITY" \
		    "-q, --quiet" "-n, --dry-run" "-u, --" "-v, --invert" \
		    "-c, --count" "-t, --to=SINK" "-m, --max-count=N"; do
			short=${opt%%,*}
			grep -q -- "^  $short, " <<<"$output" || continue
			[[ $output == *"  $opt"* ]] || fail "$p: $short is not '$opt'"
		done
	done
}

@test "a line that is not JSON is named by file and line, and the stream goes on" {
	{ sample 1; echo 'Falco text output'; sample 2; } >in.ndjson
	for p in $PROGRAMS; do
		offline "$p" || continue
		run --separate-stderr "$p" "${ARGS[@]}" in.ndjson
		[[ $status == 0 || $status == 1 ]] || fail "$p: status $status: $stderr"
		[[ $stderr == *"$p: in.ndjson:2: invalid JSON at byte 1 (Falco writes JSON only with json_output: true)"* ]] ||
			fail "$p: $stderr"
	done
}

@test "an input file that cannot be read is status 2, and the next file is still read" {
	sample 1 >in.ndjson
	for p in $PROGRAMS; do
		offline "$p" || continue
		run --separate-stderr "$p" "${ARGS[@]}" missing.ndjson in.ndjson
		[ "$status" = 2 ] || fail "$p: status $status: $stderr"
		[[ $stderr == *"$p: missing.ndjson: No such file or directory"* ]] ||
			fail "$p: $stderr"
		if pass_through "$p"; then
			[[ $output == *"$(sample 1 | cut -c1-100)"* ]] || fail "$p: did not read in.ndjson"
		fi
	done
}

@test "a line longer than --max-line-bytes is skipped with a warning, the stream goes on, status 2" {
	{ sample 1; printf '{"rule":"%05000d"}\n' 0; sample 2; } >in.ndjson
	for p in $PROGRAMS; do
		offline "$p" || continue
		run --separate-stderr "$p" "${ARGS[@]}" --max-line-bytes 4k in.ndjson
		[ "$status" = 2 ] || fail "$p: status $status: $stderr"
		[[ $stderr == *"$p: in.ndjson:2: line longer than 4096 bytes, skipped"* ]] ||
			fail "$p: $stderr"
		if pass_through "$p"; then
			[[ $output == *"$(sample 2 | cut -c1-100)"* ]] || fail "$p: stopped at the long line"
		fi
	done
}

@test "SIGTERM mid-stream: every alert taken from the pipe is passed on, in order" {
	for p in $PROGRAMS; do
		pass_through "$p" || continue
		offline "$p"
		status=0
		feed-and-stop.py --after 3000 consumed -- "$p" "${ARGS[@]}" >out 2>err || status=$?
		[[ $status == 0 ]] || fail "$p: status $status: $(cat err)"
		same_alerts consumed out || fail "$p: $(wc -l <out) of $(wc -l <consumed) alerts passed on"
	done
}

@test "SIGINT is the same stop as SIGTERM" {
	for p in $PROGRAMS; do
		pass_through "$p" || continue
		offline "$p"
		status=0
		feed-and-stop.py --signal INT --after 1000 consumed -- "$p" "${ARGS[@]}" >out 2>err || status=$?
		[[ $status == 0 ]] || fail "$p: status $status: $(cat err)"
		same_alerts consumed out || fail "$p: $(wc -l <out) of $(wc -l <consumed) alerts passed on"
	done
}
