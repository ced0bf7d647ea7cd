#!/usr/bin/env bats
# make demo is what a new user runs first: it must show the seed scenario.

load test_helper

@test "make demo's seed scenario quarantines exactly the offending pod and posts both alerts" {
	run -0 --separate-stderr sh "$BATS_TEST_DIRNAME/../examples/demo.sh"
	assert_line '  [#5bffb5] Notice: Terminal shell in container'
	assert_line '  [#ffc700] Warning: Connection to vistatech.it — isolated demo/nginx-7d9f8b6c5-x2x9q (policy falco-pipes-quarantine)'
	assert_line '  POST /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies'
	assert_line '  PATCH /api/v1/namespaces/demo/pods/nginx-7d9f8b6c5-x2x9q'
	assert_line '  nginx-7d9f8b6c5-x2x9q: app=nginx falco-pipes.io/quarantine=true pod-template-hash=7d9f8b6c5'
	assert_line '  nginx-7d9f8b6c5-q8k4m: app=nginx pod-template-hash=7d9f8b6c5'
	assert_equal "$stderr" ""
}

@test "make demo shows falco-filter's count of the real sample alerts" {
	run -0 --separate-stderr sh "$BATS_TEST_DIRNAME/../examples/demo.sh"
	assert_line --index 1 "\$ falco-filter -c 'rule exists' alerts.ndjson"
	assert_line --index 2 '16'
}
