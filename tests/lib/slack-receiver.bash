# Helpers for the falco-slack suites: a recording webhook
# (tests/lib/http-receiver.py) in $RECV, and what it received.

SECRET_PATH=/services/T0001/B0001/XsecretXtokenX

# start_receiver [--tls CERT KEY] [ANSWER...]: sets $URL and $SLACK_WEBHOOK_URL
start_receiver() {
	local scheme=http
	[ "${1:-}" != --tls ] || scheme=https
	python3 "$BATS_TEST_DIRNAME/lib/http-receiver.py" "$RECV" "$@" 3>&- &
	RECEIVER_PID=$!
	wait_for_file "$RECV/port"
	URL="$scheme://127.0.0.1:$(cat "$RECV/port")$SECRET_PATH"
	export SLACK_WEBHOOK_URL=$URL
}

# stop_receiver: for teardown
stop_receiver() {
	if [ -n "${RECEIVER_PID:-}" ]; then
		kill "$RECEIVER_PID" 2>/dev/null || true
		wait "$RECEIVER_PID" 2>/dev/null || true
	fi
}

# wait_until SECONDS COMMAND...: poll COMMAND every 50 ms until it succeeds
wait_until() {
	local tries=$(($1 * 20))
	shift
	until "$@"; do
		[ "$tries" -gt 0 ] || return 1
		tries=$((tries - 1))
		sleep 0.05
	done
}

# requests: how many requests the receiver recorded
requests() {
	if [ -f "$RECV/log" ]; then wc -l <"$RECV/log"; else echo 0; fi
}

# requests_reach N: the receiver recorded N requests or more
requests_reach() {
	[ "$(requests)" -ge "$1" ]
}

# body N [JQ]: what the receiver got in request N, through jq
body() {
	jq -r "${2:-.}" "$RECV/$1.body"
}

# accounted: how many alerts the received messages stand for, one for a
# lone alert, the sum of its counts for a digest
accounted() {
	jq -r 'if (.text | startswith("Falco digest: ")) then .attachments[0].text else "1" end' "$RECV"/*.body |
		awk '{ n += $1 } END { print n + 0 }'
}

# posted_rules: the rule of every alert the received messages stand for,
# one a line, sorted: a digest's "N × Priority: rule" counts N times
posted_rules() {
	jq -r 'if (.text | startswith("Falco digest: ")) then
		(.attachments[0].text | split("\n")[] |
		 capture("^(?<n>[0-9]+) × [^:]+: (?<r>.*)$") | .r as $r | range(.n | tonumber) | $r)
	else (.attachments[0].fields[] | select(.title == "rule") | .value) end' "$RECV"/*.body | sort
}

# arrived_apart N M SECONDS: request M reached the receiver at least
# SECONDS after request N (a lower bound only: sleeps may run long)
arrived_apart() {
	local gap
	gap=$(awk -v n="$1" -v m="$2" '$1 == n { a = $4 } $1 == m { b = $4 } END { printf "%.3f", b - a }' "$RECV/log")
	awk -v gap="$gap" -v min="$3" 'BEGIN { exit !(gap >= min) }' ||
		fail "requests $1 and $2 arrived $gap s apart, expected at least $3 s"
}

# spaced SECONDS: every request reached the receiver at least SECONDS
# after the one before it
spaced() {
	sort -k4,4n "$RECV/log" | awk -v min="$1" '
		NR > 1 && $4 - prev < min { printf "requests %d and %d arrived %.3f s apart\n", last, $1, $4 - prev; bad = 1 }
		{ prev = $4; last = $1 }
		END { exit bad }' || fail "requests closer than $1 s: $(cat "$RECV/log")"
}
