# What the falco-slack suites ask of the recording receiver
# (tests/lib/receiver.bash) beyond what every poster's suite asks.

SECRET_PATH=/services/T0001/B0001/XsecretXtokenX
RECEIVER_URL_VAR=SLACK_WEBHOOK_URL

# requests_reach N: the receiver recorded N requests or more
requests_reach() {
	[ "$(requests)" -ge "$1" ]
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

# spaced SECONDS: every request reached the receiver at least SECONDS
# after the one before it
spaced() {
	sort -k4,4n "$RECV/log" | awk -v min="$1" '
		NR > 1 && $4 - prev < min { printf "requests %d and %d arrived %.3f s apart\n", last, $1, $4 - prev; bad = 1 }
		{ prev = $4; last = $1 }
		END { exit bad }' || fail "requests closer than $1 s: $(cat "$RECV/log")"
}
