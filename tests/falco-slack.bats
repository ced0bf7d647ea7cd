#!/usr/bin/env bats
# falco-slack against a real HTTP(S) receiver on 127.0.0.1 that records
# every request and replays scripted answers (tests/lib/http-receiver.py).
load test_helper
bats_require_minimum_version 1.5.0

SLACK=$FIXTURES/slack
SECRET_PATH=/services/T0001/B0001/XsecretXtokenX

setup() {
	RECV=$BATS_TEST_TMPDIR/recv
	mkdir -p "$RECV"
	unset SLACK_WEBHOOK_URL
	RECEIVER_URL_VAR=SLACK_WEBHOOK_URL
}

teardown() {
	fifo_teardown
	stop_receiver
}

# accounted: how many alerts the received messages stand for, one for a
# lone alert, the sum of its counts for a digest
accounted() {
	jq -r 'if (.text | startswith("Falco digest: ")) then .attachments[0].text else "1" end' "$RECV"/*.body |
		awk '{ n += $1 } END { print n + 0 }'
}

# post_one ANSWER...: post sample 2 to a receiver that gives ANSWER...
post_one() {
	start_receiver "$@"
	sample 2 >"$BATS_TEST_TMPDIR/in"
	run --separate-stderr falco-slack -q --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	PORT=$(cat "$RECV/port")
}

@test "--help prints the options on standard output and exits 0" {
	run -0 --separate-stderr falco-slack --help
	assert_line --index 0 --partial "usage: falco-slack"
	assert_output --partial "--webhook-url-file=FILE"
	assert_output --partial "--dead-letter=FILE"
	[ -z "$stderr" ]
}

@test "--version prints the toolkit version" {
	run -0 falco-slack --version
	assert_output "falco-slack 0.1.0"
}

@test "an unknown option is a usage error with status 2" {
	run -2 --separate-stderr falco-slack --no-such-option
	assert_equal "${stderr_lines[1]}" "falco-slack: usage: falco-slack [-nqV] [-l FILE] [-p PRIORITY] [-u URL] [-w CONDITION]"
}

@test "without a webhook URL falco-slack refuses to start" {
	run -2 --separate-stderr falco-slack </dev/null
	assert_equal "${stderr_lines[0]}" "falco-slack: no webhook URL: use --webhook-url-file, \$SLACK_WEBHOOK_URL or -u"
}

@test "a webhook URL that is not http or https is refused without being printed" {
	SLACK_WEBHOOK_URL=ftp://host/secret-part run -2 --separate-stderr falco-slack </dev/null
	assert_equal "$stderr" "falco-slack: the webhook URL must start with https:// or http://"
}

@test "a bad --rate is a usage error" {
	run -2 --separate-stderr falco-slack -n --rate fast </dev/null
	assert_output ""
	assert_equal "${stderr_lines[0]}" "falco-slack: --rate: 'fast': invalid rate (use N/DURATION, as 1/1s)"
}

@test "every alert passes through to standard output byte for byte" {
	start_receiver
	run -0 --separate-stderr falco-slack --rate 100/1 "$SAMPLES"
	diff <(printf '%s\n' "$output") "$SAMPLES"
	[ -z "$stderr" ]
}

@test "-q passes nothing through but still posts" {
	start_receiver
	run -0 --separate-stderr falco-slack -q "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" ""
	# the default rate, 1/1: the first alert alone, the rest as one digest
	assert_equal "$(requests)" 2
	assert_equal "$(body 2 .text)" "Falco digest: 15 alerts (first 5 in full, …and 10 more)"
}

@test "the alert is POSTed as JSON to the webhook path" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 1
	assert_equal "$(head -n 1 "$RECV/1.head")" "POST $SECRET_PATH"
	grep -qx 'Content-Type: application/json; charset=utf-8' "$RECV/1.head"
	grep -qx 'User-Agent: falco-pipes/0.1.0' "$RECV/1.head"
}

@test "the attachment has Falcosidekick's fields in Falcosidekick's order" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q "$BATS_TEST_TMPDIR/in"
	run -0 body 1 '.attachments[0].fields[] | "\(.title)=\(.value) \(.short)"'
	assert_output - <<'EOF'
rule=Terminal shell in container true
priority=Critical true
source=syscall true
hostname=falco-xczjd true
tags=container, mitre_execution, shell true
container.id=ee97d9c4186f true
container.image.repository=docker.io/library/alpine true
k8s.ns.name=default true
k8s.pod.name=kubecon true
proc.cmdline=sh -c clear; (bash || ash || sh) true
proc.name=sh true
proc.pname=runc true
user.name=root true
time=2023-05-25 13:44:05.478445995 +0000 UTC false
EOF
}

@test "the attachment is coloured by priority and carries the output as text" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 '.attachments[0].color')" "#ff5400"
	assert_equal "$(body 1 '.attachments[0].text')" "$(sample 1 | jq -r .output)"
	assert_equal "$(body 1 '.attachments[0].fallback')" "$(sample 1 | jq -r .output)"
}

@test "a plain top-level text is always present" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 .text)" "Critical: Terminal shell in container"
}

@test "--message sets the top-level text from a Falco-style template" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q --message '%priority on %hostname: %k8s.ns.name/%k8s.pod.name %no.such' "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 .text)" "Critical on falco-xczjd: default/kubecon &lt;NA&gt;"
}

@test "a --message that renders to nothing gives way to the default text" {
	printf '{"output":"o","priority":"Notice","rule":"R","output_fields":{"proc.args":""}}\n' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -n --message '%proc.args' "$BATS_TEST_TMPDIR/in"
	assert_equal "$(jq -r .text <<<"$output")" "Notice: R"
}

@test "a bad --message template is a usage error" {
	run -2 --separate-stderr falco-slack -n --message 'cmd %' </dev/null
	assert_output ""
	assert_equal "$stderr" "falco-slack: --message: '%' must be followed by a field name or '%'"
}

@test "--format text sends the output with null fields and no footer" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q --format text --footer F "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 '.attachments[0] | [.fields, has("footer"), (.text | length > 0)] | @json')" '[null,false,true]'
}

@test "--format fields sends fields and footer without the attachment text" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q --format fields --footer F "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 '.attachments[0] | [has("text"), .footer, (.fields | length)] | @json')" '[false,"F",14]'
}

@test "--channel, --username, --icon-emoji, --icon-url and --footer reach the payload" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q --channel '#sec' --username Falco --icon-emoji :falco: --icon-url https://example.com/falco.png --footer falco-pipes "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 '[.channel, .username, .icon_emoji, .icon_url, .attachments[0].footer] | @json')" '["#sec","Falco",":falco:","https://example.com/falco.png","falco-pipes"]'
}

@test "each priority has Falcosidekick's colour" {
	for p in Emergency Alert Critical Error Warning Notice Informational Debug; do
		printf '{"output":"o","priority":"%s","rule":"R","time":"2025-05-07T12:00:00Z"}\n' "$p"
	done >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -n --rate 100/1 "$BATS_TEST_TMPDIR/in"
	run -0 jq -r '.attachments[0].color' <<<"$output"
	assert_output - <<'EOF'
#e20b0b
#ff5400
#ff5400
#e20b0b
#ffc700
#5bffb5
#68c2ff
#ccfff2
EOF
}

@test "the payload turns unfurling off and never asks for link_names or parse" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 '[.unfurl_links, .unfurl_media, has("link_names"), has("parse")] | @json')" '[false,false,false,false]'
}

@test "a hostile alert can neither mention anyone nor make a link" {
	start_receiver
	run -0 falco-slack -q "$SLACK/hostile.ndjson"
	zwsp=$(printf '\342\200\213')
	# the @ of <@U024BE7LH> is defused too: Mattermost reads @U024BE7LH as a user
	assert_equal "$(body 1 '.attachments[0].text')" "12:00:00.000000000: Warning hostile cmdline=&lt;!channel&gt; &lt;@${zwsp}U024BE7LH&gt; &lt;https://evil.example|click&gt; &amp; done"
	assert_equal "$(body 1 .text)" 'Warning: Hostile &lt;!here&gt; rule'
	run -0 body 1 '.attachments[0].fields[] | "\(.title)=\(.value)"'
	assert_line 'rule=Hostile &lt;!here&gt; rule'
	assert_line 'tags=&lt;!everyone&gt;'
	assert_line '&lt;!subteam^S1|team&gt;=x'
	assert_line "proc.cmdline=&lt;!channel&gt; &lt;@${zwsp}U024BE7LH&gt; &lt;https://evil.example|click&gt; &amp; done"
	# no unescaped "<" anywhere in what was sent
	run ! grep -F '<' "$RECV/1.body"
}

@test "--mattermost neutralises plain @channel, @here and @all" {
	start_receiver
	run -0 falco-slack -q --mattermost "$SLACK/mentions.ndjson"
	zwsp=$(printf '\342\200\213')
	assert_equal "$(body 1 '.attachments[0].text')" "12:00:00.000000000: Notice ping @${zwsp}channel @${zwsp}here @${zwsp}ALL and mail@example.com"
	assert_equal "$(body 1 '.attachments[0].fields[] | select(.title == "proc.cmdline") | .value')" "echo @${zwsp}channel"
}

@test "--mattermost defuses every @name that can mention someone, and leaves e-mail addresses" {
	printf '{"output":"@allowed @channels root@hereford @all. @here_x @ALL mail@example.com","priority":"Notice","rule":"R"}\n' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -n --mattermost "$BATS_TEST_TMPDIR/in"
	zwsp=$(printf '\342\200\213')
	# @allowed is a user to Mattermost and Rocket.Chat; Discord pings on @here anywhere
	assert_equal "$(jq -r '.attachments[0].text' <<<"$output")" "@${zwsp}allowed @${zwsp}channels root@${zwsp}hereford @${zwsp}all. @${zwsp}here_x @${zwsp}ALL mail@example.com"
}

@test "without --mattermost plain @channel, @here and @all are defused all the same" {
	start_receiver
	run -0 falco-slack -q "$SLACK/mentions.ndjson"
	zwsp=$(printf '\342\200\213')
	assert_equal "$(body 1 '.attachments[0].text')" "12:00:00.000000000: Notice ping @${zwsp}channel @${zwsp}here @${zwsp}ALL and mail@example.com"
}

@test "invalid UTF-8 and NUL in an alert still give valid JSON with replacement characters" {
	start_receiver
	run -0 falco-slack -q --rate 10/1 "$SLACK/bad-utf8.ndjson"
	assert_equal "$(requests)" 2
	assert_equal "$(body 1 '.attachments[0].text')" 'escaped nul � end'
	assert_equal "$(body 2 '.attachments[0].text')" 'raw bytes �� here'
	python3 -c 'import sys; [open(f, "rb").read().decode("utf-8") for f in sys.argv[1:]]' "$RECV/1.body" "$RECV/2.body"
}

@test "text over Slack's limit is cut on a character boundary with a visible marker" {
	start_receiver
	long=$(printf 'é%.0s' $(seq 5000))
	printf '{"output":"%s","priority":"Notice","rule":"Long","time":"2025-05-07T12:00:00Z"}\n' "$long" >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 '.attachments[0].text | length')" 3000
	assert_equal "$(body 1 '.attachments[0].text | .[-12:]')" '…[truncated]'
}

@test "a cut never splits an escape such as &amp;" {
	amps=$(printf '&%.0s' $(seq 1000))
	printf '{"output":"%s","priority":"Notice","rule":"Amps"}\n' "$amps" >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -n "$BATS_TEST_TMPDIR/in"
	# 597 escapes (2,985 characters) and the marker fit in 3,000
	expected=$(printf '&amp;%.0s' $(seq 597))…[truncated]
	assert_equal "$(jq -r '.attachments[0].text' <<<"$output")" "$expected"
}

@test "top-level text over 40,000 characters is cut with the marker" {
	long=$(printf 'x%.0s' $(seq 45000))
	printf '{"output":"%s","priority":"Notice","rule":"Long"}\n' "$long" >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -n --message '%output' "$BATS_TEST_TMPDIR/in"
	assert_equal "$(jq -r '.text | length' <<<"$output")" 40000
	assert_equal "$(jq -r '.text | .[-13:]' <<<"$output")" 'x…[truncated]'
}

@test "-p posts only alerts of that priority or worse and passes all through" {
	start_receiver
	run -0 falco-slack -p error --rate 100/1 "$SAMPLES"
	assert_equal "${#lines[@]}" 16
	run -0 jq -r '.text' "$RECV"/*.body
	assert_output "$(jq -r 'select(.priority == "Critical" or .priority == "Error") | "\(.priority): \(.rule)"' "$SAMPLES")"
}

@test "-w posts only alerts that satisfy the condition" {
	start_receiver
	run -0 falco-slack -q -w 'k8s.ns.name = default and proc.name = sh' --rate 100/1 "$SAMPLES"
	run -0 jq -r '.attachments[0].fields[] | select(.title == "k8s.pod.name") | .value' "$RECV"/*.body
	assert_output - <<'EOF'
kubecon
alpine
EOF
}

@test "-w conditions can name lists from a rules file given with -l" {
	start_receiver
	printf -- '- list: shells\n  items: [sh, bash]\n' >"$BATS_TEST_TMPDIR/rules.yaml"
	run -0 falco-slack -q -l "$BATS_TEST_TMPDIR/rules.yaml" -w 'proc.name in (shells)' --rate 100/1 "$SAMPLES"
	run -0 jq -r '.text' "$RECV"/*.body
	assert_output - <<'EOF'
Critical: Terminal shell in container
Notice: Terminal shell in container
Notice: Run shell untrusted
EOF
}

@test "a bad --when condition is a usage error that points at the column" {
	run -2 --separate-stderr falco-slack -n -w 'rule = ' </dev/null
	assert_equal "${stderr_lines[0]:0:24}" "falco-slack: condition: "
}

@test "--dry-run prints each payload instead of the alerts and posts nothing" {
	start_receiver
	run -0 --separate-stderr falco-slack -n --rate 100/1 "$SAMPLES"
	assert_equal "$stderr" ""
	assert_equal "${#lines[@]}" 16
	assert_equal "$(requests)" 0
	run -0 jq -r '.attachments[0].fields[0].value' <<<"$output"
	assert_output "$(jq -r .rule "$SAMPLES")"
}

@test "a burst beyond the rate becomes a digest that accounts for every alert" {
	start_receiver
	for i in $(seq 20); do cat "$SAMPLES"; done >"$BATS_TEST_TMPDIR/burst"
	run -0 --separate-stderr falco-slack -q --rate 1/2s --digest-max 3 "$BATS_TEST_TMPDIR/burst"
	assert_equal "$(requests)" 2
	assert_equal "$(body 1 .text)" "Critical: Terminal shell in container"
	assert_equal "$(body 2 .text)" "Falco digest: 319 alerts (first 3 in full, …and 316 more)"
	assert_equal "$(body 2 '.attachments | length')" 4
	# the counts of the digest plus the lone first alert make all 320
	sum=$(body 2 '.attachments[0].text' | awk '{ n += $1 } END { print n }')
	assert_equal "$((sum + 1))" 320
	assert_equal "$(body 2 '.attachments[0].text' | head -n 1)" "20 × Critical: GCP Bucket configured to be public"
	assert_equal "$(body 2 '[.unfurl_links, .unfurl_media, has("link_names"), has("parse")] | @json')" '[false,false,false,false]'
}

@test "a digest escapes hostile rule names in its counts" {
	start_receiver
	{ sample 1; cat "$SLACK/hostile.ndjson" "$SLACK/hostile.ndjson"; } >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -q --rate 1/1s "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 2
	assert_equal "$(body 2 '.attachments[0].text')" "2 × Warning: Hostile &lt;!here&gt; rule"
	run ! grep -F '<' "$RECV/2.body"
}

@test "a digest of more than 50 rules counts the rest as other rules" {
	for i in $(seq 60); do
		printf '{"output":"o","priority":"Notice","rule":"R%d"}\n' "$i"
	done >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -n --rate 1/1h --drain-timeout 1s "$BATS_TEST_TMPDIR/in"
	assert_equal "${#lines[@]}" 2
	assert_equal "$(jq -r .text <<<"${lines[1]}")" "Falco digest: 59 alerts (first 5 in full, …and 54 more)"
	run -0 jq -r '.attachments[0].text' <<<"${lines[1]}"
	assert_equal "${#lines[@]}" 51
	assert_equal "${lines[0]}" "1 × Notice: R2"
	assert_equal "${lines[49]}" "1 × Notice: R51"
	assert_equal "${lines[50]}" "9 × other rules"
}

@test "--digest-max above 99 is refused: a message holds 100 attachments" {
	run -2 --separate-stderr falco-slack -n --digest-max 100 </dev/null
	assert_output ""
	assert_equal "$stderr" "falco-slack: --digest-max: '100': too large"
}

@test "at the end of input the last digest still waits for its slot" {
	start_receiver
	run -0 --separate-stderr falco-slack -q --rate 1/2s "$SAMPLES"
	assert_equal "$(requests)" 2
	assert_equal "$(body 2 .text)" "Falco digest: 15 alerts (first 5 in full, …and 10 more)"
	arrived_apart 1 2 1.85
}

@test "--drain-timeout bounds the wait for the last slot and dead-letters the rest" {
	start_receiver
	run -1 --separate-stderr falco-slack -q --rate 1/1h --drain-timeout 300ms --dead-letter "$BATS_TEST_TMPDIR/dead" "$SAMPLES"
	assert_equal "$(requests)" 1
	assert_equal "${stderr_lines[0]}" "falco-slack: --drain-timeout: 15 alerts not sent in time"
	assert_equal "${stderr_lines[1]}" "falco-slack: 15 alerts not delivered, kept in '$BATS_TEST_TMPDIR/dead'"
	diff "$BATS_TEST_TMPDIR/dead" <(sed 1d "$SAMPLES")
}

@test "429 is retried after Retry-After and the alert is delivered" {
	start_receiver '429:rate_limited@1' '200:ok'
	sample 2 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 2
	cmp "$RECV/1.body" "$RECV/2.body"
	[ -z "$stderr" ]
	# the first backoff is at most 0.5 s: only Retry-After makes it 1 s
	arrived_apart 1 2 0.95
}

@test "500 then 200 is retried and delivered with status 0" {
	start_receiver '500:rollup_error' '200:ok'
	sample 2 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -q --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 2
	[ ! -s "$BATS_TEST_TMPDIR/dead" ]
}

@test "404 channel_not_found is reported with Slack's word and not retried" {
	start_receiver '404:channel_not_found'
	sample 2 >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 1
	port=$(cat "$RECV/port")
	assert_equal "${stderr_lines[0]}" "falco-slack: 'http://127.0.0.1:$port': 404 channel_not_found (1 try): 1 alert not delivered"
	assert_equal "${stderr_lines[1]}" "falco-slack: 1 alert not delivered, kept in '$STATE_DIRECTORY/falco-slack.dead-letter.ndjson'"
}

@test "a 200 whose body is not ok is a failure named by its first word, not retried" {
	post_one '200:invalid_token for this webhook'
	assert_equal "$status" 1
	assert_equal "$(requests)" 1
	assert_equal "${stderr_lines[0]}" "falco-slack: 'http://127.0.0.1:$PORT': 200 invalid_token (1 try): 1 alert not delivered"
	diff "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
}

@test "a 200 with JSON saying \"ok\": false is a failure named by its error" {
	post_one '200:{"ok":false,"error":"invalid_blocks"}'
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "falco-slack: 'http://127.0.0.1:$PORT': 200 invalid_blocks (1 try): 1 alert not delivered"
	diff "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
}

@test "Slack's answer 200 ok is a delivery" {
	post_one '200:ok'
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	[ ! -s "$BATS_TEST_TMPDIR/dead" ]
}

@test "Mattermost's answer 200 ok is a delivery" {
	start_receiver '200:ok'
	run -0 --separate-stderr falco-slack -q --mattermost "$SLACK/mentions.ndjson"
	assert_equal "$(requests)" 1
	assert_equal "$stderr" ""
}

@test "Rocket.Chat's answer 200 {\"success\":true} is a delivery" {
	post_one '200:{"success":true}'
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	[ ! -s "$BATS_TEST_TMPDIR/dead" ]
}

@test "Rocket.Chat's answer {\"success\":false} is a failure named by its error" {
	post_one '200:{"success":false,"error":"error-invalid-room"}'
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "falco-slack: 'http://127.0.0.1:$PORT': 200 error-invalid-room (1 try): 1 alert not delivered"
}

@test "Discord's /slack answer 200 with an empty body is a delivery" {
	post_one '200:'
	assert_equal "$status" 0
	assert_equal "$stderr" ""
	[ ! -s "$BATS_TEST_TMPDIR/dead" ]
}

@test "a 200 with an HTML page is a failure" {
	post_one '200:<html><body>Sign in</body></html>'
	assert_equal "$status" 1
	assert_equal "${stderr_lines[0]}" "falco-slack: 'http://127.0.0.1:$PORT': 200 <html><body>Sign (1 try): 1 alert not delivered"
}

@test "an undelivered alert's original line is appended to the dead-letter file" {
	start_receiver '410:channel_is_archived'
	sample 3 >"$BATS_TEST_TMPDIR/in"
	echo 'already here' >"$BATS_TEST_TMPDIR/dead"
	run -1 --separate-stderr falco-slack -q --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	assert_equal "${stderr_lines[1]}" "falco-slack: 1 alert not delivered, kept in '$BATS_TEST_TMPDIR/dead'"
	diff "$BATS_TEST_TMPDIR/dead" <(echo 'already here'; sample 3)
}

@test "retries run out on 500 after --retries and the alert is dead-lettered" {
	start_receiver '500:rollup_error'
	sample 4 >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-slack -q --retries 2 --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 3
	port=$(cat "$RECV/port")
	assert_equal "${stderr_lines[0]}" "falco-slack: 'http://127.0.0.1:$port': 500 rollup_error (3 tries): 1 alert not delivered"
	diff "$BATS_TEST_TMPDIR/dead" <(sample 4)
}

@test "an answer that hangs past --timeout fails the try and the alert is kept" {
	start_receiver hang
	sample 5 >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-slack -q --timeout 500ms --retries 0 --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 1
	assert_equal "${stderr_lines[0]:0:50}" "falco-slack: 'http://127.0.0.1:$(cat "$RECV/port")': Operation t"
	diff "$BATS_TEST_TMPDIR/dead" <(sample 5)
}

@test "an answer that hangs past --timeout is retried" {
	start_receiver hang '200:ok'
	sample 5 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -q --timeout 500ms --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 2
	assert_equal "$stderr" ""
	[ ! -s "$BATS_TEST_TMPDIR/dead" ]
}

@test "a refused connection is retried --retries times and named by host only" {
	port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
	sample 5 >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-slack -q --retries 2 -u "http://user:pass@127.0.0.1:$port$SECRET_PATH" "$BATS_TEST_TMPDIR/in"
	assert_equal "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" == "falco-slack: 'http://127.0.0.1:$port': "*"Couldn't connect to server (3 tries): 1 alert not delivered" ]] ||
		fail "unexpected: ${stderr_lines[0]}"
	[[ "$stderr" != *pass* && "$stderr" != *XsecretXtokenX* ]]
	assert_equal "${stderr_lines[1]}" "falco-slack: 1 alert not delivered, kept in '$STATE_DIRECTORY/falco-slack.dead-letter.ndjson'"
}

@test "the webhook URL's secret path never appears in messages" {
	start_receiver '403:action_prohibited'
	run -1 --separate-stderr falco-slack -q --retries 0 "$SAMPLES"
	[[ "$stderr" != *XsecretXtokenX* ]]
	[[ "$stderr" != *services* ]]
}

@test "a failed digest dead-letters every alert it stood for" {
	start_receiver '200:ok' '404:no_service'
	run -1 --separate-stderr falco-slack -q --rate 1/1s --dead-letter "$BATS_TEST_TMPDIR/dead" "$SAMPLES"
	assert_equal "$(requests)" 2
	diff "$BATS_TEST_TMPDIR/dead" <(sed 1d "$SAMPLES")
	assert_equal "${stderr_lines[1]}" "falco-slack: 15 alerts not delivered, kept in '$BATS_TEST_TMPDIR/dead'"
}

@test "the webhook URL can come from --webhook-url-file" {
	start_receiver
	echo "$URL" >"$BATS_TEST_TMPDIR/url"
	unset SLACK_WEBHOOK_URL
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q --webhook-url-file "$BATS_TEST_TMPDIR/url" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(head -n 1 "$RECV/1.head")" "POST $SECRET_PATH"
}

@test "-u and --webhook-url-file together are a usage error" {
	echo http://127.0.0.1:9/x >"$BATS_TEST_TMPDIR/url"
	run -2 --separate-stderr falco-slack -u http://127.0.0.1:9/y --webhook-url-file "$BATS_TEST_TMPDIR/url" </dev/null
	assert_equal "$stderr" "falco-slack: --webhook-url-file: only one of -u and --webhook-url-file"
}

@test "-u is used rather than \$SLACK_WEBHOOK_URL" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	SLACK_WEBHOOK_URL=http://127.0.0.1:9/unused run -0 --separate-stderr falco-slack -q -u "$URL" "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" ""
	assert_equal "$(requests)" 1
}

@test "the webhook URL can come from -u" {
	start_receiver
	unset SLACK_WEBHOOK_URL
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 falco-slack -q -u "$URL" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 1
}

@test "an unparsable line is reported with file and line and passed through" {
	start_receiver
	{ sample 1; echo 'not json'; } >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack "$BATS_TEST_TMPDIR/in"
	assert_equal "${lines[1]}" "not json"
	[[ "${stderr_lines[0]}" == "falco-slack: $BATS_TEST_TMPDIR/in:2: "* ]]
	assert_equal "$(requests)" 1
}

@test "--max-line-bytes skips a longer line with a warning and goes on, status 2" {
	start_receiver
	{ sample 1; sample 2; } >"$BATS_TEST_TMPDIR/in"
	run -2 --separate-stderr falco-slack --max-line-bytes 800 --rate 100/1 "$BATS_TEST_TMPDIR/in"
	[ "$(sample 1 | wc -c)" -gt 801 ] && [ "$(sample 2 | wc -c)" -le 801 ]
	assert_output "$(sample 2)"
	assert_equal "$stderr" "falco-slack: $BATS_TEST_TMPDIR/in:1: line longer than 800 bytes, skipped"
	assert_equal "$(requests)" 1
	assert_equal "$(body 1 .text)" "$(sample 2 | jq -r '"\(.priority): \(.rule)"')"
}

# slack_into_head ERR OUT ARGS...: falco-slack's output read by head -n 1
slack_into_head() {
	local err=$1 out=$2
	shift 2
	falco-slack "$@" 2>"$err" | head -n 1 >"$out"
	return "${PIPESTATUS[0]}"
}

@test "a reader that goes away ends falco-slack quietly with status 141" {
	for i in $(seq 200); do cat "$SAMPLES"; done >"$BATS_TEST_TMPDIR/many"
	run -141 slack_into_head "$BATS_TEST_TMPDIR/err" "$BATS_TEST_TMPDIR/out" -n --rate 1000000/1 "$BATS_TEST_TMPDIR/many"
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
	assert_equal "$(jq -r .text "$BATS_TEST_TMPDIR/out")" "Critical: Terminal shell in container"
}

@test "when its reader goes away falco-slack still posts what it had read, then exits 141" {
	start_receiver
	for i in $(seq 200); do cat "$SAMPLES"; done >"$BATS_TEST_TMPDIR/many"
	run -141 slack_into_head "$BATS_TEST_TMPDIR/err" "$BATS_TEST_TMPDIR/out" --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/many"
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
	assert_equal "$(cat "$BATS_TEST_TMPDIR/out")" "$(sample 1)"
	# the first 128 KiB read, at least, were queued before the first write
	(( $(accounted) >= 16 )) || fail "accounted $(accounted): $(cat "$RECV/log")"
	[ ! -s "$BATS_TEST_TMPDIR/dead" ]
}

@test "an unreadable file is reported, the others are read, and the status is 2" {
	start_receiver
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -2 --separate-stderr falco-slack "$BATS_TEST_TMPDIR/missing" "$BATS_TEST_TMPDIR/in"
	assert_output "$(sample 1)"
	assert_equal "$stderr" "falco-slack: $BATS_TEST_TMPDIR/missing: No such file or directory"
	assert_equal "$(requests)" 1
}

@test "HTTPS to a private endpoint works with --cacert" {
	make_ca "$BATS_TEST_TMPDIR"
	start_receiver --tls "$BATS_TEST_TMPDIR/server.pem" "$BATS_TEST_TMPDIR/server.key"
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -q --cacert "$BATS_TEST_TMPDIR/ca.pem" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(body 1 .text)" "Critical: Terminal shell in container"
}

@test "HTTPS with a certificate from an unknown CA is refused, not retried" {
	make_ca "$BATS_TEST_TMPDIR"
	start_receiver --tls "$BATS_TEST_TMPDIR/server.pem" "$BATS_TEST_TMPDIR/server.key"
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-slack -q "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 0
	assert_equal "${#stderr_lines[@]}" 2
	[[ "${stderr_lines[0]}" == *"(1 try): 1 alert not delivered" ]]
}

@test "SIGTERM sends what is queued before exiting" {
	start_receiver
	mkfifo "$BATS_TEST_TMPDIR/fifo"
	falco-slack --rate 1/2s <"$BATS_TEST_TMPDIR/fifo" >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" 3>&- &
	pid=$!
	exec 4>"$BATS_TEST_TMPDIR/fifo"
	cat "$SAMPLES" >&4
	# all read and passed through (flushed before the next read), first posted
	for _ in $(seq 200); do
		[ "$(requests)" -ge 1 ] && [ "$(wc -l <"$BATS_TEST_TMPDIR/out")" -eq 16 ] && break
		sleep 0.05
	done
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	exec 4>&-
	assert_equal "$status" 0
	assert_equal "$(requests)" 2
	assert_equal "$(body 2 .text)" "Falco digest: 15 alerts (first 5 in full, …and 10 more)"
	diff "$BATS_TEST_TMPDIR/out" "$SAMPLES"
}

# start_slack ARGS...: falco-slack in the background reading a FIFO held
# open on fd 4, output to out and err in $BATS_TEST_TMPDIR
start_slack() {
	on_fifo 4 falco-slack "$@"
}

# finish_slack: end of input; sets $status to falco-slack's exit status
finish_slack() {
	fifo_finish 4
}

@test "SIGTERM mid-stream with the webhook hanging: every alert read is passed on and posted or kept" {
	start_receiver hang
	status=0
	feed-and-stop.py --after 300 "$BATS_TEST_TMPDIR/consumed" -- falco-slack --rate 1000/1 \
	    --timeout 60 --drain-timeout 1s --dead-letter "$BATS_TEST_TMPDIR/dead" \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || status=$?
	assert_equal "$status" 1
	cmp "$BATS_TEST_TMPDIR/consumed" "$BATS_TEST_TMPDIR/out"
	# one alert was being posted when the drain time ran out; none was accepted
	cmp "$BATS_TEST_TMPDIR/consumed" "$BATS_TEST_TMPDIR/dead"
	n=$(wc -l <"$BATS_TEST_TMPDIR/consumed")
	[[ $(tail -n 1 "$BATS_TEST_TMPDIR/err") == "falco-slack: $n alerts not delivered, kept in '$BATS_TEST_TMPDIR/dead'" ]] ||
		fail "$(cat "$BATS_TEST_TMPDIR/err")"
}

@test "SIGTERM mid-stream with a healthy webhook: every alert read is passed on and posted" {
	start_receiver
	status=0
	feed-and-stop.py --after 300 "$BATS_TEST_TMPDIR/consumed" -- falco-slack --rate 100000/1 \
	    >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" || status=$?
	assert_equal "$status" 0
	cmp "$BATS_TEST_TMPDIR/consumed" "$BATS_TEST_TMPDIR/out"
	assert_equal "$(accounted)" "$(wc -l <"$BATS_TEST_TMPDIR/consumed")"
}

@test "--rate counts every try, retries included, in any window of its duration" {
	start_receiver 500:busy 500:busy 200:ok
	sample 1 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -q --rate 2/1s "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 3
	# two tries may go at once; the third waits until the first is 1 s old
	arrived_apart 1 3 1.0
}

@test "--rate 2/1s never lets a third message through within a second" {
	start_receiver
	for i in 1 2 3; do sample 1; done >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-slack -q --digest-max 1 --rate 2/1s "$BATS_TEST_TMPDIR/in"
	# the third alert waited for its slot, alone or in a digest
	arrived_apart 1 "$(requests)" 1.0
	assert_equal "$(accounted)" 3
}

@test "a webhook URL with a port out of range is refused at start, without the URL" {
	SLACK_WEBHOOK_URL=https://hooks.example:99999/services/SECRET run -2 --separate-stderr falco-slack </dev/null
	assert_equal "$stderr" "falco-slack: the webhook URL has an invalid port (1 to 65535)"
}

@test "a hung webhook and large alerts: memory stays bounded by --queue-bytes, the rest waits on disk" {
	start_receiver hang
	python3 -c 'import sys
pad = "x" * 512 * 1024
for i in range(100):
    sys.stdout.write("{\"rule\":\"Big %d\",\"priority\":\"Warning\",\"output\":\"%s\"}\n" % (i, pad))' >"$BATS_TEST_TMPDIR/big"
	ASAN_OPTIONS=quarantine_size_mb=4 run -1 --separate-stderr /usr/bin/time -f 'rss %M' falco-slack -q --queue-bytes 4M \
	    --timeout 60 --drain-timeout 1s --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/big"
	rss=$(sed -n 's/^rss //p' <<<"$stderr")
	# 50 MiB of alerts went through; far less was ever held in memory
	# (under ASan, its shadow and a small quarantine of freed blocks too)
	limit=40000
	[[ $BUILD != */sanitize ]] || limit=120000
	[ "$rss" -lt "$limit" ] || fail "peak RSS $rss KiB"
	cmp "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/big"
}

@test "alerts flow to standard output while the webhook has not answered" {
	start_receiver hold
	start_slack
	cat "$SAMPLES" >&4
	# falco-slack waits for its answer to the first alert: all 16 pass anyway
	wait_until 10 lines_in "$BATS_TEST_TMPDIR/out" 16 ||
		fail "$(wc -l <"$BATS_TEST_TMPDIR/out") lines passed through while the post was held"
	assert_equal "$(requests)" 1
	touch "$RECV/release"
	finish_slack
	assert_equal "$status" 0
	diff "$BATS_TEST_TMPDIR/out" "$SAMPLES"
	assert_equal "$(accounted)" 16
}

@test "with a full queue and no spool reading pauses and no alert is lost" {
	start_receiver hold
	start_slack --queue-size 1 --max-spool 0
	cat "$SAMPLES" >&4
	# alert 1 is being posted, alert 2 fills the queue, alert 3 waits for
	# room (it is queued before it is passed on): the two before it leave
	wait_until 10 lines_in "$BATS_TEST_TMPDIR/out" 2 || fail "reading never paused"
	assert_equal "$(wc -l <"$BATS_TEST_TMPDIR/out")" 2
	touch "$RECV/release"
	finish_slack
	assert_equal "$status" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	diff "$BATS_TEST_TMPDIR/out" "$SAMPLES"
	assert_equal "$(accounted)" 16
}

@test "with a full queue alerts spill to disk: reading goes on, and every alert is posted in order" {
	start_receiver hold
	start_slack --queue-size 1 --rate 1000/1
	cat "$SAMPLES" >&4
	# the webhook holds the first post; every other alert waits on disk
	wait_until 10 lines_in "$BATS_TEST_TMPDIR/out" 16 || fail "reading paused"
	ls "$STATE_DIRECTORY"/falco-slack.queue.* >/dev/null || fail "nothing spilled"
	touch "$RECV/release"
	finish_slack
	assert_equal "$status" 0
	assert_equal "$(cat "$BATS_TEST_TMPDIR/err")" ""
	assert_equal "$(accounted)" 16
	run -0 jq -r .text "$RECV"/{1..16}.body
	assert_output "$(jq -r '"\(.priority): \(.rule)"' "$SAMPLES")"
	run -0 ls "$STATE_DIRECTORY"
	assert_output ""
}

@test "--drain-timeout also ends a request under way and dead-letters its alert" {
	start_receiver hang
	sample 1 >"$BATS_TEST_TMPDIR/in"
	# without the abort the post would last --timeout (60 s), past timeout(1)'s 20
	run -1 --separate-stderr timeout 20 falco-slack -q --timeout 60 \
	    --drain-timeout 300ms --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	diff "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	[[ $stderr == *"1 alert not delivered, kept in '$BATS_TEST_TMPDIR/dead'"* ]] ||
		fail "stderr: $stderr"
}

@test "SIGINT dead-letters what --drain-timeout leaves unposted" {
	start_receiver
	start_slack --rate 1/1h --drain-timeout 200ms --dead-letter "$BATS_TEST_TMPDIR/dead"
	cat "$SAMPLES" >&4
	# all read (flushed before the next read) and the first posted
	wait_until 10 lines_in "$BATS_TEST_TMPDIR/out" 16 || fail "not all alerts were read"
	wait_until 10 test -s "$RECV/log" || fail "nothing was posted"
	kill -INT "$FIFO_PID"
	finish_slack
	assert_equal "$status" 1
	assert_equal "$(requests)" 1
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output - <<EOF
falco-slack: --drain-timeout: 15 alerts not sent in time
falco-slack: 15 alerts not delivered, kept in '$BATS_TEST_TMPDIR/dead'
EOF
	diff "$BATS_TEST_TMPDIR/dead" <(sed 1d "$SAMPLES")
}

@test "the man page's dry-run example shows the payloads of one namespace" {
	run -0 --separate-stderr falco-slack -n --rate 100/1 -w 'k8s.ns.name = default' "$SAMPLES"
	run -0 jq -r '.attachments[0].fields[] | select(.title == "k8s.pod.name") | .value' <<<"$output"
	assert_output - <<'EOF'
kubecon
alpine
EOF
}

@test "what is still queued when --drain-timeout ends is dead-lettered" {
	start_receiver hang
	{ sample 1; sample 2; } >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-slack -q --rate 1/1h --timeout 1s --drain-timeout 200ms --dead-letter "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(requests)" 1
	assert_equal "${stderr_lines[1]}" "falco-slack: --drain-timeout: 1 alert not sent in time"
	assert_equal "${stderr_lines[2]}" "falco-slack: 2 alerts not delivered, kept in '$BATS_TEST_TMPDIR/dead'"
	diff "$BATS_TEST_TMPDIR/dead" "$BATS_TEST_TMPDIR/in"
}
