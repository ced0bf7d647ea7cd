# A program that reads a FIFO the test holds open, as a long-lived
# pipeline would: the test writes alerts when it likes and decides when
# the input ends.

# on_fifo FD PROG ARGS...: PROG in the background reading the FIFO
# $BATS_TEST_TMPDIR/fifo, which the test holds open for writing on
# descriptor FD (write with >&FD, end the input with fifo_finish FD);
# standard output to $FIFO_OUT, standard error to $FIFO_ERR (default out
# and err in $BATS_TEST_TMPDIR). Sets FIFO_PID. Descriptor 3 is bats' own
# and must not reach a background process.
on_fifo() {
	local fd=$1
	shift
	FIFO_OUT=${FIFO_OUT:-$BATS_TEST_TMPDIR/out}
	FIFO_ERR=${FIFO_ERR:-$BATS_TEST_TMPDIR/err}
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	eval "exec $fd<>\"\$BATS_TEST_TMPDIR/fifo\""
	"$@" <"$BATS_TEST_TMPDIR/fifo" >"$FIFO_OUT" 2>"$FIFO_ERR" 3>&- {fd}>&- &
	FIFO_PID=$!
}

# fifo_finish FD: the end of input; the program's exit status in $status
fifo_finish() {
	eval "exec $1>&-"
	status=0
	wait "$FIFO_PID" || status=$?
	FIFO_PID=
}

# fifo_teardown: whatever is still running is killed
fifo_teardown() {
	if [ -n "${FIFO_PID:-}" ]; then
		kill -KILL "$FIFO_PID" 2>/dev/null || true
		wait "$FIFO_PID" 2>/dev/null || true
	fi
}
