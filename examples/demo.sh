#!/usr/bin/env bash
# make demo: falco-filter on the real sample alerts, then the seed scenario
# end to end, every program on its way, against stand-ins on 127.0.0.1: a
# Slack webhook receiver, a fake Kubernetes API server (HTTPS, with a CA
# made here by openssl), a Loki receiver and, when it is installed, a real
# Prometheus. No cluster, no Slack, no network.
set -eu

top=$(cd "$(dirname "$0")/.." && pwd)
bin=${FALCO_PIPES_BUILD:-$top/build}
PATH=$bin:$PATH
export PATH
samples=$top/tests/fixtures/samples.ndjson
seed=$top/examples/seed-alerts.ndjson
# DEMO_KEEP=DIR keeps what every stand-in received there, for a test to read
work=${DEMO_KEEP:-$(mktemp -d)}
mkdir -p "$work"
pids=
cleanup() {
	for pid in $pids; do kill "$pid" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -n "${DEMO_KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT INT TERM
# what is kept goes to the demo's own state directory
export STATE_DIRECTORY=$work/state
# the Prometheus helpers of the test suite: start, wait, query
. "$top/tests/lib/prometheus.bash"

# show COMMAND: print it as typed, then run it in the work directory
show() {
	printf '\n$ %s\n' "$1"
	(cd "$work" && eval "$1") 2>&1 || echo "(exit status $?)"
}

# wait_for FILE WHAT [LINES]: FILE has at least LINES lines (default: is
# not empty), within 10 seconds
wait_for() {
	local tries=200
	while [ "$tries" -gt 0 ]; do
		if [ -s "$1" ] && [ "$(wc -l <"$1")" -ge "${3:-0}" ]; then
			return 0
		fi
		sleep 0.05
		tries=$((tries - 1))
	done
	echo "demo: $2" >&2
	exit 1
}

echo "== falco-filter on the 16 real Falco alerts of tests/fixtures/samples.ndjson"
cp "$samples" "$work/alerts.ndjson"
show "falco-filter -c 'rule exists' alerts.ndjson"
show "falco-filter -o '%priority %rule (%k8s.ns.name/%k8s.pod.name)' 'priority >= warning' alerts.ndjson"
show "falco-filter --json-fields rule,k8s.pod.name,evt.time 'tags contains shell' alerts.ndjson"
show "falco-filter 'proc.name = bash and k8s.ns.name = nowhere' alerts.ndjson"
show "falco-filter 'rule = \"Terminal shell in container\" and not k8s.ns.name in (default, kube-system' alerts.ndjson"

echo
echo "== the seed scenario, end to end (examples/demo/demo.routes)"
echo "   a shell in demo/nginx-7d9f8b6c5-x2x9q -> Slack"
echo "   the same pod connecting to 213.215.222.58 -> NetworkPolicy, then Slack"
echo "   every alert, noise included -> Prometheus and Loki"
echo "   in through falco-listen (as Falco's http_output posts) and a pipe"
echo "   (as program_output writes)"

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

mkdir "$work/slack" "$work/loki"
python3 "$top/tests/lib/http-receiver.py" "$work/slack" &
pids="$pids $!"
python3 "$top/tests/lib/http-receiver.py" "$work/loki" 204 &
pids="$pids $!"
python3 "$top/tests/lib/fake-kube-api.py" --state "$work/cluster.json" \
	--port-file "$work/api.port" --log "$work/api.log" \
	--dump "$work/api.dump" --cert "$work/server.crt" \
	--key "$work/server.key" --ca "$work/ca.crt" &
pids="$pids $!"
wait_for "$work/slack/port" "the Slack receiver did not start"
wait_for "$work/loki/port" "the Loki receiver did not start"
wait_for "$work/api.port" "the Kubernetes API stand-in did not start"

# secrets reach the programs through the environment, never argv
SLACK_WEBHOOK_URL=http://127.0.0.1:$(cat "$work/slack/port")/services/T000/B000/XXXX
LOKI_URL=http://127.0.0.1:$(cat "$work/loki/port")
DEMO_KUBE="--server https://127.0.0.1:$(cat "$work/api.port") --token-file $work/token --certificate-authority $work/ca.crt"
DEMO_WORK=$work
export SLACK_WEBHOOK_URL LOKI_URL DEMO_KUBE DEMO_WORK

# one pipeline, two ways in: falco-listen and a pipe write into one FIFO
# that falco-route follows, as a unit would run it
mkfifo "$work/alerts.fifo"
echo
echo '$ falco-route -f examples/demo/demo.routes --default /dev/null --follow alerts.fifo &'
(cd "$work" && exec falco-route -f "$top/examples/demo/demo.routes" \
	--default /dev/null --follow alerts.fifo 2>"$work/route.err") &
route_pid=$!
pids="$pids $route_pid"
echo '$ falco-listen --listen 127.0.0.1:PORT >alerts.fifo &'
falco-listen --listen 127.0.0.1:0 --port-file "$work/listen.port" \
	>"$work/alerts.fifo" 2>"$work/listen.err" &
listen_pid=$!
pids="$pids $listen_pid"
wait_for "$work/listen.port" "falco-listen did not start"

http_alerts=$work/http.ndjson
pipe_alerts=$work/pipe.ndjson
{ sed -n 1p "$seed"; cat "$top/examples/demo/noise-http.ndjson"; } >"$http_alerts"
{ sed -n 2p "$seed"; cat "$top/examples/demo/noise-pipe.ndjson"; } >"$pipe_alerts"
total=$(cat "$http_alerts" "$pipe_alerts" | wc -l)

echo "\$ curl --data-binary @ALERT http://127.0.0.1:PORT/   # $(wc -l <"$http_alerts") alerts, one a request, as Falco posts"
while IFS= read -r alert; do
	printf '%s' "$alert" | curl -fsS -o /dev/null -H 'Content-Type: application/json' \
		--data-binary @- "http://127.0.0.1:$(head -n 1 "$work/listen.port")/"
done <"$http_alerts"
wait_for "$work/alerts.log" "the posted alerts did not reach falco-route" \
	"$(wc -l <"$http_alerts")"
echo "\$ cat pipe.ndjson >alerts.fifo   # $(wc -l <"$pipe_alerts") alerts, as program_output writes"
cat "$pipe_alerts" >"$work/alerts.fifo"
wait_for "$work/alerts.log" "the piped alerts did not reach falco-route" "$total"

prom_counts=
if command -v prometheus >/dev/null 2>&1; then
	wait_for "$work/prom.port" "falco-prom did not start"
	start_prometheus "$work/prometheus" "falco=127.0.0.1:$(head -n 1 "$work/prom.port")" ||
		{ echo "demo: Prometheus did not start" >&2; exit 1; }
	pids="$pids $PROMETHEUS_PID"
	# until the scrape has seen every alert
	tries=150
	until [ "$(prom_query 'sum(falco_events_total)' | jq -r '.data.result[0].value[1] // 0')" = "$total" ]; do
		tries=$((tries - 1))
		[ "$tries" -gt 0 ] || { echo "demo: Prometheus did not count every alert" >&2; exit 1; }
		sleep 0.2
	done
	prom_counts=$(prom_query 'sum by (rule, priority) (falco_events_total)' |
		jq -r '.data.result | sort_by(.metric.rule)[] | "  \(.value[1])  \(.metric.priority)  \(.metric.rule)"')
fi

# the end of a unit's run: SIGTERM, what was read is delivered, then exit
kill -TERM "$route_pid"
route_status=0
wait "$route_pid" || route_status=$?
kill -TERM "$listen_pid"
wait "$listen_pid" || true

echo
echo "-- every alert reached falco-route: $(wc -l <"$work/alerts.log") of $total (status $route_status on SIGTERM)"
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
echo
if [ -n "$prom_counts" ]; then
	echo "-- Prometheus, sum by (rule, priority) (falco_events_total), scraped from falco-prom:"
	echo "$prom_counts"
else
	echo "-- Prometheus is not installed (make deps installs it): no scrape shown"
fi
echo
echo "-- what Loki received, per stream (entries, labels):"
cat "$work"/loki/*.body | jq -rs '[.[].streams[]] | group_by(.stream) | .[] |
	"  \(map(.values | length) | add)  {\(.[0].stream | to_entries | map("\(.key)=\"\(.value)\"") | join(", "))}"'
echo "   (in Grafana: {k8s_ns_name=\"demo\"} |= \"nginx-7d9f8b6c5-x2x9q\")"
