#!/usr/bin/env bats
# common/httpd.c, the HTTP server of falco-listen and falco-prom, through
# tests/tools/httpd-serve.c (its header says how it answers).

load test_helper
load lib/test-ca

setup() {
	serve_pid=
}

teardown() {
	if [ -n "$serve_pid" ]; then
		kill "$serve_pid" 2>/dev/null || true
		wait "$serve_pid" 2>/dev/null || true
	fi
}

# start_serve [ARG...]: httpd-serve in the background; sets PORT (the first)
start_serve() {
	httpd-serve "$@" "$BATS_TEST_TMPDIR/ports" >"$BATS_TEST_TMPDIR/out" \
		2>"$BATS_TEST_TMPDIR/err" 3>&- &
	serve_pid=$!
	wait_for_file "$BATS_TEST_TMPDIR/ports"
	PORT=$(head -n 1 "$BATS_TEST_TMPDIR/ports")
}

stop_serve() {
	kill -TERM "$serve_pid"
	wait "$serve_pid"
	serve_pid=
}

@test "the ports bound are written to the port file, one a line, in order" {
	start_serve -l 127.0.0.1:0 -l 127.0.0.1:0
	run -0 wc -l <"$BATS_TEST_TMPDIR/ports"
	assert_output 2
	second=$(sed -n 2p "$BATS_TEST_TMPDIR/ports")
	[ "$PORT" != "$second" ]
	run -0 curl -sS "http://127.0.0.1:$second/two"
	assert_output "GET /two 0"
}

@test "the handler gets the method, the path without the query, and the body whole" {
	start_serve
	run -0 curl -sS --data-binary $'line 1\nline 2' "http://127.0.0.1:$PORT/p/q?x=1"
	assert_output $'POST /p/q 13\nline 1\nline 2'
}

@test "the handler reads a request header" {
	start_serve
	run -0 curl -sS -H 'X-Token: abc def' "http://127.0.0.1:$PORT/header/X-Token"
	assert_output "abc def"
}

@test "the handler's status is the answer's, and Retry-After is whole seconds rounded up" {
	start_serve
	run -0 curl -sS -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/status/404"
	assert_output 404
	run -0 curl -sS -D - -o /dev/null "http://127.0.0.1:$PORT/retry/1.2"
	assert_line --partial "HTTP/1.1 503"
	assert_line $'Retry-After: 2\r'
}

@test "a body of exactly the limit is served" {
	start_serve -b 100
	head -c 100 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/body"
	run -0 curl -sS -o /dev/null -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PORT/"
	assert_output 200
}

@test "a body declared larger than the limit is answered 413" {
	start_serve -b 100
	head -c 101 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/body"
	run -0 curl -sS -w '%{http_code}\n' --data-binary @"$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PORT/"
	assert_output $'request body larger than 100 bytes\n413'
}

@test "a chunked body that grows past the limit is answered 413" {
	start_serve -b 100
	head -c 5000 /dev/zero | tr '\0' a >"$BATS_TEST_TMPDIR/body"
	run -0 curl -sS -w '%{http_code}\n' -H 'Transfer-Encoding: chunked' --data-binary @"$BATS_TEST_TMPDIR/body" "http://127.0.0.1:$PORT/"
	assert_output $'request body larger than 100 bytes\n413'
}

@test "a request under way when the server stops is answered, with Connection: close" {
	start_serve
	curl -sS -D - "http://127.0.0.1:$PORT/slow/1" >"$BATS_TEST_TMPDIR/answer" &
	curl_pid=$!
	wait_until 10 grep -q "slow request under way" "$BATS_TEST_TMPDIR/err"
	stop_serve
	wait "$curl_pid"
	run -0 cat "$BATS_TEST_TMPDIR/answer"
	assert_line --partial "HTTP/1.1 200"
	assert_line $'Connection: close\r'
	assert_line "slow done"
	run -0 cat "$BATS_TEST_TMPDIR/out"
	assert_output stopped
}

@test "once the stop began, a new connection is refused while a request under way finishes" {
	start_serve
	curl -sS "http://127.0.0.1:$PORT/slow/2" >"$BATS_TEST_TMPDIR/answer" &
	curl_pid=$!
	wait_until 10 grep -q "slow request under way" "$BATS_TEST_TMPDIR/err"
	kill -TERM "$serve_pid"
	sleep 0.3
	run -7 curl -sS "http://127.0.0.1:$PORT/late"
	wait "$curl_pid"
	wait "$serve_pid"
	serve_pid=
	run -0 cat "$BATS_TEST_TMPDIR/answer"
	assert_output "slow done"
}

@test "an address that is not a numeric ADDR:PORT is refused with status 2" {
	for addr in localhost:80 127.0.0.1 1.2.3:80 '[::1]:x' ::1:80 '[127.0.0.1]:80' 127.0.0.1:65536; do
		run -2 --separate-stderr httpd-serve -l "$addr" "$BATS_TEST_TMPDIR/ports"
		assert_equal "$stderr" "httpd-serve: '$addr': expected ADDR:PORT with a numeric address, such as 127.0.0.1:2801 or [::1]:2801"
	done
}

@test "an address in use is refused with its reason, and nothing is served" {
	start_serve
	run -2 --separate-stderr httpd-serve -l 127.0.0.1:0 -l "127.0.0.1:$PORT" "$BATS_TEST_TMPDIR/ports2"
	assert_equal "$stderr" "httpd-serve: '127.0.0.1:$PORT': Address already in use"
	[ ! -e "$BATS_TEST_TMPDIR/ports2" ]
}

@test "HTTPS is served with the certificate and key" {
	make_test_ca "$BATS_TEST_TMPDIR/ca"
	start_serve -c "$BATS_TEST_TMPDIR/ca/server.pem" -k "$BATS_TEST_TMPDIR/ca/server.key"
	run -0 curl -sS --cacert "$BATS_TEST_TMPDIR/ca/ca.pem" -d x "https://127.0.0.1:$PORT/tls"
	assert_output $'POST /tls 1\nx'
	run ! curl -sS -d x "http://127.0.0.1:$PORT/plain"
}

@test "with a client CA, only a client certificate it signed is served" {
	make_test_ca "$BATS_TEST_TMPDIR/ca"
	ca=$BATS_TEST_TMPDIR/ca
	start_serve -c "$ca/server.pem" -k "$ca/server.key" -a "$ca/ca.pem"
	run -0 curl -sS --cacert "$ca/ca.pem" --cert "$ca/client.pem" --key "$ca/client.key" -d x "https://127.0.0.1:$PORT/mtls"
	assert_output $'POST /mtls 1\nx'
	# TLS 1.3 ends the handshake before the client's certificate is
	# checked, so the refusal shows as a closed connection (52) or a
	# failed handshake (35, 56), never as an answer
	run ! curl -sS --cacert "$ca/ca.pem" -d x "https://127.0.0.1:$PORT/none"
	refute_output --partial "POST"
	run ! curl -sS --cacert "$ca/ca.pem" --cert "$ca/stranger.pem" --key "$ca/stranger.key" -d x "https://127.0.0.1:$PORT/stranger"
	refute_output --partial "POST"
	run ! curl -sS --tlsv1.2 --tls-max 1.2 --cacert "$ca/ca.pem" -d x "https://127.0.0.1:$PORT/none12"
	refute_output --partial "POST"
}

@test "a key that does not match the certificate is refused with GnuTLS's reason" {
	make_test_ca "$BATS_TEST_TMPDIR/ca"
	ca=$BATS_TEST_TMPDIR/ca
	run -2 --separate-stderr httpd-serve -c "$ca/server.pem" -k "$ca/client.key" "$BATS_TEST_TMPDIR/ports"
	assert_equal "$stderr" "httpd-serve: '$ca/server.pem', '$ca/client.key': the certificate and the given key do not match"
	run -2 --separate-stderr httpd-serve -c "$ca/server.pem" -k "$ca/server.key" -a "$ca/ca.key" "$BATS_TEST_TMPDIR/ports"
	assert_equal "$stderr" "httpd-serve: '$ca/ca.key': no certificate in the file"
	run -2 --separate-stderr httpd-serve -c "$ca/server.pem" "$BATS_TEST_TMPDIR/ports"
	assert_equal "$stderr" "httpd-serve: a TLS certificate needs its key, and a key its certificate"
}
