#!/usr/bin/env bats
# falco-route's behaviour: each sink form, --first, --default, routes
# files and their errors, restarts of a dying |CMD with nothing lost,
# spooling and replay with a stalled sink, --on-full, hostile alerts with
# !CMD, --max-procs, --exec-timeout, SIGTERM draining, SIGHUP reopening
# and the summary lines.

bats_require_minimum_version 1.5.0
load test_helper
load lib/falco-route-helpers

ROUTES=$FIXTURES/route

setup() {
	cd "$BATS_TEST_TMPDIR"
	mkdir spool
	export TMPDIR=$BATS_TEST_TMPDIR/spool STATE_DIRECTORY=$BATS_TEST_TMPDIR/spool
}

teardown() {
	route_teardown
}

# the samples whose priority is Critical, in input order
critical_samples() {
	sample 1; sample 11; sample 14
}

# ---- file sinks, standard output, --default ----

@test "alerts that satisfy a route's condition are appended to its file byte for byte" {
	run -0 --separate-stderr falco-route --default /dev/null \
	    --when 'priority = critical' --to critical.ndjson "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" ""
	run -0 cat critical.ndjson
	assert_output "$(critical_samples)"
}

@test "a file sink is appended to, not truncated" {
	echo 'kept' >critical.ndjson
	run -0 falco-route --default /dev/null --when 'priority = critical' \
	    --to critical.ndjson "$SAMPLES"
	run -0 cat critical.ndjson
	assert_output "kept
$(critical_samples)"
}

@test "two routers appending long alerts to one file never split a line" {
	local pad
	pad=$(printf '%020000d' 0)
	for w in a b; do
		for i in $(seq 200); do
			printf '{"rule":"%s","priority":"Notice","n":%d,"pad":"%s"}\n' \
			    "$w" "$i" "$pad"
		done >"$w.ndjson"
	done
	falco-route --when 'rule exists' --to shared.ndjson a.ndjson 3>&- &
	ROUTE_PID=$!
	run -0 falco-route --when 'rule exists' --to shared.ndjson b.ndjson
	route_wait
	assert_equal "$status" 0
	# each writer's lines, whole and in its order
	run -0 bash -c 'grep "^{\"rule\":\"a\"" shared.ndjson | cmp - a.ndjson'
	run -0 bash -c 'grep "^{\"rule\":\"b\"" shared.ndjson | cmp - b.ndjson'
	run -0 wc -l <shared.ndjson
	assert_output "400"
}

@test "a file sink that cannot be opened at start is a usage error" {
	run -2 --separate-stderr falco-route --when 'rule exists' --to no/such/dir.ndjson \
	    "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: 'no/such/dir.ndjson': No such file or directory"
}

@test "alerts that no route took go to standard output by default" {
	run -0 --separate-stderr falco-route --when 'priority != critical' \
	    --to other.ndjson "$SAMPLES"
	assert_output "$(critical_samples)"
	assert_equal "$stderr" ""
}

@test "--to - writes a route's alerts to standard output" {
	run -0 --separate-stderr falco-route --default /dev/null \
	    --when 'priority = critical' --to - "$SAMPLES"
	assert_output "$(critical_samples)"
	assert_equal "$stderr" ""
}

@test "--default sends the alerts that no route took to a file" {
	run -0 --separate-stderr falco-route --default rest.ndjson \
	    --when 'priority != critical' --to other.ndjson "$SAMPLES"
	assert_output ""
	run -0 cat rest.ndjson
	assert_output "$(critical_samples)"
}

@test "--default /dev/null discards the alerts that no route took" {
	run -0 --separate-stderr falco-route --default /dev/null \
	    --when 'rule = "no such rule"' --to none.ndjson "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "with no route at all every alert goes to standard output unchanged" {
	run -0 --separate-stderr falco-route <"$SAMPLES"
	assert_output "$(cat "$SAMPLES")"
}

@test "an alert goes to the sinks of every route that matches" {
	run -0 falco-route --default /dev/null \
	    --when 'rule = "Terminal shell in container"' --to a.ndjson \
	    --when 'priority = critical' --to b.ndjson "$SAMPLES"
	run -0 cat a.ndjson
	assert_output "$(sample 1; sample 2)"
	run -0 cat b.ndjson
	assert_output "$(critical_samples)"
}

@test "--first sends an alert along the first route that matches only" {
	run -0 falco-route --first --default /dev/null \
	    --when 'rule = "Terminal shell in container"' --to a.ndjson \
	    --when 'priority = critical' --to b.ndjson "$SAMPLES"
	run -0 cat a.ndjson
	assert_output "$(sample 1; sample 2)"
	run -0 cat b.ndjson
	assert_output "$(sample 11; sample 14)"
}

@test "an alert that two routes send to the same sink is written there once" {
	run -0 falco-route --default /dev/null \
	    --when 'rule = "Terminal shell in container"' --to a.ndjson \
	    --when 'priority = critical' --to a.ndjson --to a.ndjson "$SAMPLES"
	run -0 cat a.ndjson
	assert_output "$(sample 1; sample 2; sample 11; sample 14)"
}

@test "a line that is not JSON is reported with its file and line and goes to the default sink" {
	{ sample 1; echo 'not json'; sample 2; } >in.ndjson
	run -0 --separate-stderr falco-route --when 'rule exists' \
	    --to all.ndjson in.ndjson
	assert_output "not json"
	assert_equal "$stderr" "falco-route: in.ndjson:2: invalid JSON at byte 1 (Falco writes JSON only with json_output: true)"
	run -0 cat all.ndjson
	assert_output "$(sample 1; sample 2)"
}

@test "a line ending in CR LF reaches its sink with the CR" {
	printf '%s\r\n' "$(sample 1)" >crlf.ndjson
	run -0 falco-route --when 'rule exists' --to all.ndjson crlf.ndjson
	run -0 cmp all.ndjson crlf.ndjson
}

@test "a line longer than --max-line-bytes is skipped with a warning and makes the exit status 2" {
	{ sample 1; printf '{"rule":"%05000d"}\n' 0; sample 2; } >in.ndjson
	run -2 --separate-stderr falco-route --max-line-bytes 4k --when 'rule exists' \
	    --to all.ndjson in.ndjson
	assert_output ""
	assert_equal "$stderr" "falco-route: in.ndjson:2: line longer than 4096 bytes, skipped"
	run -0 cat all.ndjson
	assert_output "$(sample 1; sample 2)"
}

@test "an input file that cannot be read is reported, the next is routed, and the exit status is 2" {
	run -2 --separate-stderr falco-route --default /dev/null \
	    --when 'priority = critical' --to crit.ndjson missing.ndjson "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: missing.ndjson: No such file or directory"
	run -0 cat crit.ndjson
	assert_output "$(critical_samples)"
}

# ---- descriptors and commands ----

@test "&N writes to a descriptor the shell opened" {
	run -0 --separate-stderr bash -c \
	    'falco-route --default /dev/null --when "priority = critical" --to "&5" "$1" 5>fd5.ndjson' \
	    bash "$SAMPLES"
	assert_output ""
	run -0 cat fd5.ndjson
	assert_output "$(critical_samples)"
}

@test "&N that is not open for writing is a usage error" {
	run -2 --separate-stderr falco-route --when 'rule exists' --to '&9' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: '&9': descriptor not open for writing"
}

@test "&N whose N is not a number is a usage error" {
	run -2 --separate-stderr falco-route --when 'rule exists' --to '&x' "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: '&x': not a descriptor number"
}

@test "|CMD is started once and fed every alert on its standard input" {
	run -0 --separate-stderr falco-route --default /dev/null --when 'rule exists' \
	    --to '|echo started >>starts; cat >piped.ndjson' "$SAMPLES"
	assert_equal "$stderr" ""
	run -0 cat starts
	assert_output "started"
	run -0 cmp piped.ndjson "$SAMPLES"
}

@test "at the end of input falco-route waits for a |CMD to finish before exiting" {
	run -0 --separate-stderr falco-route --default /dev/null --when 'rule exists' \
	    --to '|exec >/dev/null 2>&1; cat >piped.ndjson; sleep 0.5; echo finished >done' \
	    "$SAMPLES"
	assert_equal "$stderr" ""
	run -0 cat done
	assert_output "finished"
}

@test "commands keep falco-route's standard output" {
	run -0 --separate-stderr falco-route --default /dev/null --max-procs 1 \
	    --when 'priority = critical' --to '!echo "run $FALCO_PRIORITY"' "$SAMPLES"
	assert_output "run Critical
run Critical
run Critical"
}

@test "&N on a pipe feeds the command behind it, which then sees the end of input" {
	run -0 --separate-stderr bash -c \
	    'falco-route --default /dev/null --when "priority = critical" --to "&5" "$1" 5> >(cat >piped.ndjson; echo done >eof)' \
	    bash "$SAMPLES"
	wait_until 10 test -s eof
	run -0 cat piped.ndjson
	assert_output "$(critical_samples)"
}

@test "!CMD runs once per alert with the alert's line on its standard input" {
	run -0 --separate-stderr falco-route --max-procs 1 --default /dev/null \
	    --when 'priority = critical' --to '!cat >>runs.ndjson; echo run >>count' \
	    "$SAMPLES"
	assert_equal "$stderr" ""
	run -0 cat runs.ndjson
	assert_output "$(critical_samples)"
	run -0 wc -l <count
	assert_output "3"
}

@test "!CMD gets the alert's fields in FALCO_* variables" {
	sample 1 >one.ndjson
	run -0 falco-route --when 'rule exists' --to '!env | grep -E "^FALCO_(RULE|PRIORITY|TIME|SOURCE|HOSTNAME|K8S_NS|K8S_POD|CONTAINER_ID)=" | sort >env.txt' \
	    one.ndjson
	run -0 cat env.txt
	assert_output "FALCO_CONTAINER_ID=ee97d9c4186f
FALCO_HOSTNAME=falco-xczjd
FALCO_K8S_NS=default
FALCO_K8S_POD=kubecon
FALCO_PRIORITY=Critical
FALCO_RULE=Terminal shell in container
FALCO_SOURCE=syscall
FALCO_TIME=2023-05-25T13:44:05.478445995Z"
}

@test "!CMD gets an empty variable for a field the alert lacks" {
	sample 2 >two.ndjson
	run -0 falco-route --when 'rule exists' \
	    --to '!printf "[%s][%s]\n" "$FALCO_SOURCE" "$FALCO_HOSTNAME" >vars.txt' two.ndjson
	run -0 cat vars.txt
	assert_output "[][]"
}

@test "hostile alert text reaches !CMD only as data: nothing in it is executed" {
	mkdir home
	echo canary >home/canary
	run -0 --separate-stderr env HOME="$BATS_TEST_TMPDIR/home" falco-route \
	    --max-procs 1 --when 'rule exists' \
	    --to '!printf "%s|%s|%s|%s\n" "$FALCO_RULE" "$FALCO_K8S_NS" "$FALCO_K8S_POD" "$FALCO_CONTAINER_ID" >>seen.txt; cat >>lines.ndjson' \
	    "$ROUTES/hostile.ndjson"
	assert_equal "$stderr" ""
	[ ! -e pwned ] || fail "a command in an alert was executed"
	[ ! -e home/pwned ] || fail "a command in an alert was executed"
	run -0 cat home/canary
	assert_output "canary"
	run -0 cat seen.txt
	assert_output '$(touch pwned)|; rm -rf ~|x";touch pwned;"|'"' && touch pwned '"'
; rm -rf ~|$(rm -rf ~)||touch pwned|`rm -rf ~`'
	run -0 cmp lines.ndjson "$ROUTES/hostile.ndjson"
}

@test "a !CMD that fails is reported with the rule and its exit status" {
	sample 1 >one.ndjson
	run -1 --separate-stderr falco-route --when 'rule exists' --to '!cat >/dev/null; exit 3' \
	    one.ndjson
	assert_output ""
	assert_equal "$stderr" "falco-route: '!cat >/dev/null; exit 3': rule 'Terminal shell in container': exit status 3
falco-route: '!cat >/dev/null; exit 3': 0 delivered, 0 spooled, 0 dropped, 1 failed
falco-route: '-': 0 delivered, 0 spooled, 0 dropped, 0 failed
falco-route: '!cat >/dev/null; exit 3': 1 undelivered alert kept in '$STATE_DIRECTORY/falco-route.failed.${stderr##*falco-route.failed.}"
	run -0 cat "$STATE_DIRECTORY"/falco-route.failed.*
	assert_output "$(sample 1)"
}

@test "--max-procs 2 runs two !CMD at once and never more" {
	numbered 8 >seq.ndjson
	procs_probe 2 >probe.sh
	run -0 --separate-stderr falco-route --max-procs 2 --when 'rule exists' \
	    --to '!sh probe.sh' seq.ndjson
	assert_equal "$stderr" ""
	run -0 most_running
	assert_output "2"
}

@test "without --max-procs four !CMD run at once and never more" {
	numbered 8 >seq.ndjson
	procs_probe 4 >probe.sh
	run -0 --separate-stderr falco-route --when 'rule exists' --to '!sh probe.sh' \
	    seq.ndjson
	assert_equal "$stderr" ""
	run -0 most_running
	assert_output "4"
}

@test "--exec-timeout kills a !CMD run that hangs and reports it" {
	sample 1 >one.ndjson
	run -1 --separate-stderr falco-route --exec-timeout 0.3 --when 'rule exists' \
	    --to '!sleep 30' one.ndjson
	stderr_line 0 "falco-route: '!sleep 30': rule 'Terminal shell in container': timed out after 0.3s"
	stderr_line 1 "falco-route: '!sleep 30': 0 delivered, 0 spooled, 0 dropped, 1 failed"
}

# ---- routes files ----

@test "a routes file sends alerts to the sinks its lines name" {
	run -0 --separate-stderr falco-route -f "$ROUTES/good.routes" --default /dev/null \
	    "$SAMPLES"
	assert_equal "$stderr" ""
	run -0 cat shells.ndjson
	assert_output "$(sample 1; sample 2)"
	run -0 cat critical.ndjson
	assert_output "$(critical_samples)"
	run -0 cmp critical.ndjson all.ndjson
	run -0 cat audit.ndjson
	assert_output "$(sample 5; sample 6; sample 7; sample 8)"
	run -0 cmp audit.ndjson audit-cmd.ndjson
}

@test "a routes file line without an arrow is an error naming the file and line" {
	run -2 --separate-stderr falco-route -f "$ROUTES/no-arrow.routes" "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: $ROUTES/no-arrow.routes:2: expected 'CONDITION -> SINK'"
}

@test "a bad condition in a routes file is an error naming the file, line and column" {
	run -2 --separate-stderr falco-route -f "$ROUTES/bad-condition.routes" "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: $ROUTES/bad-condition.routes:2: column 12: unknown priority '>'
  priority >=> critical
             ^"
	[ ! -e all.ndjson ] || fail "a sink was opened despite the error"
}

@test "a routes file's value with blanks not quoted: the caret, and the quotes it needs" {
	echo 'rule = Terminal shell in container -> shells.ndjson' >blanks.routes
	run -2 --separate-stderr falco-route -f blanks.routes "$SAMPLES"
	assert_equal "$stderr" "falco-route: blanks.routes:1: column 17: expected 'and', 'or' or the end of the condition
  rule = Terminal shell in container
                  ^
  a value with blanks needs quotes: rule = \"Terminal shell in container\""
}

@test "an empty sink in a routes file is an error naming the file and line" {
	run -2 --separate-stderr falco-route -f "$ROUTES/empty-sink.routes" "$SAMPLES"
	assert_equal "$stderr" "falco-route: $ROUTES/empty-sink.routes:1: empty sink"
}

@test "a routes file line without a condition is an error" {
	run -2 --separate-stderr falco-route -f "$ROUTES/no-condition.routes" "$SAMPLES"
	assert_equal "$stderr" "falco-route: $ROUTES/no-condition.routes:1: no condition before '->'"
}

@test "a bad sink in a routes file is an error naming the file, line and sink" {
	run -2 --separate-stderr falco-route -f "$ROUTES/bad-sink.routes" "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: $ROUTES/bad-sink.routes:3: '&stderr': not a descriptor number"
}

@test "a routes file that cannot be read is a usage error" {
	run -2 --separate-stderr falco-route -f missing.routes "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: 'missing.routes': No such file or directory"
}

@test "a spool directory that does not exist is a usage error before any alert is read" {
	run -2 --separate-stderr falco-route --spool-dir no/such/dir --when 'rule exists' \
	    --to all.ndjson "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-route: spool directory 'no/such/dir': No such file or directory"
	[ ! -e all.ndjson ] || fail "a sink was opened despite the error"
}

@test "the default spool directory is the state directory, checked at start" {
	run -2 --separate-stderr env STATE_DIRECTORY="$SAMPLES" falco-route --when 'rule exists' \
	    --to all.ndjson "$SAMPLES"
	assert_equal "$stderr" "falco-route: state directory '$SAMPLES': Not a directory"
}

@test "the state directory is made when missing, and holds what could not be delivered" {
	sample 1 >one.ndjson
	run -1 --separate-stderr env STATE_DIRECTORY="$PWD/new/state" falco-route \
	    --when 'rule exists' --to '!exit 1' one.ndjson
	run -0 cat new/state/falco-route.failed.*
	assert_output "$(sample 1)"
}

@test "--to before any --when is a usage error" {
	run -2 --separate-stderr falco-route --to out.ndjson "$SAMPLES"
	assert_output ""
	stderr_line 0 "falco-route: --to 'out.ndjson' without a --when before it"
	[[ ${stderr_lines[1]} == "falco-route: usage: falco-route "* ]] ||
		fail "no synopsis: $stderr"
}

@test "--when without a --to is a usage error" {
	run -2 --separate-stderr falco-route --when 'rule exists' "$SAMPLES"
	stderr_line 0 "falco-route: --when without a --to after it"
}

@test "--on-full accepts only spool, block and drop" {
	run -2 --separate-stderr falco-route --on-full later "$SAMPLES"
	stderr_line 0 "falco-route: --on-full: 'later': expected spool, block or drop"
}

# ---- nothing lost ----

@test "a |CMD that keeps dying is restarted and every alert reaches it once, in order" {
	numbered 30 >seq.ndjson
	# each life reads three lines, one byte at a time, and exits
	run -0 --separate-stderr falco-route --when 'rule exists' \
	    --to '|for i in 1 2 3; do read -r l || exit 0; printf "%s\n" "$l"; done >>got.ndjson' \
	    seq.ndjson
	run -0 cmp got.ndjson seq.ndjson
}

@test "a |CMD that ends after reading the last alert is not announced as restarting" {
	numbered 1 >seq.ndjson
	mkfifo held
	# the command reads its alert only once the router, at the end of
	# input, closed the FIFO; it ends before its input is closed
	run -0 --separate-stderr falco-route --when 'rule exists' --to held \
	    --to '|cat held >/dev/null; read -r l; printf "%s\n" "$l" >got.ndjson' \
	    seq.ndjson
	assert_equal "$stderr" ""
	run -0 cmp got.ndjson seq.ndjson
}

@test "a |CMD that dies without reading is given up after --restart-max and its alerts kept" {
	numbered 5 >seq.ndjson
	run -1 --separate-stderr falco-route --restart-max 2 --when 'rule exists' \
	    --to '|exit 1' seq.ndjson
	stderr_line 0 "falco-route: '|exit 1': exit status 1, restarting in 0.1s"
	stderr_line 1 "falco-route: '|exit 1': exit status 1, restarting in 0.2s"
	stderr_line 2 "falco-route: '|exit 1': exit status 1, giving up after 2 restarts"
	stderr_line 3 "falco-route: '|exit 1': 0 delivered, 0 spooled, 0 dropped, 5 failed"
	run -0 cat "$TMPDIR"/falco-route.failed.*
	assert_output "$(cat seq.ndjson)"
}

# full_queue_spools OPTION...: 100 alerts for a FIFO nobody reads yet,
# its queue bounded at five alerts by OPTION: the rest spools, and all
# arrive in order once the FIFO is read
full_queue_spools() {
	numbered 100 >seq.ndjson
	mkfifo sink
	falco-route --verbose "$@" --spool-dir spool --when 'rule exists' --to sink \
	    seq.ndjson >out.stdout 2>out.stderr 3>&- &
	ROUTE_PID=$!
	wait_until 10 has_spool spool
	cat sink >got.ndjson
	route_wait
	assert_equal "$status" 0
	run -0 cmp got.ndjson seq.ndjson
	run -0 cat out.stderr
	assert_line --index 0 "falco-route: 'sink': 100 delivered, 95 spooled, 0 dropped, 0 failed"
	run -0 ls spool
	assert_output ""
}

@test "a full queue spools to --spool-dir and replays in order once the FIFO is read" {
	full_queue_spools --queue 5
}

@test "--queue-bytes bounds a queue in bytes: past them alerts spool, and replay in order" {
	# the bytes of the first five alerts, newlines included
	full_queue_spools --queue-bytes "$(numbered 5 | wc -c)"
}

@test "--queue-bytes with --on-full drop keeps what fits in the bytes and drops the rest" {
	numbered 20 >seq.ndjson
	mkfifo sink
	run -1 --separate-stderr falco-route --queue-bytes "$(head -n 3 seq.ndjson | wc -c)" \
	    --on-full drop --drain-timeout 0.2 --when 'rule exists' --to sink seq.ndjson
	stderr_line 0 "falco-route: 'sink': 0 delivered, 0 spooled, 17 dropped, 3 failed"
	run -0 cat "$TMPDIR"/falco-route.failed.*
	assert_output "$(head -n 3 seq.ndjson)"
}

@test "--queue-bytes takes a size and refuses one that is not" {
	run -2 --separate-stderr falco-route --queue-bytes 0 --when 'rule exists' --to - /dev/null
	assert_equal "$stderr" "falco-route: --queue-bytes: '0': too small"
	run -2 --separate-stderr falco-route --queue-bytes 12X --when 'rule exists' --to - /dev/null
	assert_equal "$stderr" "falco-route: --queue-bytes: '12X': invalid (a number of bytes, or with K, M, G)"
	run -0 falco-route --queue-bytes 64K --when 'rule exists' --to - "$SAMPLES"
	assert_equal "${#lines[@]}" 16
}

@test "--on-full drop drops what a full queue cannot hold and counts it" {
	numbered 20 >seq.ndjson
	mkfifo sink
	run -1 --separate-stderr falco-route --queue 5 --on-full drop --drain-timeout 0.2 \
	    --when 'rule exists' --to sink seq.ndjson
	stderr_line 0 "falco-route: 'sink': 0 delivered, 0 spooled, 15 dropped, 5 failed"
	run -0 cat "$TMPDIR"/falco-route.failed.*
	assert_output "$(head -n 5 seq.ndjson)"
}

@test "--on-full block holds the input instead of spooling, and delivers everything" {
	numbered 100 >seq.ndjson
	mkfifo sink
	falco-route --verbose --queue 5 --on-full block --when 'rule exists' --to sink \
	    seq.ndjson >out.stdout 2>out.stderr 3>&- &
	ROUTE_PID=$!
	cat sink >got.ndjson
	route_wait
	assert_equal "$status" 0
	run -0 cmp got.ndjson seq.ndjson
	run -0 cat out.stderr
	assert_line --index 0 "falco-route: 'sink': 100 delivered, 0 spooled, 0 dropped, 0 failed"
	run -0 ls spool
	assert_output ""
}

@test "a sink that never reads holds up neither the other sinks nor the exit" {
	for i in $(seq 300); do cat "$SAMPLES"; done >many.ndjson
	run -1 --separate-stderr falco-route --drain-timeout 0.3 --when 'rule exists' \
	    --to '|sleep 30' --to all.ndjson many.ndjson
	[[ $stderr == "falco-route: '|sleep 30': 0 delivered, 0 spooled, 0 dropped, 4800 failed"* ]] ||
		fail "unexpected: $stderr"
	run -0 cmp all.ndjson many.ndjson
}

@test "what a stalled sink did not take at the drain timeout is kept in order" {
	for i in $(seq 300); do cat "$SAMPLES"; done >many.ndjson
	run -1 --separate-stderr falco-route --drain-timeout 0.3 --when 'rule exists' \
	    --to '|sleep 30' many.ndjson
	[[ $stderr == *"'|sleep 30': 4800 undelivered alerts kept in '$TMPDIR/falco-route.failed."* ]] ||
		fail "unexpected: $stderr"
	run -0 cmp "$TMPDIR"/falco-route.failed.* many.ndjson
}

# ---- signals and summaries ----

@test "SIGTERM delivers what is queued, closes the sinks and exits 0" {
	mkfifo sink
	route_in_background --when 'rule exists' --to copy.ndjson --to sink
	cat "$SAMPLES" >&7
	wait_for_lines copy.ndjson 16
	kill -TERM "$ROUTE_PID"
	cat sink >got.ndjson
	route_wait
	assert_equal "$status" 0
	run -0 cmp got.ndjson "$SAMPLES"
}

@test "SIGTERM takes effect while a FIFO named as a file operand stays quiet" {
	mkfifo quiet
	exec 8<>quiet
	falco-route --when 'rule exists' --to copy.ndjson quiet \
	    >out.stdout 2>out.stderr 3>&- 7>&- 8>&- &
	ROUTE_PID=$!
	cat "$SAMPLES" >&8
	wait_for_lines copy.ndjson 16
	kill -TERM "$ROUTE_PID"
	route_wait
	exec 8>&-
	assert_equal "$status" 0
	run -0 cmp copy.ndjson "$SAMPLES"
}

@test "SIGINT delivers what is queued, waits for every command and exits 0" {
	mkfifo sink
	route_in_background --when 'rule exists' --to copy.ndjson --to sink \
	    --to '|cat >piped.ndjson; echo closed >>piped.ndjson'
	cat "$SAMPLES" >&7
	wait_for_lines copy.ndjson 16
	kill -INT "$ROUTE_PID"
	cat sink >got.ndjson
	route_wait
	assert_equal "$status" 0
	run -0 cmp got.ndjson "$SAMPLES"
	run -0 cat piped.ndjson
	assert_output "$(cat "$SAMPLES"; echo closed)"
	run -0 cat out.stderr
	assert_output ""
}

@test "SIGTERM with a sink stalled past --drain-timeout exits 1 and keeps what it did not take" {
	mkfifo sink
	route_in_background --drain-timeout 0.2 --when 'priority = critical' --to sink
	cat "$SAMPLES" >&7
	wait_for_lines out.stdout 13
	kill -TERM "$ROUTE_PID"
	route_wait
	assert_equal "$status" 1
	run -0 cat out.stderr
	assert_line --index 0 "falco-route: 'sink': 0 delivered, 0 spooled, 0 dropped, 3 failed"
	run -0 cat "$TMPDIR"/falco-route.failed.*
	assert_output "$(critical_samples)"
}

@test "SIGHUP reopens a file sink, so a renamed log is left behind whole" {
	route_in_background --when 'rule exists' --to log.ndjson
	sample 1 >&7
	wait_for_lines log.ndjson 1
	mv log.ndjson log.ndjson.1
	kill -HUP "$ROUTE_PID"
	wait_until 10 test -e log.ndjson
	sample 2 >&7
	exec 7>&-
	route_wait
	assert_equal "$status" 0
	run -0 cat log.ndjson.1
	assert_output "$(sample 1)"
	run -0 cat log.ndjson
	assert_output "$(sample 2)"
}

@test "SIGUSR1 prints one summary line per sink and the router goes on" {
	route_in_background --default /dev/null --when 'priority = critical' --to crit.ndjson
	cat "$SAMPLES" >&7
	wait_for_lines crit.ndjson 3
	kill -USR1 "$ROUTE_PID"
	wait_for_lines out.stderr 2
	run -0 cat out.stderr
	assert_output "falco-route: 'crit.ndjson': 3 delivered, 0 spooled, 0 dropped, 0 failed
falco-route: '/dev/null': 13 delivered, 0 spooled, 0 dropped, 0 failed"
	sample 1 >&7
	exec 7>&-
	route_wait
	assert_equal "$status" 0
	run -0 wc -l <crit.ndjson
	assert_output "4"
}

@test "-v prints one summary line per sink at exit even when nothing was lost" {
	run -0 --separate-stderr falco-route --verbose --default /dev/null \
	    --when 'priority = critical' --to crit.ndjson "$SAMPLES"
	assert_equal "$stderr" "falco-route: 'crit.ndjson': 3 delivered, 0 spooled, 0 dropped, 0 failed
falco-route: '/dev/null': 13 delivered, 0 spooled, 0 dropped, 0 failed"
}

@test "the man page's first example: critical alerts to a file and to Slack, the rest to standard output" {
	mkdir bin
	printf '#!/bin/sh\necho "$*" >slack.args\nexec cat >slack.ndjson\n' >bin/falco-slack
	chmod +x bin/falco-slack
	cp "$SAMPLES" alerts.ndjson
	run -0 --separate-stderr env PATH="$PWD/bin:$PATH" bash -c \
	    "$(sed -n '/^falco-route --when .priority >= critical/,/^\.Ed/p' \
	    "$BATS_TEST_DIRNAME/../man/falco-route.1" | sed -e '$d' -e 's/\\e$/\\/')"
	assert_output "$(grep -v '"priority":"Critical"' "$SAMPLES")"
	assert_equal "$stderr" ""
	run -0 cat critical.ndjson
	assert_output "$(critical_samples)"
	run -0 cmp slack.ndjson critical.ndjson
	run -0 cat slack.args
	assert_output "-q"
}

@test "the seed's routes file sends the shell to falco-slack and the connection to falco-netpol" {
	sed -e 's/|falco-slack.*/slack.ndjson/' -e 's/|falco-netpol.*/netpol.ndjson/' \
	    "$EXAMPLES/seed.routes" >seed.routes
	run -0 --separate-stderr falco-route -f seed.routes --default /dev/null \
	    "$EXAMPLES/seed-alerts.ndjson"
	assert_equal "$stderr" ""
	run -0 cat slack.ndjson
	assert_output "$(sed -n 1p "$EXAMPLES/seed-alerts.ndjson")"
	run -0 cat netpol.ndjson
	assert_output "$(sed -n 2p "$EXAMPLES/seed-alerts.ndjson")"
}

@test "the seed's routing with &N descriptors sends each alert to its command" {
	run -0 --separate-stderr bash -c '
		falco-route --default /dev/null \
		    --when "rule = \"Terminal shell in container\" and container.id != host" --to "&5" \
		    --when "rule = \"Connection to vistatech.it\"" --to "&6" \
		    "$1" 5>slack.ndjson 6>netpol.ndjson' bash "$EXAMPLES/seed-alerts.ndjson"
	assert_equal "$stderr" ""
	run -0 cat slack.ndjson
	assert_output "$(sed -n 1p "$EXAMPLES/seed-alerts.ndjson")"
	run -0 cat netpol.ndjson
	assert_output "$(sed -n 2p "$EXAMPLES/seed-alerts.ndjson")"
}

@test "SIGTERM mid-stream: every alert read from the pipe reaches its sink, in order" {
	status=0
	feed-and-stop.py --after 8000 consumed -- falco-route --when 'rule exists' \
	    --to routed.ndjson >out 2>err || status=$?
	assert_equal "$status" 0
	cmp consumed routed.ndjson
	run -0 cat out err
	assert_output ""
}

@test "SIGINT mid-stream with a slow |CMD: every alert read is delivered or kept" {
	status=0
	feed-and-stop.py --signal INT --after 2000 consumed -- falco-route --queue 10 \
	    --drain-timeout 5 --when 'rule exists' --to '|while read -r l; do echo "$l"; done >piped.ndjson' \
	    >out 2>err || status=$?
	assert_equal "$status" 0
	cmp consumed piped.ndjson
}

# ---- what the adversarial pass found (issue: hardening) ----

@test "a reader of - that goes away: every alert is delivered to it or kept, none vanishes" {
	numbered 20000 >seq.ndjson
	run -0 bash -c 'falco-route --verbose --when "rule exists" --to - seq.ndjson 2>err | head -n 1 >first'
	run -0 cat first
	assert_output "$(head -n 1 seq.ndjson)"
	run -0 cat err
	assert_line --index 0 "falco-route: '-': Broken pipe"
	[[ ${lines[1]} =~ ^falco-route:\ \'-\':\ ([0-9]+)\ delivered,\ 0\ spooled,\ 0\ dropped,\ ([0-9]+)\ failed$ ]] ||
		fail "summary: $output"
	delivered=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
	assert_equal "$((delivered + failed))" 20000
	[ "$failed" -gt 0 ]
	# the kept alerts are exactly those the reader never took, in order
	cmp <(tail -n "$failed" seq.ndjson) spool/falco-route.failed.*
}

@test "a file sink on a full device keeps trying, then keeps what it could not write" {
	numbered 3 >seq.ndjson
	run -1 --separate-stderr falco-route --drain-timeout 1.5 --when 'rule exists' \
	    --to /dev/full seq.ndjson
	stderr_line 0 "falco-route: '/dev/full': No space left on device: trying again every 1s"
	stderr_line 1 "falco-route: '/dev/full': 0 delivered, 0 spooled, 0 dropped, 3 failed"
	run -0 cat spool/falco-route.failed.*
	assert_output "$(cat seq.ndjson)"
}

# in_small_tmpfs KIB SCRIPT: SCRIPT run by bash in a mount namespace of
# its own where ./small is a tmpfs of KIB KiB (root only)
in_small_tmpfs() {
	[ "$(id -u)" = 0 ] || skip "mounting a tmpfs needs root"
	mkdir -p small
	unshare -m bash -c "mount -t tmpfs -o size=${1}k none small && $2"
}

@test "a file sink whose disk fills mid-stream gets whole lines, and the rest once space returns" {
	numbered 200 >seq.ndjson
	# the filler leaves room for part of the alerts only
	run in_small_tmpfs 32 'head -c 24000 /dev/zero >small/filler
	    (sleep 1.5; rm small/filler) &
	    falco-route --drain-timeout 20 --when "rule exists" --to small/out.ndjson seq.ndjson 2>err;
	    echo "status $?" >>err; cp small/out.ndjson out.ndjson'
	run -0 cat err
	assert_output "falco-route: 'small/out.ndjson': No space left on device: trying again every 1s
status 0"
	cmp out.ndjson seq.ndjson
}

@test "a disk that fills inside one write: the whole lines written count as delivered, the rest is kept" {
	numbered 400 >seq.ndjson
	# room for part of the 34 KiB of alerts, which go out in one write
	run in_small_tmpfs 32 'head -c 20000 /dev/zero >small/filler
	    falco-route --drain-timeout 1.5 --when "rule exists" --to small/out.ndjson \
	    seq.ndjson 2>err; echo "status $?" >>err; cp small/out.ndjson out.ndjson'
	run -0 cat err
	[[ $output =~ "'small/out.ndjson': "([0-9]+)" delivered, 0 spooled, 0 dropped, "([0-9]+)" failed" ]] ||
	    fail "summary: $output"
	assert_equal "${BASH_REMATCH[1]}" "$(wc -l <out.ndjson)"
	assert_equal "$((BASH_REMATCH[1] + BASH_REMATCH[2]))" 400
	[ "${BASH_REMATCH[2]}" -gt 0 ]
	assert_line --index 0 "falco-route: 'small/out.ndjson': No space left on device: trying again every 1s"
	assert_line "status 1"
	# whole lines only in the file, and the dead letters are the rest, in order
	cat out.ndjson spool/falco-route.failed.* | cmp - seq.ndjson
}

@test "a slow sink while the spool directory is full: reading waits, said once, nothing lost" {
	numbered 3000 >seq.ndjson
	run in_small_tmpfs 16 'falco-route --queue 10 --drain-timeout 60 --spool-dir small \
	    --when "rule exists" --to "|while read -r l; do echo \"\$l\"; done >got.ndjson" \
	    seq.ndjson 2>err; echo "status $?" >>err'
	run -0 cat err
	assert_line --index 0 --regexp "^falco-route: 'small/falco-route.spool.[A-Za-z0-9]{6}': No space left on device\$"
	assert_line --index 1 "falco-route: '|while read -r l; do echo \"\$l\"; done >got.ndjson': cannot spool: reading waits for the sink"
	assert_line --index 2 "status 0"
	assert_equal "${#lines[@]}" 3
	cmp got.ndjson seq.ndjson
}

@test "a FIFO sink's reader that leaves mid-stream: what it did not read goes to the next reader" {
	numbered 2000 >seq.ndjson
	mkfifo sink
	route_in_background --drain-timeout 20 --when 'rule exists' --to sink
	cat seq.ndjson >&7
	exec 7>&-
	# the first reader takes exactly 10000 bytes and leaves
	python3 -c 'import os, sys
fd = os.open("sink", os.O_RDONLY); got = b""
while len(got) < 10000: got += os.read(fd, 10000 - len(got))
sys.stdout.buffer.write(got)' >first
	sleep 0.3
	cat sink >second
	route_wait
	assert_equal "$status" 0
	# every alert the first reader took whole, then everything from the one
	# it took part of, in order: none lost
	whole=$(grep -c . <(head -c 10000 first | sed '$d'))
	[ "$(tail -c 1 first | od -An -c | tr -d ' ')" != '\n' ] || whole=$(grep -c '' first)
	cmp <(head -n "$whole" first; cat second) seq.ndjson
	run -0 cat out.stderr
	assert_output "falco-route: 'sink': Broken pipe: waiting for a new reader"
}

@test "one file named three ways is one sink: each alert is written once" {
	run -0 --separate-stderr falco-route --when 'rule exists' --to out.ndjson \
	    --to ./out.ndjson --when 'priority = Critical' --to "$PWD/out.ndjson" "$SAMPLES"
	cmp out.ndjson "$SAMPLES"
}

@test "a FALCO_* value with a NUL byte is left empty and one over 128 KiB is cut with a marker, both said" {
	printf '{"rule":"a\\u0000b","priority":"Notice","output_fields":{"k8s.pod.name":"%s"}}\n' \
	    "$(head -c 200000 /dev/zero | tr '\0' p)" >odd.ndjson
	run -0 --separate-stderr falco-route --when 'rule exists' \
	    --to '!printf "%s|%s\n" "${#FALCO_RULE}" "$(printf %s "$FALCO_K8S_POD" | tail -c 11)" >>seen' odd.ndjson
	run -0 cat seen
	assert_output "0|[truncated]"
	assert_equal "$stderr" "falco-route: FALCO_RULE: the value holds a NUL byte: left empty
falco-route: FALCO_K8S_POD: the value is 200000 bytes: cut to 131007"
}

@test "a UTF-8 byte order mark and blank lines are no bad input" {
	{ printf '\xef\xbb\xbf'; sample 1; printf '   \n\t\n'; sample 2; } >bom.ndjson
	run -0 --separate-stderr falco-route --when 'rule exists' --to out.ndjson bom.ndjson
	assert_equal "$stderr" ""
	assert_equal "$(cat out.ndjson)" "$(sample 1; sample 2)"
}

@test "SIGHUP reads the routes file again; one that does not parse leaves the routes in force" {
	echo 'priority = Critical -> crit.ndjson' >seed.routes
	route_in_background --default /dev/null -f seed.routes
	sample 1 >&7
	wait_for_lines crit.ndjson 1
	echo 'priority = Notice -> notice.ndjson' >seed.routes
	kill -HUP "$ROUTE_PID"
	wait_until 10 grep -q 'routes read again' out.stderr
	sample 2 >&7
	wait_for_lines notice.ndjson 1
	echo 'priority = = Notice -> broken.ndjson' >seed.routes
	kill -HUP "$ROUTE_PID"
	wait_until 10 grep -q 'routes in force stay' out.stderr
	sample 3 >&7
	exec 7>&-
	route_wait
	assert_equal "$status" 0
	assert_equal "$(cat crit.ndjson)" "$(sample 1)"
	assert_equal "$(cat notice.ndjson)" "$(sample 2; sample 3)"
	[ ! -e broken.ndjson ]
	run -0 cat out.stderr
	assert_line --index 0 "falco-route: routes read again: 1 route"
	assert_line --index 1 --partial "falco-route: seed.routes:1: column"
	assert_line --index 2 "  priority = = Notice"
	assert_line --index 3 "             ^"
	assert_line --index 4 "falco-route: routes not read again: the routes in force stay"
}

@test "/dev/null, by any of its names, is one sink that counts every alert it takes as delivered" {
	run -0 --separate-stderr falco-route --verbose --default /dev/null \
	    --when 'priority >= error' --to ./../../../../../../../../dev/null "$SAMPLES"
	assert_equal "$stderr" "falco-route: './../../../../../../../../dev/null': 16 delivered, 0 spooled, 0 dropped, 0 failed"
}
