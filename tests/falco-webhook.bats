#!/usr/bin/env bats
# falco-webhook: bodies checked offline through -n, then requests to the
# shared recording receiver (tests/lib/http-receiver.py), which checks
# each one as the target of a recipe would (--validate KIND) and replays
# scripted answers.
load test_helper
bats_require_minimum_version 1.5.0

setup() {
	RECV=$BATS_TEST_TMPDIR/recv
	mkdir -p "$RECV"
	unset FALCO_WEBHOOK_URL
	# what is kept by default stays in the test's directory
	export STATE_DIRECTORY=$BATS_TEST_TMPDIR/state
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	exec 4>&- 2>/dev/null || true
	if [ -n "${HOOK_PID:-}" ]; then
		kill -KILL "$HOOK_PID" 2>/dev/null || true
		wait "$HOOK_PID" 2>/dev/null || true
	fi
	if [ -n "${RECEIVER_PID:-}" ]; then
		kill "$RECEIVER_PID" 2>/dev/null || true
		wait "$RECEIVER_PID" 2>/dev/null || true
	fi
}

# start_receiver [RECEIVER ARGS...]: sets $BASE (scheme, host and port)
start_receiver() {
	python3 "$BATS_TEST_DIRNAME/lib/http-receiver.py" "$RECV" "$@" 3>&- &
	RECEIVER_PID=$!
	wait_for_file "$RECV/port"
	BASE="http://127.0.0.1:$(cat "$RECV/port")"
}

requests() {
	if [ -f "$RECV/log" ]; then wc -l <"$RECV/log"; else echo 0; fi
}

# body N [JQ]: request N's body as the receiver decoded it, through jq
body() {
	jq -r "${2:-.}" "$RECV/$1.plain"
}

all_valid() {
	local f
	[ "$(requests)" -gt 0 ] || fail "no request"
	for f in "$RECV"/*.invalid; do
		[ -e "$f" ] || continue
		fail "$(basename "$f"): $(cat "$f")"
	done
}

gap() {
	awk -v n="$1" -v m="$2" '$1 == n { a = $4 } $1 == m { b = $4 } END { printf "%.3f", b - a }' "$RECV/log"
}

at_least() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' || fail "$1 < $2"
}

secret() {
	printf '%s\n' "$2" >"$1"
	chmod 600 "$1"
}

# dry_body: the body of the first request that -n printed (after the
# headers' blank line, up to the blank line that ends the request)
dry_body() {
	awk 'started && !NF { exit } started { print } !NF { started = 1 }' <<<"$output"
}

# ---- options ----

@test "without a URL falco-webhook refuses to start" {
	run -2 --separate-stderr falco-webhook </dev/null
	assert_equal "$stderr" "falco-webhook: no URL: use -u, --url-file or \$FALCO_WEBHOOK_URL"
}

@test "a URL with a blank is refused without being printed" {
	FALCO_WEBHOOK_URL='https://hooks.example/secret path' run -2 --separate-stderr falco-webhook </dev/null
	assert_equal "$stderr" "falco-webhook: \$FALCO_WEBHOOK_URL: the URL holds a blank or a control character"
}

@test "a malformed --json is a usage error that says which forms there are" {
	run -2 --separate-stderr falco-webhook -n --json summary </dev/null
	assert_equal "$stderr" "falco-webhook: --json: 'summary': expected KEY=FORMAT or KEY:=FIELD"
	run -2 --separate-stderr falco-webhook -n --json 'a:=not a field' </dev/null
	assert_equal "$stderr" "falco-webhook: --json: 'a:=not a field': after := a field, '.', seconds(FIELD) or JSON"
	run -2 --separate-stderr falco-webhook -n --json 'a=%' </dev/null
	assert_equal "$stderr" "falco-webhook: --json: 'a=%': '%' must be followed by a field name or '%'"
}

@test "a key given twice, or a key under a value, is a usage error" {
	run -2 --separate-stderr falco-webhook -n --json a=1 --json a=2 </dev/null
	assert_equal "$stderr" "falco-webhook: --json: 'a=2': the key is given twice"
	run -2 --separate-stderr falco-webhook -n --json a=1 --json a.b=2 </dev/null
	assert_equal "$stderr" "falco-webhook: --json: 'a.b=2': a key under a value given before"
	run -2 --separate-stderr falco-webhook -n --json a.1=x </dev/null
	assert_equal "$stderr" "falco-webhook: --json: 'a.1=x': index 1 before index 0"
}

@test "--before goes with ndjson frames only" {
	run -2 --separate-stderr falco-webhook -n --frame array --before '{"index":{}}' </dev/null
	assert_equal "$stderr" "falco-webhook: --before: only with --frame ndjson"
}

@test "a bad --fail-body regex is a usage error" {
	run -2 --separate-stderr falco-webhook -n --fail-body '"errors":(true' </dev/null
	assert_equal "$stderr" "falco-webhook: --fail-body: '\"errors\":(true': missing closing parenthesis at offset 14"
}

@test "--method takes POST or PUT" {
	run -2 --separate-stderr falco-webhook -n --method DELETE </dev/null
	assert_equal "$stderr" "falco-webhook: --method: 'DELETE': expected POST or PUT"
}

# ---- bodies, offline ----

@test "-n prints each request: method, URL without its secrets, headers, body" {
	secret url "https://hooks.example.com/services/T0/B0/XsecretX?token=abc"
	printf 'X-Api-Key: k3y\n' >headers
	run -0 --separate-stderr falco-webhook -n --url-file url --header 'X-Env: a:b' --header-file headers <(sample 2)
	assert_output "POST https://hooks.example.com
X-Env: a:b
X-Api-Key: (secret)
Content-Type: application/json

$(sample 2)"
	assert_equal "$stderr" ""
}

@test "by default each alert is one request whose body is the alert exactly as read" {
	start_receiver
	run -0 --separate-stderr falco-webhook -q -u "$BASE/hook" "$SAMPLES"
	assert_equal "$(requests)" 16
	for i in $(seq 16); do
		cmp "$RECV/$i.body" <(sample "$i" | tr -d '\n') || fail "request $i"
	done
	assert_equal "$(head -n 1 "$RECV/1.head")" "POST /hook"
	grep -qx 'Content-Type: application/json' "$RECV/1.head"
}

@test "every alert passes through byte for byte" {
	start_receiver
	run -0 --separate-stderr falco-webhook -u "$BASE/hook" "$SAMPLES"
	diff <(printf '%s\n' "$output") "$SAMPLES"
}

@test "KEY=FORMAT renders a string, and a format without fields is a constant" {
	run -0 falco-webhook -n --json 'summary=%priority: %rule "%proc.name" %no.such' \
	    --json event_action=trigger --json 'pct=100%%' <(sample 1)
	assert_equal "$(dry_body)" '{"summary":"Critical: Terminal shell in container \"sh\" <NA>","event_action":"trigger","pct":"100%"}'
}

@test "KEY:=FIELD keeps the field's JSON exactly, a 19-digit evt.time too" {
	run -0 falco-webhook -n --json 'ns:=evt.time' --json 'uid:=user.loginuid' \
	    --json 'tags:=tags' --json 'fields:=output_fields' <(sample 1)
	assert_equal "$(dry_body)" "{\"ns\":1685022245478445995,\"uid\":-1,\"tags\":[\"container\",\"mitre_execution\",\"shell\"],\"fields\":$(sample 1 | grep -o '"output_fields":{[^}]*}' | cut -d: -f2-)}"
}

@test "KEY:=. nests the whole alert exactly as read" {
	run -0 falco-webhook -n --json 'event:=.' --json sourcetype=falco <(sample 9)
	assert_equal "$(dry_body)" "{\"event\":$(sample 9),\"sourcetype\":\"falco\"}"
}

@test "dotted keys nest, digits index arrays, and a key of an absent field is left out" {
	run -0 falco-webhook -n --json 'payload.summary=%rule' --json 'payload.custom_details.pod:=k8s.pod.name' \
	    --json 'payload.custom_details.none:=no.such' --json 'list.0=%priority' --json 'list.1:=no.such' \
	    --json 'a\.b=dot' <(sample 1)
	assert_equal "$(dry_body)" '{"payload":{"summary":"Terminal shell in container","custom_details":{"pod":"kubecon"}},"list":["Critical",null],"a.b":"dot"}'
}

@test "KEY:=JSON is a constant, compacted onto one line, its numbers untouched" {
	run -0 falco-webhook -n --json 'allowed_mentions.parse:=[]' --json 'n:=12345678901234567890' \
	    --json 'o:={ "a" : [1, true, null] }' --json 's:="text"' <(sample 1)
	assert_equal "$(dry_body)" '{"allowed_mentions":{"parse":[]},"n":12345678901234567890,"o":{"a":[1,true,null]},"s":"text"}'
}

@test "KEY:=seconds(FIELD) makes seconds of RFC 3339 text or of nanoseconds, exactly" {
	run -0 falco-webhook -n --json 't:=seconds(time)' --json 'e:=seconds(evt.time)' --json 'x:=seconds(rule)' <(sample 1)
	assert_equal "$(dry_body)" '{"t":1685022245.478445995,"e":1685022245.478445995}'
}

@test "KEY:=seconds(FIELD) leaves out nanoseconds past 64 bits rather than show a wrong time" {
	# found by tests/fuzz/webhook: 9223372036854775808 showed as 9223372036.854775807
	printf '%s\n' '{"rule":"R","output_fields":{"evt.time":9223372036854775808}}' >in
	run -0 falco-webhook -n --json 'e:=seconds(evt.time)' --json 'r:=rule' in
	assert_equal "$(dry_body)" '{"r":"R"}'
}

@test "KEY:=output_fields is left out when the alert holds null there, as any field is" {
	# found by tests/fuzz/webhook
	printf '%s\n' '{"rule":"R","output_fields":null}' >in
	run -0 falco-webhook -n --json 'f:=output_fields' --json 'r:=rule' in
	assert_equal "$(dry_body)" '{"r":"R"}'
}

@test "a format's width never leaves half a character: the body stays valid UTF-8" {
	# found by tests/fuzz/webhook: %3proc.name cut é in two
	printf '%s\n' '{"rule":"R","output_fields":{"proc.name":"\u00e9\u00e9"}}' >in
	run -0 falco-webhook -n --json 'short=%3proc.name' in
	assert_equal "$(dry_body)" $'{"short":"\303\251\357\277\275"}'
}

@test "KEY=@FILE is a secret: sent, but printed as (secret)" {
	secret key 0123456789abcdef0123456789abcdef
	run -0 falco-webhook -n --json routing_key=@key --json 'x=\@here' <(sample 1)
	assert_equal "$(dry_body)" '{"routing_key":"(secret)","x":"@here"}'
	start_receiver
	run -0 falco-webhook -q -u "$BASE/" --json routing_key=@key <(sample 1)
	assert_equal "$(body 1 .routing_key)" 0123456789abcdef0123456789abcdef
}

@test "--defuse discord breaks mentions, links and angle brackets from alert text; --max-chars cuts" {
	printf '%s\n' '{"rule":"R","priority":"Notice","output":"@everyone <@123> [x](https://evil.example) root@host"}' >in
	run -0 falco-webhook -n --defuse discord --json 'content=%output' in
	zwsp=$'\u200b'
	assert_equal "$(jq -r .content <<<"$(dry_body)")" "@${zwsp}everyone <${zwsp}@${zwsp}123> [x]${zwsp}(https://evil.example) root@host"
	run -0 falco-webhook -n --max-chars 20 --json 'content=%output' in
	assert_equal "$(jq -r .content <<<"$(dry_body)")" "@everyon…[truncated]"
}

@test "batches are framed as NDJSON, with --before each alert, and end with a newline" {
	run -0 falco-webhook -n --batch-wait 1s --before '{"index":{}}' <(sample 1; sample 2)
	assert_equal "${lines[1]}" "Content-Type: application/x-ndjson"
	assert_equal "$(dry_body)" "{\"index\":{}}
$(sample 1)
{\"index\":{}}
$(sample 2)"
	start_receiver
	run -0 falco-webhook -q -u "$BASE/" --batch-wait 1s --before '{"index":{}}' <(sample 1; sample 2)
	cmp "$RECV/1.body" <(printf '{"index":{}}\n'; sample 1; printf '{"index":{}}\n'; sample 2)
}

@test "--frame array makes one JSON array of a batch" {
	run -0 falco-webhook -n --frame array --batch-wait 1s --json 'r=%rule' <(sample 1; sample 2; sample 5)
	assert_equal "$(dry_body)" '[{"r":"Terminal shell in container"},{"r":"Terminal shell in container"},{"r":"Disallowed K8s User"}]'
}

@test "--batch-bytes: no body is larger, and no alert is lost or reordered across bodies" {
	start_receiver
	run -0 falco-webhook -q -u "$BASE/" --batch-bytes 3K "$SAMPLES"
	local n
	n=$(requests)
	[ "$n" -ge 5 ] || fail "only $n requests"
	for i in $(seq "$n"); do
		[ "$(wc -c <"$RECV/$i.plain")" -le 3072 ] || fail "request $i: $(wc -c <"$RECV/$i.plain") bytes"
	done
	diff <(for i in $(seq "$n"); do cat "$RECV/$i.plain"; done) "$SAMPLES"
}

# ---- delivery ----

@test "--method PUT puts" {
	start_receiver
	run -0 falco-webhook -q -u "$BASE/x" --method PUT <(sample 1)
	assert_equal "$(head -n 1 "$RECV/1.head")" "PUT /x"
}

@test "--gzip compresses the body and --bearer-token-file authenticates, as in falco-loki" {
	secret token 'abc.def'
	start_receiver --require-header 'Authorization: Bearer abc.def'
	run -0 falco-webhook -q -u "$BASE/" --gzip --bearer-token-file token <(sample 1)
	all_valid
	grep -qx 'Content-Encoding: gzip' "$RECV/1.head"
	cmp "$RECV/1.plain" <(sample 1 | tr -d '\n')
}

@test "a header value may hold colons" {
	start_receiver --require-header 'X-Time: 12:00:01'
	run -0 falco-webhook -q -u "$BASE/" --header 'X-Time: 12:00:01' <(sample 1)
	all_valid
}

@test "a 429 is retried after its Retry-After" {
	start_receiver '429:slow down@1' 200
	run -0 falco-webhook -q -u "$BASE/" <(sample 1)
	assert_equal "$(requests)" 2
	at_least "$(gap 1 2)" 1
}

@test "a 500 and a dropped connection are retried" {
	start_receiver 500 drop 204
	run -0 falco-webhook -q -u "$BASE/" <(sample 1)
	assert_equal "$(requests)" 3
}

@test "a 4xx is final: reported with the answer's text, the alert kept, exit 1" {
	start_receiver '404:{"message": "Unknown Webhook", "code": 10015}'
	run -1 --separate-stderr falco-webhook -q -u "$BASE/api/webhooks/1/secret" --dead-letter dead <(sample 1; sample 2)
	assert_equal "$(requests)" 2
	assert_equal "${stderr_lines[0]}" "falco-webhook: '$BASE': 404 {\"message\": \"Unknown Webhook\", \"code\": 10015} (1 try): 1 alert not delivered"
	assert_equal "${stderr_lines[2]}" "falco-webhook: 2 alerts not delivered, kept in 'dead'"
	assert_equal "$(cat dead)" "$(sample 1; sample 2)"
}

@test "--fail-body turns a 2xx whose answer matches into a failure, not retried" {
	start_receiver --validate bulk '200:{"took":3,"errors":true,"items":[{"index":{"status":400}}]}'
	run -1 --separate-stderr falco-webhook -q -u "$BASE/falco/_bulk" --batch-wait 1s \
	    --before '{"index":{}}' --fail-body '"errors":\s*true' --dead-letter dead <(sample 1; sample 2)
	assert_equal "$(requests)" 1
	all_valid
	assert_equal "${stderr_lines[0]}" "falco-webhook: '$BASE': 200 matches --fail-body: {\"took\":3,\"errors\":true,\"items\":[{\"index\":{\"status\":400}}]} (1 try): 2 alerts not delivered"
	assert_equal "$(cat dead)" "$(sample 1; sample 2)"
}

@test "--fail-body searches the first 1 MiB of an answer: a match past it is not seen" {
	start_receiver 'pad=1048000,200:"errors":true' 'pad=1048576,200:"errors":true'
	run -1 --separate-stderr falco-webhook -q -u "$BASE/" --fail-body '"errors":true' \
	    --dead-letter dead <(sample 1) <(sample 2)
	assert_equal "$(requests)" 2
	assert_equal "${#stderr_lines[@]}" 2
	[[ ${stderr_lines[0]} == "falco-webhook: '$BASE': 200 matches --fail-body: xxx"*" (1 try): 1 alert not delivered" ]] ||
		fail "${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]}" "falco-webhook: 1 alert not delivered, kept in 'dead'"
	assert_equal "$(cat dead)" "$(sample 1)"
}

@test "an answer whose body never ends is read in bounded memory and ends at --timeout" {
	start_receiver flood
	ASAN_OPTIONS=quarantine_size_mb=4 run -1 --separate-stderr /usr/bin/time -f 'rss %M' \
	    falco-webhook -q -u "$BASE/" --timeout 3s --retries 0 --dead-letter dead <(sample 1)
	assert_equal "$(requests)" 1
	[[ ${stderr_lines[0]} == "falco-webhook: '$BASE': Operation timed out after "*" (1 try): 1 alert not delivered" ]] ||
		fail "${stderr_lines[0]}"
	assert_equal "${stderr_lines[1]}" "falco-webhook: 1 alert not delivered, kept in 'dead'"
	assert_equal "$(cat dead)" "$(sample 1)"
	# the server sent far more than the peak memory allowed (GiB in 3 s):
	# what passed the 1 MiB kept was read and dropped
	rss=$(sed -n 's/^rss //p' <<<"$stderr")
	limit=40000
	[[ $BUILD != */sanitize ]] || limit=120000
	[ "$rss" -lt "$limit" ] || fail "peak RSS $rss KiB"
	received=$(sed -n 's/.* with \([0-9]*\) bytes received.*/\1/p' <<<"${stderr_lines[0]}")
	[ "$received" -gt $((limit * 1024 * 2)) ] || fail "only $received bytes received"
}

@test "past --max-spool reading waits, said once a backlog, and every alert is then posted in order" {
	start_receiver hold
	mkfifo fifo
	falco-webhook -u "$BASE/" --queue-size 1 --max-spool 2K fifo >out 2>err 3>&- &
	HOOK_PID=$!
	exec 4>fifo
	cat "$SAMPLES" >&4
	wait_until 10 grep -q 'cannot take more' err || fail "never said: $(cat err)"
	sleep 0.3
	# one alert posted (held), one queued, 2 KiB on disk: reading paused
	(( $(wc -l <out) < 8 )) || fail "$(wc -l <out) alerts read past the spool's 2 KiB"
	touch "$RECV/release"
	exec 4>&-
	wait "$HOOK_PID"
	HOOK_PID=
	# said at the first backlog, and again only if one builds up anew
	# after the queue was empty (the posts after the release may)
	run -1 grep -v -E "^falco-webhook: '$STATE_DIRECTORY/falco-webhook\.queue\.[A-Za-z0-9]+' cannot take more: reading waits for the backlog\$" err
	run -0 cmp out "$SAMPLES"
	assert_equal "$(requests)" 16
	for i in $(seq 16); do cat "$RECV/$i.body"; echo; done >posted
	run -0 cmp posted "$SAMPLES"
}

@test "--rate spaces the requests" {
	start_receiver
	run -0 falco-webhook -q -u "$BASE/" --rate 1/1s <(sample 1; sample 2; sample 3)
	assert_equal "$(requests)" 3
	at_least "$(gap 1 3)" 1.9
}

@test "the secrets of files stay out of ps, stderr and the dead-letter file" {
	secret url "http://127.0.0.1:1/hunter2-path?token=hunter2"
	secret headers "Authorization: Splunk hunter2-token"
	secret key hunter2-routing-key
	mkfifo fifo
	falco-webhook --url-file url --header-file headers --json k=@key --retries 0 --dead-letter dead <fifo >out 2>err 3>&- &
	HOOK_PID=$!
	exec 4>fifo
	sample 1 >&4
	sleep 0.5
	run -0 ps -ww -o args= -p "$HOOK_PID"
	# (under make check VALGRIND=1, valgrind's own arguments come first)
	assert_output --regexp '(^| )falco-webhook --url-file url --header-file headers --json k=@key --retries 0 --dead-letter dead$'
	refute_output --partial hunter2
	exec 4>&-
	wait "$HOOK_PID" || true
	HOOK_PID=
	[ -s err ]
	! grep -q hunter2 err dead || fail "a secret was written: $(cat err dead)"
	assert_equal "$(cat dead)" "$(sample 1)"
}

# ---- the recipes of falco-webhook(1), each against a receiver that
# checks the target's documented shape; the URLs and secrets of
# /etc/falco-pipes are files here ----

@test "the Teams recipe posts a valid Adaptive Card message" {
	start_receiver --validate teams 202
	secret teams-url "$BASE/workflows/abc/triggers/manual/paths/invoke?sig=s3cr3t"
	run -0 falco-webhook -q --url-file teams-url --defuse teams \
	  --json type=message \
	  --json attachments.0.contentType=application/vnd.microsoft.card.adaptive \
	  --json attachments.0.content.type=AdaptiveCard \
	  --json attachments.0.content.version=1.4 \
	  --json attachments.0.content.body.0.type=TextBlock \
	  --json attachments.0.content.body.0.weight=Bolder \
	  --json 'attachments.0.content.body.0.text=%priority: %rule' \
	  --json attachments.0.content.body.1.type=TextBlock \
	  --json 'attachments.0.content.body.1.text=%output' \
	  --json 'attachments.0.content.body.1.wrap:=true' <(sample 1; sample 5)
	assert_equal "$(requests)" 2
	all_valid
	assert_equal "$(body 1 '.attachments[0].content.body[0].text')" "Critical: Terminal shell in container"
	assert_equal "$(body 2 '.attachments[0].content.body[1].text')" "$(sample 5 | jq -r .output)"
}

@test "the Teams recipe for a workflow that reads text posts a valid text" {
	start_receiver --validate teams 202
	run -0 falco-webhook -q -u "$BASE/flow" --defuse teams --json 'text=%priority %rule: %output' <(sample 1)
	all_valid
}

@test "the Discord recipe posts content with mentions defused and turned off" {
	start_receiver --validate discord 204
	secret discord-url "$BASE/api/webhooks/1234567890/Tok-en_x"
	printf '%s\n' '{"rule":"Shell","priority":"Critical","output":"@everyone look: <@&42> [click](https://evil.example)"}' >in
	run -0 falco-webhook -q --url-file discord-url \
	  --defuse discord --max-chars 2000 --rate 5/2s \
	  --json 'content=**%priority** %rule: %output' \
	  --json 'allowed_mentions.parse:=[]' in <(sample 9)
	all_valid
	zwsp=$'\u200b'
	assert_equal "$(body 1 .content)" "**Critical** Shell: @${zwsp}everyone look: <${zwsp}@${zwsp}&42> [click]${zwsp}(https://evil.example)"
	assert_equal "$(jq -c .allowed_mentions "$RECV/1.plain")" '{"parse":[]}'
}

@test "the Discord recipe cuts an output longer than Discord's 2000 characters" {
	start_receiver --validate discord 204
	printf '{"rule":"R","priority":"Notice","output":"%s"}\n' "$(head -c 3000 /dev/zero | tr '\0' x)" >in
	run -0 falco-webhook -q -u "$BASE/api/webhooks/1/t" --defuse discord --max-chars 2000 \
	  --json 'content=**%priority** %rule: %output' --json 'allowed_mentions.parse:=[]' in
	all_valid
	assert_equal "$(body 1 '.content | length')" 2000
}

@test "the Google Chat recipe posts a valid text, one a second" {
	start_receiver --validate google-chat 200
	secret google-chat-url "$BASE/v1/spaces/AAAA/messages?key=k3y&token=t0k"
	run -0 falco-webhook -q --url-file google-chat-url \
	  --defuse google-chat --max-chars 4096 --rate 1/1s \
	  --json 'text=*%priority* %rule: %output' <(sample 1; sample 2)
	all_valid
	at_least "$(gap 1 2)" 0.9
	assert_equal "$(body 1 .text)" "*Critical* Terminal shell in container: $(sample 1 | jq -r .output)"
}

@test "the Google Chat recipe breaks <users/all> and links in alert text" {
	start_receiver --validate google-chat 200
	printf '%s\n' '{"rule":"R","priority":"Notice","output":"<users/all> <https://evil.example|docs> @all"}' >in
	run -0 falco-webhook -q -u "$BASE/v1/spaces/AAAA/messages?key=k&token=t" \
	  --defuse google-chat --max-chars 4096 --rate 1/1s \
	  --json 'text=*%priority* %rule: %output' in
	all_valid
	zwsp=$'\u200b'
	assert_equal "$(body 1 .text)" "*Notice* R: <${zwsp}users/all> <${zwsp}https://evil.example|docs> @${zwsp}all"
}

@test "the PagerDuty recipe maps each priority to a severity through falco-route" {
	start_receiver --validate pagerduty 202
	secret pagerduty-key 0123456789abcdef0123456789abcdef
	pd() {
	  echo "|falco-webhook -q -u $BASE/v2/enqueue \
	    --json routing_key=@pagerduty-key \
	    --json event_action=trigger --max-chars 1024 \
	    --json 'payload.summary=%rule: %output' \
	    --json payload.source=%hostname --json payload.severity=$1 \
	    --json payload.timestamp:=time \
	    --json payload.custom_details:=output_fields"
	}
	run -0 falco-route --default /dev/null \
	  --when 'priority >= critical' --to "$(pd critical)" \
	  --when 'priority = error' --to "$(pd error)" \
	  --when 'priority = warning' --to "$(pd warning)" \
	  --when 'priority <= notice' --to "$(pd info)" "$SAMPLES"
	assert_equal "$(requests)" 16
	all_valid
	# each alert's severity, by its summary; the four posters run at once
	diff <(for i in $(seq 16); do body "$i" '"\(.payload.severity) \(.payload.summary)"'; done | sort) \
	    <(jq -r '"\(.priority | ascii_downcase | if . == "critical" then "critical" elif . == "error" then "error" elif . == "warning" then "warning" else "info" end) \(.rule): \(.output)"' "$SAMPLES" | sort)
}

@test "the Opsgenie recipe creates valid alerts with the key from a header file" {
	printf 'Authorization: GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889\n' >opsgenie-headers
	start_receiver --validate opsgenie --require-header 'Authorization: GenieKey eb243592-faa2-4ba2-a551q-1afdf565c889' 202
	run -0 falco-webhook -q -u "$BASE/v2/alerts" \
	  --header-file opsgenie-headers \
	  --json 'message=%rule' --json 'description=%output' \
	  --json source=falco --json 'entity=%hostname' --json 'tags:=tags' \
	  --json 'details.namespace=%k8s.ns.name' \
	  --json 'details.pod=%k8s.pod.name' "$SAMPLES"
	assert_equal "$(requests)" 16
	all_valid
	assert_equal "$(jq -c .details "$RECV/1.plain")" '{"namespace":"default","pod":"kubecon"}'
}

@test "the Elasticsearch recipe indexes a batch through _bulk" {
	secret es-password 'es:pa55'
	start_receiver --validate bulk --require-header "Authorization: Basic $(printf 'falco:es:pa55' | base64)" 200
	run -0 --separate-stderr falco-webhook -q -u "$BASE/falco/_bulk" \
	  --user falco --password-file es-password \
	  --batch-bytes 5M --batch-wait 2s --before '{"index":{}}' \
	  --fail-body '"errors":\s*true' "$SAMPLES"
	assert_equal "$(requests)" 1
	all_valid
	assert_equal "$stderr" ""
	diff <(sed -n '2~2p' "$RECV/1.plain") "$SAMPLES"
}

@test "the Splunk recipe sends valid events, the alert whole and its time in seconds" {
	printf 'Authorization: Splunk 12345678-1234-1234-1234-1234567890AB\n' >splunk-headers
	start_receiver --validate splunk-hec 200
	run -0 falco-webhook -q -u "$BASE/services/collector/event" \
	  --header-file splunk-headers \
	  --batch-wait 1s --json 'event:=.' --json 'time:=seconds(time)' \
	  --json sourcetype=falco --json 'host=%hostname' "$SAMPLES"
	assert_equal "$(requests)" 1
	all_valid
	grep -qF "{\"event\":$(sample 1),\"time\":1685022245.478445995,\"sourcetype\":\"falco\",\"host\":\"falco-xczjd\"}" "$RECV/1.plain"
	assert_equal "$(wc -l <"$RECV/1.plain")" 16
}

@test "the generic recipe posts alerts as read and passes them on to falco-loki" {
	start_receiver --require-header 'X-Source: falco' 200
	falco-webhook -u "$BASE/falco" --header 'X-Source: falco' --dead-letter dead "$SAMPLES" |
	  falco-loki -n --metadata k8s.pod.name >pushes
	assert_equal "$(requests)" 16
	all_valid
	assert_equal "$(jq -r '.streams[].values[][1]' pushes | sort)" "$(sort "$SAMPLES")"
	[ ! -s dead ]
}

@test "the man page's dry run shows what Splunk would be sent" {
	run -0 falco-webhook -n --json 'event:=.' --json 'time:=seconds(time)' "$SAMPLES"
	assert_equal "$(grep -c '^POST (no URL)$' <<<"$output")" 16
	assert_line "{\"event\":$(sample 16),\"time\":1715606607.021777225}"
}

# ---- on the relay: stopping, draining ----

@test "SIGTERM with alerts queued: every alert read is passed on and posted" {
	start_receiver
	status=0
	feed-and-stop.py --after 2000 consumed -- falco-webhook -u "$BASE/" --batch-wait 1m --dead-letter dead >out 2>err || status=$?
	assert_equal "$status" 0
	cmp consumed out
	diff <(cat "$RECV"/*.plain | sort) <(sort consumed)
	[ ! -s dead ]
}

@test "what --drain-timeout leaves unsent is kept, and said" {
	start_receiver hang
	run -1 --separate-stderr falco-webhook -q -u "$BASE/" --timeout 30s --drain-timeout 1s --dead-letter dead <(sample 1; sample 2)
	assert_equal "$stderr" "falco-webhook: --drain-timeout: 2 alerts not sent in time
falco-webhook: 2 alerts not delivered, kept in 'dead'"
	assert_equal "$(cat dead)" "$(sample 1; sample 2)"
}
