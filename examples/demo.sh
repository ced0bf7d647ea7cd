#!/bin/sh
# make demo: falco-filter on the real sample alerts, then the seed scenario
# end to end against stand-ins on 127.0.0.1: a Slack webhook receiver and
# a fake Kubernetes API server (HTTPS, with a CA made here by openssl).
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${FALCO_PIPES_BUILD:-$top/build}
PATH=$bin:$PATH
export PATH
samples=$top/tests/fixtures/samples.ndjson
seed=$top/examples/seed-alerts.ndjson
rules=$top/examples/falco_rules.local.yaml
work=$(mktemp -d)
pids=
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

# show COMMAND: print it as typed, then run it in the work directory
show() {
	printf '\n$ %s\n' "$1"
	(cd "$work" && eval "$1") 2>&1 || echo "(exit status $?)"
}

wait_for() {
	tries=100
	while [ ! -s "$1" ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	[ -s "$1" ] || { echo "demo: $2 did not start" >&2; exit 1; }
}

echo "== falco-filter on the 16 real Falco alerts of tests/fixtures/samples.ndjson"
cp "$samples" "$work/alerts.ndjson"
show "falco-filter -c 'rule exists' alerts.ndjson"
show "falco-filter -o '%priority %rule (%k8s.ns.name/%k8s.pod.name)' 'priority >= warning' alerts.ndjson"
show "falco-filter --json-fields rule,k8s.pod.name,evt.time 'tags contains shell' alerts.ndjson"
show "falco-filter 'proc.name = bash and k8s.ns.name = nowhere' alerts.ndjson"
show "falco-filter 'rule = \"Terminal shell in container\" and not k8s.ns.name in (default, kube-system' alerts.ndjson"

echo
echo "== the seed scenario: examples/seed-alerts.ndjson through falco-route"
echo "   a shell in demo/nginx-7d9f8b6c5-x2x9q -> Slack"
echo "   the same pod connecting to 213.215.222.58 -> NetworkPolicy, then Slack"

# the fake API server's TLS: a CA and a certificate for 127.0.0.1
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/ca.key" -out "$work/ca.crt" -subj /CN=demo-ca -days 1 \
	2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
	-keyout "$work/server.key" -out "$work/server.csr" -subj /CN=127.0.0.1 \
	2>/dev/null
printf 'subjectAltName=IP:127.0.0.1\n' >"$work/san.ext"
openssl x509 -req -in "$work/server.csr" -CA "$work/ca.crt" \
	-CAkey "$work/ca.key" -CAcreateserial -out "$work/server.crt" -days 1 \
	-extfile "$work/san.ext" 2>/dev/null
printf 'demo-token\n' >"$work/token"
cp "$top/examples/demo/cluster.json" "$work/cluster.json"

mkdir "$work/slack"
python3 "$top/tests/lib/http-receiver.py" "$work/slack" &
pids="$pids $!"
python3 "$top/tests/lib/fake-kube-api.py" --state "$work/cluster.json" \
	--port-file "$work/api.port" --log "$work/api.log" \
	--dump "$work/api.dump" --cert "$work/server.crt" \
	--key "$work/server.key" --ca "$work/ca.crt" &
pids="$pids $!"
wait_for "$work/slack/port" "the Slack receiver"
wait_for "$work/api.port" "the Kubernetes API stand-in"

# what falco-slack keeps (its pool, the rate it shares) stays in the demo
STATE_DIRECTORY=$work/state
export STATE_DIRECTORY
# the webhook URL reaches falco-slack through the environment, not argv
SLACK_WEBHOOK_URL=http://127.0.0.1:$(cat "$work/slack/port")/services/T000/B000/XXXX
export SLACK_WEBHOOK_URL
api="--server https://127.0.0.1:$(cat "$work/api.port") --token-file $work/token --certificate-authority $work/ca.crt"

printf '\n$ falco-route -l examples/falco_rules.local.yaml --default /dev/null \\\n'
printf "    --when 'rule = \"Terminal shell in container\"' --to '|falco-slack -q' \\\\\n"
printf "    --when 'fd.sip in (website_ips)' \\\\\n"
printf "    --to '|falco-netpol --allow-dns \$API | falco-slack -q' < examples/seed-alerts.ndjson\n"
falco-route -l "$rules" --default /dev/null \
	--when 'rule = "Terminal shell in container"' --to '|falco-slack -q' \
	--when 'fd.sip in (website_ips)' \
	--to "|falco-netpol --allow-dns $api | falco-slack -q" <"$seed"

# each falco-slack got one alert and the end (as from Falco with
# keep_alive: false): the second hands its alert to a poster it leaves
# behind, which posts it when --rate (1/1s, shared by both) has a slot
tries=100
while [ "$(cat "$work/slack/log" 2>/dev/null | wc -l)" -lt 2 ] && [ "$tries" -gt 0 ]; do
	sleep 0.05
	tries=$((tries - 1))
done

echo
echo "-- what Slack received (one message per alert):"
for body in "$work"/slack/*.body; do
	jq -r '"  [\(.attachments[0].color)] \(.text)"' "$body"
done
echo
echo "-- what the Kubernetes API received:"
jq -r '"  \(.method) \(.path)"' "$work/api.log"
echo
echo "-- the NetworkPolicy it created:"
jq -c '.networkpolicies[] | {name: .metadata.name, namespace: .metadata.namespace, podSelector: .spec.podSelector, policyTypes: .spec.policyTypes, egress: .spec.egress}' "$work/api.dump" | sed 's/^/  /'
echo
echo "-- the pods' labels (only the pod that misbehaved is quarantined):"
jq -r '.pods[] | "  \(.metadata.name): \(.metadata.labels | to_entries | map("\(.key)=\(.value)") | join(" "))"' "$work/api.dump"
