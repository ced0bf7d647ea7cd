#!/usr/bin/env bats
# falco-filter's behaviour: options, exit statuses, bad input, byte-exact
# pass-through, files and standard input, pipes (latency, EPIPE),
# throttling and output formats. The condition operators themselves are
# tested in falco-filter-cond.bats.

bats_require_minimum_version 1.5.0
load test_helper

FILTER=$FIXTURES/filter

setup_file() {
	local dir=$BATS_FILE_TMPDIR i
	# Big inputs are made here, not committed: a line of exactly 5 MiB
	# between two samples, 100000-deep nesting, and enough alerts to
	# fill a pipe many times over.
	python3 - "$dir" "$SAMPLES" <<-'EOF'
	import sys
	dir, samples = sys.argv[1], sys.argv[2]
	lines = open(samples, 'rb').read().split(b'\n')
	head = b'{"rule":"Long line","output":"'
	tail = b'"}'
	long_line = head + b'x' * (5 * 1024 * 1024 - len(head) - len(tail)) + tail
	open(dir + '/long.ndjson', 'wb').write(
	    lines[0] + b'\n' + long_line + b'\n' + lines[1] + b'\n')
	deep = (b'{"rule":"Deep","output_fields":{"d":' + b'[' * 100000 +
	    b']' * 100000 + b'}}')
	open(dir + '/deep.ndjson', 'wb').write(
	    lines[2] + b'\n' + deep + b'\n' + lines[3] + b'\n')
	EOF
	for i in $(seq 400); do
		cat "$SAMPLES"
	done >"$dir/many.ndjson"
}

teardown() {
	if [ -n "${FILTER_PID:-}" ]; then
		kill "$FILTER_PID" 2>/dev/null || true
		wait "$FILTER_PID" 2>/dev/null || true
	fi
}

# filter_into FILE ARGS...: falco-filter with its standard output in FILE,
# for the tests that compare bytes (run's $output drops final newlines)
filter_into() {
	local out=$1
	shift
	falco-filter "$@" >"$out"
}

# filter_into_head ERRFILE OUTFILE ARGS...: falco-filter piped into
# "head -n 1"; the status is falco-filter's own
filter_into_head() {
	local err=$1 out=$2
	shift 2
	falco-filter "$@" 2>"$err" | head -n 1 >"$out"
	return "${PIPESTATUS[0]}"
}

# samples N...: those lines of the real alerts, each with its newline
samples() {
	local n
	for n in "$@"; do
		sample "$n"
	done
}

# start_filter ARGS...: falco-filter in the background between two FIFOs
# that the test holds open: write alerts to fd $TO_FILTER, read its output
# from fd $FROM_FILTER. Both opens pair with falco-filter's own, so no
# timing is involved.
start_filter() {
	mkfifo "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
	falco-filter "$@" <"$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" \
	    2>"$BATS_TEST_TMPDIR/err" 3>&- &
	FILTER_PID=$!
	exec {TO_FILTER}>"$BATS_TEST_TMPDIR/in"
	exec {FROM_FILTER}<"$BATS_TEST_TMPDIR/out"
}

# finish_filter: close falco-filter's input and wait for it; its exit
# status is then in $FILTER_STATUS (not through run: wait needs this shell)
finish_filter() {
	FILTER_STATUS=0
	exec {TO_FILTER}>&-
	wait "$FILTER_PID" || FILTER_STATUS=$?
	FILTER_PID=
}

usage_lines() {
	printf '%s\n' \
	    "falco-filter: usage: falco-filter [OPTIONS] [CONDITION] [FILE...]" \
	    "falco-filter:        falco-filter [OPTIONS] -e CONDITION [-e CONDITION...] [FILE...]" \
	    "Try 'falco-filter --help'."
}

# --- selection and exit status ---

@test "alerts satisfying the condition are printed and the status is 0" {
	run -0 --separate-stderr falco-filter 'rule = "Attach/Exec Pod"' "$SAMPLES"
	assert_output "$(samples 6 8)"
	assert_equal "$stderr" ""
}

@test "no alert satisfying the condition prints nothing and the status is 1" {
	run -1 --separate-stderr falco-filter 'rule = "No such rule"' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "empty input is no match and status 1" {
	run -1 --separate-stderr falco-filter 'rule exists' /dev/null
	assert_output ""
	assert_equal "$stderr" ""
}

# --- byte-exact pass-through ---

@test "all 16 real alerts pass through byte for byte, evt.time included" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" 'rule exists' "$SAMPLES"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" "$SAMPLES"
	run -0 grep -c -F '"evt.time":1685022245478445995,' "$BATS_TEST_TMPDIR/out"
	assert_output 1
}

@test "re-spaced alerts pass through with their whitespace and key order unchanged" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" 'rule exists' "$FILTER/respaced.ndjson"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" "$FILTER/respaced.ndjson"
}

@test "re-spaced alerts satisfy the same conditions as compact ones" {
	run -0 --separate-stderr falco-filter 'k8s.ns.name = openfaas-fn' "$FILTER/respaced.ndjson"
	assert_output "$(sed -n '3p' "$FILTER/respaced.ndjson")"
	run -0 --separate-stderr falco-filter -c 'priority = Notice' "$FILTER/respaced.ndjson"
	assert_output 6
}

@test "a condition sees an escaped value unescaped while its bytes pass through unchanged" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" 'rule = "Terminal shell in container" and proc.cmdline = "sh -c \"id\" \\ /tmp/x"' "$FILTER/escapes.ndjson"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" <(sed -n 1p "$FILTER/escapes.ndjson")
}

@test "a last line without a newline is printed with one" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" 'rule exists' "$FILTER/no-final-newline.ndjson"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" <(sample 7)
}

@test "CRLF lines are selected and passed through with their carriage return" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" 'priority = Notice' "$FILTER/crlf.ndjson"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" <(sed -n '2,3p' "$FILTER/crlf.ndjson")
}

@test "invalid UTF-8 inside strings is accepted and passed through unchanged" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" 'rule startswith "Bad " and proc.cmdline startswith cat' "$FILTER/invalid-utf8.ndjson"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" "$FILTER/invalid-utf8.ndjson"
}

# --- bad input ---

@test "a truncated alert is reported with file, line and byte, and the stream goes on" {
	run -0 --separate-stderr falco-filter 'rule exists' "$FILTER/truncated.ndjson"
	assert_output "$(samples 1 3)"
	assert_equal "$stderr" "falco-filter: $FILTER/truncated.ndjson:2: invalid JSON at byte 101
falco-filter: skipped 1 bad line"
}

@test "binary garbage is reported as invalid JSON at byte 1" {
	run -0 --separate-stderr falco-filter 'rule exists' "$FILTER/garbage.ndjson"
	assert_output "$(samples 12 13)"
	assert_equal "$stderr" "falco-filter: $FILTER/garbage.ndjson:2: invalid JSON at byte 1 (Falco writes JSON only with json_output: true)
falco-filter: skipped 1 bad line"
}

@test "valid JSON that is not an object is reported as not a JSON object" {
	run -0 --separate-stderr falco-filter 'rule exists' "$FILTER/not-object.ndjson"
	assert_output "$(sample 14)"
	assert_equal "$stderr" "falco-filter: $FILTER/not-object.ndjson:1: not a JSON object
falco-filter: $FILTER/not-object.ndjson:2: not a JSON object
falco-filter: $FILTER/not-object.ndjson:3: not a JSON object
falco-filter: $FILTER/not-object.ndjson:4: not a JSON object
falco-filter: $FILTER/not-object.ndjson:5: not a JSON object
falco-filter: skipped 5 bad lines"
}

@test "a JSON syntax error names the byte where it is" {
	printf '%s\n' '{"rule":"x",}' '{"rule" "x"}' '{"rule":"x"} {}' >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-filter 'rule exists' "$BATS_TEST_TMPDIR/in"
	assert_output ""
	assert_equal "$stderr" "falco-filter: $BATS_TEST_TMPDIR/in:1: invalid JSON at byte 13
falco-filter: $BATS_TEST_TMPDIR/in:2: invalid JSON at byte 9
falco-filter: $BATS_TEST_TMPDIR/in:3: invalid JSON at byte 14
falco-filter: skipped 3 bad lines"
}

@test "what RFC 8259 forbids is rejected even where cJSON is lax" {
	run -1 --separate-stderr falco-filter 'rule exists' "$FILTER/cjson-lax.ndjson"
	assert_output ""
	assert_equal "$stderr" "falco-filter: $FILTER/cjson-lax.ndjson:1: invalid JSON at byte 23
falco-filter: $FILTER/cjson-lax.ndjson:2: invalid JSON at byte 7
falco-filter: $FILTER/cjson-lax.ndjson:3: invalid JSON at byte 8
falco-filter: $FILTER/cjson-lax.ndjson:4: invalid JSON at byte 8
falco-filter: $FILTER/cjson-lax.ndjson:5: invalid JSON at byte 8
falco-filter: $FILTER/cjson-lax.ndjson:6: invalid JSON at byte 10
falco-filter: skipped 6 bad lines"
}

@test "100000-deep nesting is reported as too deep, without a crash" {
	run -0 --separate-stderr falco-filter 'rule exists' "$BATS_FILE_TMPDIR/deep.ndjson"
	assert_output "$(samples 3 4)"
	assert_equal "$stderr" "falco-filter: $BATS_FILE_TMPDIR/deep.ndjson:2: nesting deeper than 512
falco-filter: skipped 1 bad line"
}

@test "nesting 512 deep is accepted" {
	run -0 --separate-stderr falco-filter 'rule = "Depth 512"' "$FILTER/depth-512.ndjson"
	assert_output "$(cat "$FILTER/depth-512.ndjson")"
	assert_equal "$stderr" ""
}

@test "nesting 513 deep is rejected" {
	run -1 --separate-stderr falco-filter 'rule exists' "$FILTER/depth-513.ndjson"
	assert_output ""
	assert_equal "$stderr" "falco-filter: $FILTER/depth-513.ndjson:1: nesting deeper than 512
falco-filter: skipped 1 bad line"
}

@test "a 5 MiB line is skipped with a warning, the stream goes on, and the status is 2" {
	run -2 --separate-stderr falco-filter 'rule exists' "$BATS_FILE_TMPDIR/long.ndjson"
	assert_output "$(samples 1 2)"
	assert_equal "$stderr" "falco-filter: $BATS_FILE_TMPDIR/long.ndjson:2: line longer than 1048576 bytes, skipped
falco-filter: skipped 1 bad line"
}

@test "--max-line-bytes=5M lets a 5 MiB line through byte for byte" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" --max-line-bytes=5M 'rule = "Long line"' "$BATS_FILE_TMPDIR/long.ndjson"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" <(sed -n 2p "$BATS_FILE_TMPDIR/long.ndjson")
}

@test "--max-line-bytes=1K skips the samples longer than 1024 bytes" {
	run -2 --separate-stderr falco-filter --max-line-bytes=1K 'rule exists' "$SAMPLES"
	assert_output "$(samples 1 2 3 4 5 6 7 8 10 12 13 14 15)"
	assert_equal "$stderr" "falco-filter: $SAMPLES:9: line longer than 1024 bytes, skipped
falco-filter: $SAMPLES:11: line longer than 1024 bytes, skipped
falco-filter: $SAMPLES:16: line longer than 1024 bytes, skipped
falco-filter: skipped 3 bad lines"
}

@test "a line of exactly --max-line-bytes is read and one byte more is skipped" {
	# {"rule":"..."} is 11 bytes around the fill
	python3 -c 'print("{\"rule\":\"%s\"}" % ("y" * 1013)); print("{\"rule\":\"%s\"}" % ("z" * 1014))' >"$BATS_TEST_TMPDIR/in"
	run -2 --separate-stderr falco-filter --max-line-bytes=1024 'rule exists' "$BATS_TEST_TMPDIR/in"
	assert_output "$(sed -n 1p "$BATS_TEST_TMPDIR/in")"
	assert_equal "$stderr" "falco-filter: $BATS_TEST_TMPDIR/in:2: line longer than 1024 bytes, skipped
falco-filter: skipped 1 bad line"
}

@test "a numeric priority is no error and satisfies no minimum priority" {
	run -1 --separate-stderr falco-filter -p debug '' "$FILTER/numeric-priority.ndjson"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 --separate-stderr falco-filter 'priority exists' "$FILTER/numeric-priority.ndjson"
	assert_output "$(cat "$FILTER/numeric-priority.ndjson")"
	assert_equal "$stderr" ""
}

@test "output_fields that is not an object is no error and holds no fields" {
	run -1 --separate-stderr falco-filter 'k8s.ns.name exists' "$FILTER/fields-not-object.ndjson"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 --separate-stderr falco-filter 'rule startswith Fields' "$FILTER/fields-not-object.ndjson"
	assert_output "$(cat "$FILTER/fields-not-object.ndjson")"
	assert_equal "$stderr" ""
}

@test "empty lines are ignored silently but counted in line numbers" {
	run -0 --separate-stderr falco-filter 'rule exists' "$FILTER/empty-lines.ndjson"
	assert_output "$(samples 5 6)"
	assert_equal "$stderr" "falco-filter: $FILTER/empty-lines.ndjson:6: invalid JSON at byte 9
falco-filter: skipped 1 bad line"
}

@test "a line holding only a carriage return is an empty line, ignored silently" {
	run -0 --separate-stderr filter_into "$BATS_TEST_TMPDIR/out" 'rule exists' "$FILTER/lone-cr.ndjson"
	assert_equal "$stderr" ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" <(samples 1 2)
}

@test "bad lines on standard input are reported as (standard input)" {
	run -0 --separate-stderr falco-filter 'rule exists' <"$FILTER/truncated.ndjson"
	assert_output "$(samples 1 3)"
	assert_equal "$stderr" "falco-filter: (standard input):2: invalid JSON at byte 101
falco-filter: skipped 1 bad line"
}

@test "--strict stops at the first bad line with its message and status 2" {
	run -2 --separate-stderr falco-filter --strict 'rule exists' "$FILTER/truncated.ndjson"
	assert_output "$(sample 1)"
	assert_equal "$stderr" "falco-filter: $FILTER/truncated.ndjson:2: invalid JSON at byte 101"
}

@test "--strict stops at a line longer than the limit with status 2" {
	run -2 --separate-stderr falco-filter --strict 'rule exists' "$BATS_FILE_TMPDIR/long.ndjson"
	assert_output "$(sample 1)"
	assert_equal "$stderr" "falco-filter: $BATS_FILE_TMPDIR/long.ndjson:2: line longer than 1048576 bytes"
}

@test "-s silences the bad-line warnings and their summary" {
	run -2 --separate-stderr falco-filter -s 'rule exists' "$FILTER/truncated.ndjson" "$BATS_FILE_TMPDIR/long.ndjson"
	assert_output "$(samples 1 3 1 2)"
	assert_equal "$stderr" ""
}

@test "-s does not change the status when only bad lines are read" {
	run -1 --separate-stderr falco-filter --no-messages 'rule exists' "$FILTER/cjson-lax.ndjson" "$FILTER/depth-513.ndjson"
	assert_output ""
	assert_equal "$stderr" ""
}

# --- files and standard input ---

@test "several files are read in order" {
	run -0 --separate-stderr falco-filter 'rule exists' "$FILTER/no-final-newline.ndjson" "$FILTER/crlf.ndjson" "$FILTER/truncated.ndjson"
	assert_output "$(sample 7; cat "$FILTER/crlf.ndjson"; samples 1 3)"
	assert_equal "$stderr" "falco-filter: $FILTER/truncated.ndjson:2: invalid JSON at byte 101
falco-filter: skipped 1 bad line"
}

@test "'-' among the files reads standard input at that place" {
	run -0 --separate-stderr falco-filter 'priority = Critical' "$FILTER/no-final-newline.ndjson" - "$FILTER/escapes.ndjson" <"$SAMPLES"
	assert_output "$(samples 1 11 14)"
	assert_equal "$stderr" ""
}

@test "line numbers in messages start again in each file" {
	run -0 --separate-stderr falco-filter 'rule exists' "$FILTER/garbage.ndjson" - <"$FILTER/empty-lines.ndjson"
	assert_output "$(samples 12 13 5 6)"
	assert_equal "$stderr" "falco-filter: $FILTER/garbage.ndjson:2: invalid JSON at byte 1 (Falco writes JSON only with json_output: true)
falco-filter: (standard input):6: invalid JSON at byte 9
falco-filter: skipped 2 bad lines"
}

@test "an unreadable file is reported and the others read, with status 2 though alerts matched" {
	run -2 --separate-stderr falco-filter 'rule = "Malicious IPs"' "$BATS_TEST_TMPDIR/missing.ndjson" "$SAMPLES"
	assert_output "$(sample 13)"
	assert_equal "$stderr" "falco-filter: $BATS_TEST_TMPDIR/missing.ndjson: No such file or directory"
}

@test "-s also silences an unreadable file, whose status stays 2" {
	run -2 --separate-stderr falco-filter -s 'rule exists' "$BATS_TEST_TMPDIR/missing.ndjson"
	assert_output ""
	assert_equal "$stderr" ""
}

# --- options ---

@test "-e conditions must all hold and every operand is then a file" {
	run -0 --separate-stderr falco-filter -e 'priority = Notice' --expr='rule startswith Contact' "$SAMPLES" "$FILTER/escapes.ndjson"
	assert_output "$(samples 3 4)"
	assert_equal "$stderr" ""
}

@test "with -e a condition given as an operand is read as a file name" {
	run -2 --separate-stderr falco-filter -e 'rule exists' 'priority = Notice'
	assert_output ""
	assert_equal "$stderr" "falco-filter: priority = Notice: No such file or directory"
}

@test "-p selects alerts at least as severe as the priority, case-insensitively" {
	run -0 --separate-stderr falco-filter -p CRITICAL <"$SAMPLES"
	assert_output "$(samples 1 11 14)"
	assert_equal "$stderr" ""
	run -0 --separate-stderr falco-filter --min-priority=error '' "$SAMPLES"
	assert_output "$(samples 1 11 12 14)"
}

@test "-p info means informational" {
	run -0 --separate-stderr falco-filter -c -p info <"$SAMPLES"
	assert_output 16
	assert_equal "$stderr" ""
}

@test "-p with an unknown priority is a usage error" {
	run -2 --separate-stderr falco-filter -p severe '' "$SAMPLES"
	assert_output ""
	[[ $stderr == "falco-filter: --min-priority: 'severe': "* ]]
}

@test "-r globs select the alerts whose rule matches any of them" {
	run -0 --separate-stderr falco-filter -r 'Attach*' --rule='Malicious IPs' <"$SAMPLES"
	assert_output "$(samples 6 8 13)"
	assert_equal "$stderr" ""
}

@test "--tag selects the alerts carrying every tag given" {
	run -0 --separate-stderr falco-filter --tag container --tag=shell <"$SAMPLES"
	assert_output "$(samples 1 16)"
	assert_equal "$stderr" ""
}

@test "-p, -r and --tag narrow the condition operand: they never make it a file (README's first pipeline)" {
	run -0 --separate-stderr falco-filter -p warning 'k8s.ns.name = default' "$SAMPLES"
	assert_output "$(sample 1)"
	run -0 --separate-stderr falco-filter -p warning 'k8s.ns.name = default' <"$SAMPLES"
	assert_output "$(sample 1)"
	run -0 --separate-stderr falco-filter -r '*shell*' --tag container 'proc.name in (sh, bash)' "$SAMPLES"
	assert_output "$(samples 1 16)"
}

@test "with no operand every alert of standard input is considered: counting needs no condition" {
	run -0 --separate-stderr falco-filter -c <"$SAMPLES"
	assert_output 16
	run -0 --separate-stderr falco-filter -o '%priority' <"$SAMPLES"
	assert_output "$(jq -r .priority "$SAMPLES")"
}

@test "an empty condition holds for every alert, as grep '' matches every line" {
	run -0 --separate-stderr falco-filter -c '' "$SAMPLES" "$SAMPLES"
	assert_output 32
}

@test "-c with -o or --json-fields is refused: it prints only a number" {
	run -2 --separate-stderr falco-filter -c -o '%rule' '' "$SAMPLES"
	assert_equal "$stderr" "falco-filter: --count prints only a number: no --output"
	run -2 --separate-stderr falco-filter -c --json-fields rule '' "$SAMPLES"
	assert_equal "$stderr" "falco-filter: --count prints only a number: no --json-fields"
}

@test "-w is -e, the letter every program gives its condition" {
	run -0 --separate-stderr falco-filter -w 'priority = Notice' -w 'rule startswith Contact' "$SAMPLES"
	assert_output "$(samples 3 4)"
}

@test "-p, -r, --tag and -e must all hold together" {
	run -0 --separate-stderr falco-filter -p notice --tag container -r '*shell*' -e 'user.name = root' "$SAMPLES"
	assert_output "$(samples 1 16)"
	run -0 --separate-stderr falco-filter -p warning --tag container -r '*shell*' -e 'user.name = root' "$SAMPLES"
	assert_output "$(sample 1)"
	run -1 --separate-stderr falco-filter -p warning --tag container -r '*shell*' -e 'user.name = nobody' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "-v selects the alerts that do not satisfy the condition" {
	run -0 --separate-stderr falco-filter -v 'priority <= notice' "$SAMPLES"
	assert_output "$(samples 1 5 10 11 12 13 14)"
	assert_equal "$stderr" ""
}

@test "-v never selects a bad line" {
	run -1 --separate-stderr falco-filter -s --invert 'rule exists' "$FILTER/truncated.ndjson"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "-c prints the number of selected alerts" {
	run -0 --separate-stderr falco-filter -c 'priority = Notice' "$SAMPLES"
	assert_output 6
	assert_equal "$stderr" ""
}

@test "-c prints 0 and the status is 1 when nothing is selected" {
	run -1 --separate-stderr falco-filter --count 'priority = Emergency' "$SAMPLES"
	assert_output 0
	assert_equal "$stderr" ""
}

@test "-c with -v counts the alerts not selected" {
	run -0 --separate-stderr falco-filter -c -v 'priority = Notice' "$SAMPLES"
	assert_output 10
}

@test "-m stops after N selected alerts" {
	run -0 --separate-stderr falco-filter -m 2 'priority = Notice' "$SAMPLES"
	assert_output "$(samples 2 3)"
	assert_equal "$stderr" ""
}

@test "-m stops reading, so bad lines after the last selected alert are not reported" {
	run -0 --separate-stderr falco-filter --max-count=1 'rule exists' "$FILTER/truncated.ndjson"
	assert_output "$(sample 1)"
	assert_equal "$stderr" ""
}

@test "-m with -c counts at most N" {
	run -0 --separate-stderr falco-filter -c -m 4 'rule exists' "$SAMPLES"
	assert_output 4
}

@test "-m with a number that is not one is a usage error" {
	run -2 --separate-stderr falco-filter -m two 'rule exists' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-filter: --max-count: 'two': invalid"
}

@test "-q prints nothing and stops at the first selected alert" {
	run -0 --separate-stderr falco-filter -q 'rule exists' "$FILTER/truncated.ndjson"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "-q without a selected alert gives status 1" {
	run -1 --separate-stderr falco-filter --quiet 'rule = nothing' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "-l loads the lists of a rules file for the condition" {
	cat >"$BATS_TEST_TMPDIR/rules.yaml" <<-'EOF'
	- list: faas_namespaces
	  items: [openfaas-fn, fission-function]
	- rule: Unused
	  desc: a rule is ignored
	  condition: evt.type = open
	  output: unused
	  priority: NOTICE
	EOF
	run -0 --separate-stderr falco-filter -l "$BATS_TEST_TMPDIR/rules.yaml" 'k8s.ns.name in (faas_namespaces)' "$SAMPLES"
	assert_output "$(samples 3 4)"
	assert_equal "$stderr" ""
}

@test "-l with a missing rules file is an error with status 2" {
	run -2 --separate-stderr falco-filter --lists="$BATS_TEST_TMPDIR/none.yaml" 'rule exists' "$SAMPLES"
	assert_output ""
	[[ $stderr == "falco-filter: $BATS_TEST_TMPDIR/none.yaml"* ]]
}

@test "--check accepts a good condition with status 0 and reads nothing" {
	run -0 --separate-stderr falco-filter --check 'rule = x and priority >= warning' "$BATS_TEST_TMPDIR/missing.ndjson"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "--check rejects a bad condition with status 2 and a caret under the column" {
	run -2 --separate-stderr falco-filter --check 'rule = x and and' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-filter: condition: column 14: expected a condition before 'and'
  rule = x and and
               ^"
}

@test "a bad condition is an error with status 2 before any input is read" {
	run -2 --separate-stderr falco-filter 'rule = (' "$SAMPLES"
	assert_output ""
	[[ $stderr == "falco-filter: condition: column "* ]]
}

# --- output formats ---

@test "-o prints a line per alert from a Falco-style format" {
	run -0 --separate-stderr falco-filter -o '%time %priority %rule %k8s.ns.name/%k8s.pod.name' 'rule startswith Terminal or rule = "Disallowed K8s User"' "$SAMPLES"
	assert_output "2023-05-25T13:44:05.478445995Z Critical Terminal shell in container default/kubecon
2021-04-10T19:27:21.002873265Z Notice Terminal shell in container default/alpine
2025-02-10T09:15:40.698757000Z Warning Disallowed K8s User <NA>/<NA>"
	assert_equal "$stderr" ""
}

@test "-o prints evt.time and lists as Falco does, numbers exactly, and %% as a percent" {
	TZ=UTC run -0 --separate-stderr falco-filter --output='%evt.time %evt.rawtime %proc.tty %user.loginuid %tags 100%%' 'hostname = falco-xczjd' "$SAMPLES"
	assert_output "13:44:05.478445995 1685022245478445995 34816 -1 (container,mitre_execution,shell) 100%"
}

@test "-o prints <NA> for a null field and reads bracketed field names" {
	run -0 --separate-stderr falco-filter -o '%proc.aname[2]|%proc.aname[7]|%ka.uri.param[command]' 'rule = "Run shell untrusted" or rule = "Attach/Exec Pod"' "$SAMPLES"
	assert_output "<NA>|<NA>|cat
<NA>|<NA>|sh
event-generator|<NA>|<NA>"
}

@test "-o prints an escaped value unescaped" {
	run -0 --separate-stderr falco-filter -o '%rule: %k8s.ns.name %proc.cmdline' 'rule exists' "$FILTER/escapes.ndjson"
	assert_output 'Terminal shell in container: démo sh -c "id" \ /tmp/x
Emoji 😀 rule: <NA> <NA>'
}

@test "--json-fields prints those fields in that order with exact numbers and null for missing ones" {
	run -0 --separate-stderr falco-filter --json-fields=rule,evt.time,k8s.ns.name,tags,proc.tty,nope 'hostname = falco-xczjd' "$SAMPLES"
	assert_output '{"rule":"Terminal shell in container","evt.time":1685022245478445995,"k8s.ns.name":"default","tags":["container","mitre_execution","shell"],"proc.tty":34816,"nope":null}'
	assert_equal "$stderr" ""
}

@test "--json-fields keeps floats and big integers exactly as written" {
	run -0 --separate-stderr falco-filter --json-fields=falco.evts_rate_sec,scap.n_drops_perc,evt.time,proc.aname[7] 'source = internal' "$SAMPLES"
	assert_output '{"falco.evts_rate_sec":1846.4,"scap.n_drops_perc":0.0,"evt.time":1748557198960296886,"proc.aname[7]":null}'
}

@test "--json-fields prints a null field as null" {
	run -0 --separate-stderr falco-filter --json-fields=proc.aname[6],proc.aname[7] 'rule = "Run shell untrusted"' "$SAMPLES"
	assert_output '{"proc.aname[6]":"init","proc.aname[7]":null}'
}

@test "--json-fields prints escaped strings as valid JSON of the same value" {
	run -0 --separate-stderr falco-filter --json-fields=proc.cmdline,k8s.ns.name 'rule exists' "$FILTER/escapes.ndjson"
	assert_equal "$stderr" ""
	run -0 python3 -c 'import json, sys
for line in sys.argv[1].split("\n"):
    print(json.dumps(json.loads(line), ensure_ascii=False))' "$output"
	assert_output '{"proc.cmdline": "sh -c \"id\" \\ /tmp/x", "k8s.ns.name": "démo"}
{"proc.cmdline": null, "k8s.ns.name": null}'
}

@test "--json-fields prints a compact object even when the alert was spaced out" {
	run -0 --separate-stderr falco-filter --json-fields=rule,tags 'hostname = falco-xczjd' "$FILTER/respaced.ndjson"
	assert_output '{"rule":"Terminal shell in container","tags":["container","mitre_execution","shell"]}'
}

# --- throttling ---

@test "--throttle passes one alert per value per window of the alerts' own time" {
	run -0 --separate-stderr falco-filter --throttle=k8s.ns.name:1m 'rule exists' "$FILTER/throttle.ndjson"
	assert_output "$(sed -n '1p;3p;4p;5p' "$FILTER/throttle.ndjson")"
	assert_equal "$stderr" "falco-filter: throttle: suppressed 3 alerts"
}

@test "--throttle with a shorter window suppresses less" {
	run -0 --separate-stderr falco-filter --throttle=k8s.ns.name:10s 'rule exists' "$FILTER/throttle.ndjson"
	assert_output "$(sed '2d' "$FILTER/throttle.ndjson")"
	assert_equal "$stderr" "falco-filter: throttle: suppressed 1 alert"
}

@test "--throttle keys on the combination of all the fields named" {
	run -0 --separate-stderr falco-filter --throttle=rule,k8s.ns.name:60s 'rule exists' "$FILTER/throttle.ndjson"
	assert_output "$(sed -n '1,5p' "$FILTER/throttle.ndjson")"
	assert_equal "$stderr" "falco-filter: throttle: suppressed 2 alerts"
}

@test "--throttle-keys evicts the oldest key, whose next alert then passes" {
	run -0 --separate-stderr falco-filter --throttle=k8s.ns.name:1m --throttle-keys=1 'rule exists' "$FILTER/throttle.ndjson"
	assert_output "$(sed '2d' "$FILTER/throttle.ndjson")"
	assert_equal "$stderr" "falco-filter: throttle: suppressed 1 alert"
}

@test "-s silences the throttle summary" {
	run -0 --separate-stderr falco-filter -s --throttle=k8s.ns.name:1m 'rule exists' "$FILTER/throttle.ndjson"
	assert_output "$(sed -n '1p;3p;4p;5p' "$FILTER/throttle.ndjson")"
	assert_equal "$stderr" ""
}

@test "--throttle applies only to the selected alerts" {
	run -0 --separate-stderr falco-filter --throttle=k8s.ns.name:1m 'rule = Shell' "$FILTER/throttle.ndjson"
	assert_output "$(sed -n '1p;3p;4p;5p' "$FILTER/throttle.ndjson")"
	assert_equal "$stderr" "falco-filter: throttle: suppressed 2 alerts"
}

@test "--throttle without a duration is a usage error" {
	run -2 --separate-stderr falco-filter --throttle=k8s.ns.name 'rule exists' "$FILTER/throttle.ndjson"
	assert_output ""
	[[ $stderr == "falco-filter: --throttle: 'k8s.ns.name': "* ]]
}

# --- help, version, usage ---

@test "--help prints every option on standard output with status 0" {
	local option
	run -0 --separate-stderr falco-filter --help
	assert_equal "$stderr" ""
	assert_line --index 0 "usage: falco-filter [OPTIONS] [CONDITION] [FILE...]"
	for option in -c,\ --count -e,\ --expr=CONDITION -h,\ --help -l,\ --lists=FILE \
	    -m,\ --max-count=N -o,\ --output=FORMAT -p,\ --min-priority=PRIORITY \
	    -q,\ --quiet -r,\ --rule=GLOB -s,\ --no-messages --tag=TAG \
	    -v,\ --invert -V,\ --version -w,\ --when=CONDITION --check --json-fields= \
	    --max-line-bytes=SIZE --follow --strict --throttle=FIELDS:DURATION \
	    --throttle-keys=N; do
		assert_output --partial "$option"
	done
}

@test "-h is --help" {
	run -0 --separate-stderr falco-filter -h
	assert_line --index 0 "usage: falco-filter [OPTIONS] [CONDITION] [FILE...]"
}

@test "-V prints the version" {
	run -0 --separate-stderr falco-filter -V
	assert_output "falco-filter 0.1.0"
	assert_equal "$stderr" ""
	run -0 --separate-stderr falco-filter --version
	assert_output "falco-filter 0.1.0"
}

@test "--check without a condition is a usage error with status 2" {
	run -2 --separate-stderr falco-filter --check
	assert_output ""
	assert_equal "$stderr" "$(usage_lines)"
}

@test "an unknown option is a usage error with status 2" {
	run -2 --separate-stderr falco-filter --frobnicate 'rule exists' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-filter: unrecognized option '--frobnicate'
$(usage_lines)"
}

# --- pipes ---

@test "an alert written into a pipe that stays open comes out at once" {
	local line
	start_filter 'priority = Critical'
	samples 2 1 >&"$TO_FILTER"
	if ! read -r -t 10 line <&"$FROM_FILTER"; then
		fail "no alert came out while the input stayed open"
	fi
	assert_equal "$line" "$(sample 1)"
	finish_filter
	assert_equal "$FILTER_STATUS" 0
	run -0 cat <&"$FROM_FILTER"
	assert_output ""
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
}

@test "-o lines also come out at once while the input stays open" {
	local line
	start_filter -o '%rule' 'rule exists'
	sample 13 >&"$TO_FILTER"
	if ! read -r -t 10 line <&"$FROM_FILTER"; then
		fail "no line came out while the input stayed open"
	fi
	assert_equal "$line" "Malicious IPs"
	finish_filter
	assert_equal "$FILTER_STATUS" 0
}

@test "-q exits at the first selected alert while the input stays open" {
	local line status=0
	start_filter -q 'priority = Critical'
	samples 2 1 >&"$TO_FILTER"
	# end of file on its output: falco-filter is gone, having printed nothing
	read -r -t 10 line <&"$FROM_FILTER" || status=$?
	assert_equal "$status" 1
	finish_filter
	assert_equal "$FILTER_STATUS" 0
}

@test "a reader that goes away ends falco-filter quietly with status 141" {
	run -141 filter_into_head "$BATS_TEST_TMPDIR/err" "$BATS_TEST_TMPDIR/out" 'rule exists' "$BATS_FILE_TMPDIR/many.ndjson"
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
	run -0 cmp "$BATS_TEST_TMPDIR/out" <(sample 1)
}

@test "a burst of alerts leaves in large writes, not a write per alert" {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -o /dev/null true 2>/dev/null || skip "ptrace is not allowed here"
	# LeakSanitizer cannot run under ptrace; the sanitizer build still runs
	ASAN_OPTIONS=detect_leaks=0 run -0 strace -o "$BATS_TEST_TMPDIR/trace" -e trace=write falco-filter -o '%rule %evt.time' 'rule exists' "$BATS_FILE_TMPDIR/many.ndjson"
	assert_equal "${#lines[@]}" 6400
	run -0 grep -c '^write(1,' "$BATS_TEST_TMPDIR/trace"
	# 6400 lines of about 40 bytes from a file: full 64 KiB writes, a handful
	(( output <= 8 )) || fail "$output writes"
}

# --- the scanner against cJSON ---

@test "the alert scanner gives cJSON's results on every test input" {
	local inputs=() file
	for file in "$FILTER"/*.ndjson; do
		# cJSON's laxness beyond RFC 8259 has a test of its own below
		[ "$file" = "$FILTER/cjson-lax.ndjson" ] || inputs+=("$file")
	done
	run -0 --separate-stderr filter-parity "$SAMPLES" "${inputs[@]}" \
	    "$BATS_FILE_TMPDIR/long.ndjson" "$BATS_FILE_TMPDIR/deep.ndjson"
	assert_equal "$stderr" ""
	assert_output "114 lines: 77 objects, 37 rejected, 0 differences"
}

@test "the scanner differs from cJSON only where cJSON accepts what RFC 8259 forbids" {
	run -1 --separate-stderr filter-parity "$FILTER/cjson-lax.ndjson"
	assert_output "6 lines: 0 objects, 0 rejected, 6 differences"
	assert_equal "$stderr" "filter-parity: $FILTER/cjson-lax.ndjson:1: scanner rejects what cJSON accepts (invalid JSON at byte 23)
filter-parity: $FILTER/cjson-lax.ndjson:2: scanner rejects what cJSON accepts (invalid JSON at byte 7)
filter-parity: $FILTER/cjson-lax.ndjson:3: scanner rejects what cJSON accepts (invalid JSON at byte 8)
filter-parity: $FILTER/cjson-lax.ndjson:4: scanner rejects what cJSON accepts (invalid JSON at byte 8)
filter-parity: $FILTER/cjson-lax.ndjson:5: scanner rejects what cJSON accepts (invalid JSON at byte 8)
filter-parity: $FILTER/cjson-lax.ndjson:6: scanner rejects what cJSON accepts (invalid JSON at byte 10)"
}

# --- the manual ---

@test "every example in falco-filter(1) prints what the manual shows" {
	local man=$BATS_TEST_DIRNAME/../man/falco-filter.1
	[ -f "$man" ] || skip "man/falco-filter.1 is not written yet"
	cp "$SAMPLES" "$BATS_TEST_TMPDIR/alerts.ndjson"
	# Each "$ command" of a literal block runs in a directory holding
	# alerts.ndjson; the lines up to the next "$ " are its expected
	# standard output. "$ cat FILE" shows a file: it is written, not run.
	# Commands that follow a log forever (tail -F) are not run.
	run -0 --separate-stderr python3 - "$man" "$BATS_TEST_TMPDIR" <<-'EOF'
	import subprocess, sys
	man, tmp = sys.argv[1], sys.argv[2]
	blocks, block = [], None
	for line in open(man, encoding='utf-8').read().split('\n'):
	    if line.startswith('.Bd -literal'):
	        block = []
	    elif line == '.Ed' and block is not None:
	        blocks.append(block)
	        block = None
	    elif block is not None:
	        block.append(line.replace('\\e', '\\').replace('\\&', ''))
	examples = []
	for block in blocks:
	    if not block or not block[0].startswith('$ '):
	        continue
	    for line in block:
	        if line.startswith('$ '):
	            examples.append([line[2:], []])
	        elif examples[-1][0].endswith('|'):
	            examples[-1][0] += '\n' + line
	        else:
	            examples[-1][1].append(line)
	ran = 0
	for command, expected in examples:
	    if 'tail -F' in command:
	        continue
	    if command.startswith('cat ') and ' ' not in command[4:]:
	        open(tmp + '/' + command[4:], 'w').write('\n'.join(expected) + '\n')
	        continue
	    got = subprocess.run(['bash', '-c', command], cwd=tmp,
	        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL).stdout
	    want = ''.join(line + '\n' for line in expected).encode()
	    ran += 1
	    if got != want:
	        print('example: $ %s\nexpected:\n%sgot:\n%s' % (command,
	            want.decode(errors='replace'), got.decode(errors='replace')))
	print('%d examples run' % ran)
	EOF
	assert_equal "$stderr" ""
	assert_output --regexp '^[1-9][0-9]* examples run$'
}

@test "--throttle lets through alerts whose time is beyond what nanoseconds can count" {
	printf '{"time":"2999-01-01T00:00:00Z","rule":"a"}\n{"time":"2999-01-01T00:00:01Z","rule":"a"}\n' >"$BATS_TEST_TMPDIR/far.ndjson"
	run -0 --separate-stderr falco-filter --throttle rule:1h 'rule exists' "$BATS_TEST_TMPDIR/far.ndjson"
	assert_equal "${#lines[@]}" 2
	assert_equal "$stderr" ""
}

# follow_file: falco-filter --follow on $BATS_TEST_TMPDIR/log in the
# background, standard output to $BATS_TEST_TMPDIR/out
follow_file() {
	falco-filter --follow 'rule exists' "$BATS_TEST_TMPDIR/log" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	FILTER_PID=$!
}

@test "--follow writes out each alert appended to a file while it waits for the next" {
	sample 1 >"$BATS_TEST_TMPDIR/log"
	follow_file
	wait_for_lines "$BATS_TEST_TMPDIR/out" 1 || fail "the first alert is still buffered"
	sample 2 >>"$BATS_TEST_TMPDIR/log"
	wait_for_lines "$BATS_TEST_TMPDIR/out" 2 || fail "the second alert is still buffered"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(sample 1; sample 2)"
	kill -TERM "$FILTER_PID"
	run -0 wait "$FILTER_PID"
	FILTER_PID=
}

@test "--follow reads a file rotated away by its name, from its top" {
	sample 1 >"$BATS_TEST_TMPDIR/log"
	follow_file
	wait_for_lines "$BATS_TEST_TMPDIR/out" 1 || fail "the first alert is still buffered"
	mv "$BATS_TEST_TMPDIR/log" "$BATS_TEST_TMPDIR/log.1"
	sample 3 >"$BATS_TEST_TMPDIR/log"
	wait_for_lines "$BATS_TEST_TMPDIR/out" 2 || fail "the rotated file was not read"
	kill -TERM "$FILTER_PID"
	run -0 wait "$FILTER_PID"
	FILTER_PID=
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(sample 1; sample 3)"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
}
