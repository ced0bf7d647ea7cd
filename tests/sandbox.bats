#!/usr/bin/env bats
# The sandbox (common/sandbox.c): each profile refuses with EPERM what
# it does not allow and lets through what a loop needs, through the
# tests/tools/sandbox-try driver; falco-filter runs its loop inside it.

load test_helper

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
