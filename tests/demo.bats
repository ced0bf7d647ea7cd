#!/usr/bin/env bats
# make demo is what a new user runs first: it must show the seed scenario,
# and every outcome it shows must be what the stand-ins really received.

load test_helper

DEMO=$BATS_TEST_DIRNAME/../examples/demo.sh

setup_file() {
	export DEMO_OUT=$BATS_FILE_TMPDIR/demo.out DEMO_ERR=$BATS_FILE_TMPDIR/demo.err
	export KEPT=$BATS_FILE_TMPDIR/kept
	status=0
	DEMO_KEEP=$KEPT bash "$DEMO" >"$DEMO_OUT" 2>"$DEMO_ERR" || status=$?
	echo "$status" >"$BATS_FILE_TMPDIR/status"
}

@test "make demo runs to the end, status 0, nothing on standard error" {
	assert_equal "$(cat "$BATS_FILE_TMPDIR/status")" 0
	assert_equal "$(cat "$DEMO_ERR")" ""
}

@test "make demo shows falco-filter's count of the real sample alerts" {
	run -0 cat "$DEMO_OUT"
	assert_line --index 1 "\$ falco-filter -c 'rule exists' alerts.ndjson"
	assert_line --index 2 '16'
}

@test "every alert, posted to falco-listen or piped, reached falco-route once, byte for byte" {
	run -0 cat "$DEMO_OUT"
	assert_line "-- every alert reached falco-route: 8 of 8 (status 0 on SIGTERM)"
	cmp <(sort "$KEPT/alerts.log") <(cat "$KEPT/http.ndjson" "$KEPT/pipe.ndjson" | sort)
	# each way in keeps its own order
	cmp <(grep -Fxf "$KEPT/http.ndjson" "$KEPT/alerts.log") "$KEPT/http.ndjson"
	cmp <(grep -Fxf "$KEPT/pipe.ndjson" "$KEPT/alerts.log") "$KEPT/pipe.ndjson"
}

@test "Slack got the shell and the connection, the second saying the pod was isolated; no noise" {
	run -0 cat "$DEMO_OUT"
	assert_line '  [#5bffb5] Notice: Terminal shell in container'
	assert_line '  [#ffc700] Warning: Connection to vistatech.it — isolated demo/nginx-7d9f8b6c5-x2x9q (policy falco-pipes-quarantine)'
	run -0 ls "$KEPT/slack"
	assert_equal "$(ls "$KEPT"/slack/*.body | wc -l)" 2
}

@test "the policy and the label are on exactly the offending pod" {
	run -0 cat "$DEMO_OUT"
	assert_line '  POST /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies'
	assert_line '  PATCH /api/v1/namespaces/demo/pods/nginx-7d9f8b6c5-x2x9q'
	assert_line '  nginx-7d9f8b6c5-x2x9q: app=nginx falco-pipes.io/quarantine=true pod-template-hash=7d9f8b6c5'
	assert_line '  nginx-7d9f8b6c5-q8k4m: app=nginx pod-template-hash=7d9f8b6c5'
	assert_equal "$(jq '.networkpolicies | length' "$KEPT/api.dump")" 1
	assert_equal "$(jq -r '[.pods[] | select(.metadata.labels["falco-pipes.io/quarantine"])] | map(.metadata.name) | join(" ")' "$KEPT/api.dump")" nginx-7d9f8b6c5-x2x9q
}

@test "Loki got every alert once, as read, with its time to the nanosecond" {
	run -0 bash -c 'jq -r ".streams[].values[][1]" "$1"/loki/*.body | sort' _ "$KEPT"
	assert_output "$(cat "$KEPT/http.ndjson" "$KEPT/pipe.ndjson" | sort)"
	# the seed shell alert's time, 2026-11-20T09:14:02.118260342Z, in ns
	run -0 bash -c 'jq -r ".streams[].values[] | select(.[1] | contains(\"Terminal shell\") and contains(\"demo\")) | .[0]" "$1"/loki/*.body' _ "$KEPT"
	assert_output 1795166042118260342
}

@test "Prometheus scraped falco-prom and counts every alert by rule and priority" {
	command -v prometheus >/dev/null || skip "prometheus is not installed (make deps installs it)"
	run -0 cat "$DEMO_OUT"
	assert_line '  2  Notice  Terminal shell in container'
	assert_line '  1  Warning  Connection to vistatech.it'
	run -0 bash -c "sed -n '/^-- Prometheus/,/^\$/p' \"\$1\" | grep -c '^  [0-9]'" _ "$DEMO_OUT"
	assert_output 7
}
