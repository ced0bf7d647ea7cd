#!/usr/bin/env bats
# falco-netpol against tests/lib/fake-kube-api.py, over HTTPS with a CA
# made for this file. The fake records every request (LOG) and writes
# its objects after each change (DUMP).

bats_require_minimum_version 1.5.0
load test_helper

setup_file() {
	local d=$BATS_FILE_TMPDIR/certs ec=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
	mkdir -p "$d"
	openssl req -x509 "${ec[@]}" -keyout "$d/ca.key" -out "$d/ca.crt" \
		-subj /CN=falco-netpol-test-ca -days 2 2>/dev/null
	openssl req "${ec[@]}" -keyout "$d/server.key" -out "$d/server.csr" \
		-subj /CN=127.0.0.1 2>/dev/null
	openssl x509 -req -in "$d/server.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/server.crt" -days 2 \
		-extfile <(printf 'subjectAltName=IP:127.0.0.1\n') 2>/dev/null
	openssl req "${ec[@]}" -keyout "$d/client.key" -out "$d/client.csr" \
		-subj /CN=falco-netpol-client 2>/dev/null
	openssl x509 -req -in "$d/client.csr" -CA "$d/ca.crt" -CAkey "$d/ca.key" \
		-CAcreateserial -out "$d/client.crt" -days 2 \
		-extfile <(printf 'extendedKeyUsage=clientAuth\n') 2>/dev/null
}

setup() {
	unset KUBECONFIG KUBERNETES_SERVICE_HOST KUBERNETES_SERVICE_PORT \
		FALCO_NETPOL_SERVICEACCOUNT_DIR
	CERTS=$BATS_FILE_TMPDIR/certs
	export HOME=$BATS_TEST_TMPDIR/home
	mkdir -p "$HOME"
	TOKEN=$BATS_TEST_TMPDIR/token
	printf 'good-token\n' >"$TOKEN"
	STATE=$BATS_TEST_TMPDIR/state.json
	LOG=$BATS_TEST_TMPDIR/requests.ndjson
	DUMP=$BATS_TEST_TMPDIR/dump.json
	cp "$FIXTURES/netpol/state.json" "$STATE"
	# the --max-actions count of each test, not the machine's
	export STATE_DIRECTORY=$BATS_TEST_TMPDIR/statedir
	API_PID=
}

teardown() {
	if [ -n "$API_PID" ]; then kill "$API_PID" 2>/dev/null || true; fi
}

# start_fake ARGS: the fake API server on 127.0.0.1; sets PORT
start_fake() {
	python3 "$BATS_TEST_DIRNAME/lib/fake-kube-api.py" --state "$STATE" \
		--port-file "$BATS_TEST_TMPDIR/port" --log "$LOG" --dump "$DUMP" \
		"$@" 3>&- &
	API_PID=$!
	wait_for_file "$BATS_TEST_TMPDIR/port"
	PORT=$(cat "$BATS_TEST_TMPDIR/port")
}

start_api() {
	start_fake --cert "$CERTS/server.crt" --key "$CERTS/server.key" \
		--ca "$CERTS/ca.crt"
	SERVER=https://127.0.0.1:$PORT
}

# what `kubectl proxy` offers: plain HTTP, and it adds the credentials itself
start_proxy() {
	start_fake --plain --anonymous kubectl-proxy
	SERVER=http://127.0.0.1:$PORT
}

# change the fake's initial state with a jq program (no alert goes through jq)
edit_state() {
	jq "$1" "$STATE" >"$STATE.new" && mv "$STATE.new" "$STATE"
}

netpol() {
	falco-netpol --server "$SERVER" --token-file "$TOKEN" \
		--certificate-authority "$CERTS/ca.crt" "$@"
}

# alert NS POD: sample 1 naming another pod, spliced as text
alert() {
	local line
	line=$(sample 1)
	line=${line/'"k8s.ns.name":"default"'/"\"k8s.ns.name\":\"$1\""}
	printf '%s\n' "${line/'"k8s.pod.name":"kubecon"'/"\"k8s.pod.name\":\"$2\""}"
}

# annotated LINE JSON: what falco-netpol should write for LINE
annotated() {
	printf '%s,"falco_netpol":%s}' "${1%\}}" "$2"
}

# what falco-netpol writes for sample 1 once it isolated the pod kubecon
kubecon_isolated() {
	annotated "$(sample 1)" '{"action":"isolated","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}'
}

# pod_labels NAME: the labels of the pod NAME as the fake stores them
pod_labels() {
	jq -c --arg name "$1" '.pods[] | select(.metadata.name == $name) | .metadata.labels' "$DUMP"
}

# stderr_is TEXT: the exact standard error of the last run
stderr_is() {
	output=$stderr assert_output "$1"
}

requests() {
	jq -r '"\(.method) \(.path)"' "$LOG"
}

@test "label mode creates the policy first, then labels only the pod" {
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon"
	run -0 jq -c '.networkpolicies[] | select(.metadata.namespace == "default") | {metadata: {name: .metadata.name, labels: .metadata.labels}, spec}' "$DUMP"
	assert_output '{"metadata":{"name":"falco-pipes-quarantine","labels":{"app.kubernetes.io/managed-by":"falco-pipes"}},"spec":{"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Egress"]}}'
	run -0 jq -c '[.pods[] | select(.metadata.namespace == "default") | {(.metadata.name): .metadata.labels}] | add' "$DUMP"
	assert_output '{"alpine":{"run":"alpine"},"kubecon":{"falco-pipes.io/quarantine":"true","run":"kubecon"}}'
}

@test "the label patch is a JSON merge patch with a field manager" {
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	run -0 jq -c 'select(.method == "PATCH") | [.content_type, .query, .body]' "$LOG"
	assert_output '["application/merge-patch+json",{"fieldManager":"falco-netpol"},{"metadata":{"labels":{"falco-pipes.io/quarantine":"true"}}}]'
}

@test "a second alert for the same pod reads the pod and the policy again and writes nothing" {
	start_api
	run -0 --separate-stderr netpol <(sample 1; sample 1)
	assert_line --index 1 "$(annotated "$(sample 1)" '{"action":"already-isolated","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}')"
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon
GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine"
}

@test "a second pod in the namespace reuses the policy once it is read back" {
	start_api
	run -0 --separate-stderr netpol <(sample 1; sample 2)
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon
GET /api/v1/namespaces/default/pods/alpine
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
PATCH /api/v1/namespaces/default/pods/alpine"
}

@test "a pod already labelled under an existing falco-pipes policy is already-isolated" {
	start_api
	run -0 --separate-stderr netpol <(alert restart old)
	assert_output "$(annotated "$(alert restart old)" '{"action":"already-isolated","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":null}')"
	run -0 requests
	assert_output "GET /api/v1/namespaces/restart/pods/old
GET /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine"
}

@test "a same-named policy not made by falco-pipes is left alone and the pod untouched" {
	start_api
	run -1 --separate-stderr netpol <(alert prod api)
	assert_output "$(annotated "$(alert prod api)" '{"action":"failed","namespace":"prod","pod":"api","policy":"falco-pipes-quarantine","reason":"policy '"'falco-pipes-quarantine'"' exists and was not created by falco-pipes"}')"
	stderr_is "falco-netpol: 'prod/falco-pipes-quarantine': a policy of that name exists and was not created by falco-pipes; pod left alone"
	run -1 grep -c -e PATCH -e PUT -e DELETE "$LOG"
}

@test "owner mode isolates the Deployment's pods without the pod-template-hash" {
	start_api
	run -0 --separate-stderr netpol --mode owner <(alert demo web-5d4f8-abcde)
	assert_output "$(annotated "$(alert demo web-5d4f8-abcde)" '{"action":"isolated","namespace":"demo","pod":"web-5d4f8-abcde","policy":"falco-pipes-deployment-web","reason":null}')"
	run -0 requests
	assert_output "GET /api/v1/namespaces/demo/pods/web-5d4f8-abcde
GET /apis/apps/v1/namespaces/demo/replicasets/web-5d4f8
GET /apis/apps/v1/namespaces/demo/deployments/web
GET /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies/falco-pipes-deployment-web
POST /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies"
	run -0 jq -c '.networkpolicies[] | select(.metadata.name == "falco-pipes-deployment-web") | .spec.podSelector' "$DUMP"
	assert_output '{"matchExpressions":[{"key":"track","operator":"NotIn","values":["canary"]}],"matchLabels":{"app":"web"}}'
}

@test "owner mode drops controller-revision-hash from a StatefulSet's selector" {
	start_api
	run -0 --separate-stderr netpol --mode owner <(alert demo db-0)
	run -0 jq -c '.networkpolicies[] | select(.metadata.name == "falco-pipes-statefulset-db") | .spec.podSelector' "$DUMP"
	assert_output '{"matchLabels":{"app":"db"}}'
}

@test "owner mode falls back to the label for a pod without a controller" {
	start_api
	run -0 --separate-stderr netpol --mode owner <(alert demo lone)
	assert_output "$(annotated "$(alert demo lone)" '{"action":"isolated","namespace":"demo","pod":"lone","policy":"falco-pipes-quarantine","reason":null}')"
	run -0 pod_labels lone
	assert_output '{"app":"lone","falco-pipes.io/quarantine":"true"}'
}

@test "selector mode makes one policy named from the selector" {
	start_api
	run -0 --separate-stderr netpol --mode selector --selector app=nginx <(alert demo lone; alert demo web-5d4f8-abcde)
	assert_line --index 0 "$(annotated "$(alert demo lone)" '{"action":"isolated","namespace":"demo","pod":"lone","policy":"falco-pipes-app-nginx","reason":null}')"
	assert_line --index 1 "$(annotated "$(alert demo web-5d4f8-abcde)" '{"action":"already-isolated","namespace":"demo","pod":"web-5d4f8-abcde","policy":"falco-pipes-app-nginx","reason":null}')"
	run -0 requests
	assert_output "GET /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies/falco-pipes-app-nginx
POST /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies
GET /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies/falco-pipes-app-nginx"
}

@test "allow-dns, allow-cidr and ingress shape the policy" {
	start_api
	run -0 --separate-stderr netpol --allow-dns --allow-cidr 10.0.0.0/8 --ingress <(sample 1)
	run -0 jq -c '.networkpolicies[] | select(.metadata.namespace == "default") | .spec | [.policyTypes, .egress]' "$DUMP"
	assert_output '[["Ingress","Egress"],[{"ports":[{"port":53,"protocol":"UDP"},{"port":53,"protocol":"TCP"}]},{"to":[{"ipBlock":{"cidr":"10.0.0.0/8"}}]}]]'
}

@test "hostile pod names are refused with no request made" {
	start_api
	run -1 --separate-stderr netpol <(alert default ../../secrets; alert default 'x?y=z')
	assert_line --index 0 "$(annotated "$(alert default ../../secrets)" '{"action":"failed","namespace":"default","pod":"../../secrets","policy":null,"reason":"invalid namespace or pod name"}')"
	assert_line --index 1 "$(annotated "$(alert default 'x?y=z')" '{"action":"failed","namespace":"default","pod":"x?y=z","policy":null,"reason":"invalid namespace or pod name"}')"
	stderr_is "falco-netpol: 'default/../../secrets': not a valid namespace and pod name, refused
falco-netpol: 'default/x?y=z': not a valid namespace and pod name, refused"
	[ ! -s "$LOG" ]
}

@test "a hostile namespace name is refused with no request made" {
	start_api
	run -1 --separate-stderr netpol <(alert 'demo%2F..' lone)
	assert_output "$(annotated "$(alert 'demo%2F..' lone)" '{"action":"failed","namespace":"demo%2F..","pod":"lone","policy":null,"reason":"invalid namespace or pod name"}')"
	stderr_is "falco-netpol: 'demo%2F../lone': not a valid namespace and pod name, refused"
	[ ! -s "$LOG" ]
}

@test "a pod name Falco could not extract (<NA>) names no pod" {
	start_api
	run -0 --separate-stderr netpol <(alert '<NA>' '<NA>')
	assert_output "$(annotated "$(alert '<NA>' '<NA>')" '{"action":"skipped","namespace":null,"pod":null,"policy":null,"reason":"alert names no pod"}')"
	stderr_is ""
	[ ! -s "$LOG" ]
}

@test "protected and not-allowed namespaces are skipped" {
	start_api
	run -0 --separate-stderr netpol --namespace demo <(alert kube-system coredns-1; sample 1)
	assert_line --index 0 "$(annotated "$(alert kube-system coredns-1)" '{"action":"skipped","namespace":"kube-system","pod":"coredns-1","policy":null,"reason":"namespace is protected"}')"
	assert_line --index 1 "$(annotated "$(sample 1)" '{"action":"skipped","namespace":"default","pod":"kubecon","policy":null,"reason":"namespace is not in --namespace"}')"
	[ ! -s "$LOG" ]
}

@test "--protect adds to the protected namespaces" {
	start_api
	run -0 --separate-stderr netpol --protect demo <(alert demo lone; alert kube-public x; alert kube-node-lease y)
	assert_output "$(annotated "$(alert demo lone)" '{"action":"skipped","namespace":"demo","pod":"lone","policy":null,"reason":"namespace is protected"}')
$(annotated "$(alert kube-public x)" '{"action":"skipped","namespace":"kube-public","pod":"x","policy":null,"reason":"namespace is protected"}')
$(annotated "$(alert kube-node-lease y)" '{"action":"skipped","namespace":"kube-node-lease","pod":"y","policy":null,"reason":"namespace is protected"}')"
	[ ! -s "$LOG" ]
}

@test "--namespace acts in every namespace it names" {
	start_api
	run -0 --separate-stderr netpol --namespace restart --namespace demo <(alert demo lone; sample 1)
	assert_output "$(annotated "$(alert demo lone)" '{"action":"isolated","namespace":"demo","pod":"lone","policy":"falco-pipes-quarantine","reason":null}')
$(annotated "$(sample 1)" '{"action":"skipped","namespace":"default","pod":"kubecon","policy":null,"reason":"namespace is not in --namespace"}')"
	run -0 pod_labels lone
	assert_output '{"app":"lone","falco-pipes.io/quarantine":"true"}'
}

@test "an alert naming no pod passes with skipped" {
	start_api
	run -0 --separate-stderr netpol <(sample 5)
	assert_output "$(annotated "$(sample 5)" '{"action":"skipped","namespace":null,"pod":null,"policy":null,"reason":"alert names no pod"}')"
}

@test "--label and --policy-name name the quarantine label and the policy" {
	start_api
	run -0 --separate-stderr netpol --label incident=open --policy-name isolate <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"isolated","namespace":"default","pod":"kubecon","policy":"isolate","reason":null}')"
	run -0 jq -c '.networkpolicies[] | select(.metadata.namespace == "default") | [.metadata.name, .spec.podSelector]' "$DUMP"
	assert_output '["isolate",{"matchLabels":{"incident":"open"}}]'
	run -0 pod_labels kubecon
	assert_output '{"incident":"open","run":"kubecon"}'
}

@test "an alert not matching --when is skipped" {
	start_api
	run -0 --separate-stderr netpol --when 'proc.name = bash' <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"skipped","namespace":"default","pod":"kubecon","policy":null,"reason":"--when did not match"}')"
	[ ! -s "$LOG" ]
}

@test "-l gives --when the lists of a Falco rules file" {
	start_api
	run -0 --separate-stderr netpol -l "$FIXTURES/netpol/rules.yaml" --when 'k8s.pod.name in (quarantine_pods)' <(sample 1; sample 2)
	assert_line --index 0 "$(kubecon_isolated)"
	assert_line --index 1 "$(annotated "$(sample 2)" '{"action":"skipped","namespace":"default","pod":"alpine","policy":null,"reason":"--when did not match"}')"
	run -1 grep -c alpine "$LOG"
}

@test "a rules file that is not YAML is a usage error naming the file and line" {
	run -2 --separate-stderr falco-netpol --lists "$FIXTURES/rules/bad-yaml.yaml" --when 'k8s.pod.name in (website_ips)' </dev/null
	stderr_is "falco-netpol: $FIXTURES/rules/bad-yaml.yaml:3: did not find expected ',' or ']'"
}

@test "-p acts only on alerts that severe and passes the others on as skipped" {
	start_api
	run -0 --separate-stderr netpol -p warning <(sample 1; sample 2)
	assert_line --index 0 "$(kubecon_isolated)"
	assert_line --index 1 "$(annotated "$(sample 2)" '{"action":"skipped","namespace":"default","pod":"alpine","policy":null,"reason":"priority below --min-priority"}')"
	run -1 grep -c alpine "$LOG"
}

@test "a bad --min-priority is a usage error" {
	run -2 --separate-stderr falco-netpol --min-priority loud </dev/null
	stderr_is "falco-netpol: --min-priority: 'loud': not a Falco priority (emergency, alert, critical, error, warning, notice, informational, debug)"
}

@test "a pod that is gone is skipped" {
	start_api
	run -0 --separate-stderr netpol <(alert demo gone)
	assert_output "$(annotated "$(alert demo gone)" '{"action":"skipped","namespace":"demo","pod":"gone","policy":null,"reason":"pod not found"}')"
}

@test "client dry-run prints the manifest and the patch and writes nothing" {
	start_api
	run -0 --separate-stderr netpol --dry-run <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"dry-run","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}')"
	stderr_is "falco-netpol: dry-run: create networkpolicies.networking.k8s.io 'default/falco-pipes-quarantine'
{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"falco-pipes-quarantine\",\"namespace\":\"default\",\"labels\":{\"app.kubernetes.io/managed-by\":\"falco-pipes\"}},\"spec\":{\"podSelector\":{\"matchLabels\":{\"falco-pipes.io/quarantine\":\"true\"}},\"policyTypes\":[\"Egress\"]}}
falco-netpol: dry-run: patch pods 'default/kubecon'
{\"metadata\":{\"labels\":{\"falco-pipes.io/quarantine\":\"true\"}}}"
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine"
}

@test "server dry-run sends the writes with dryRun=All and nothing is stored" {
	start_api
	run -0 --separate-stderr netpol --dry-run=server <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"dry-run","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}')"
	run -0 jq -c 'select(.method != "GET") | [.method, .query.dryRun]' "$LOG"
	assert_output '["POST","All"]
["PATCH","All"]'
	run -0 jq '[.networkpolicies[] | select(.metadata.namespace == "default")] | length' "$DUMP"
	assert_output 0
}

@test "release removes the label and prints one line" {
	start_api
	run -0 --separate-stderr netpol --release restart/old
	assert_output '{"action":"released","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":null}'
	run -0 jq -c 'select(.method == "PATCH") | .body' "$LOG"
	assert_output '{"metadata":{"labels":{"falco-pipes.io/quarantine":null}}}'
	run -0 pod_labels old
	assert_output '{"app":"old"}'
}

@test "release in owner mode deletes the workload's policy" {
	start_api
	run -0 --separate-stderr netpol --mode owner <(alert demo db-0)
	run -0 --separate-stderr netpol --mode owner --release demo/db-0
	assert_output '{"action":"released","namespace":"demo","pod":"db-0","policy":"falco-pipes-statefulset-db","reason":null}'
	run -0 jq '[.networkpolicies[] | select(.metadata.namespace == "demo")] | length' "$DUMP"
	assert_output 0
}

@test "max-actions skips isolations over the cap" {
	start_api
	run -0 --separate-stderr netpol --max-actions 1/1h <(sample 1; sample 2)
	assert_line --index 1 "$(annotated "$(sample 2)" '{"action":"skipped","namespace":"default","pod":"alpine","policy":"falco-pipes-quarantine","reason":"more than 1 isolations in 3600s (--max-actions)"}')"
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon
GET /api/v1/namespaces/default/pods/alpine
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine"
}

@test "403 names the verb, the resource and the RBAC rule, and the stream goes on" {
	edit_state '.forbid = ["create networkpolicies"]'
	start_api
	run -1 --separate-stderr netpol <(sample 1; sample 12)
	assert_line --index 0 "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"create networkpolicies.networking.k8s.io '"'default/falco-pipes-quarantine'"': 403 Forbidden"}')"
	assert_line --index 1 "$(annotated "$(sample 12)" '{"action":"skipped","namespace":null,"pod":null,"policy":null,"reason":"alert names no pod"}')"
	stderr_is "falco-netpol: create networkpolicies.networking.k8s.io 'default/falco-pipes-quarantine': 403 Forbidden: networkpolicies.networking.k8s.io is forbidden: User \"system:serviceaccount:falco:falco-netpol\" cannot create resource \"networkpolicies\" in API group \"networking.k8s.io\" in the namespace \"default\"
falco-netpol: an RBAC rule that allows it: {apiGroups: [\"networking.k8s.io\"], resources: [\"networkpolicies\"], verbs: [\"create\"]}"
	run -1 grep -c PATCH "$LOG"
}

@test "a bad token is reported as 401" {
	printf 'wrong\n' >"$TOKEN"
	start_api
	run -1 --separate-stderr netpol <(sample 1)
	stderr_is "falco-netpol: get pods 'default/kubecon': 401 Unauthorized: Unauthorized
falco-netpol: the credentials of --server were refused"
}

@test "429 is retried after Retry-After" {
	edit_state '.faults = [{"method": "POST", "resource": "networkpolicies", "status": 429, "retry_after": 2, "times": 1}]'
	start_api
	local start=$(date +%s%N)
	run -0 --separate-stderr netpol <(sample 1)
	# the backoff alone would wait 0.5 s at most: the server's word is longer
	(( $(date +%s%N) - start >= 2000000000 ))
	assert_output "$(kubecon_isolated)"
	stderr_is ""
	run -0 jq -r 'select(.method == "POST") | .method' "$LOG"
	assert_output "POST
POST"
}

@test "5xx is retried until the server answers" {
	edit_state '.faults = [{"method": "POST", "resource": "networkpolicies", "status": 503, "times": 2}]'
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is ""
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon"
}

@test "5xx past --retries fails the alert and leaves the pod alone" {
	edit_state '.faults = [{"method": "POST", "resource": "networkpolicies", "status": 503, "times": 2}]'
	start_api
	run -1 --separate-stderr netpol --retries 1 <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"create networkpolicies.networking.k8s.io '"'default/falco-pipes-quarantine'"': 503 ServiceUnavailable"}')"
	stderr_is "falco-netpol: create networkpolicies.networking.k8s.io 'default/falco-pipes-quarantine': 503 ServiceUnavailable: fault injected by the test"
	run -0 grep -c POST "$LOG"
	assert_output 2
	run -1 grep -c PATCH "$LOG"
}

@test "plain HTTP to a kubectl proxy needs no token and no CA" {
	start_proxy
	run -0 --separate-stderr falco-netpol --server "$SERVER" <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is ""
	run -0 jq -r '.user' "$LOG"
	assert_output "kubectl-proxy
kubectl-proxy
kubectl-proxy
kubectl-proxy"
}

write_kubeconfig() {
	local user=$1
	cat >"$HOME/.kube/config" <<-EOF
	apiVersion: v1
	kind: Config
	current-context: test
	clusters:
	- name: fake
	  cluster:
	    server: $SERVER
	    certificate-authority: ca.crt
	contexts:
	- name: test
	  context: {cluster: fake, user: u}
	users:
	- name: u
	  user:
	$user
	EOF
}

@test "a kubeconfig token and relative CA path are used" {
	start_api
	mkdir -p "$HOME/.kube"
	cp "$CERTS/ca.crt" "$HOME/.kube/ca.crt"
	write_kubeconfig '    token: good-token'
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
}

@test "a kubeconfig tokenFile is read relative to the kubeconfig" {
	start_api
	mkdir -p "$HOME/.kube"
	cp "$CERTS/ca.crt" "$HOME/.kube/ca.crt"
	cp "$TOKEN" "$HOME/.kube/token"
	write_kubeconfig '    tokenFile: token'
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
}

@test "a kubeconfig client certificate given as data authenticates" {
	start_api
	mkdir -p "$BATS_TEST_TMPDIR/kc"
	cat >"$BATS_TEST_TMPDIR/kc/config" <<-EOF
	apiVersion: v1
	kind: Config
	current-context: other
	clusters:
	- name: fake
	  cluster:
	    server: $SERVER
	    certificate-authority-data: $(base64 -w0 "$CERTS/ca.crt")
	contexts:
	- name: other
	  context: {cluster: nowhere, user: nobody}
	- name: cert
	  context: {cluster: fake, user: c}
	users:
	- name: c
	  user:
	    client-certificate-data: $(base64 -w0 "$CERTS/client.crt")
	    client-key-data: $(base64 -w0 "$CERTS/client.key")
	EOF
	run -0 --separate-stderr falco-netpol --kubeconfig "$BATS_TEST_TMPDIR/kc/config" --context cert <(sample 1)
	assert_output "$(kubecon_isolated)"
	run -0 jq -r '.user' "$LOG"
	assert_line --index 0 falco-netpol-client
}

@test "an exec plugin's token is used and cached" {
	start_api
	mkdir -p "$HOME/.kube"
	cp "$CERTS/ca.crt" "$HOME/.kube/ca.crt"
	cp "$FIXTURES/netpol/exec-plugin.sh" "$HOME/.kube/plugin"
	export EXEC_PLUGIN_LOG=$BATS_TEST_TMPDIR/plugin.log
	write_kubeconfig "$(printf '    exec:\n%s\n%s\n%s\n%s' \
		'      apiVersion: client.authentication.k8s.io/v1' \
		'      command: ./plugin' '      args: [exec-token]' \
		'      interactiveMode: Never')"
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	run -0 cat "$EXEC_PLUGIN_LOG"
	assert_output '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","spec":{"interactive":false}}'
	run -0 jq -r '.user' "$LOG"
	assert_output "exec-user
exec-user
exec-user
exec-user"
}

@test "an exec plugin's expired credential is fetched again for the next call" {
	start_api
	mkdir -p "$HOME/.kube"
	cp "$CERTS/ca.crt" "$HOME/.kube/ca.crt"
	cp "$FIXTURES/netpol/exec-plugin.sh" "$HOME/.kube/plugin"
	export EXEC_PLUGIN_LOG=$BATS_TEST_TMPDIR/plugin.log
	export EXEC_PLUGIN_EXPIRY=2000-01-01T00:00:00.5+01:00
	write_kubeconfig "$(printf '    exec:\n%s\n%s\n%s' \
		'      apiVersion: client.authentication.k8s.io/v1' \
		'      command: ./plugin' '      args: [exec-token]')"
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	run -0 wc -l <"$EXEC_PLUGIN_LOG"
	assert_output 4
	run -0 jq -r '.user' "$LOG"
	assert_output "exec-user
exec-user
exec-user
exec-user"
}

@test "in-cluster configuration uses the service account directory" {
	start_api
	local sa=$BATS_TEST_TMPDIR/sa
	mkdir -p "$sa"
	cp "$CERTS/ca.crt" "$sa/ca.crt"
	cp "$TOKEN" "$sa/token"
	export FALCO_NETPOL_SERVICEACCOUNT_DIR=$sa
	export KUBERNETES_SERVICE_HOST=127.0.0.1 KUBERNETES_SERVICE_PORT=${SERVER##*:}
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
}

@test "no cluster configuration is a usage error" {
	run -2 --separate-stderr falco-netpol </dev/null
	stderr_is "falco-netpol: no cluster: no kubeconfig found and not in a cluster (use --kubeconfig or --server)"
}

@test "a lone line that is not JSON is passed on unchanged" {
	start_api
	run -0 --separate-stderr netpol <<<'not json'
	assert_output 'not json'
	stderr_is "falco-netpol: (standard input):1: invalid JSON at byte 1 (Falco writes JSON only with json_output: true)"
	[ ! -s "$LOG" ]
}

@test "--help lists every option and exits 0" {
	run -0 falco-netpol --help
	assert_line --partial -- '--max-actions=N/DURATION'
}

@test "--version prints the version" {
	run -0 falco-netpol --version
	assert_output --regexp '^falco-netpol [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a bad --mode is a usage error" {
	run -2 --separate-stderr falco-netpol --mode pod
	stderr_is "falco-netpol: --mode: 'pod': expected label, owner or selector"
}

@test "a bad --dry-run is a usage error" {
	run -2 --separate-stderr falco-netpol --dry-run=yes
	stderr_is "falco-netpol: --dry-run: 'yes': expected client or server"
}

@test "--release takes no --min-priority" {
	run -2 --separate-stderr falco-netpol --server http://127.0.0.1:1 -p warning --release demo/db-0
	stderr_is "falco-netpol: --release reads no input and takes no --when or --min-priority"
}

@test "owner mode isolates a DaemonSet's pods without pod-template-generation" {
	start_api
	run -0 --separate-stderr netpol --mode owner <(alert demo agent-x7k2p)
	assert_output "$(annotated "$(alert demo agent-x7k2p)" '{"action":"isolated","namespace":"demo","pod":"agent-x7k2p","policy":"falco-pipes-daemonset-agent","reason":null}')"
	run -0 requests
	assert_output "GET /api/v1/namespaces/demo/pods/agent-x7k2p
GET /apis/apps/v1/namespaces/demo/daemonsets/agent
GET /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies/falco-pipes-daemonset-agent
POST /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies"
	run -0 jq -c '.networkpolicies[] | select(.metadata.name == "falco-pipes-daemonset-agent") | [.metadata.labels, .spec.podSelector]' "$DUMP"
	assert_output '[{"app.kubernetes.io/managed-by":"falco-pipes"},{"matchLabels":{"app":"agent"}}]'
}

@test "owner mode isolates a Job's pods through the batch API" {
	start_api
	run -0 --separate-stderr netpol --mode owner <(alert demo backup-29xk4)
	assert_output "$(annotated "$(alert demo backup-29xk4)" '{"action":"isolated","namespace":"demo","pod":"backup-29xk4","policy":"falco-pipes-job-backup","reason":null}')"
	run -0 requests
	assert_output "GET /api/v1/namespaces/demo/pods/backup-29xk4
GET /apis/batch/v1/namespaces/demo/jobs/backup
GET /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies/falco-pipes-job-backup
POST /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies"
	run -0 jq -c '.networkpolicies[] | select(.metadata.name == "falco-pipes-job-backup") | .spec.podSelector' "$DUMP"
	assert_output '{"matchLabels":{"batch.kubernetes.io/controller-uid":"55555555-5555-5555-5555-555555555555"}}'
}

@test "owner mode refuses a selector that would be empty, which selects the whole namespace" {
	start_api
	run -1 --separate-stderr netpol --mode owner <(alert demo odd-0)
	assert_output "$(annotated "$(alert demo odd-0)" '{"action":"failed","namespace":"demo","pod":"odd-0","policy":"falco-pipes-statefulset-odd","reason":"StatefulSet has an empty selector"}')"
	run -1 grep -c -e POST -e PATCH "$LOG"
}

@test "a second pod of the same workload makes no new write" {
	start_api
	run -0 --separate-stderr netpol --mode owner <(alert demo web-5d4f8-abcde; alert demo web-5d4f8-abcde)
	assert_line --index 1 "$(annotated "$(alert demo web-5d4f8-abcde)" '{"action":"already-isolated","namespace":"demo","pod":"web-5d4f8-abcde","policy":"falco-pipes-deployment-web","reason":null}')"
	run -0 grep -c POST "$LOG"
	assert_output 1
}

@test "client dry-run in owner mode reads the owners and prints the policy" {
	start_api
	run -0 --separate-stderr netpol --dry-run --mode owner <(alert demo db-0)
	assert_output "$(annotated "$(alert demo db-0)" '{"action":"dry-run","namespace":"demo","pod":"db-0","policy":"falco-pipes-statefulset-db","reason":null}')"
	stderr_is "falco-netpol: dry-run: create networkpolicies.networking.k8s.io 'demo/falco-pipes-statefulset-db'
{\"apiVersion\":\"networking.k8s.io/v1\",\"kind\":\"NetworkPolicy\",\"metadata\":{\"name\":\"falco-pipes-statefulset-db\",\"namespace\":\"demo\",\"labels\":{\"app.kubernetes.io/managed-by\":\"falco-pipes\"}},\"spec\":{\"podSelector\":{\"matchLabels\":{\"app\":\"db\"}},\"policyTypes\":[\"Egress\"]}}"
	run -0 requests
	assert_output "GET /api/v1/namespaces/demo/pods/db-0
GET /apis/apps/v1/namespaces/demo/statefulsets/db
GET /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies/falco-pipes-statefulset-db"
}

@test "a falco-pipes policy of that name selecting other pods is left alone and the pod untouched" {
	start_api
	run -1 --separate-stderr netpol --label incident=open <(alert restart old)
	assert_output "$(annotated "$(alert restart old)" '{"action":"failed","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":"policy '"'falco-pipes-quarantine'"' exists with another podSelector"}')"
	stderr_is "falco-netpol: 'restart/falco-pipes-quarantine': the existing policy selects other pods"
	run -1 grep -c -e PATCH -e PUT -e DELETE "$LOG"
}

@test "selector mode takes several labels and --policy-name, and release deletes its policy" {
	start_api
	run -0 --separate-stderr netpol --mode selector --selector app=web --selector tier=front --policy-name web-off <(alert demo lone)
	assert_output "$(annotated "$(alert demo lone)" '{"action":"isolated","namespace":"demo","pod":"lone","policy":"web-off","reason":null}')"
	run -0 jq -c '.networkpolicies[] | select(.metadata.name == "web-off") | .spec.podSelector' "$DUMP"
	assert_output '{"matchLabels":{"app":"web","tier":"front"}}'
	run -0 --separate-stderr netpol --mode selector --selector app=web --selector tier=front --policy-name web-off --release demo/lone
	assert_output '{"action":"released","namespace":"demo","pod":"lone","policy":"web-off","reason":null}'
	run -0 jq -r 'select(.method == "DELETE") | .path' "$LOG"
	assert_output /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies/web-off
	run -0 jq '[.networkpolicies[] | select(.metadata.name == "web-off")] | length' "$DUMP"
	assert_output 0
}

@test "release never deletes a policy falco-pipes did not create" {
	start_api
	run -1 --separate-stderr netpol --mode selector --selector app=api --policy-name falco-pipes-quarantine --release prod/api
	assert_output '{"action":"failed","namespace":"prod","pod":"api","policy":"falco-pipes-quarantine","reason":"policy '"'falco-pipes-quarantine'"' was not created by falco-pipes"}'
	stderr_is "falco-netpol: 'prod/falco-pipes-quarantine': not created by falco-pipes, left alone"
	run -1 grep -c DELETE "$LOG"
}

@test "release of a pod that is gone says so and exits 1" {
	start_api
	run -1 --separate-stderr netpol --release demo/gone
	assert_output '{"action":"skipped","namespace":"demo","pod":"gone","policy":null,"reason":"pod not found"}'
	stderr_is ""
	run -0 requests
	assert_output "GET /api/v1/namespaces/demo/pods/gone"
}

@test "a 422 from the server fails the alert with its reason, not retried" {
	edit_state '.faults = [{"method": "PATCH", "resource": "pods", "status": 422, "times": 1}]'
	start_api
	run -1 --separate-stderr netpol <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"patch pods '"'default/kubecon'"': 422 Invalid"}')"
	stderr_is "falco-netpol: patch pods 'default/kubecon': 422 Invalid: fault injected by the test"
	run -0 grep -c PATCH "$LOG"
	assert_output 1
}

@test "a connection closed without an answer is retried" {
	edit_state '.faults = [{"method": "POST", "resource": "networkpolicies", "status": "drop", "times": 1}]'
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is ""
	run -0 grep -c POST "$LOG"
	assert_output 2
}

@test "a token file rotated while running is read again" {
	edit_state '.tokens = {"good-token": "first", "rotated-token": "second"}'
	start_api
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out pid
	mkfifo "$in"
	netpol <"$in" >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	exec 4>"$in"
	sample 1 >&4
	# the first alert's line is flushed once the program waits for input
	wait_for_file "$out"
	printf 'rotated-token\n' >"$TOKEN"
	sample 2 >&4
	exec 4>&-
	local status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ]
	run -0 cat "$out"
	assert_output "$(kubecon_isolated)
$(annotated "$(sample 2)" '{"action":"isolated","namespace":"default","pod":"alpine","policy":"falco-pipes-quarantine","reason":null}')"
	run -0 jq -r '"\(.user) \(.method) \(.path)"' "$LOG"
	assert_output "first GET /api/v1/namespaces/default/pods/kubecon
first GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
first POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
first PATCH /api/v1/namespaces/default/pods/kubecon
second GET /api/v1/namespaces/default/pods/alpine
second GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
second PATCH /api/v1/namespaces/default/pods/alpine"
	run -0 cat "$BATS_TEST_TMPDIR/err"
	assert_output ""
}

@test "KUBECONFIG is a list in which missing files are skipped and the first to name a cluster wins" {
	start_api
	local kc=$BATS_TEST_TMPDIR/kc
	mkdir -p "$kc"
	cp "$CERTS/ca.crt" "$kc/ca.crt"
	cat >"$kc/one" <<-EOF
	apiVersion: v1
	kind: Config
	clusters:
	- name: fake
	  cluster: {server: "$SERVER", certificate-authority: ca.crt}
	EOF
	cat >"$kc/two" <<-EOF
	apiVersion: v1
	kind: Config
	current-context: test
	clusters:
	- name: fake
	  cluster: {server: "https://127.0.0.1:1", certificate-authority: ca.crt}
	contexts:
	- name: test
	  context: {cluster: fake, user: u}
	users:
	- name: u
	  user: {token: good-token}
	EOF
	export KUBECONFIG=$kc/missing:$kc/one:$kc/two
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is ""
}

@test "a kubeconfig with insecure-skip-tls-verify needs no CA" {
	start_api
	mkdir -p "$HOME/.kube"
	cat >"$HOME/.kube/config" <<-EOF
	apiVersion: v1
	kind: Config
	current-context: test
	clusters:
	- name: fake
	  cluster: {server: "$SERVER", insecure-skip-tls-verify: true}
	contexts:
	- name: test
	  context: {cluster: fake, user: u}
	users:
	- name: u
	  user: {token: good-token}
	EOF
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
}

@test "a kubeconfig client certificate and key given as files relative to it authenticate" {
	start_api
	mkdir -p "$HOME/.kube"
	cp "$CERTS/ca.crt" "$CERTS/client.crt" "$CERTS/client.key" "$HOME/.kube/"
	write_kubeconfig "$(printf '    client-certificate: client.crt\n    client-key: client.key')"
	run -0 --separate-stderr falco-netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	run -0 jq -r '.user' "$LOG"
	assert_output "falco-netpol-client
falco-netpol-client
falco-netpol-client
falco-netpol-client"
}

@test "an exec plugin printing another apiVersion is refused" {
	start_api
	mkdir -p "$HOME/.kube"
	cp "$CERTS/ca.crt" "$HOME/.kube/ca.crt"
	cp "$FIXTURES/netpol/exec-plugin.sh" "$HOME/.kube/plugin"
	export EXEC_PLUGIN_LOG=$BATS_TEST_TMPDIR/plugin.log
	write_kubeconfig "$(printf '    exec:\n%s\n%s\n%s' \
		'      apiVersion: client.authentication.k8s.io/v1beta1' \
		'      command: ./plugin' '      args: [exec-token]')"
	run -1 --separate-stderr falco-netpol --retries 0 <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":null,"reason":"get pods '"'default/kubecon'"': 401 Unauthorized"}')"
	stderr_is "falco-netpol: exec plugin '$HOME/.kube/plugin': output has another apiVersion
falco-netpol: exec plugin '$HOME/.kube/plugin': output has another apiVersion
falco-netpol: get pods 'default/kubecon': 401 Unauthorized: Unauthorized
falco-netpol: the credentials of $HOME/.kube/config: context 'test' were refused"
}

@test "the man page's -l example isolates the seed's pod" {
	cp "$EXAMPLES/demo/cluster.json" "$STATE"
	edit_state '.tokens["good-token"] = "system:serviceaccount:falco:falco-netpol"'
	start_api
	run -0 --separate-stderr netpol -l "$EXAMPLES/falco_rules.local.yaml" -p warning \
		-w 'fd.sip in (website_ips)' --allow-dns "$EXAMPLES/seed-alerts.ndjson"
	assert_line --index 0 --partial '"falco_netpol":{"action":"skipped","namespace":"demo","pod":"nginx-7d9f8b6c5-x2x9q","policy":null,"reason":"priority below --min-priority"}}'
	assert_line --index 1 --partial '"falco_netpol":{"action":"isolated","namespace":"demo","pod":"nginx-7d9f8b6c5-x2x9q","policy":"falco-pipes-quarantine","reason":null}}'
	run -0 jq -c '[.pods[] | {(.metadata.name): .metadata.labels["falco-pipes.io/quarantine"]}] | add' "$DUMP"
	assert_output '{"nginx-7d9f8b6c5-q8k4m":null,"nginx-7d9f8b6c5-x2x9q":"true"}'
}

@test "--mode selector needs --selector" {
	run -2 --separate-stderr falco-netpol --mode selector </dev/null
	stderr_is "falco-netpol: --mode selector needs --selector"
}

@test "--selector needs --mode selector" {
	run -2 --separate-stderr falco-netpol --selector app=nginx </dev/null
	stderr_is "falco-netpol: --selector needs --mode selector"
}

@test "--token-file needs --server" {
	run -2 --separate-stderr falco-netpol --token-file "$TOKEN" </dev/null
	stderr_is "falco-netpol: --token-file and --certificate-authority need --server"
}

@test "--release takes no FILE" {
	run -2 --separate-stderr falco-netpol --server http://127.0.0.1:1 --release demo/db-0 alerts.ndjson
	stderr_is "falco-netpol: --release reads no input and takes no --when or --min-priority"
}

@test "--release refuses what is not NAMESPACE/POD" {
	run -2 --separate-stderr falco-netpol --server http://127.0.0.1:1 --release demo/../x
	stderr_is "falco-netpol: --release: 'demo/../x': not NAMESPACE/POD"
}

@test "a bad --allow-cidr is a usage error" {
	run -2 --separate-stderr falco-netpol --allow-cidr 10.0.0.0 </dev/null
	stderr_is "falco-netpol: --allow-cidr: '10.0.0.0': not a CIDR"
}

@test "a bad --label is a usage error" {
	run -2 --separate-stderr falco-netpol --label 'quarantine=yes please' </dev/null
	stderr_is "falco-netpol: --label: 'quarantine=yes please': not a valid label"
}

@test "a bad --max-actions is a usage error" {
	run -2 --separate-stderr falco-netpol --max-actions 10 </dev/null
	stderr_is "falco-netpol: --max-actions: '10': invalid rate (use N/DURATION, as 1/1s)"
}

@test "the man page's first example passes Falco's Malicious IPs alert on" {
	start_api
	run -0 falco-filter 'rule = "Malicious IPs"' "$SAMPLES"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/filtered"
	run -0 --separate-stderr netpol --allow-dns --max-actions 10/1m "$BATS_TEST_TMPDIR/filtered"
	assert_output "$(annotated "$(sample 13)" '{"action":"skipped","namespace":null,"pod":null,"policy":null,"reason":"alert names no pod"}')"
}

@test "in-cluster configuration brackets an IPv6 service host, and no answer fails the alert" {
	local sa=$BATS_TEST_TMPDIR/sa
	mkdir -p "$sa"
	cp "$CERTS/ca.crt" "$TOKEN" "$sa/"
	export FALCO_NETPOL_SERVICEACCOUNT_DIR=$sa
	export KUBERNETES_SERVICE_HOST=::1 KUBERNETES_SERVICE_PORT=1
	run -1 --separate-stderr falco-netpol --retries 0 <(sample 1)
	assert_output --partial '"falco_netpol":{"action":"failed","namespace":"default","pod":"kubecon","policy":null,"reason":"get pods '"'default/kubecon'"': no answer: '
	output=$stderr assert_output --regexp "^falco-netpol: get pods 'default/kubecon': 'https://\[::1\]:1': "
}

# --- a policy in force, or no claim (issue 9 item 1) ---

# policy_in NS SPEC: put in the fake's state a policy falco-pipes-quarantine
# labelled as ours with that spec, as anyone allowed to write policies could
policy_in() {
	edit_state "del(.networkpolicies[] | select(.metadata.namespace == \"$1\" and .metadata.name == \"falco-pipes-quarantine\")) |
		.networkpolicies += [{apiVersion: \"networking.k8s.io/v1\", kind: \"NetworkPolicy\",
		metadata: {name: \"falco-pipes-quarantine\", namespace: \"$1\",
			labels: {\"app.kubernetes.io/managed-by\": \"falco-pipes\"}},
		spec: $2}]"
}

# policy_spec NS: the spec of the namespace's quarantine policy as stored
policy_spec() {
	jq -c --arg ns "$1" '.networkpolicies[] | select(.metadata.namespace == $ns and .metadata.name == "falco-pipes-quarantine") | .spec' "$DUMP"
}

QUARANTINE='{"matchLabels":{"falco-pipes.io/quarantine":"true"}}'

@test "a forged policy of ours that allows all egress is replaced, not taken for isolation" {
	policy_in restart "{podSelector: $QUARANTINE, policyTypes: [\"Egress\"], egress: [{}]}"
	start_api
	local version
	version=$(jq -r '.networkpolicies[] | select(.metadata.namespace == "restart") | .metadata.resourceVersion' "$DUMP")
	run -0 --separate-stderr netpol <(alert restart old)
	assert_output "$(annotated "$(alert restart old)" '{"action":"isolated","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":null}')"
	stderr_is "falco-netpol: 'restart/falco-pipes-quarantine': the policy differs from what this run asks (egress): updating it"
	run -0 requests
	assert_output "GET /api/v1/namespaces/restart/pods/old
GET /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine
PUT /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine"
	run -0 jq -c 'select(.method == "PUT") | [.query, .content_type, .body]' "$LOG"
	assert_output '[{"fieldManager":"falco-netpol"},"application/json",{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"labels":{"app.kubernetes.io/managed-by":"falco-pipes"},"name":"falco-pipes-quarantine","namespace":"restart","resourceVersion":"'"$version"'"},"spec":{"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Egress"]}}]'
	run -0 policy_spec restart
	assert_output '{"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Egress"]}'
}

@test "a forged policy that drops Egress from policyTypes is replaced too" {
	policy_in default "{podSelector: $QUARANTINE, policyTypes: [\"Ingress\"]}"
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is "falco-netpol: 'default/falco-pipes-quarantine': the policy differs from what this run asks (policyTypes): updating it"
	run -0 policy_spec default
	assert_output '{"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Egress"]}'
}

@test "a run with --ingress after an earlier run without it updates the policy" {
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	run -0 --separate-stderr netpol --ingress <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is "falco-netpol: 'default/falco-pipes-quarantine': the policy differs from what this run asks (policyTypes): updating it"
	run -0 policy_spec default
	assert_output '{"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Ingress","Egress"]}'
	run -0 --separate-stderr netpol --ingress <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"already-isolated","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}')"
	stderr_is ""
	run -0 jq -r '.method' "$LOG"
	assert_output "GET
GET
POST
PATCH
GET
GET
PUT
GET
GET"
}

@test "a run with another --allow-cidr replaces the ranges of the earlier run" {
	start_api
	run -0 --separate-stderr netpol --allow-cidr 10.0.0.0/8 <(sample 1)
	run -0 --separate-stderr netpol --allow-cidr 192.168.0.0/16 <(sample 2)
	assert_output "$(annotated "$(sample 2)" '{"action":"isolated","namespace":"default","pod":"alpine","policy":"falco-pipes-quarantine","reason":null}')"
	stderr_is "falco-netpol: 'default/falco-pipes-quarantine': the policy differs from what this run asks (egress): updating it"
	run -0 policy_spec default
	assert_output '{"egress":[{"to":[{"ipBlock":{"cidr":"192.168.0.0/16"}}]}],"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Egress"]}'
}

@test "policyTypes in another order is the same policy" {
	policy_in restart "{podSelector: $QUARANTINE, policyTypes: [\"Egress\", \"Ingress\"], egress: []}"
	start_api
	run -0 --separate-stderr netpol --ingress <(alert restart old)
	assert_output "$(annotated "$(alert restart old)" '{"action":"already-isolated","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":null}')"
	stderr_is ""
	run -1 grep -c -e POST -e PUT -e PATCH "$LOG"
}

@test "a foreign policy of that name fails the alert even for a pod already labelled" {
	edit_state '(.networkpolicies[] | select(.metadata.namespace == "restart") | .metadata.labels) = {"team": "net"}'
	start_api
	run -1 --separate-stderr netpol <(alert restart old)
	assert_output "$(annotated "$(alert restart old)" '{"action":"failed","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":"policy '"'falco-pipes-quarantine'"' exists and was not created by falco-pipes"}')"
	stderr_is "falco-netpol: 'restart/falco-pipes-quarantine': a policy of that name exists and was not created by falco-pipes; pod left alone"
	run -1 grep -c -e POST -e PUT -e PATCH -e DELETE "$LOG"
}

@test "a policy changed between the read and the update is read again and updated" {
	policy_in restart "{podSelector: $QUARANTINE, policyTypes: [\"Egress\"], egress: [{}]}"
	edit_state '.faults = [{"method": "PUT", "resource": "networkpolicies", "touch": {"spec": {"egress": [{}, {}]}}, "times": 1}]'
	start_api
	# what the fake stamps: the policy's version, then the next one for the touch
	local read_first read_second
	read_first=$(jq -r '.networkpolicies[] | select(.metadata.namespace == "restart") | .metadata.resourceVersion' "$DUMP")
	read_second=$(jq '[.[][] | .metadata.resourceVersion | tonumber] | max + 1' "$DUMP")
	run -0 --separate-stderr netpol <(alert restart old)
	assert_output "$(annotated "$(alert restart old)" '{"action":"isolated","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":null}')"
	stderr_is "falco-netpol: 'restart/falco-pipes-quarantine': the policy differs from what this run asks (egress): updating it
falco-netpol: 'restart/falco-pipes-quarantine': the policy differs from what this run asks (egress): updating it"
	run -0 requests
	assert_output "GET /api/v1/namespaces/restart/pods/old
GET /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine
PUT /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine
GET /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine
PUT /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine"
	# each update carried the resourceVersion of the read before it
	run -0 jq -r 'select(.method == "PUT") | .body.metadata.resourceVersion' "$LOG"
	assert_output "$read_first
$read_second"
	run -0 policy_spec restart
	assert_output '{"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Egress"]}'
}

@test "a policy changed under every update fails the alert and the pod is not labelled" {
	policy_in default "{podSelector: $QUARANTINE, policyTypes: [\"Egress\"], egress: [{}]}"
	edit_state '.faults = [{"method": "PUT", "resource": "networkpolicies", "touch": {"spec": {"egress": [{}]}}, "times": 3}]'
	start_api
	run -1 --separate-stderr netpol <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"policy '"'falco-pipes-quarantine'"' changed under each write"}')"
	assert_equal "$(grep -c 'updating it' <<<"$stderr")" 3
	assert_equal "${stderr##*$'\n'}" "falco-netpol: 'default/falco-pipes-quarantine': the policy changed under each of 3 writes"
	run -0 grep -c PUT "$LOG"
	assert_output 3
	run -1 grep -c PATCH "$LOG"
	run -0 policy_spec default
	assert_output '{"egress":[{}],"podSelector":{"matchLabels":{"falco-pipes.io/quarantine":"true"}},"policyTypes":["Egress"]}'
}

@test "a policy created by another process between the read and the create is read again" {
	edit_state '.faults = [{"method": "GET", "resource": "networkpolicies", "status": 404, "reason": "NotFound", "times": 1}]'
	policy_in default "{podSelector: $QUARANTINE, policyTypes: [\"Egress\"]}"
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is ""
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
PATCH /api/v1/namespaces/default/pods/kubecon"
}

@test "a policy that the server stores otherwise than sent fails the alert" {
	edit_state '.faults = [{"method": "POST", "resource": "networkpolicies", "mutate": {"spec": {"egress": [{}]}}, "times": 1}]'
	start_api
	run -1 --separate-stderr netpol <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"policy '"'falco-pipes-quarantine'"' was stored with another egress"}')"
	stderr_is "falco-netpol: 'default/falco-pipes-quarantine': the server stored another policy than was sent (egress)"
	run -1 grep -c PATCH "$LOG"
}

@test "the fake answers an update with a stale resourceVersion 409 Conflict, as the API server does" {
	start_api
	local url=$SERVER/apis/networking.k8s.io/v1/namespaces/restart/networkpolicies/falco-pipes-quarantine
	run -0 curl -sS --cacert "$CERTS/ca.crt" -H 'Authorization: Bearer good-token' \
		-X PUT -H 'Content-Type: application/json' -w ' %{http_code}' \
		-d '{"metadata":{"name":"falco-pipes-quarantine","resourceVersion":"1"},"spec":{}}' "$url"
	assert_output '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on networkpolicies.networking.k8s.io \"falco-pipes-quarantine\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"falco-pipes-quarantine","group":"networking.k8s.io","kind":"networkpolicies"},"code":409} 409'
}

# --- memory proves nothing (issue 10 item 2) ---

@test "a long-running falco-netpol isolates again a pod that another process released" {
	start_api
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out pid
	mkfifo "$in"
	netpol <"$in" >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	exec 4>"$in"
	sample 1 >&4
	wait_for_file "$out"
	run -0 --separate-stderr netpol --release default/kubecon
	assert_output '{"action":"released","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}'
	sample 1 >&4
	exec 4>&-
	local status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ]
	run -0 cat "$out"
	assert_output "$(kubecon_isolated)
$(kubecon_isolated)"
	run -0 pod_labels kubecon
	assert_output '{"falco-pipes.io/quarantine":"true","run":"kubecon"}'
}

@test "a policy deleted by another process is created again for the next alert" {
	start_api
	local in=$BATS_TEST_TMPDIR/in out=$BATS_TEST_TMPDIR/out pid
	mkfifo "$in"
	netpol --mode selector --selector app=web <"$in" >"$out" 2>"$BATS_TEST_TMPDIR/err" &
	pid=$!
	exec 4>"$in"
	alert demo lone >&4
	wait_for_file "$out"
	run -0 --separate-stderr netpol --mode selector --selector app=web --release demo/lone
	alert demo lone >&4
	exec 4>&-
	local status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ]
	run -0 jq -c '.falco_netpol.action' "$out"
	assert_output '"isolated"
"isolated"'
	run -0 jq '[.networkpolicies[] | select(.metadata.name == "falco-pipes-app-web")] | length' "$DUMP"
	assert_output 1
}

@test "release of a pod without the label says not-isolated and exits 1" {
	start_api
	run -1 --separate-stderr netpol --release default/kubecon
	assert_output '{"action":"not-isolated","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"the pod has no label falco-pipes.io/quarantine=true"}'
	stderr_is ""
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon"
}

@test "release in selector mode without the policy says not-isolated and exits 1" {
	start_api
	run -1 --separate-stderr netpol --mode selector --selector app=web --release demo/lone
	assert_output '{"action":"not-isolated","namespace":"demo","pod":"lone","policy":"falco-pipes-app-web","reason":"policy '"'falco-pipes-app-web'"' not found"}'
	run -1 grep -c DELETE "$LOG"
}

@test "--isolate does by hand what an alert does, reading no input" {
	start_api
	run -0 --separate-stderr netpol --isolate default/kubecon <<<"$(sample 2)"
	assert_output '{"action":"isolated","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}'
	stderr_is ""
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
GET /apis/networking.k8s.io/v1/namespaces/default/networkpolicies/falco-pipes-quarantine
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon"
	run -0 --separate-stderr netpol --isolate default/kubecon
	assert_output '{"action":"already-isolated","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}'
}

@test "--isolate of a pod in a protected namespace exits 1" {
	start_api
	run -1 --separate-stderr netpol --isolate kube-system/coredns-1
	assert_output '{"action":"skipped","namespace":"kube-system","pod":"coredns-1","policy":null,"reason":"namespace is protected"}'
	[ ! -s "$LOG" ]
}

@test "--isolate of a pod that does not exist exits 1" {
	start_api
	run -1 --separate-stderr netpol -q --isolate demo/gone
	assert_output ""
	stderr_is ""
}

@test "--isolate and --release exclude each other" {
	run -2 --separate-stderr falco-netpol --server http://127.0.0.1:1 --isolate demo/a --release demo/a
	stderr_is "falco-netpol: --isolate and --release exclude each other"
}

@test "--isolate takes no --when" {
	run -2 --separate-stderr falco-netpol --server http://127.0.0.1:1 -w 'proc.name = sh' --isolate demo/a
	stderr_is "falco-netpol: --isolate reads no input and takes no --when or --min-priority"
}

# --- the cap every run sees (issue 10 item 4) ---

# add_pods NS NAME...: pods with no labels of ours in the fake's state
add_pods() {
	local ns=$1 name
	shift
	for name in "$@"; do
		edit_state ".pods += [{apiVersion: \"v1\", kind: \"Pod\", metadata: {name: \"$name\", namespace: \"$ns\", labels: {app: \"$name\"}}}]"
	done
}

@test "six one-alert runs with --max-actions 2/1m isolate two pods" {
	add_pods demo p1 p2 p3 p4 p5 p6
	start_api
	local i actions=
	for i in 1 2 3 4 5 6; do
		run -0 --separate-stderr netpol --max-actions 2/1m <(alert demo "p$i")
		actions+="$(jq -r .falco_netpol.action <<<"$output") "
	done
	assert_equal "$actions" "isolated isolated skipped skipped skipped skipped "
	run -0 jq -c '[.pods[] | select(.metadata.namespace == "demo" and .metadata.labels["falco-pipes.io/quarantine"]) | .metadata.name]' "$DUMP"
	assert_output '["p1","p2"]'
	run -0 cut -d' ' -f2 "$STATE_DIRECTORY/falco-netpol.actions"
	assert_output "demo/p1
demo/p2"
	run -0 grep -cE '^[0-9]+\.[0-9]{9} demo/p[12]$' "$STATE_DIRECTORY/falco-netpol.actions"
	assert_output 2
}

@test "six one-alert runs started at once with --max-actions 2/1m isolate two pods" {
	add_pods demo p1 p2 p3 p4 p5 p6
	start_api
	local i pids=
	for i in 1 2 3 4 5 6; do
		netpol --max-actions 2/1m <(alert demo "p$i") >"$BATS_TEST_TMPDIR/out$i" 2>&1 &
		pids+=" $!"
	done
	for i in $pids; do wait "$i"; done
	run -0 jq -r '.falco_netpol.action' "$BATS_TEST_TMPDIR"/out[1-6]
	assert_equal "$(grep -c '^isolated$' <<<"$output")" 2
	assert_equal "$(grep -c '^skipped$' <<<"$output")" 4
	run -0 jq '[.pods[] | select(.metadata.namespace == "demo" and .metadata.labels["falco-pipes.io/quarantine"])] | length' "$DUMP"
	assert_output 2
	run -0 wc -l <"$STATE_DIRECTORY/falco-netpol.actions"
	assert_output 2
}

@test "the default cap isolates ten pods a minute" {
	add_pods demo p1 p2 p3 p4 p5 p6 p7 p8 p9 p10 p11
	start_api
	local i
	run -0 --separate-stderr netpol <(for i in $(seq 11); do alert demo "p$i"; done)
	run -0 jq -r '.falco_netpol | "\(.pod) \(.action) \(.reason)"' <<<"$output"
	assert_line --index 9 "p10 isolated null"
	assert_line --index 10 "p11 skipped more than 10 isolations in 60s (--max-actions)"
}

@test "--max-actions 0 lifts the cap and keeps no file" {
	add_pods demo p1 p2 p3 p4 p5 p6 p7 p8 p9 p10 p11
	start_api
	local i
	run -0 --separate-stderr netpol --max-actions 0 <(for i in $(seq 11); do alert demo "p$i"; done)
	run -0 jq -r '.falco_netpol.action' <<<"$output"
	assert_output "$(printf 'isolated\n%.0s' $(seq 11))"
	[ ! -e "$STATE_DIRECTORY/falco-netpol.actions" ]
}

@test "an alert for a pod already isolated takes nothing from the cap" {
	start_api
	run -0 --separate-stderr netpol --max-actions 1/1h <(sample 1; sample 1; sample 1)
	run -0 jq -r '.falco_netpol.action' <<<"$output"
	assert_output "isolated
already-isolated
already-isolated"
}

@test "--state-file names where the cap is counted" {
	start_api
	local file=$BATS_TEST_TMPDIR/count
	run -0 --separate-stderr netpol --max-actions 1/1h --state-file "$file" <(sample 1)
	run -0 --separate-stderr netpol --max-actions 1/1h --state-file "$file" <(sample 2)
	assert_output "$(annotated "$(sample 2)" '{"action":"skipped","namespace":"default","pod":"alpine","policy":"falco-pipes-quarantine","reason":"more than 1 isolations in 3600s (--max-actions)"}')"
	run -0 cut -d' ' -f2 "$file"
	assert_output default/kubecon
	run -0 stat -c %a "$file"
	assert_output 600
	[ ! -e "$STATE_DIRECTORY" ]
}

@test "a state file that cannot be opened is a usage error" {
	run -2 --separate-stderr falco-netpol --server http://127.0.0.1:1 --state-file "$BATS_TEST_TMPDIR/none/count" </dev/null
	stderr_is "falco-netpol: '$BATS_TEST_TMPDIR/none/count': No such file or directory"
}

@test "a dry run counts the cap in memory and leaves the state file alone" {
	start_api
	run -0 --separate-stderr netpol -n --max-actions 1/1h <(sample 1; sample 2)
	run -0 jq -r '.falco_netpol.action' <<<"$output"
	assert_output "dry-run
skipped"
	[ ! -e "$STATE_DIRECTORY" ]
}

# --- what the user is told (issue 10 item 5, contract) ---

@test "--verbose says in one line what was done" {
	start_api
	run -0 --separate-stderr netpol --verbose <(sample 1; sample 1)
	stderr_is "falco-netpol: default/kubecon: isolated by policy default/falco-pipes-quarantine
falco-netpol: default/kubecon: already isolated by policy default/falco-pipes-quarantine"
	run -0 --separate-stderr netpol --verbose --release default/kubecon
	stderr_is "falco-netpol: default/kubecon: released from policy default/falco-pipes-quarantine"
}

@test "-n alone is a client dry run" {
	start_api
	run -0 --separate-stderr netpol -n --verbose <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"dry-run","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}')"
	assert_equal "${stderr##*$'\n'}" "falco-netpol: default/kubecon: dry run, nothing changed: policy default/falco-pipes-quarantine"
	run -1 grep -c -e POST -e PATCH "$LOG"
}

@test "-q acts and writes nothing to standard output" {
	start_api
	run -0 --separate-stderr netpol -q <(sample 1)
	assert_output ""
	run -0 pod_labels kubecon
	assert_output '{"falco-pipes.io/quarantine":"true","run":"kubecon"}'
}

@test "an unreadable input file is status 2 and the other files are read" {
	start_api
	run -2 --separate-stderr netpol "$BATS_TEST_TMPDIR/missing" <(sample 1)
	assert_output "$(kubecon_isolated)"
	stderr_is "falco-netpol: $BATS_TEST_TMPDIR/missing: No such file or directory"
}

@test "an over-long line is skipped with a warning, the stream goes on, status 2" {
	start_api
	local in=$BATS_TEST_TMPDIR/in.ndjson
	{ printf '%3000s\n' x; sample 1; } >"$in"
	run -2 --separate-stderr netpol --max-line-bytes 2K "$in"
	assert_output "$(kubecon_isolated)"
	stderr_is "falco-netpol: $in:1: line longer than 2048 bytes, skipped"
}

@test "the old short options of --mode, --selector, --release and --namespace are gone" {
	local opt
	for opt in -m -s -r; do
		run -2 --separate-stderr falco-netpol "$opt" x
		assert_equal "${stderr%%$'\n'*}" "falco-netpol: invalid option -- '${opt#-}'"
	done
}

@test "an answer larger than 4 MiB fails the alert with one line, the pod left alone" {
	# a pod that someone stuffed with 5 MiB of annotations
	edit_state '.pods[0].metadata.annotations = {"filler": ("x" * 5242880)}'
	start_api
	run -1 --separate-stderr netpol --retries 0 <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":null,"reason":"get pods '"'default/kubecon'"': an answer larger than 4 MiB"}')"
	stderr_is "falco-netpol: get pods 'default/kubecon': an answer larger than 4 MiB, not read"
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon"
}

@test "a token file larger than 16 KiB is refused at start, not sent cut short" {
	head -c 16385 /dev/zero | tr '\0' t >"$TOKEN"
	run -2 --separate-stderr falco-netpol --server https://127.0.0.1:9 --token-file "$TOKEN" </dev/null
	assert_output ""
	stderr_is "falco-netpol: '$TOKEN': File too large"
}

@test "an exec plugin printing more than 1 MiB is refused with one line per try" {
	start_api
	mkdir -p "$HOME/.kube"
	cp "$CERTS/ca.crt" "$HOME/.kube/ca.crt"
	printf '#!/bin/sh\nhead -c 2097152 /dev/zero\n' >"$HOME/.kube/plugin"
	chmod +x "$HOME/.kube/plugin"
	write_kubeconfig "$(printf '    exec:\n%s\n%s' \
		'      apiVersion: client.authentication.k8s.io/v1' \
		'      command: ./plugin')"
	run -1 --separate-stderr falco-netpol --retries 0 <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":null,"reason":"get pods '"'default/kubecon'"': 401 Unauthorized"}')"
	stderr_is "falco-netpol: exec plugin '$HOME/.kube/plugin': output larger than 1 MiB
falco-netpol: exec plugin '$HOME/.kube/plugin': output larger than 1 MiB
falco-netpol: get pods 'default/kubecon': 401 Unauthorized: Unauthorized
falco-netpol: the credentials of $HOME/.kube/config: context 'test' were refused"
}

@test "a kubeconfig larger than 16 MiB is refused at start" {
	mkdir -p "$HOME/.kube"
	SERVER=https://127.0.0.1:9 write_kubeconfig '    token: good-token'
	python3 -c 'import sys; sys.stdout.write(("# " + "x" * 1021 + "\n") * 16385)' >>"$HOME/.kube/config"
	run -2 --separate-stderr falco-netpol </dev/null
	assert_output ""
	stderr_is "falco-netpol: $HOME/.kube/config: larger than 16 MiB"
}

@test "more than 64 --allow-cidr, --protect or --namespace is a usage error" {
	local cidrs=() protect=() namespaces=() i
	for i in $(seq 65); do
		cidrs+=(--allow-cidr "10.0.$i.0/24")
		protect+=(--protect "p$i")
		namespaces+=(--namespace "n$i")
	done
	run -2 --separate-stderr falco-netpol -n "${cidrs[@]}" </dev/null
	stderr_is "falco-netpol: --allow-cidr: more than 64"
	run -2 --separate-stderr falco-netpol -n "${protect[@]}" </dev/null
	stderr_is "falco-netpol: --protect: more than 64"
	run -2 --separate-stderr falco-netpol -n "${namespaces[@]}" </dev/null
	stderr_is "falco-netpol: --namespace: more than 64"
}

@test "a pod name longer than 253 bytes fails the alert and no request is made" {
	local pod
	start_api
	pod=$(head -c 254 /dev/zero | tr '\0' p)
	run -1 --separate-stderr netpol <(alert default "$pod")
	assert_output "$(annotated "$(alert default "$pod")" '{"action":"failed","namespace":"default","pod":"'"$pod"'","policy":null,"reason":"invalid namespace or pod name"}')"
	[ ! -s "$LOG" ] || fail "requests: $(cat "$LOG")"
}
