#!/usr/bin/env bats
# falco-listen: Falco's http_output in, one alert a line out.

load test_helper
load lib/test-ca

setup() {
	listen_pid=
	reader_pid=
	export STATE_DIRECTORY=$BATS_TEST_TMPDIR/state
	T=$BATS_TEST_TMPDIR
}

teardown() {
	if [ -n "$reader_pid" ]; then
		kill -CONT "$reader_pid" 2>/dev/null || true
	fi
	if [ -n "$listen_pid" ]; then
		kill "$listen_pid" 2>/dev/null || true
		wait "$listen_pid" 2>/dev/null || true
	fi
	if [ -n "$reader_pid" ]; then
		kill "$reader_pid" 2>/dev/null || true
		wait "$reader_pid" 2>/dev/null || true
	fi
}

# start_listen [OPTION...]: falco-listen on a port of the kernel's choice,
# standard output to $T/out, standard error to $T/err; sets PORT
start_listen() {
	falco-listen --listen 127.0.0.1:0 --port-file "$T/ports" "$@" \
		>"$T/out" 2>"$T/err" 3>&- &
	listen_pid=$!
	wait_for_file "$T/ports"
	PORT=$(head -n 1 "$T/ports")
}

# start_listen_to_reader [OPTION...]: the same, standard output read by
# a cat that writes $T/out and that the test may stop (SIGSTOP)
start_listen_to_reader() {
	mkfifo "$T/fifo"
	cat "$T/fifo" >"$T/out" 3>&- &
	reader_pid=$!
	falco-listen --listen 127.0.0.1:0 --port-file "$T/ports" "$@" \
		>"$T/fifo" 2>"$T/err" 3>&- &
	listen_pid=$!
	wait_for_file "$T/ports"
	PORT=$(head -n 1 "$T/ports")
}

# stop_listen: SIGTERM, then wait; sets listen_status
stop_listen() {
	kill -TERM "$listen_pid"
	listen_status=0
	wait "$listen_pid" || listen_status=$?
	listen_pid=
	if [ -n "$reader_pid" ]; then
		kill -CONT "$reader_pid" 2>/dev/null || true
		wait "$reader_pid" || true
		reader_pid=
	fi
}

# post FILE [CURL_OPTION...]: FILE as a request body to POST /; prints the
# status and leaves the answer's body in $T/answer
post() {
	local file=$1
	shift
	curl -sS -o "$T/answer" -w '%{http_code}' --data-binary @"$file" \
		-H 'Content-Type: application/json' "$@" "http://127.0.0.1:$PORT/"
}

# numbered N FILE [SAMPLE]: N distinct alerts (sample SAMPLE, default 1,
# with "n":I in front), one a line
numbered() {
	sample "${3:-1}" | awk -v n="$1" '{ for (i = 1; i <= n; i++)
		print "{\"n\":" i "," substr($0, 2) }' >"$2"
}

# lines_of FILE: its number of lines
lines_of() {
	wc -l <"$1" | tr -d ' '
}

# wait_for_lines FILE N: until FILE has N lines (10 seconds at most)
wait_for_lines() {
	local tries=200
	while [ "$(lines_of "$1")" -lt "$2" ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	[ "$(lines_of "$1")" -ge "$2" ]
}

@test "each sample alert posted as Falco posts it comes out as the same line" {
	start_listen
	for n in $(seq 1 16); do
		sample "$n" | tr -d '\n' >"$T/body"
		run -0 post "$T/body"
		assert_output 200
	done
	stop_listen
	assert_equal "$listen_status" 0
	run -0 cmp "$T/out" "$SAMPLES"
	run -0 cat "$T/err"
	assert_output ""
}

@test "a pretty-printed alert comes out compact, every value byte for byte" {
	start_listen
	for n in $(seq 1 16); do
		sample "$n" | "$BATS_TEST_DIRNAME/lib/json-indent.py" 4 >"$T/body"
		[ "$(lines_of "$T/body")" -gt 5 ]
		run -0 post "$T/body"
		assert_output 200
	done
	stop_listen
	run -0 cmp "$T/out" "$SAMPLES"
}

@test "blanks inside strings and escapes are kept as they were posted" {
	start_listen
	printf '{ "output" : "a  b\\t\\"c\\" \\u00e9 {x}" ,\n  "output_fields" : { "evt.time" : 1618082841002873265 , "n" : [ 1 , 2.50 , -0e+0 ] } }' >"$T/body"
	run -0 post "$T/body"
	assert_output 200
	stop_listen
	run -0 cat "$T/out"
	assert_output '{"output":"a  b\t\"c\" \u00e9 {x}","output_fields":{"evt.time":1618082841002873265,"n":[1,2.50,-0e+0]}}'
}

@test "an NDJSON body of several alerts comes out as those lines, in order" {
	start_listen
	cp "$SAMPLES" "$T/body"
	run -0 post "$T/body"
	assert_output 200
	# pretty alerts one after another, no newline after the last
	"$BATS_TEST_DIRNAME/lib/json-indent.py" <"$SAMPLES" | head -c -1 >"$T/body"
	run -0 post "$T/body"
	assert_output 200
	stop_listen
	cat "$SAMPLES" "$SAMPLES" >"$T/expected"
	run -0 cmp "$T/out" "$T/expected"
}

@test "8 concurrent clients posting 1,000 alerts each: every alert arrives once, whole, in each client's order" {
	numbered 8000 "$T/alerts"
	start_listen
	run -0 alert-post -c 8 "$PORT" "$T/alerts"
	assert_line "200 8000"
	stop_listen
	assert_equal "$listen_status" 0
	assert_equal "$(lines_of "$T/out")" 8000
	# every line is one posted, whole: none lost, doubled or interleaved
	run -0 cmp <(sort "$T/out") <(sort "$T/alerts")
	# connection k posted alerts k+1, k+9, ... one after the other
	run -0 awk -F'[:,]' '{ n = $2; c = (n - 1) % 8
		if (n <= last[c]) { print "out of order: " n; exit 1 }
		last[c] = n }' "$T/out"
}

@test "a body that is not JSON objects is answered 400 with the reason, and nothing is written" {
	start_listen
	printf '{"rule":"x"' >"$T/b1"
	printf '[{"rule":"x"}]' >"$T/b2"
	printf '"text"' >"$T/b3"
	printf '' >"$T/b4"
	printf '\n \n' >"$T/b5"
	printf '{"rule":"a"}\n{"rule":"b"}\n{"rule": nope}\n' >"$T/b6"
	printf '{"rule":"a"}x' >"$T/b7"
	printf '\xff\xfe' >"$T/b8"
	# bats's run sets i: the loop needs a name of its own
	for body in 1 2 3 4 5 6 7 8; do
		run -0 post "$T/b$body"
		assert_output 400
		cp "$T/answer" "$T/answer$body"
	done
	run -0 cat "$T/answer1" "$T/answer2" "$T/answer3" "$T/answer4" \
		"$T/answer5" "$T/answer6" "$T/answer7" "$T/answer8"
	assert_output "line 1: invalid JSON at byte 12
line 1: not a JSON object
line 1: not a JSON object
empty body: expected a JSON object
empty body: expected a JSON object
line 3: invalid JSON at byte 10
line 1: invalid JSON at byte 1
line 1: invalid JSON at byte 1"
	stop_listen
	assert_equal "$listen_status" 0
	run -0 cat "$T/out"
	assert_output ""
	run -0 cat "$T/err"
	assert_output "falco-listen: POST /: line 1: invalid JSON at byte 12
falco-listen: POST /: line 1: not a JSON object
falco-listen: POST /: line 1: not a JSON object
falco-listen: POST /: empty body: expected a JSON object
falco-listen: POST /: empty body: expected a JSON object
falco-listen: POST /: line 3: invalid JSON at byte 10
falco-listen: POST /: line 1: invalid JSON at byte 1
falco-listen: POST /: line 1: invalid JSON at byte 1"
}

@test "a body over --max-body is answered 413 and nothing is written; one at the limit is taken" {
	start_listen --max-body 2K
	numbered 1 "$T/one"
	head -c 2048 /dev/zero | tr '\0' ' ' >"$T/body"
	cat "$T/one" >>"$T/body"
	run -0 post "$T/body"
	assert_output 413
	run -0 cat "$T/answer"
	assert_output "request body larger than 2048 bytes"
	head -c $((2048 - $(wc -c <"$T/one"))) /dev/zero | tr '\0' ' ' >"$T/body"
	cat "$T/one" >>"$T/body"
	run -0 post "$T/body"
	assert_output 200
	stop_listen
	run -0 cmp "$T/out" "$T/one"
}

@test "an alert longer than --max-line-bytes is answered 413 and its body is not taken" {
	start_listen --max-line-bytes 100
	printf '{"rule":"short"}\n{"rule":"%s"}\n' "$(head -c 100 /dev/zero | tr '\0' x)" >"$T/body"
	run -0 post "$T/body"
	assert_output 413
	run -0 cat "$T/answer"
	assert_output "line 2: alert longer than 100 bytes"
	stop_listen
	run -0 cat "$T/out"
	assert_output ""
}

@test "--max-connections 2: a third connection waits while two are held, and is served once one closes" {
	start_listen --max-connections 2
	numbered 1 "$T/one"
	printf 'POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: %d\r\nConnection: close\r\n\r\n' \
		"$(wc -c <"$T/one")" >"$T/request"
	cat "$T/one" >>"$T/request"
	run -0 held-connections.py "$PORT" 2 "$T/request"
	assert_output $'waiting\nHTTP/1.1 200 OK'
	stop_listen
	run -0 cmp "$T/out" "$T/one"
}

@test "request headers over 32 KiB are answered 431 and nothing is written" {
	start_listen
	numbered 1 "$T/one"
	run -0 post "$T/one" -H "X-Filler: $(head -c 33000 /dev/zero | tr '\0' x)"
	assert_output 431
	run -0 post "$T/one" -H "X-Filler: $(head -c 30000 /dev/zero | tr '\0' x)"
	assert_output 200
	stop_listen
	run -0 cmp "$T/out" "$T/one"
}

@test "a wrong method is answered 405 with the methods allowed" {
	start_listen
	run -0 curl -sS -D - -o /dev/null "http://127.0.0.1:$PORT/"
	assert_line --partial "HTTP/1.1 405"
	assert_line $'Allow: POST\r'
	run -0 curl -sS -X PUT -d '{}' -w '%{http_code}' -o /dev/null "http://127.0.0.1:$PORT/"
	assert_output 405
	run -0 curl -sS -X DELETE -w '%{http_code}' -o /dev/null "http://127.0.0.1:$PORT/test"
	assert_output 405
	run -0 curl -sS -D - -o /dev/null -d x "http://127.0.0.1:$PORT/healthz"
	assert_line --partial "HTTP/1.1 405"
	assert_line $'Allow: GET, HEAD\r'
	stop_listen
	run -0 cat "$T/out"
	assert_output ""
}

@test "a path other than /, /test, /healthz and /ping is answered 404" {
	start_listen
	run -0 curl -sS -w '%{http_code}' -d '{}' "http://127.0.0.1:$PORT/alerts"
	assert_output "not found: alerts go to POST /
404"
}

@test "GET /healthz and /ping answer as Falcosidekick's do" {
	start_listen
	run -0 curl -sS -D "$T/head" "http://127.0.0.1:$PORT/healthz"
	assert_output '{"status": "ok"}'
	run -0 grep -i '^content-type:' "$T/head"
	assert_output $'Content-Type: application/json\r'
	run -0 curl -sS "http://127.0.0.1:$PORT/ping"
	assert_output pong
	run -0 curl -sS -I "http://127.0.0.1:$PORT/ping"
	assert_line --partial "HTTP/1.1 200"
}

@test "POST /test writes Falcosidekick's test alert, past any selection" {
	start_listen -p critical -w 'rule = nothing'
	run -0 curl -sS -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/test"
	assert_output 200
	stop_listen
	assert_equal "$(lines_of "$T/out")" 1
	run -0 jq -c 'del(.time, .hostname)' "$T/out"
	assert_output '{"output":"This is a test from falco-listen","priority":"Debug","rule":"Test rule","source":"internal","tags":["test","example"],"output_fields":{"proc.name":"falco-listen","user.name":"falco-listen"}}'
	run -0 jq -r '.hostname' "$T/out"
	assert_output "$(hostname)"
	run -0 jq -r '.time | test("^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9:]{8}\\.[0-9]{9}Z$")' "$T/out"
	assert_output true
}

@test "-p and -w drop unwanted alerts at the door, answering 200 all the same" {
	start_listen -p warning -w 'k8s.ns.name != kube-system'
	cp "$SAMPLES" "$T/body"
	run -0 post "$T/body"
	assert_output 200
	stop_listen
	run -0 falco-filter 'priority >= warning and k8s.ns.name != kube-system' "$SAMPLES"
	assert_equal "$(cat "$T/out")" "$output"
	[ "$(lines_of "$T/out")" -gt 0 ]
	[ "$(lines_of "$T/out")" -lt 16 ]
}

@test "with --token-file, only requests with the bearer token are heard; probes need none" {
	printf 's3cret-token\n' >"$T/token"
	start_listen --token-file "$T/token"
	numbered 3 "$T/alerts"
	sed -n 1p "$T/alerts" >"$T/a1"
	sed -n 2p "$T/alerts" >"$T/a2"
	sed -n 3p "$T/alerts" >"$T/a3"
	run -0 curl -sS -D "$T/head" -o "$T/answer" -w '%{http_code}' --data-binary @"$T/a1" "http://127.0.0.1:$PORT/"
	assert_output 401
	run -0 grep -i '^www-authenticate:' "$T/head"
	assert_output $'WWW-Authenticate: Bearer realm="falco-listen"\r'
	run -0 post "$T/a1" -H 'Authorization: Bearer s3cret-tokex'
	assert_output 401
	run -0 post "$T/a1" -H 'Authorization: Bearer s3cret-token2'
	assert_output 401
	run -0 post "$T/a1" -H 'Authorization: Basic czNjcmV0LXRva2Vu'
	assert_output 401
	run -0 curl -sS -w '%{http_code}' -X POST "http://127.0.0.1:$PORT/test"
	assert_output "a valid bearer token is required
401"
	run -0 post "$T/a2" -H 'Authorization: Bearer s3cret-token'
	assert_output 200
	run -0 post "$T/a3" -H 'Authorization: bearer s3cret-token'
	assert_output 200
	run -0 curl -sS "http://127.0.0.1:$PORT/healthz"
	assert_output '{"status": "ok"}'
	stop_listen
	run -0 cat "$T/out"
	assert_output "$(sed -n 2,3p "$T/alerts")"
}

@test "an empty token file is refused at start" {
	: >"$T/token"
	run -2 --separate-stderr falco-listen --listen 127.0.0.1:0 --token-file "$T/token"
	assert_equal "$stderr" "falco-listen: '$T/token': no token in the file"
}

@test "HTTPS with --tls-cert and --tls-key" {
	make_test_ca "$T/ca"
	start_listen --tls-cert "$T/ca/server.pem" --tls-key "$T/ca/server.key"
	numbered 1 "$T/alert"
	run -0 curl -sS -w '%{http_code}' --cacert "$T/ca/ca.pem" --data-binary @"$T/alert" "https://127.0.0.1:$PORT/"
	assert_output 200
	stop_listen
	run -0 cmp "$T/out" "$T/alert"
}

@test "with --client-ca, only a client certificate the CA signed is heard (mutual TLS)" {
	make_test_ca "$T/ca"
	ca=$T/ca
	start_listen --tls-cert "$ca/server.pem" --tls-key "$ca/server.key" --client-ca "$ca/ca.pem"
	numbered 3 "$T/alerts"
	sed -n 1p "$T/alerts" >"$T/a1"
	sed -n 2p "$T/alerts" >"$T/a2"
	sed -n 3p "$T/alerts" >"$T/a3"
	run -0 curl -sS -w '%{http_code}' --cacert "$ca/ca.pem" --cert "$ca/client.pem" --key "$ca/client.key" --data-binary @"$T/a1" "https://127.0.0.1:$PORT/"
	assert_output 200
	run ! curl -sS --cacert "$ca/ca.pem" --data-binary @"$T/a2" "https://127.0.0.1:$PORT/"
	run ! curl -sS --cacert "$ca/ca.pem" --cert "$ca/stranger.pem" --key "$ca/stranger.key" --data-binary @"$T/a3" "https://127.0.0.1:$PORT/"
	stop_listen
	run -0 cmp "$T/out" "$T/a1"
}

@test "--client-ca without a certificate, and a certificate without its key, are usage errors" {
	run -2 --separate-stderr falco-listen --client-ca /dev/null
	assert_equal "${stderr_lines[0]}" "falco-listen: --client-ca needs --tls-cert and --tls-key"
	run -2 --separate-stderr falco-listen --tls-cert /dev/null
	assert_equal "${stderr_lines[0]}" "falco-listen: --tls-cert and --tls-key go together"
	run -2 --separate-stderr falco-listen alerts.ndjson
	assert_equal "${stderr_lines[0]}" "falco-listen: 'alerts.ndjson': no operands: alerts come over HTTP"
	run -2 --separate-stderr falco-listen --listen localhost:2801
	assert_equal "$stderr" "falco-listen: 'localhost:2801': expected ADDR:PORT with a numeric address, such as 127.0.0.1:2801 or [::1]:2801"
}

@test "--listen is repeatable and every address is served" {
	start_listen --listen 127.0.0.1:0
	assert_equal "$(lines_of "$T/ports")" 2
	second=$(sed -n 2p "$T/ports")
	numbered 2 "$T/alerts"
	sed -n 1p "$T/alerts" >"$T/a1"
	sed -n 2p "$T/alerts" >"$T/a2"
	run -0 post "$T/a1"
	assert_output 200
	run -0 curl -sS -w '%{http_code}' --data-binary @"$T/a2" "http://127.0.0.1:$second/"
	assert_output 200
	stop_listen
	run -0 cmp "$T/out" "$T/alerts"
}

@test "a stopped reader: alerts are spooled and answered 200, then written in order once it reads" {
	numbered 300 "$T/alerts"
	start_listen_to_reader --queue-size 2
	kill -STOP "$reader_pid"
	run -0 alert-post "$PORT" "$T/alerts"
	assert_line "200 300"
	# the pipe and the queue hold some; the spool holds the rest
	spool=$(ls "$STATE_DIRECTORY"/falco-listen.queue.*)
	[ "$(lines_of "$spool")" -gt 100 ]
	run -0 sed -n 1p "$T/err"
	assert_output "falco-listen: standard output is not keeping up: alerts are kept in '$spool' until it does"
	kill -CONT "$reader_pid"
	wait_for_lines "$T/out" 300
	stop_listen
	assert_equal "$listen_status" 0
	run -0 cmp "$T/out" "$T/alerts"
	[ ! -e "$spool" ]
}

@test "past --max-spool the answer is 503 with Retry-After; the refusals are counted and reported" {
	numbered 250 "$T/alerts"
	start_listen_to_reader --queue-size 1 --max-spool 20K
	kill -STOP "$reader_pid"
	: >"$T/accepted"
	refused=0
	for alert in $(seq 1 250); do
		sed -n "${alert}p" "$T/alerts" >"$T/a"
		status=$(curl -sS -D "$T/head" -o "$T/answer" -w '%{http_code}' --data-binary @"$T/a" "http://127.0.0.1:$PORT/")
		if [ "$status" = 200 ]; then
			cat "$T/a" >>"$T/accepted"
		else
			assert_equal "$status" 503
			refused=$((refused + 1))
			cp "$T/head" "$T/head503"
			cp "$T/answer" "$T/answer503"
		fi
	done
	[ "$refused" -gt 0 ]
	[ "$(lines_of "$T/accepted")" -gt 20 ]
	run -0 grep -i '^retry-after:' "$T/head503"
	assert_output $'Retry-After: 5\r'
	run -0 cat "$T/answer503"
	assert_output "0 of 1 alerts kept; the rest refused: the spool is full, retry later"
	kill -CONT "$reader_pid"
	wait_for_lines "$T/out" "$(lines_of "$T/accepted")"
	stop_listen
	assert_equal "$listen_status" 1
	# every alert answered 200 is written, in the order they were posted
	run -0 cmp "$T/out" "$T/accepted"
	run -0 grep -c 'the spool is full (--max-spool 20480 bytes): alerts are refused with 503' "$T/err"
	assert_output 1
	run -0 tail -n 1 "$T/err"
	assert_output "falco-listen: $refused alerts refused with 503: the spool was full"
}

@test "SIGTERM with requests in flight: each is finished, every alert answered 200 is written, exit 0" {
	numbered 10000 "$T/alerts"
	numbered 200 "$T/slow" 2
	start_listen
	# about 2,000 a second: still posting when the signal comes
	alert-post -c 4 -i 0.0005 "$PORT" "$T/alerts" >"$T/posted" &
	post_pid=$!
	wait_for_lines "$T/out" 100
	# a body still arriving when the signal comes
	curl -sS -o "$T/slow-answer" -w '%{http_code}' --limit-rate 100K \
		--data-binary @"$T/slow" "http://127.0.0.1:$PORT/" >"$T/slow-status" &
	slow_pid=$!
	sleep 0.5
	stop_listen
	assert_equal "$listen_status" 0
	wait "$slow_pid"
	run -0 cat "$T/slow-status"
	assert_output 200
	wait "$post_pid" || true
	ok=$(awk '$1 == 200 { print $2 }' "$T/posted")
	[ "$ok" -gt 0 ]
	[ "$ok" -lt 10000 ]
	# the slow body whole, then every alert answered 200; an alert whose
	# answer was cut off by the stop may be there too, one a connection
	run -0 grep -cxFf "$T/slow" "$T/out"
	assert_output 200
	written=$(lines_of "$T/out")
	[ "$written" -ge $((ok + 200)) ]
	[ "$written" -le $((ok + 200 + 4)) ]
	# none doubled, none torn, none made up
	[ "$(sort -u "$T/out" | wc -l)" -eq "$written" ]
	# grep -v selects nothing: status 1
	run -1 bash -c "grep -vxFf '$T/alerts' '$T/out' | grep -vxFf '$T/slow'"
	assert_output ""
}

# complete_then_kept OUT DEAD ALERTS: the complete lines of OUT, then DEAD,
# are ALERTS; a last line of OUT cut short is the start of DEAD's first
check_written_then_kept() {
	local complete partial
	complete=$(grep -c '' "$1")
	partial=
	if [ -s "$1" ] && [ "$(tail -c 1 "$1" | od -An -c | tr -d ' ')" != '\n' ]; then
		complete=$((complete - 1))
		partial=$(tail -n 1 "$1")
		[[ "$(head -n 1 "$2")" == "$partial"* ]] || fail "cut line is not the first kept"
	fi
	cmp <(head -n "$complete" "$1"; cat "$2") "$3"
}

@test "SIGTERM while the reader is stopped: what --drain-timeout cannot write is kept in the dead letter, in order" {
	numbered 300 "$T/alerts"
	start_listen_to_reader --queue-size 2 --drain-timeout 500ms --dead-letter "$T/dead"
	kill -STOP "$reader_pid"
	run -0 alert-post "$PORT" "$T/alerts"
	assert_line "200 300"
	kill -TERM "$listen_pid"
	listen_status=0
	wait "$listen_pid" || listen_status=$?
	listen_pid=
	assert_equal "$listen_status" 1
	kill -CONT "$reader_pid"
	wait "$reader_pid"
	reader_pid=
	kept=$(lines_of "$T/dead")
	[ "$kept" -gt 100 ]
	run -0 tail -n 1 "$T/err"
	assert_output "falco-listen: $kept alerts not delivered, kept in '$T/dead'"
	# what reached the reader, then the dead letter: every alert once, in order
	run -0 check_written_then_kept "$T/out" "$T/dead" "$T/alerts"
	[ -z "$(ls "$STATE_DIRECTORY")" ]
}

@test "a reader that goes away: falco-listen stops, keeps what it accepted, exits 141" {
	# more than the pipe holds, so a write finds the reader gone
	numbered 200 "$T/alerts"
	# errexit is on: the status is written only when it is not 0
	echo 0 >"$T/status"
	{ falco-listen --listen 127.0.0.1:0 --port-file "$T/ports" \
		--dead-letter "$T/dead" 2>"$T/err" 3>&- || echo $? >"$T/status"; } |
		head -n 1 >"$T/out" &
	wait_for_file "$T/ports"
	PORT=$(head -n 1 "$T/ports")
	run -2 alert-post "$PORT" "$T/alerts"
	ok=$(awk '$1 == 200 { print $2 }' <<<"$output")
	wait
	run -0 cat "$T/status"
	assert_output 141
	run -0 cat "$T/out"
	assert_output "$(head -n 1 "$T/alerts")"
	# what the pipe could not take is kept: alerts up to the last answered
	# 200, or the one after it (accepted, its answer cut off by the stop)
	kept=$(lines_of "$T/dead")
	[ "$kept" -gt 0 ]
	last=$(tail -n 1 "$T/dead" | sed 's/^{"n":\([0-9]*\),.*/\1/')
	[ "$last" -eq "$ok" ] || [ "$last" -eq $((ok + 1)) ]
	run -0 cmp "$T/dead" <(sed -n "$((last - kept + 1)),${last}p" "$T/alerts")
	noun=alerts
	[ "$kept" != 1 ] || noun=alert
	run -0 cat "$T/err"
	assert_output "falco-listen: $kept $noun not delivered, kept in '$T/dead'"
}
