#!/usr/bin/env bats
# The sandbox (common/sandbox.c): each profile refuses with EPERM what
# it does not allow and lets through what a loop needs, through the
# tests/tools/sandbox-try driver; then every program runs its loop inside
# its profile (falco-pipes(7), SANDBOX): the filter is in force in the
# running process, --no-sandbox leaves it out, and the calls the profile
# refuses fail inside the program itself, tried by a probe preloaded
# into it (tests/tools/preload/sandbox-probe.c) while the program works.

load test_helper

setup() {
	cd "$BATS_TEST_TMPDIR"
	PROBE=$BATS_TEST_TMPDIR/probe
	SERVER_PID=
	POSTER_PID=
}

teardown() {
	fifo_teardown
	stop_receiver
	if [ -n "$SERVER_PID" ]; then
		kill "$SERVER_PID" 2>/dev/null || true
		wait "$SERVER_PID" 2>/dev/null || true
	fi
	# a falco-slack poster left behind by a failed test, by its id
	if [ -n "$POSTER_PID" ] &&
	    [ "$(cat "/proc/$POSTER_PID/comm" 2>/dev/null)" = falco-slack ]; then
		kill "$POSTER_PID"
	fi
}

# valgrind cannot survive an execve the kernel refuses: it reports
# "EXEC FAILED: I can't recover from execve() failing" and dies
skip_exec_under_valgrind() {
	[ -z "${FALCO_PIPES_WRAPPERS:-}" ] ||
		skip "valgrind dies when an execve fails"
}

# the Seccomp and NoNewPrivs lines of a running process, tabs as spaces
confinement() {
	grep -E '^(NoNewPrivs|Seccomp):' "/proc/$1/status" | tr '\t' ' '
}

@test "without a profile the driver's calls all succeed, so a refusal below is the filter's" {
	run -0 sandbox-try none status open open-write create stat socket thread fork spawn ptrace signal write exec
	assert_output "NoNewPrivs: 0
Seccomp: 0
open: ok
open-write: ok
create: ok
stat: ok
socket: ok
thread: ok
fork: ok
spawn: ok
ptrace: ESRCH
signal: ok
write: ok
exec: ok"
}

@test "the filter profile sets no_new_privs and a seccomp filter" {
	run -0 sandbox-try filter status
	assert_output "NoNewPrivs: 1
Seccomp: 2"
}

@test "the filter profile refuses files, sockets, threads, processes and ptrace, and lets the loop write and signal itself" {
	run -0 sandbox-try filter open open-write create stat socket thread fork ptrace signal write
	assert_output "open: EPERM
open-write: EPERM
create: EPERM
stat: EPERM
socket: EPERM
thread: EPERM
fork: EPERM
ptrace: EPERM
signal: ok
write: ok"
}

@test "the filter profile refuses exec" {
	skip_exec_under_valgrind
	run -0 sandbox-try filter exec write
	assert_output "exec: EPERM
write: ok"
}

@test "the follow profile also allows stat and opening for reading, and nothing else the filter profile refuses" {
	run -0 sandbox-try follow status open stat open-write create socket thread fork ptrace signal write
	assert_output "NoNewPrivs: 1
Seccomp: 2
open: ok
stat: ok
open-write: EPERM
create: EPERM
socket: EPERM
thread: EPERM
fork: EPERM
ptrace: EPERM
signal: ok
write: ok"
}

@test "the follow profile refuses exec" {
	skip_exec_under_valgrind
	run -0 sandbox-try follow exec write
	assert_output "exec: EPERM
write: ok"
}

@test "the network profile allows files, sockets and threads, and refuses processes and ptrace" {
	run -0 sandbox-try network status open create stat socket thread fork spawn ptrace signal write
	assert_output "NoNewPrivs: 1
Seccomp: 2
open: ok
create: ok
stat: ok
socket: ok
thread: ok
fork: EPERM
spawn: EPERM
ptrace: EPERM
signal: ok
write: ok"
}

@test "the network profile refuses exec" {
	skip_exec_under_valgrind
	run -0 sandbox-try network exec write
	assert_output "exec: EPERM
write: ok"
}

@test "the network-fork profile also allows fork, and still refuses a clone that shares memory and ptrace" {
	# valgrind runs posix_spawn's clone(CLONE_VM|CLONE_VFORK) as a fork
	[ -z "${FALCO_PIPES_WRAPPERS:-}" ] ||
	    skip "under valgrind a clone that shares memory is made a plain fork"
	run -0 sandbox-try network-fork status open create socket thread fork spawn ptrace signal write
	assert_output "NoNewPrivs: 1
Seccomp: 2
open: ok
create: ok
socket: ok
thread: ok
fork: ok
spawn: EPERM
ptrace: EPERM
signal: ok
write: ok"
}

@test "the network-fork profile refuses exec" {
	skip_exec_under_valgrind
	run -0 sandbox-try network-fork exec write
	assert_output "exec: EPERM
write: ok"
}

@test "the spawn profile allows processes and exec, and refuses ptrace" {
	run -0 sandbox-try spawn status open socket thread fork ptrace exec
	assert_output "NoNewPrivs: 1
Seccomp: 2
open: ok
socket: ok
thread: ok
fork: ok
ptrace: EPERM
exec: ok"
}

# run falco-filter [OPTIONS] on a FIFO, hand it one alert, and once it
# has printed it (so it is past its set-up) show its confinement; the
# alert and the status it ends with follow
filter_on_fifo() {
	local fifo=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out pid
	mkfifo "$fifo"
	falco-filter "$@" 'rule exists' "$fifo" >"$out" &
	pid=$!
	exec 3>"$fifo"
	sample 1 >&3
	wait_for_file "$out" 60 || fail "falco-filter printed nothing"
	confinement "$pid"
	exec 3>&-
	wait "$pid" || echo "status $?"
	cat "$out"
}

@test "falco-filter reads its input inside the filter profile" {
	run -0 filter_on_fifo
	assert_output "NoNewPrivs: 1
Seccomp: 2
$(sample 1)"
}

@test "falco-filter --no-sandbox reads its input unconfined" {
	run -0 filter_on_fifo --no-sandbox
	assert_output "NoNewPrivs: 0
Seccomp: 0
$(sample 1)"
}

@test "falco-filter opens each file operand in turn before the sandbox forbids opening and reports the last one unreadable" {
	run -2 --separate-stderr falco-filter -c 'rule exists' "$SAMPLES" "$FIXTURES/cond/alerts.ndjson" "$BATS_TEST_TMPDIR/absent.ndjson"
	assert_output 26
	assert_equal "$stderr" "falco-filter: $BATS_TEST_TMPDIR/absent.ndjson: No such file or directory"
}

# ---- each program's own filter, as it runs ----

# What the probe reports, per profile: exec of a path that does not
# exist fails with ENOENT once the kernel is asked, and ptrace of a
# process not traced with ESRCH.
UNCONFINED="exec: ENOENT
fork: ok
ptrace: ESRCH
open: ok
socket: ok"
FILTER_PROFILE="exec: EPERM
fork: EPERM
ptrace: EPERM
open: EPERM
socket: EPERM"
FOLLOW_PROFILE="exec: EPERM
fork: EPERM
ptrace: EPERM
open: ok
socket: EPERM"
NETWORK_PROFILE="exec: EPERM
fork: EPERM
ptrace: EPERM
open: ok
socket: ok"
NETWORK_FORK_PROFILE="exec: EPERM
fork: ok
ptrace: EPERM
open: ok
socket: ok"
SPAWN_PROFILE="exec: ENOENT
fork: ok
ptrace: EPERM
open: ok
socket: ok"
CONFINED="NoNewPrivs: 1
Seccomp: 2"
UNCONFINED_STATUS="NoNewPrivs: 0
Seccomp: 0"

# valgrind looks for an exec's file itself, and answers ENOENT before the
# kernel (and the filter) is asked
skip_probe_under_valgrind() {
	[ -z "${FALCO_PIPES_WRAPPERS:-}" ] ||
		skip "valgrind answers an exec of a missing file itself"
}

# probed PROG ARGS...: replaces this (background) shell with PROG ARGS,
# the probe preloaded and reporting to $PROBE. AddressSanitizer wants its
# runtime first among the libraries, which a preload is not; the probe
# replaces none of its functions.
probed() {
	export LD_PRELOAD=$BUILD/tests/sandbox-probe.so SANDBOX_PROBE=$PROBE
	export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
	exec "$@"
}

# probe PID: the probe in PID tries its calls; what each gave, a line each
probe() {
	kill -USR2 "$1"
	wait_for_lines "$PROBE" 5 || fail "the probe in $1 did not answer"
	cat "$PROBE"
}

# on_fifo_probed FD PROG ARGS...: on_fifo, the probe preloaded
on_fifo_probed() {
	local fd=$1
	shift
	on_fifo "$fd" probed "$@"
}

# the first alert passed through: the program is in its loop
passed_through() {
	wait_for_lines "$FIFO_OUT" "${1:-1}" || fail "nothing passed through: $(cat "$FIFO_ERR")"
}

@test "the probe sees every call succeed in a program run with --no-sandbox, so a refusal is the filter's" {
	skip_probe_under_valgrind
	on_fifo_probed 7 falco-filter --no-sandbox 'rule exists'
	sample 1 >&7
	passed_through
	run -0 probe "$FIFO_PID"
	assert_output "$UNCONFINED"
	fifo_finish 7
	assert_equal "$status" 0
}

@test "falco-filter refuses exec, fork, ptrace, opening files and sockets while it filters" {
	skip_probe_under_valgrind
	on_fifo_probed 7 falco-filter 'rule exists'
	sample 1 >&7
	passed_through
	run -0 probe "$FIFO_PID"
	assert_output "$FILTER_PROFILE"
	sample 2 >&7
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(cat "$FIFO_OUT")" "$(sample 1; sample 2)"
}

@test "falco-filter --follow may open files for reading, and nothing else the filter refuses" {
	skip_probe_under_valgrind
	sample 1 >alerts.ndjson
	probed falco-filter --follow 'rule exists' alerts.ndjson >out 2>err 3>&- &
	FIFO_PID=$! FIFO_OUT=out FIFO_ERR=err
	passed_through
	run -0 probe "$FIFO_PID"
	assert_output "$FOLLOW_PROFILE"
	# rotated: the follower opens the new file by its name
	mv alerts.ndjson alerts.ndjson.1
	sample 2 >alerts.ndjson
	passed_through 2
	kill -TERM "$FIFO_PID"
	status=0
	wait "$FIFO_PID" || status=$?
	FIFO_PID=
	assert_equal "$status" 0
	assert_equal "$(cat out)" "$(sample 1; sample 2)"
}

# ---- the senders: the network profile ----

@test "falco-slack posts from inside the network sandbox" {
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL start_receiver
	on_fifo 7 falco-slack
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
	assert_equal "$(cat "$FIFO_ERR")" ""
}

@test "falco-slack --no-sandbox posts unconfined" {
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL start_receiver
	on_fifo 7 falco-slack --no-sandbox
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$UNCONFINED_STATUS"
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
}

@test "falco-slack on a pipe keeps its dead-letter file and fork, but cannot exec" {
	skip_probe_under_valgrind
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL start_receiver '400:invalid_payload'
	on_fifo_probed 7 falco-slack --dead-letter dead.ndjson
	sample 1 >&7
	passed_through
	wait_until 10 lines_in dead.ndjson 1 || fail "nothing was dead-lettered: $(cat "$FIFO_ERR")"
	run -0 probe "$FIFO_PID"
	assert_output "$NETWORK_FORK_PROFILE"
	fifo_finish 7
	assert_equal "$status" 1
	assert_equal "$(cat dead.ndjson)" "$(sample 1)"
}

@test "falco-slack inside the sandbox opens its dead-letter file again after SIGHUP" {
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL start_receiver '400:invalid_payload'
	on_fifo 7 falco-slack --rate 100/1s --dead-letter dead.ndjson
	sample 1 >&7
	wait_until 10 lines_in dead.ndjson 1 || fail "nothing was dead-lettered: $(cat "$FIFO_ERR")"
	# logrotate's way: move the file, then tell the program
	mv dead.ndjson dead.ndjson.1
	kill -HUP "$FIFO_PID"
	sample 2 >&7
	wait_until 10 lines_in dead.ndjson 1 || fail "no new dead-letter file: $(cat "$FIFO_ERR")"
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	fifo_finish 7
	assert_equal "$status" 1
	assert_equal "$(cat dead.ndjson.1)" "$(sample 1)"
	assert_equal "$(cat dead.ndjson)" "$(sample 2)"
}

@test "falco-slack following a file is never started for one alert, and may not fork either" {
	skip_probe_under_valgrind
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL start_receiver
	sample 1 >alerts.ndjson
	probed falco-slack --follow alerts.ndjson >out 2>err 3>&- &
	FIFO_PID=$! FIFO_OUT=out FIFO_ERR=err
	passed_through
	run -0 probe "$FIFO_PID"
	assert_output "$NETWORK_PROFILE"
	kill -TERM "$FIFO_PID"
	status=0
	wait "$FIFO_PID" || status=$?
	FIFO_PID=
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
}

@test "the poster a one-shot falco-slack leaves behind is confined as it was" {
	skip_probe_under_valgrind
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL start_receiver
	# the first alert takes the hour's one slot, the second waits in the pool
	sample 1 | (probed falco-slack -q --rate 1/1h --drain-timeout 300ms --dead-letter dead.ndjson) 3>&-
	sample 2 | (probed falco-slack -q --rate 1/1h --drain-timeout 300ms --dead-letter dead.ndjson) 3>&-
	assert_equal "$(requests)" 1
	POSTER_PID=$(cat "$STATE_DIRECTORY"/falco-slack.*.poster)
	[ "$(cat "/proc/$POSTER_PID/comm")" = falco-slack ] || fail "no poster was left behind"
	run -0 confinement "$POSTER_PID"
	assert_output "$CONFINED"
	run -0 probe "$POSTER_PID"
	assert_output "$NETWORK_FORK_PROFILE"
	kill -TERM "$POSTER_PID"
	wait_until 10 lines_in dead.ndjson 1 || fail "the poster kept nothing"
	assert_equal "$(cat dead.ndjson)" "$(sample 2)"
}

@test "falco-loki pushes from inside the network sandbox, which refuses exec, fork and ptrace" {
	skip_probe_under_valgrind
	start_receiver 204
	on_fifo_probed 7 falco-loki -u "$URL" --batch-wait 10ms
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	run -0 probe "$FIFO_PID"
	assert_output "$NETWORK_PROFILE"
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
}

@test "falco-loki --no-sandbox pushes unconfined" {
	start_receiver 204
	on_fifo 7 falco-loki -u "$URL" --no-sandbox
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$UNCONFINED_STATUS"
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
}

@test "falco-webhook posts from inside the network sandbox, which refuses exec, fork and ptrace" {
	skip_probe_under_valgrind
	start_receiver
	on_fifo_probed 7 falco-webhook -u "$URL"
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	run -0 probe "$FIFO_PID"
	assert_output "$NETWORK_PROFILE"
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
	cmp "$RECV/1.body" <(sample 1 | tr -d '\n')
}

@test "falco-webhook --no-sandbox posts unconfined" {
	start_receiver
	on_fifo 7 falco-webhook -u "$URL" --no-sandbox
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$UNCONFINED_STATUS"
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
}

# ---- the servers: the network profile ----

# listening ARGS...: falco-listen on a port of the kernel's choice (PORT),
# output to out, errors to err; SERVER_PID
listening() {
	"$@" --listen 127.0.0.1:0 --port-file ports >out 2>err 3>&- &
	SERVER_PID=$!
	wait_for_file ports || fail "it did not listen: $(cat err)"
	PORT=$(head -n 1 ports)
}

# post_alert N: sample N to falco-listen; prints the HTTP status
post_alert() {
	sample "$1" | curl -sS -o /dev/null -w '%{http_code}' --data-binary @- \
		-H 'Content-Type: application/json' "http://127.0.0.1:$PORT/"
}

@test "falco-listen serves from inside the network sandbox, which refuses exec, fork and ptrace" {
	skip_probe_under_valgrind
	listening probed falco-listen
	run -0 confinement "$SERVER_PID"
	assert_output "$CONFINED"
	run -0 probe "$SERVER_PID"
	assert_output "$NETWORK_PROFILE"
	run -0 post_alert 1
	assert_output 200
	kill -TERM "$SERVER_PID"
	status=0
	wait "$SERVER_PID" || status=$?
	SERVER_PID=
	assert_equal "$status" 0
	assert_equal "$(cat out)" "$(sample 1)"
}

@test "falco-listen over TLS serves from inside the network sandbox" {
	make_test_ca "$BATS_TEST_TMPDIR"
	listening falco-listen --tls-cert "$BATS_TEST_TMPDIR/server.pem" --tls-key "$BATS_TEST_TMPDIR/server.key"
	run -0 confinement "$SERVER_PID"
	assert_output "$CONFINED"
	run -0 curl -sS -o /dev/null -w '%{http_code}' --cacert "$BATS_TEST_TMPDIR/ca.pem" \
		--data-binary "$(sample 1)" "https://127.0.0.1:$PORT/"
	assert_output 200
	kill -TERM "$SERVER_PID"
	wait "$SERVER_PID"
	SERVER_PID=
	assert_equal "$(cat out)" "$(sample 1)"
}

@test "falco-listen --no-sandbox serves unconfined" {
	listening falco-listen --no-sandbox
	run -0 confinement "$SERVER_PID"
	assert_output "$UNCONFINED_STATUS"
	run -0 post_alert 1
	assert_output 200
}

@test "falco-prom counts and serves from inside the network sandbox, which refuses exec, fork and ptrace" {
	skip_probe_under_valgrind
	FIFO_OUT=out FIFO_ERR=err
	on_fifo_probed 7 falco-prom --listen 127.0.0.1:0 --port-file ports
	wait_for_file ports || fail "it did not listen: $(cat err)"
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	run -0 probe "$FIFO_PID"
	assert_output "$NETWORK_PROFILE"
	run -0 curl -sS "http://127.0.0.1:$(head -n 1 ports)/metrics"
	assert_output --partial 'falco_events_total{rule="Terminal shell in container",priority="Critical"'
	fifo_finish 7
	assert_equal "$status" 0
}

@test "falco-prom --no-sandbox counts unconfined" {
	FIFO_OUT=out FIFO_ERR=err
	on_fifo 7 falco-prom --no-sandbox --textfile metrics.prom
	sample 1 >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$UNCONFINED_STATUS"
	fifo_finish 7
	assert_equal "$status" 0
}

# ---- falco-netpol: network, or spawn for an exec credential plugin ----

# an alert with no pod in it: passed through as skipped, no request made
NO_POD=5

@test "falco-netpol acts from inside the network sandbox, which refuses exec, fork and ptrace" {
	skip_probe_under_valgrind
	echo token >token
	on_fifo_probed 7 falco-netpol --server http://127.0.0.1:1 --token-file token
	sample "$NO_POD" >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	run -0 probe "$FIFO_PID"
	assert_output "$NETWORK_PROFILE"
	fifo_finish 7
	assert_equal "$status" 0
	run -0 jq -r .falco_netpol.action "$FIFO_OUT"
	assert_output skipped
}

@test "falco-netpol --no-sandbox acts unconfined" {
	echo token >token
	on_fifo 7 falco-netpol --server http://127.0.0.1:1 --token-file token --no-sandbox
	sample "$NO_POD" >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$UNCONFINED_STATUS"
	fifo_finish 7
	assert_equal "$status" 0
}

@test "falco-netpol keeps fork and exec for a kubeconfig whose credentials come from an exec plugin" {
	skip_probe_under_valgrind
	cat >kubeconfig <<-'EOF'
	apiVersion: v1
	kind: Config
	current-context: t
	clusters:
	- {name: c, cluster: {server: "http://127.0.0.1:1"}}
	contexts:
	- {name: t, context: {cluster: c, user: u}}
	users:
	- name: u
	  user:
	    exec: {apiVersion: client.authentication.k8s.io/v1, command: ./plugin}
	EOF
	on_fifo_probed 7 falco-netpol --kubeconfig kubeconfig
	sample "$NO_POD" >&7
	passed_through
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	run -0 probe "$FIFO_PID"
	assert_output "$SPAWN_PROFILE"
	fifo_finish 7
	assert_equal "$status" 0
}

# ---- falco-route: spawn, inherited by every command it runs ----

@test "falco-route refuses ptrace to itself and to its commands, which inherit its filter" {
	skip_probe_under_valgrind
	on_fifo_probed 7 falco-route -w 'rule exists' -t - \
		-t '!sandbox-try none status ptrace >cmd.out'
	sample 1 >&7
	passed_through
	wait_until 10 lines_in cmd.out 3 || fail "the command did not run: $(cat "$FIFO_ERR")"
	run -0 cat cmd.out
	assert_output "$CONFINED
ptrace: EPERM"
	run -0 confinement "$FIFO_PID"
	assert_output "$CONFINED"
	run -0 probe "$FIFO_PID"
	assert_output "$SPAWN_PROFILE"
	fifo_finish 7
	assert_equal "$status" 0
	assert_equal "$(cat "$FIFO_OUT")" "$(sample 1)"
}

@test "falco-route --no-sandbox routes and runs its commands unconfined" {
	on_fifo 7 falco-route --no-sandbox -w 'rule exists' -t - \
		-t '!sandbox-try none status >cmd.out'
	sample 1 >&7
	passed_through
	wait_until 10 lines_in cmd.out 2 || fail "the command did not run: $(cat "$FIFO_ERR")"
	run -0 cat cmd.out
	assert_output "$UNCONFINED_STATUS"
	run -0 confinement "$FIFO_PID"
	assert_output "$UNCONFINED_STATUS"
	fifo_finish 7
	assert_equal "$status" 0
}
