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

@test "a second alert for the same pod makes no request" {
	start_api
	run -0 --separate-stderr netpol <(sample 1; sample 1)
	assert_line --index 1 "$(annotated "$(sample 1)" '{"action":"already-isolated","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":null}')"
	run -0 wc -l <"$LOG"
	assert_output 3
}

@test "a second pod in the namespace reuses the policy without asking again" {
	start_api
	run -0 --separate-stderr netpol <(sample 1; sample 2)
	run -0 requests
	assert_output "GET /api/v1/namespaces/default/pods/kubecon
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon
GET /api/v1/namespaces/default/pods/alpine
PATCH /api/v1/namespaces/default/pods/alpine"
}

@test "a pod already labelled under an existing falco-pipes policy is already-isolated" {
	start_api
	run -0 --separate-stderr netpol <(alert restart old)
	assert_output "$(annotated "$(alert restart old)" '{"action":"already-isolated","namespace":"restart","pod":"old","policy":"falco-pipes-quarantine","reason":null}')"
	run -0 requests
	assert_output "GET /api/v1/namespaces/restart/pods/old
POST /apis/networking.k8s.io/v1/namespaces/restart/networkpolicies
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
	assert_output "POST /apis/networking.k8s.io/v1/namespaces/demo/networkpolicies"
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
	[ ! -s "$LOG" ]
}

@test "protected and not-allowed namespaces are skipped" {
	start_api
	run -0 --separate-stderr netpol --namespace demo <(alert kube-system coredns-1; sample 1)
	assert_line --index 0 "$(annotated "$(alert kube-system coredns-1)" '{"action":"skipped","namespace":"kube-system","pod":"coredns-1","policy":null,"reason":"namespace is protected"}')"
	assert_line --index 1 "$(annotated "$(sample 1)" '{"action":"skipped","namespace":"default","pod":"kubecon","policy":null,"reason":"namespace is not in --namespace"}')"
	[ ! -s "$LOG" ]
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
	stderr_is "falco-netpol: dry-run: create networkpolicies.networking.k8s.io 'default'
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
	assert_line --index 1 "$(annotated "$(sample 2)" '{"action":"skipped","namespace":"default","pod":"alpine","policy":null,"reason":"more than 1 isolations in 3600s (--max-actions)"}')"
	run -1 grep -c alpine "$LOG"
}

@test "403 names the verb, the resource and the RBAC rule, and the stream goes on" {
	edit_state '.forbid = ["create networkpolicies"]'
	start_api
	run -1 --separate-stderr netpol <(sample 1; sample 12)
	assert_line --index 0 "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"create networkpolicies.networking.k8s.io '"'default'"': 403 Forbidden"}')"
	assert_line --index 1 "$(annotated "$(sample 12)" '{"action":"skipped","namespace":null,"pod":null,"policy":null,"reason":"alert names no pod"}')"
	stderr_is "falco-netpol: create networkpolicies.networking.k8s.io 'default': 403 Forbidden: networkpolicies.networking.k8s.io is forbidden: User \"system:serviceaccount:falco:falco-netpol\" cannot create resource \"networkpolicies\" in API group \"networking.k8s.io\" in the namespace \"default\"
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
	edit_state '.faults = [{"method": "POST", "resource": "networkpolicies", "status": 429, "retry_after": 0, "times": 1}]'
	start_api
	run -0 --separate-stderr netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
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
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
POST /apis/networking.k8s.io/v1/namespaces/default/networkpolicies
PATCH /api/v1/namespaces/default/pods/kubecon"
}

@test "5xx past --retries fails the alert and leaves the pod alone" {
	edit_state '.faults = [{"method": "POST", "resource": "networkpolicies", "status": 503, "times": 2}]'
	start_api
	run -1 --separate-stderr netpol --retries 1 <(sample 1)
	assert_output "$(annotated "$(sample 1)" '{"action":"failed","namespace":"default","pod":"kubecon","policy":"falco-pipes-quarantine","reason":"create networkpolicies.networking.k8s.io '"'default'"': 503 ServiceUnavailable"}')"
	stderr_is "falco-netpol: create networkpolicies.networking.k8s.io 'default': 503 ServiceUnavailable: fault injected by the test"
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
kubectl-proxy"
}

@test "a token file that changes is read again" {
	edit_state '.tokens = {"rotated-token": "system:serviceaccount:falco:falco-netpol", "good-token": "x"}'
	start_api
	printf 'rotated-token\n' >"$TOKEN"
	run -0 --separate-stderr netpol <(sample 1)
	assert_output "$(kubecon_isolated)"
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
	assert_output 3
	run -0 jq -r '.user' "$LOG"
	assert_output "exec-user
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
	run -0 --separate-stderr netpol <(printf 'not json\n')
	assert_output 'not json'
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
