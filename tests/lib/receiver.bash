# The recording HTTP receiver (http-receiver.py) as the tests of every
# program that posts use it: started on 127.0.0.1, asked what arrived.

# start_receiver [--tls CERT KEY] [ANSWER...]: records into $RECV
# (default $BATS_TEST_TMPDIR/recv); sets $URL (with $SECRET_PATH, when
# set, as its path), RECEIVER_PID, and exports the variable named by
# $RECEIVER_URL_VAR (such as SLACK_WEBHOOK_URL) as $URL
start_receiver() {
	local scheme=http
	[ "${1:-}" != --tls ] || scheme=https
	RECV=${RECV:-$BATS_TEST_TMPDIR/recv}
	mkdir -p "$RECV"
	python3 "$BATS_TEST_DIRNAME/lib/http-receiver.py" "$RECV" "$@" 3>&- &
	RECEIVER_PID=$!
	wait_for_file "$RECV/port"
	URL="$scheme://127.0.0.1:$(cat "$RECV/port")${SECRET_PATH:-}"
	[ -z "${RECEIVER_URL_VAR:-}" ] || export "$RECEIVER_URL_VAR=$URL"
}

stop_receiver() {
	if [ -n "${RECEIVER_PID:-}" ]; then
		kill "$RECEIVER_PID" 2>/dev/null || true
		wait "$RECEIVER_PID" 2>/dev/null || true
		RECEIVER_PID=
	fi
}

# requests: how many requests the receiver recorded
requests() {
	if [ -f "$RECV/log" ]; then wc -l <"$RECV/log"; else echo 0; fi
}

# body N [JQ]: what the jq filter JQ (default .) makes of request N's body
body() {
	jq -r "${2:-.}" "$RECV/$1.body"
}

# arrived_apart N M SECONDS: request M reached the receiver at least
# SECONDS after request N (a lower bound only: sleeps may run long)
arrived_apart() {
	local gap
	gap=$(awk -v n="$1" -v m="$2" '$1 == n { a = $4 } $1 == m { b = $4 } END { printf "%.3f", b - a }' "$RECV/log")
	awk -v gap="$gap" -v min="$3" 'BEGIN { exit !(gap >= min) }' ||
		fail "requests $1 and $2 arrived $gap s apart, expected at least $3 s"
}
