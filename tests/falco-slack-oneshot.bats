#!/usr/bin/env bats
# falco-slack started once per alert, as Falco's program_output with
# keep_alive: false starts it: one line on a pipe, then the end. Such
# processes hand their alerts to a pool in the state directory, and one
# of them at a time posts the pool as --rate allows (falco-slack(1),
# "Started once per alert").
load test_helper
load lib/slack-receiver
bats_require_minimum_version 1.5.0

setup() {
	RECV=$BATS_TEST_TMPDIR/recv
	mkdir -p "$RECV"
	unset SLACK_WEBHOOK_URL
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL
	ALERTS=$BATS_TEST_TMPDIR/alerts
	ERR=$BATS_TEST_TMPDIR/err
	STATUSES=$BATS_TEST_TMPDIR/statuses
	: >"$ERR"
	: >"$STATUSES"
	# fifty alerts told apart by their rule, so a digest's counts name each
	sample 2 | jq -c 'range(1; 51) as $n |
		.rule = "Rule " + (if $n < 10 then "0" else "" end) + ($n | tostring)' >"$ALERTS"
}

teardown() {
	local pid
	# a poster left running by a failed test is ours: end it by its id
	for pid in $(poster_pids); do
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = falco-slack ] && kill "$pid"
	done
	stop_receiver
}

# falco_once N ARGS...: falco-slack as Falco starts it for alert N, that
# line on a pipe and then the end; "N STATUS" is appended to $STATUSES,
# standard error to $ERR
falco_once() {
	local n=$1 status=0
	shift
	sed -n "${n}p" "$ALERTS" | falco-slack -q "$@" 2>>"$ERR" 3>&- || status=$?
	echo "$n $status" >>"$STATUSES"
}

# burst FIRST COUNT ARGS...: alerts FIRST to FIRST+COUNT-1, a falco-slack
# each, all started at once; returns once they all ended (a bare wait
# would wait for the receiver too)
burst() {
	local first=$1 count=$2 i pids=()
	shift 2
	for ((i = first; i < first + count; i++)); do
		falco_once "$i" "$@" &
		pids+=($!)
	done
	wait "${pids[@]}"
}

# poster_held: some process holds a pool's poster lock, as /proc/locks
# says. Never take the lock to find out: whoever holds it is the poster
# as far as the others know, and a test posts nothing.
poster_held() {
	local lock inode
	for lock in "$STATE_DIRECTORY"/falco-slack.*.poster; do
		[ -e "$lock" ] || continue
		inode=$(stat -c %i "$lock")
		awk -v inode="$inode" '$2 == "FLOCK" { n = split($6, id, ":"); if (id[n] == inode) found = 1 }
			END { exit !found }' /proc/locks && return 0
	done
	return 1
}

# poster_pids: the pids the posters wrote into the locks they hold
poster_pids() {
	local lock
	poster_held || return 0
	for lock in "$STATE_DIRECTORY"/falco-slack.*.poster; do
		[ -s "$lock" ] && cat "$lock"
	done
}

# pooled: alerts wait in a pool or a taken file
pooled() {
	local f
	for f in "$STATE_DIRECTORY"/falco-slack.*.pool "$STATE_DIRECTORY"/falco-slack.*.taken; do
		[ -s "$f" ] && return 0
	done
	return 1
}

# idle: no poster runs and nothing waits in the pool
idle() {
	! poster_held && ! pooled
}

# wait_idle SECONDS: every alert handed over was posted or kept
wait_idle() {
	local tries=$(($1 * 20))
	until idle; do
		[ "$tries" -gt 0 ] || fail "not idle after $1 s: poster $(poster_pids); $(ls -l "$STATE_DIRECTORY")"
		tries=$((tries - 1))
		sleep 0.05
	done
}

# every_rule_once: the messages account for each of the fifty alerts once
every_rule_once() {
	diff <(posted_rules) <(jq -r .rule "$ALERTS" | sort) ||
		fail "the messages do not account for every alert exactly once"
}

# every_status IS: each process exited with that status
every_status() {
	run -0 awk -v want="$1" '$2 != want' "$STATUSES"
	assert_output ""
	assert_equal "$(wc -l <"$STATUSES")" 50
}

@test "a lone alert on a pipe is posted at once, and the status says it was delivered" {
	start_receiver
	run -0 --separate-stderr falco-slack -q 3>&- < <(sample 1)
	assert_equal "$stderr" ""
	assert_equal "$(requests)" 1
	assert_equal "$(body 1 .text)" "Critical: Terminal shell in container"
	run -1 poster_held
	# what it handed to the pool, it posted and took out again
	run -1 pooled
}

@test "fifty alerts, one falco-slack each started after the last ended, become a few messages with every alert once" {
	start_receiver
	start=$SECONDS
	for n in $(seq 50); do
		falco_once "$n" --rate 1/1s
	done
	wait_idle 60
	elapsed=$((SECONDS - start))
	every_rule_once
	every_status 0
	assert_equal "$(cat "$ERR")" ""
	# the first alert alone at once, then a digest a second: never faster
	spaced 0.9
	(( $(requests) <= elapsed + 2 )) || fail "$(requests) messages in $elapsed s"
	(( $(requests) < 50 )) || fail "$(requests) messages for 50 alerts"
}

@test "fifty alerts, started ten falco-slacks at a time, become a few messages with every alert once" {
	start_receiver
	start=$SECONDS
	for first in 1 11 21 31 41; do
		burst "$first" 10 --rate 1/1s
		sleep 0.3
	done
	wait_idle 60
	elapsed=$((SECONDS - start))
	every_rule_once
	every_status 0
	assert_equal "$(cat "$ERR")" ""
	spaced 0.9
	(( $(requests) <= elapsed + 2 )) || fail "$(requests) messages in $elapsed s"
}

@test "while the webhook is slow to answer, the alerts of twenty falco-slacks wait in the pool and leave as one digest" {
	# the first alert is posted at once; the poster left behind posts the
	# next digest a second later and the webhook holds its answer
	start_receiver '200:ok' hold '200:ok'
	falco_once 1 --rate 1/1s --timeout 60
	falco_once 2 --rate 1/1s --timeout 60
	wait_until 10 test -s "$RECV/2.body" || fail "the second message never came"
	for n in $(seq 3 20); do
		falco_once "$n" --rate 1/1s --timeout 60
	done
	touch "$RECV/release"
	wait_idle 30
	assert_equal "$(requests)" 3
	assert_equal "$(body 3 .text)" "Falco digest: 18 alerts (first 5 in full, …and 13 more)"
	diff <(posted_rules) <(sed -n 1,20p "$ALERTS" | jq -r .rule | sort)
	assert_equal "$(cat "$ERR")" ""
}

@test "posters coming and going at a fast rate post each of two hundred alerts exactly once" {
	start_receiver
	for round in $(seq 4); do
		for first in 1 11 21 31 41; do
			burst "$first" 10 --rate 1000/1s
		done
		wait_idle 60
	done
	assert_equal "$(cat "$ERR")" ""
	# four rounds of the fifty: each alert four times, no more, no less
	diff <(posted_rules) <(for round in 1 2 3 4; do jq -r .rule "$ALERTS"; done | sort) ||
		fail "an alert was lost or posted twice"
}

@test "an alert handed over while the poster lets go is posted by that poster, which looks again" {
	command -v strace >/dev/null || skip "strace is not installed"
	strace -o /dev/null true 2>/dev/null || skip "ptrace is not allowed here"
	start_receiver
	# the first falco-slack makes the pool's files, and posts alert 1
	falco_once 1 --rate 100/1s
	wait_idle 10
	poster=$(echo "$STATE_DIRECTORY"/falco-slack.*.poster)
	# a falco-slack waiting for its alert, to hand it over in a moment
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	falco-slack -q --rate 100/1s <"$BATS_TEST_TMPDIR/fifo" 2>>"$ERR" 3>&- &
	late=$!
	exec 5>"$BATS_TEST_TMPDIR/fifo"
	# strace holds every lock and unlock of the poster's lock for two
	# seconds, so the window between a poster's last look at the pool and
	# its unlock, microseconds otherwise, is wide enough to hand over in
	sed -n 2p "$ALERTS" | ASAN_OPTIONS=detect_leaks=0 strace -f -y -o "$BATS_TEST_TMPDIR/trace" \
	    -P "$poster" -e trace=flock -e inject=flock:delay_enter=2000000 \
	    falco-slack -q --rate 100/1s 2>>"$ERR" 3>&- 5>&- &
	first=$!
	wait_until 20 requests_reach 2 || fail "alert 2 was never posted"
	sleep 0.5
	# alert 2 is posted and its poster is letting go: alert 3 comes now,
	# finds the poster still there and leaves it the alert
	sed -n 3p "$ALERTS" >&5
	exec 5>&-
	wait "$late"
	wait "$first"
	wait_idle 20
	diff <(posted_rules) <(printf 'Rule 01\nRule 02\nRule 03\n')
	assert_equal "$(cat "$ERR")" ""
	# the poster of alert 2 looked again after it let go, and took alert 3
	run -0 sed -n 's/.*flock([0-9]*<[^>]*>, \(LOCK_[A-Z_|]*\)) = \([0-9-]*\).*/\1 = \2/p' "$BATS_TEST_TMPDIR/trace"
	assert_output - <<'EOF'
LOCK_EX|LOCK_NB = 0
LOCK_UN = 0
LOCK_EX|LOCK_NB = 0
LOCK_UN = 0
EOF
}

@test "with the webhook refusing, every alert ends in the dead-letter file exactly once" {
	start_receiver '404:channel_not_found'
	for first in 1 11 21 31 41; do
		burst "$first" 10 --rate 1/1s --dead-letter "$BATS_TEST_TMPDIR/dead"
	done
	wait_idle 60
	diff <(sort "$BATS_TEST_TMPDIR/dead") <(sort "$ALERTS")
	# every alert is named on standard error as not delivered, once
	run -0 sed -n "s/^falco-slack: \([0-9]*\) alerts\{0,1\} not delivered, kept in '.*dead'\$/\1/p" "$ERR"
	assert_equal "$(awk '{ n += $1 } END { print n }' <<<"$output")" 50
	# one that posted and was refused says so; one that handed over, 0
	run -0 awk '$2 != 0 && $2 != 1' "$STATUSES"
	assert_output ""
	(( $(awk '$2 == 1' "$STATUSES" | wc -l) >= 1 )) || fail "no falco-slack posted at once"
}

@test "with the webhook failing past --retries, every alert ends in the dead-letter file exactly once" {
	start_receiver '500:rollup_error'
	for n in $(seq 50); do
		falco_once "$n" --rate 1/1s --retries 1 --dead-letter "$BATS_TEST_TMPDIR/dead"
	done
	wait_idle 90
	diff <(sort "$BATS_TEST_TMPDIR/dead") <(sort "$ALERTS")
	# the retries were the poster's: each falco-slack handed over and left
	every_status 0
	run -0 sed -n "s/^falco-slack: \([0-9]*\) alerts\{0,1\} not delivered, kept in '.*dead'\$/\1/p" "$ERR"
	assert_equal "$(awk '{ n += $1 } END { print n }' <<<"$output")" 50
	spaced 0.9
}

@test "a falco-slack started for one alert makes one try and leaves the retries, after Retry-After, to the poster it leaves behind" {
	start_receiver '429:rate_limited@2' '200:ok'
	start=$EPOCHREALTIME
	falco_once 7
	took=$(awk -v a="$start" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.3f", b - a }')
	assert_equal "$(cat "$STATUSES")" "7 0"
	# it did not wait for the two seconds the webhook asked for
	awk -v t="$took" 'BEGIN { exit !(t < 1.5) }' || fail "falco-slack took $took s"
	wait_idle 30
	assert_equal "$(requests)" 2
	cmp "$RECV/1.body" "$RECV/2.body"
	arrived_apart 1 2 1.95
	assert_equal "$(cat "$ERR")" ""
}

@test "a poster killed mid-post leaves its alert to the next falco-slack, which posts it again" {
	start_receiver hold '200:ok'
	sed -n 1p "$ALERTS" | falco-slack -q --rate 1/1s 2>>"$ERR" 3>&- &
	killed=$!
	wait_until 10 test -s "$RECV/log" || fail "nothing was posted"
	kill -KILL "$killed"
	wait "$killed" || true
	# the alert it was posting is still on disk
	run -0 cat "$STATE_DIRECTORY"/falco-slack.*.taken
	assert_output "$(sed -n 1p "$ALERTS")"
	falco_once 2 --rate 1/1s
	assert_equal "$(cat "$STATUSES")" "2 0"
	wait_idle 30
	touch "$RECV/release"
	# Rule 01 was being posted when its poster died: Slack may have it
	# twice, as falco-slack(1) says; nothing is lost
	diff <(posted_rules) <(printf 'Rule 01\nRule 01\nRule 02\n')
}

@test "SIGTERM ends a poster left behind: what it could not post in --drain-timeout is dead-lettered" {
	start_receiver
	for n in $(seq 5); do
		falco_once "$n" --rate 1/1h --drain-timeout 300ms --dead-letter "$BATS_TEST_TMPDIR/dead"
	done
	every=$(cat "$STATUSES")
	assert_equal "$every" "$(printf '%s 0\n' 1 2 3 4 5)"
	# the first was posted; the other four wait with the poster for an hour
	assert_equal "$(requests)" 1
	poster=$(poster_pids)
	[ -n "$poster" ] || fail "no poster was left behind"
	[ "$(cat "/proc/$poster/comm")" = falco-slack ]
	kill -TERM "$poster"
	wait_idle 10
	diff "$BATS_TEST_TMPDIR/dead" <(sed -n 2,5p "$ALERTS")
	run -0 cat "$ERR"
	assert_output - <<EOF
falco-slack: --drain-timeout: 4 alerts not sent in time
falco-slack: 4 alerts not delivered, kept in '$BATS_TEST_TMPDIR/dead'
EOF
}

@test "the state directory's file names and contents never hold the webhook URL" {
	start_receiver
	for n in 1 2 3; do
		falco_once "$n"
	done
	wait_idle 30
	ls "$STATE_DIRECTORY"/falco-slack.*.poster "$STATE_DIRECTORY"/falco-slack.*.rate >/dev/null
	run -1 grep -r -e XsecretXtokenX -e services -e 127.0.0.1 "$STATE_DIRECTORY"
	run -0 ls "$STATE_DIRECTORY"
	refute_output --partial services
	refute_output --partial XsecretXtokenX
}

@test "falco-slacks that post differently keep apart pools, and share the webhook's rate" {
	start_receiver
	falco_once 1 --rate 1/1s
	falco_once 2 --rate 1/1s --channel other
	wait_idle 30
	assert_equal "$(ls "$STATE_DIRECTORY"/falco-slack.*.poster | wc -l)" 2
	assert_equal "$(ls "$STATE_DIRECTORY"/falco-slack.*.rate | wc -l)" 1
	assert_equal "$(requests)" 2
	assert_equal "$(body 1 .channel)" null
	assert_equal "$(body 2 .channel)" other
	spaced 0.9
}

@test "a falco-slack reading a stream from a pipe posts as before and makes no pool" {
	start_receiver
	run -0 --separate-stderr falco-slack -q --rate 1/1s 3>&- < <(sed -n 1,3p "$ALERTS")
	assert_equal "$stderr" ""
	assert_equal "$(requests)" 2
	assert_equal "$(body 1 .text)" "Notice: Rule 01"
	assert_equal "$(body 2 .text)" "Falco digest: 2 alerts"
	[ ! -e "$STATE_DIRECTORY" ] || [ -z "$(ls -A "$STATE_DIRECTORY")" ]
}

@test "a lone alert read from a file is no one-shot: it is posted by the process, which waits for its slot" {
	start_receiver
	sed -n 1p "$ALERTS" >"$BATS_TEST_TMPDIR/one"
	run -0 falco-slack -q "$BATS_TEST_TMPDIR/one"
	assert_equal "$(requests)" 1
	[ ! -e "$STATE_DIRECTORY" ] || [ -z "$(ls -A "$STATE_DIRECTORY")" ]
}

@test "when the state directory cannot be used the alert is posted by its own falco-slack" {
	start_receiver
	touch "$BATS_TEST_TMPDIR/not-a-directory"
	STATE_DIRECTORY=$BATS_TEST_TMPDIR/not-a-directory falco_once 3
	assert_equal "$(cat "$STATUSES")" "3 0"
	run -0 cat "$ERR"
	assert_output "falco-slack: state directory '$BATS_TEST_TMPDIR/not-a-directory': Not a directory: the alert is posted by this process alone"
	assert_equal "$(requests)" 1
	assert_equal "$(body 1 .text)" "Notice: Rule 03"
}
