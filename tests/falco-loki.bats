#!/usr/bin/env bats
# falco-loki: push bodies checked offline through -n, then pushes to the
# shared recording receiver (tests/lib/http-receiver.py), which checks
# each one as Loki would (--validate loki) and replays scripted answers.
load test_helper
load lib/falco-route-helpers	# wait_until
load lib/test-ca
bats_require_minimum_version 1.5.0

LOKI=$FIXTURES/loki

setup() {
	RECV=$BATS_TEST_TMPDIR/recv
	mkdir -p "$RECV"
	unset LOKI_URL
	# what is kept by default stays in the test's directory
	export STATE_DIRECTORY=$BATS_TEST_TMPDIR/state
	cd "$BATS_TEST_TMPDIR"
}

teardown() {
	exec 4>&- 2>/dev/null || true
	if [ -n "${LOKI_PID:-}" ]; then
		kill -KILL "$LOKI_PID" 2>/dev/null || true
		wait "$LOKI_PID" 2>/dev/null || true
	fi
	if [ -n "${RECEIVER_PID:-}" ]; then
		kill "$RECEIVER_PID" 2>/dev/null || true
		wait "$RECEIVER_PID" 2>/dev/null || true
	fi
}

# start_receiver [RECEIVER ARGS...]: a Loki stand-in that validates
# every push; sets $BASE (the base URL) and $LOKI_URL
start_receiver() {
	python3 "$BATS_TEST_DIRNAME/lib/http-receiver.py" "$RECV" --validate loki "$@" 3>&- &
	RECEIVER_PID=$!
	wait_for_file "$RECV/port"
	BASE="http://127.0.0.1:$(cat "$RECV/port")"
	export LOKI_URL=$BASE
}

# requests: how many requests the receiver recorded
requests() {
	if [ -f "$RECV/log" ]; then wc -l <"$RECV/log"; else echo 0; fi
}

# push N [JQ]: push N as the receiver decoded it, through jq
push() {
	jq -r "${2:-.}" "$RECV/$1.plain"
}

# all_valid: no push failed the receiver's checks
all_valid() {
	local f
	for f in "$RECV"/*.invalid; do
		[ -e "$f" ] || continue
		fail "$(basename "$f"): $(cat "$f")"
	done
}

# lines FILE...: the log lines of push bodies, in the order sent
lines() {
	jq -r '.streams[].values[][1]' "$@"
}

# gap N M: seconds between the arrivals of requests N and M
gap() {
	awk -v n="$1" -v m="$2" '$1 == n { a = $4 } $1 == m { b = $4 } END { printf "%.3f", b - a }' "$RECV/log"
}

# at_least A B: A >= B, as numbers
at_least() {
	awk -v a="$1" -v b="$2" 'BEGIN { exit !(a >= b) }' || fail "$1 < $2"
}

# long_rule N: an alert whose rule is N x's long
long_rule() {
	printf '{"rule":"%s","priority":"Notice","time":"2024-01-01T00:00:00Z"}\n' \
	    "$(head -c "$1" /dev/zero | tr '\0' x)"
}

# secret FILE TEXT: a file only its owner reads
secret() {
	printf '%s\n' "$2" >"$1"
	chmod 600 "$1"
}

# ---- options ----

@test "without a URL falco-loki refuses to start" {
	run -2 --separate-stderr falco-loki </dev/null
	assert_output ""
	assert_equal "$stderr" "falco-loki: no URL: use -u, --url-file or \$LOKI_URL"
}

@test "a URL that is not http or https is refused without being printed" {
	LOKI_URL=ftp://loki.example/secret-part run -2 --separate-stderr falco-loki </dev/null
	assert_equal "$stderr" "falco-loki: \$LOKI_URL: the URL must start with https:// or http://"
}

@test "-u and --url-file together are a usage error" {
	secret url "http://127.0.0.1:1"
	run -2 --separate-stderr falco-loki -u http://127.0.0.1:1 --url-file url </dev/null
	assert_equal "$stderr" "falco-loki: --url-file: only one of -u and --url-file"
}

@test "a tenant naming several tenants is a usage error" {
	run -2 --separate-stderr falco-loki -n --tenant 'a|b' </dev/null
	assert_equal "$stderr" "falco-loki: --tenant: 'a|b': letters, digits and !-_.*'() only"
}

@test "a tenant longer than Loki's 150 characters is a usage error" {
	local id
	id=$(head -c 151 /dev/zero | tr '\0' t)
	run -2 --separate-stderr falco-loki -n --tenant "$id" </dev/null
	assert_equal "$stderr" "falco-loki: --tenant: '$id': 1 to 150 characters"
	run -0 --separate-stderr falco-loki -n --tenant "${id:1}" </dev/null
}

@test "a label name longer than Loki's 1024 bytes is a usage error" {
	local name
	name=$(head -c 1025 /dev/zero | tr '\0' n)
	run -2 --separate-stderr falco-loki -n --label "$name=rule" </dev/null
	assert_equal "$stderr" "falco-loki: --label: '$name': longer than Loki's 1024 bytes"
	run -0 --separate-stderr falco-loki -n --label "${name:1}=rule" </dev/null
}

@test "an --extra-label value longer than Loki's 2048 bytes is a usage error" {
	local value
	value=$(head -c 2049 /dev/zero | tr '\0' v)
	run -2 --separate-stderr falco-loki -n --extra-label "cluster=$value" </dev/null
	assert_equal "$stderr" "falco-loki: --extra-label: value longer than Loki's 2048 bytes"
	run -0 --separate-stderr falco-loki -n --extra-label "cluster=${value:1}" </dev/null
}

@test "--no-label of a label that is not there is a usage error" {
	run -2 --separate-stderr falco-loki -n --no-label pod </dev/null
	assert_equal "$stderr" "falco-loki: --no-label: 'pod': no such label"
}

@test "more labels than the 15 Loki takes is a usage error" {
	run -2 --separate-stderr falco-loki -n --extra-label a=1 --extra-label b=1 \
	    --extra-label c=1 --extra-label d=1 --extra-label e=1 --extra-label f=1 \
	    --extra-label g=1 --extra-label h=1 --extra-label i=1 --extra-label j=1 \
	    --extra-label k=1 </dev/null
	assert_equal "$stderr" "falco-loki: 16 labels: Loki takes at most 15 a stream"
}

@test "a bad --line is a usage error naming the choices" {
	run -2 --separate-stderr falco-loki -n --line message </dev/null
	assert_equal "$stderr" "falco-loki: --line: 'message': expected alert or output"
}

@test "a header without a colon is a usage error" {
	run -2 --separate-stderr falco-loki -n --header 'X-Token' </dev/null
	assert_equal "$stderr" "falco-loki: --header: 'X-Token': not a header (NAME:VALUE)"
}

@test "a header given twice is a usage error, whatever its case" {
	run -2 --separate-stderr falco-loki -n --header 'X-A: 1' --header 'x-a: 2' </dev/null
	assert_equal "$stderr" "falco-loki: --header: 'x-a' given twice"
	run -2 --separate-stderr falco-loki -n --header 'X-Scope-OrgID: a' --tenant b </dev/null
	assert_equal "$stderr" "falco-loki: --tenant: 'X-Scope-OrgID' is also given by --header or --header-file"
}

@test "--user without --password-file is a usage error" {
	run -2 --separate-stderr falco-loki -n --user grafana </dev/null
	assert_equal "$stderr" "falco-loki: --user: needs --password-file"
}

# ---- the push body, offline ----

@test "-n prints the push body, streams grouped by labels, and passes nothing through" {
	run -0 --separate-stderr falco-loki -n "$LOKI/small.ndjson"
	assert_output "$(cat "$LOKI/small.push.json")"
	assert_equal "$stderr" ""
}

@test "each line is the alert exactly as read" {
	run -0 falco-loki -n "$SAMPLES"
	diff <(lines <<<"$output") "$SAMPLES"
}

@test "the default labels are rule, priority, source, hostname and k8s_ns_name, when present" {
	run -0 falco-loki -n <(sample 1; sample 2)
	assert_equal "$(jq -c '[.streams[].stream]' <<<"$output")" \
	    '[{"rule":"Terminal shell in container","priority":"Critical","source":"syscall","hostname":"falco-xczjd","k8s_ns_name":"default"},{"rule":"Terminal shell in container","priority":"Notice","k8s_ns_name":"default"}]'
}

@test "the timestamp is the alert's time to the nanosecond, as a string" {
	run -0 falco-loki -n <(sample 1; sample 5)
	assert_equal "$(jq -c '[.streams[].values[][0]]' <<<"$output")" \
	    '["1685022245478445995","1739178940698757000"]'
}

@test "the entries of a stream are in time order, ties in the order read" {
	run -0 falco-loki -n "$LOKI/unordered.ndjson"
	assert_equal "$(jq -c '[.streams[] | [.stream.rule, [.values[][1] | fromjson | .n]]]' <<<"$output")" \
	    '[["R",[2,5,4,1]],["S",[3]]]'
}

@test "an alert without a time is stamped with the time it was read, with one warning" {
	local before after
	before=$(date +%s%N)
	run -0 --separate-stderr falco-loki -n <(printf '%s\n' '{"rule":"A","priority":"Notice"}' \
	    '{"rule":"B","priority":"Notice","time":"yesterday"}')
	after=$(date +%s%N)
	assert_equal "${stderr_lines[0]}" 'falco-loki: an alert without a valid "time": stamped with the time it was read'
	assert_equal "${stderr_lines[1]}" 'falco-loki: 2 alerts without a valid "time" were stamped with the time they were read'
	for ts in $(jq -r '.streams[].values[][0]' <<<"$output"); do
		[ "$ts" -ge "$before" ] && [ "$ts" -le "$after" ] || fail "$ts not in [$before, $after]"
	done
}

@test "--line output sends the output text, and the alert when there is none" {
	run -0 falco-loki -n --line output "$LOKI/small.ndjson"
	assert_equal "$(lines <<<"$output" | head -n 2)" '18:54:19.341081180: Notice shell "sh" in pod web
second'
	assert_equal "$(lines <<<"$output" | tail -n 1)" "$(sed -n 3p "$LOKI/small.ndjson")"
}

@test "--label adds a label from a field, its name made as labels.c makes it" {
	run -0 falco-loki -n --label k8s.pod.name --label uid=user.uid --label 'proc.aname[2]' <(sample 1; sample 16)
	assert_equal "$(jq -c '[.streams[].stream | [.k8s_pod_name, .uid, .proc_aname2]]' <<<"$output")" \
	    '[["kubecon",null,null],[null,"0","event-generator"]]'
}

@test "--extra-label adds a constant and --no-label removes a default" {
	run -0 falco-loki -n --extra-label cluster=prod --no-label hostname --no-label k8s.ns.name <(sample 1)
	assert_equal "$(jq -c '.streams[0].stream' <<<"$output")" \
	    '{"rule":"Terminal shell in container","priority":"Critical","source":"syscall","cluster":"prod"}'
}

@test "a label given again takes the place of the first" {
	run -0 falco-loki -n --label priority=rule <(sample 1)
	assert_equal "$(jq -c '.streams[0].stream' <<<"$output")" \
	    '{"rule":"Terminal shell in container","priority":"Terminal shell in container","source":"syscall","hostname":"falco-xczjd","k8s_ns_name":"default"}'
}

@test "a label of a list field is its items joined by commas" {
	run -0 falco-loki -n --label tags <(sample 1)
	assert_equal "$(jq -r '.streams[0].stream.tags' <<<"$output")" "container,mitre_execution,shell"
}

@test "--metadata sends fields as structured metadata, left out when absent" {
	run -0 falco-loki -n --metadata k8s.pod.name --metadata cid=container.id "$LOKI/small.ndjson" <(sample 1)
	assert_equal "$(jq -c '[.streams[].values[] | .[2]]' <<<"$output")" \
	    '[{"k8s_pod_name":"web-1"},null,null,{"k8s_pod_name":"kubecon","cid":"ee97d9c4186f"}]'
	assert_equal "$(jq -c '[.streams[].values[] | length]' <<<"$output")" '[3,2,2,3]'
}

@test "--batch-bytes splits the pushes: none is larger, none loses or reorders an alert" {
	run -0 falco-loki -n --batch-bytes 4K "$SAMPLES"
	local n=0 size
	while IFS= read -r body; do
		n=$((n + 1))
		size=$(printf '%s' "$body" | wc -c)
		[ "$size" -le 4096 ] || fail "push $n has $size bytes"
		printf '%s\n' "$body" >"push.$n"
	done <<<"$output"
	[ "$n" -ge 4 ] || fail "only $n pushes"
	diff <(for i in $(seq "$n"); do lines "push.$i"; done) "$SAMPLES"
}

@test "an alert that cannot fit --batch-bytes even alone is reported and kept" {
	local size
	size=$(falco-loki -n --no-label rule --extra-label job=falco <(long_rule 3000) | tr -d '\n' | wc -c)
	{ sample 1; long_rule 3000; sample 2; } >in
	run -1 --separate-stderr falco-loki -n --no-label rule --extra-label job=falco --batch-bytes 2K --dead-letter dead in
	assert_equal "${stderr_lines[0]}" "falco-loki: an alert Loki cannot take: a push of $size bytes, more than --batch-bytes"
	assert_equal "${stderr_lines[1]}" "falco-loki: 1 alert not delivered, kept in 'dead'"
	assert_equal "$(cat dead)" "$(long_rule 3000)"
	assert_equal "$(lines <<<"$output")" "$(sample 1; sample 2)"
}

# size_of ARGS...: the bytes of the one push falco-loki -n ARGS prints
size_of() {
	falco-loki -n "$@" | tr -d '\n' | wc -c
}

@test "a push of exactly --batch-bytes is sent whole, one byte less splits it" {
	local both
	sample 1 >one
	{ sample 1; sample 1; sample 2; } >three
	both=$(size_of three)
	run -0 falco-loki -n --batch-bytes "$both" three
	assert_equal "${#lines[@]}" 1
	run -0 falco-loki -n --batch-bytes "$((both - 1))" three
	assert_equal "${#lines[@]}" 2
	assert_equal "$(printf '%s\n' "${lines[0]}" | tr -d '\n' | wc -c)" "$(size_of <(sample 1; sample 1))"
	run -0 falco-loki -n --batch-bytes "$(size_of one)" one
	assert_equal "${#lines[@]}" 1
	run -1 --separate-stderr falco-loki -n --batch-bytes "$(($(size_of one) - 1))" --dead-letter dead one
	assert_output ""
}

@test "a label value longer than Loki's 2048 bytes keeps the alert from being sent" {
	long_rule 2049 >in
	run -1 --separate-stderr falco-loki -n --dead-letter dead in
	assert_equal "${stderr_lines[0]}" "falco-loki: an alert Loki cannot take: a label value longer than Loki's 2048 bytes"
	cmp dead in
}

@test "a label value is made valid UTF-8, each stray byte U+FFFD, and Loki takes the push" {
	# found by tests/fuzz/loki: a field's invalid UTF-8 went into the labels as it was
	printf '{"rule":"Bad \377 rule","priority":"Notice","time":"2024-01-01T00:00:00Z","output":"bad rule"}\n' >in
	run -0 --separate-stderr falco-loki -n --line output in
	assert_output $'{"streams":[{"stream":{"rule":"Bad \357\277\275 rule","priority":"Notice"},"values":[["1704067200000000000","bad rule"]]}]}'
	start_receiver 204
	run -0 --separate-stderr falco-loki -q --line output in
	assert_equal "$stderr" ""
	all_valid
}

@test "a structured metadata value is made valid UTF-8 too, the line left as read" {
	# found by tests/fuzz/loki
	printf '{"rule":"R","priority":"Notice","time":"2024-01-01T00:00:00Z","output":"o","tags":["a\377"]}\n' >in
	run -0 --separate-stderr falco-loki -n --metadata tags in
	assert_output "$(printf '{"streams":[{"stream":{"rule":"R","priority":"Notice"},"values":[["1704067200000000000","{\\"rule\\":\\"R\\",\\"priority\\":\\"Notice\\",\\"time\\":\\"2024-01-01T00:00:00Z\\",\\"output\\":\\"o\\",\\"tags\\":[\\"a\377\\"]}",{"tags":"a\357\277\275"}]]}]}')"
	start_receiver 204
	run -0 --separate-stderr falco-loki -q --line output --metadata tags in
	assert_equal "$stderr" ""
	all_valid
	assert_equal "$(push 1 '.streams[0].values[0][2].tags')" "a$(printf '\357\277\275')"
}

@test "an alert with none of the labels' fields is reported and kept: Loki needs a label" {
	printf '%s\n' '{"n":1,"time":"2024-01-01T00:00:00Z"}' >in
	run -1 --separate-stderr falco-loki -n --dead-letter dead in
	assert_equal "${stderr_lines[0]}" "falco-loki: an alert Loki cannot take: no label: Loki needs at least one"
	cmp dead in
}

@test "-w and -p choose which alerts are pushed" {
	run -0 falco-loki -n -p warning -w 'source = syscall' "$SAMPLES"
	assert_equal "$(jq -c '[.streams[].stream.rule]' <<<"$output")" \
	    '["Terminal shell in container","Read sensitive file untrusted","Malicious IPs"]'
}

# ---- pushing ----

@test "every alert passes through byte for byte while all are pushed in one valid push" {
	start_receiver 204
	run -0 --separate-stderr falco-loki "$SAMPLES"
	diff <(printf '%s\n' "$output") "$SAMPLES"
	assert_equal "$stderr" ""
	assert_equal "$(requests)" 1
	all_valid
	diff <(lines "$RECV/1.plain") "$SAMPLES"
}

@test "a push goes to /loki/api/v1/push of the base URL, as JSON" {
	start_receiver 204
	run -0 falco-loki -q -u "$BASE/" <(sample 1)
	assert_equal "$(head -n 1 "$RECV/1.head")" "POST /loki/api/v1/push"
	grep -qx 'Content-Type: application/json' "$RECV/1.head"
	grep -qx 'User-Agent: falco-pipes/0.1.0' "$RECV/1.head"
	all_valid
}

@test "a URL that already ends with the push path is taken as it is, a query kept after the path" {
	start_receiver 204
	run -0 falco-loki -q -u "$BASE/loki/api/v1/push" <(sample 1)
	assert_equal "$(head -n 1 "$RECV/1.head")" "POST /loki/api/v1/push"
	run -0 falco-loki -q -u "$BASE/?org=a" <(sample 1)
	assert_equal "$(head -n 1 "$RECV/2.head")" "POST /loki/api/v1/push?org=a"
}

@test "-q passes nothing through and still pushes" {
	start_receiver 204
	run -0 --separate-stderr falco-loki -q "$SAMPLES"
	assert_output ""
	assert_equal "$(push 1 '[.streams[].values[]] | length')" 16
}

@test "--tenant sends X-Scope-OrgID, without which a multi-tenant Loki refuses the push" {
	start_receiver --require-header 'X-Scope-OrgID: team-a' 204
	run -0 falco-loki -q --tenant team-a <(sample 1)
	all_valid
	run -1 --separate-stderr falco-loki -q --dead-letter dead <(sample 2)
	assert_equal "${stderr_lines[0]}" "falco-loki: '$BASE': 401 missing or wrong X-Scope-OrgID (1 try): 1 alert not delivered"
	assert_equal "$(cat dead)" "$(sample 2)"
}

@test "basic authentication comes from --user and --password-file, the password never shown" {
	secret pw 's3cr3t:pa55'
	start_receiver --require-header "Authorization: Basic $(printf 'grafana:s3cr3t:pa55' | base64)" 204
	run -0 --separate-stderr falco-loki -q --user grafana --password-file pw <(sample 1)
	all_valid
	assert_equal "$stderr" ""
}

@test "--bearer-token-file sends the token as a bearer" {
	secret token 'eyJhbGciOi.J9.xyz'
	start_receiver --require-header 'Authorization: Bearer eyJhbGciOi.J9.xyz' 204
	run -0 falco-loki -q --bearer-token-file token <(sample 1)
	all_valid
}

@test "a header value may hold colons, and --header-file adds secret headers" {
	printf '# for the gateway\nX-Api-Key: k:e:y\n\nX-Env:  prod  \n' >headers
	start_receiver --require-header 'X-Trace: a:b:c' --require-header 'X-Api-Key: k:e:y' \
	    --require-header 'X-Env: prod' 204
	run -0 falco-loki -q --header 'X-Trace: a:b:c' --header-file headers <(sample 1)
	all_valid
}

@test "--gzip compresses the push, which decodes to a valid one" {
	start_receiver 204
	run -0 falco-loki -q --gzip "$SAMPLES"
	grep -qx 'Content-Encoding: gzip' "$RECV/1.head"
	[ "$(wc -c <"$RECV/1.body")" -lt "$(wc -c <"$RECV/1.plain")" ]
	all_valid
	diff <(lines "$RECV/1.plain") "$SAMPLES"
}

@test "a 400 is final: Loki's text is reported and the alerts kept, exit 1" {
	start_receiver '400:entry for stream '"'"'{rule="x"}'"'"' has timestamp too old: 2020-01-01T00:00:00Z'
	run -1 --separate-stderr falco-loki -q --dead-letter dead "$SAMPLES"
	assert_equal "$(requests)" 1
	assert_equal "${stderr_lines[0]}" "falco-loki: '$BASE': 400 entry for stream '{rule=\"x\"}' has timestamp too old: 2020-01-01T00:00:00Z (1 try): 16 alerts not delivered"
	assert_equal "${stderr_lines[1]}" "falco-loki: 16 alerts not delivered, kept in 'dead'"
	cmp dead "$SAMPLES"
}

@test "blocked ingestion, a 2xx other than 204, is a failure and not retried" {
	start_receiver "260:ingestion blocked for user fake until '2026-12-01T00:00:00Z' with status code 260"
	run -1 --separate-stderr falco-loki -q --dead-letter dead <(sample 1; sample 2)
	assert_equal "$(requests)" 1
	assert_equal "${stderr_lines[0]}" "falco-loki: '$BASE': 260 ingestion blocked for user fake until '2026-12-01T00:00:00Z' with status code 260: not 204: Loki stored nothing (1 try): 2 alerts not delivered"
	assert_equal "$(cat dead)" "$(sample 1; sample 2)"
}

@test "200 is success too" {
	start_receiver 200
	run -0 --separate-stderr falco-loki -q <(sample 1)
	assert_equal "$stderr" ""
}

@test "a 429 is retried after its Retry-After, the same push again" {
	start_receiver '429:Ingestion rate limit exceeded@1' 204
	run -0 --separate-stderr falco-loki -q <(sample 1; sample 2)
	assert_equal "$(requests)" 2
	at_least "$(gap 1 2)" 1
	cmp "$RECV/1.body" "$RECV/2.body"
	all_valid
}

@test "a 500 is retried with backoff from half a second" {
	start_receiver '500:internal error' 204
	run -0 falco-loki -q <(sample 1)
	assert_equal "$(requests)" 2
	at_least "$(gap 1 2)" 0.5
}

@test "a dropped connection is retried" {
	start_receiver drop 204
	run -0 falco-loki -q <(sample 1)
	assert_equal "$(requests)" 2
}

@test "a push that hangs past --timeout is retried" {
	start_receiver hang 204
	run -0 falco-loki -q --timeout 1s <(sample 1)
	assert_equal "$(requests)" 2
	at_least "$(gap 1 2)" 1
}

@test "when the retries run out the alerts are kept and the status is 1" {
	start_receiver '503:ingester unavailable'
	run -1 --separate-stderr falco-loki -q --retries 2 --dead-letter dead <(sample 1)
	assert_equal "$(requests)" 3
	assert_equal "${stderr_lines[0]}" "falco-loki: '$BASE': 503 ingester unavailable (3 tries): 1 alert not delivered"
	assert_equal "$(cat dead)" "$(sample 1)"
}

@test "HTTPS with mutual TLS: --cacert trusts the server, --cert and --key present the client" {
	make_ca .
	make_client .
	python3 "$BATS_TEST_DIRNAME/lib/http-receiver.py" "$RECV" --tls server.pem server.key \
	    --client-ca ca.pem --validate loki 204 3>&- &
	RECEIVER_PID=$!
	wait_for_file "$RECV/port"
	BASE="https://127.0.0.1:$(cat "$RECV/port")"
	run -0 --separate-stderr falco-loki -q -u "$BASE" --cacert ca.pem --cert client.pem --key client.key <(sample 1)
	assert_equal "$stderr" ""
	all_valid
	run -1 --separate-stderr falco-loki -q -u "$BASE" --cacert ca.pem --retries 0 --dead-letter dead <(sample 1)
	assert_equal "$(requests)" 1
	[[ ${stderr_lines[0]} == "falco-loki: '$BASE': "*"(1 try): 1 alert not delivered" ]] || fail "$stderr"
	run -1 --separate-stderr falco-loki -q -u "$BASE" --retries 0 --dead-letter dead <(sample 1)
	assert_equal "$(requests)" 1
}

@test "a --cert that cannot be read is a usage error" {
	run -2 --separate-stderr falco-loki -n --cert missing.pem </dev/null
	assert_equal "$stderr" "falco-loki: --cert: 'missing.pem': No such file or directory"
}

@test "an unreachable Loki is named by host only, never by path" {
	run -1 --separate-stderr falco-loki -q --retries 0 -u http://127.0.0.1:1/secret/path --dead-letter dead <(sample 1)
	[[ ${stderr_lines[0]} == "falco-loki: 'http://127.0.0.1:1': "*"(1 try): 1 alert not delivered" ]] ||
		fail "${stderr_lines[0]}"
	[[ $stderr != *secret* ]] || fail "the path was printed: $stderr"
}

@test "the secrets of files stay out of ps and of standard error" {
	secret pw 'hunter2-password'
	secret url "http://127.0.0.1:1/hunter2-path"
	mkfifo fifo
	falco-loki --url-file url --user me --password-file pw --retries 0 --dead-letter dead <fifo >out 2>err 3>&- &
	LOKI_PID=$!
	exec 4>fifo
	sample 1 >&4
	sleep 0.5
	run -0 ps -ww -o args= -p "$LOKI_PID"
	assert_output --partial "falco-loki --url-file url --user me --password-file pw"
	[[ $output != *hunter2* ]] || fail "a secret in ps: $output"
	exec 4>&-
	wait "$LOKI_PID" || true
	LOKI_PID=
	! grep -q hunter2 err || fail "a secret on stderr: $(cat err)"
	[ -s err ]
}

# ---- on the relay: waiting, stopping, draining ----

# loki_in_background ARGS...: falco-loki reading the FIFO "fifo", which
# the test holds open on descriptor 4; stdout to "out", stderr to "err"
loki_in_background() {
	mkfifo fifo
	falco-loki "$@" <fifo >out 2>err 3>&- &
	LOKI_PID=$!
	exec 4>fifo
}

# loki_wait: the background falco-loki's exit status, in $status
loki_wait() {
	status=0
	wait "$LOKI_PID" || status=$?
	LOKI_PID=
}

# has_requests N: the receiver recorded at least N requests
has_requests() {
	[ "$(requests)" -ge "$1" ]
}

@test "alerts that come together leave in one push, and none waits longer than --batch-wait" {
	start_receiver 204
	loki_in_background -q --batch-wait 1s
	local written
	written=$(python3 -c 'import time; print(time.monotonic())')
	{ sample 1; sample 2; sample 3; } >&4
	wait_until 5 has_requests 1
	local arrived
	arrived=$(awk '$1 == 1 { print $4 }' "$RECV/log")
	at_least "$(awk -v a="$arrived" -v w="$written" 'BEGIN { print a - w }')" 0.9
	awk -v a="$arrived" -v w="$written" 'BEGIN { exit !(a - w < 3) }' || fail "the push waited $(awk -v a="$arrived" -v w="$written" 'BEGIN { print a - w }') s"
	assert_equal "$(push 1 '[.streams[].values[]] | length')" 3
	exec 4>&-
	loki_wait
	assert_equal "$status" 0
	assert_equal "$(requests)" 1
}

@test "SIGTERM with alerts queued and batched: every alert read is passed on and pushed" {
	start_receiver 204
	status=0
	feed-and-stop.py --after 3000 consumed -- falco-loki --batch-wait 1m --dead-letter dead >out 2>err || status=$?
	assert_equal "$status" 0
	cmp consumed out
	[ -s consumed ] || fail "nothing consumed"
	all_valid
	diff <(lines "$RECV"/*.plain | sort) <(sort consumed)
	[ ! -s dead ]
}

@test "what --drain-timeout leaves unsent is kept, and said" {
	start_receiver hang
	loki_in_background -q --timeout 30s --drain-timeout 1s --dead-letter dead
	{ sample 1; sample 2; } >&4
	wait_until 5 has_requests 1
	kill -TERM "$LOKI_PID"
	loki_wait
	assert_equal "$status" 1
	assert_equal "$(cat err)" "falco-loki: --drain-timeout: 2 alerts not sent in time
falco-loki: 2 alerts not delivered, kept in 'dead'"
	assert_equal "$(cat dead)" "$(sample 1; sample 2)"
}

@test "when standard output is closed, every alert read is still pushed, status 141" {
	start_receiver 204
	for _ in $(seq 150); do cat "$SAMPLES"; done >big
	run --separate-stderr bash -c 'falco-loki "$1" | head -n 1 >/dev/null; exit "${PIPESTATUS[0]}"' _ big
	assert_equal "$status" 141
	all_valid
	# it stops reading, as on SIGTERM: what it read is a prefix of the input
	local n
	n=$(lines "$RECV"/*.plain | wc -l)
	[ "$n" -ge 1 ] || fail "nothing pushed"
	diff <(lines "$RECV"/*.plain | sort) <(head -n "$n" big | sort)
}

# ---- the EXAMPLES of falco-loki(1) ----

@test "the man page's first example pushes with pod names as metadata and passes alerts on" {
	start_receiver 204
	run -0 --separate-stderr bash -c 'falco-loki -u "$1" --metadata k8s.pod.name "$2" | falco-filter -p critical' _ "$BASE" "$SAMPLES"
	assert_equal "$output" "$(sample 1; sample 11; sample 14)"
	all_valid
	assert_equal "$(push 1 '[.streams[].values[] | .[2].k8s_pod_name | select(. != null)] | length')" \
	    "$(jq -r '.output_fields["k8s.pod.name"] // empty' "$SAMPLES" | wc -l)"
}

@test "the man page's Grafana Cloud example authenticates and labels the cluster" {
	secret grafana-token 'glc_eyJvIjoiMTIzIn0='
	start_receiver --require-header "Authorization: Basic $(printf '123456:glc_eyJvIjoiMTIzIn0=' | base64)" 204
	run -0 falco-loki -q --user 123456 --password-file grafana-token \
	    --extra-label cluster=prod "$SAMPLES"
	all_valid
	assert_equal "$(push 1 '[.streams[].stream.cluster] | unique | join(",")')" prod
}

@test "the man page's dry run lists the label sets" {
	run -0 bash -c 'falco-loki -n --line output "$1" | jq -c ".streams[].stream"' _ "$LOKI/small.ndjson"
	assert_output '{"rule":"Shell","priority":"Notice","source":"syscall","hostname":"node-1","k8s_ns_name":"demo"}
{"rule":"Write below etc","priority":"Error"}'
}

@test "the lines are the alerts' JSON, so LogQL's json parser reaches output_fields" {
	run -0 falco-loki -n "$EXAMPLES/seed-alerts.ndjson"
	run -0 jq -r '.streams[].values[][1] | fromjson | .output_fields["k8s.pod.name"]' <<<"$output"
	assert_output "nginx-7d9f8b6c5-x2x9q
nginx-7d9f8b6c5-x2x9q"
}
