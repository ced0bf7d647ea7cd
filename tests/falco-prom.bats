#!/usr/bin/env bats
# falco-prom: the counts, the text exposition (checked by promtool), the
# three ways out, and a real Prometheus and Pushgateway on 127.0.0.1
# (tests/lib/prometheus.bash) that scrape and receive what it exposes.
load test_helper
load lib/prometheus
bats_require_minimum_version 1.5.0

PROM=$FIXTURES/prom
DASHBOARD=$BATS_TEST_DIRNAME/../examples/grafana/falco-pipes.json

# The samples' alerts by rule and priority, as rule|priority|count.
SAMPLE_COUNTS='Attach/Exec Pod|Notice|2
Contact K8S API Server From Container|Notice|2
Disallowed K8s User|Warning|1
Falco internal: metrics snapshot|Informational|1
Falco internal: syscall event drop|Critical|1
GCP Bucket configured to be public|Critical|1
K8s Serviceaccount Created|Informational|1
Malicious IPs|Warning|1
Read sensitive file untrusted|Warning|1
Run shell untrusted|Notice|1
System user interactive|Informational|1
Terminal shell in container|Critical|1
Terminal shell in container|Notice|1
Write below binary dir|Error|1'

# One Prometheus for the file, scraping a falco-prom --listen that read the
# samples (and keeps reading a FIFO) and a Pushgateway that falco-prom
# --push fed with the same samples.
setup_file() {
	local dir=$BATS_FILE_TMPDIR
	export PUSH_HOST=node-1
	start_pushgateway "$dir/pushgateway"
	falco-prom -q --push "$PUSHGATEWAY_URL" --job pushed \
		--grouping instance=$PUSH_HOST --grouping path=/var/log/falco \
		--grouping empty= "$SAMPLES" 2>"$dir/push.err" ||
		{ cat "$dir/push.err" >&2; return 1; }

	mkfifo "$dir/fifo"
	sleep 3600 >"$dir/fifo" 3>&- &
	export FIFO_HOLDER=$!
	falco-prom -q --listen 127.0.0.1:0 --port-file "$dir/ports" \
		<"$dir/fifo" 2>"$dir/listen.err" 3>&- &
	export LISTEN_PID=$!
	cat "$SAMPLES" >"$dir/fifo"
	wait_for_file "$dir/ports"
	export LISTEN_PORT=$(head -n 1 "$dir/ports")

	start_prometheus "$dir/prometheus" "falco-prom=127.0.0.1:$LISTEN_PORT" \
		"pushgateway=${PUSHGATEWAY_URL#http://},honor_labels"
	export PROMETHEUS_PID PROMETHEUS_URL PUSHGATEWAY_PID PUSHGATEWAY_URL
	# rate() and increase() need two samples of each series
	prom_wait 'count_over_time(falco_prom_lines_total{job="falco-prom"}[1h]) >= 2 and falco_prom_lines_total == 16'
	prom_wait 'count_over_time(falco_prom_lines_total{job="pushed"}[1h]) >= 2'
}

teardown_file() {
	stop_server "${PROMETHEUS_PID:-}"
	stop_server "${PUSHGATEWAY_PID:-}"
	stop_server "${LISTEN_PID:-}"
	stop_server "${FIFO_HOLDER:-}"
}

teardown() {
	stop_server "${RECEIVER_PID:-}"
	stop_server "${PROM_PID:-}"
	stop_server "${FEEDER_PID:-}"
}

# exposition: the metrics as falco-prom prints them, start time masked
exposition() {
	sed 's/^\(falco_prom_start_time_seconds\) [0-9][0-9.]*$/\1 T/'
}

# sample_lines: the sample lines of an exposition, no comments
sample_lines() {
	grep -v '^#' | exposition
}

# metric NAME FILE: the value of an unlabelled metric in an exposition
metric() {
	awk -v name="$1" '$1 == name { print $2 }' "$2"
}

# by_rule_priority JSON: a Prometheus answer as rule|priority|count lines
by_rule_priority() {
	jq -r '.data.result[] | [.metric.rule, .metric.priority, .value[1]] | join("|")' | sort
}

# start_receiver ANSWER...: the recording HTTP receiver; sets RECV and PORT
start_receiver() {
	RECV=$BATS_TEST_TMPDIR/recv
	mkdir -p "$RECV"
	python3 "$BATS_TEST_DIRNAME/lib/http-receiver.py" "$RECV" "$@" 3>&- &
	RECEIVER_PID=$!
	wait_for_file "$RECV/port"
	PORT=$(cat "$RECV/port")
}

# alerts_with_pods N: N alerts of one rule, each naming another pod
alerts_with_pods() {
	awk -v n="$1" 'BEGIN {
		for (i = 0; i < n; i++)
			printf "{\"rule\":\"Terminal shell in container\",\"priority\":\"Notice\",\"output_fields\":{\"k8s.ns.name\":\"demo\",\"k8s.pod.name\":\"web-%d\"}}\n", i
	}'
}

@test "every line passes through to standard output byte for byte, alerts or not" {
	{ cat "$SAMPLES"; printf 'not json\n{"rule":"crlf","priority":"Debug"}\r\n'; } >"$BATS_TEST_TMPDIR/in"
	falco-prom --textfile "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/in" >"$BATS_TEST_TMPDIR/out" 2>/dev/null
	cmp "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/out"
}

@test "-q passes nothing through" {
	run -0 --separate-stderr falco-prom -q --textfile "$BATS_TEST_TMPDIR/m.prom" "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" ""
}

@test "with no --listen, --textfile or --push the metrics go to standard error at the end" {
	run -0 --separate-stderr falco-prom -q "$SAMPLES"
	assert_output ""
	printf '%s\n' "$stderr" | exposition >"$BATS_TEST_TMPDIR/got"
	diff -u "$PROM/samples.prom" "$BATS_TEST_TMPDIR/got"
}

@test "promtool accepts the exposition of the samples and of hostile alerts" {
	local f
	for f in "$SAMPLES" "$PROM/hostile.ndjson"; do
		falco-prom -q "$f" 2>"$BATS_TEST_TMPDIR/m.prom"
		run -0 promtool check metrics <"$BATS_TEST_TMPDIR/m.prom"
		falco-prom -q --compat falcosidekick --label 'proc.aname[2]' \
			--label 'odd name=output' "$f" 2>"$BATS_TEST_TMPDIR/m.prom"
		run -0 promtool check metrics <"$BATS_TEST_TMPDIR/m.prom"
	done
}

@test "label values are escaped, made valid UTF-8, and an injected line stays inside its value" {
	# a file, not $stderr: a shell variable cannot hold the NUL byte
	falco-prom -q "$PROM/hostile.ndjson" 2>"$BATS_TEST_TMPDIR/err"
	exposition <"$BATS_TEST_TMPDIR/err" >"$BATS_TEST_TMPDIR/got"
	cmp "$PROM/hostile.prom" "$BATS_TEST_TMPDIR/got"
	run -1 grep -c '^fake_total' "$BATS_TEST_TMPDIR/got"
}

@test "a label value is cut to its first 256 bytes, on a character boundary" {
	local long
	long=$(printf 'a%.0s' $(seq 255))
	printf '{"rule":"%s\\u00e9x","priority":"Debug"}\n{"rule":"%s\\u00e9y","priority":"Debug"}\n' \
		"$long" "$long" >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q "$BATS_TEST_TMPDIR/in"
	# 255 bytes and a 2-byte character do not fit in 256: both end at 255
	printf '%s\n' "$stderr" | grep '^falco_events_total' >"$BATS_TEST_TMPDIR/got"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/got")" "falco_events_total{rule=\"$long\",priority=\"Debug\",source=\"\",hostname=\"\",k8s_ns_name=\"\",k8s_pod_name=\"\"} 2"
}

@test "only the alerts -w and -p select are counted, and every line read is" {
	run -0 --separate-stderr falco-prom -q -p warning -w 'source = syscall' "$SAMPLES"
	printf '%s\n' "$stderr" | sample_lines >"$BATS_TEST_TMPDIR/got"
	run -0 grep '^falco_events_total' "$BATS_TEST_TMPDIR/got"
	assert_output 'falco_events_total{rule="Malicious IPs",priority="Warning",source="syscall",hostname="",k8s_ns_name="",k8s_pod_name=""} 1
falco_events_total{rule="Read sensitive file untrusted",priority="Warning",source="syscall",hostname="x86",k8s_ns_name="",k8s_pod_name=""} 1
falco_events_total{rule="Terminal shell in container",priority="Critical",source="syscall",hostname="falco-xczjd",k8s_ns_name="default",k8s_pod_name="kubecon"} 1'
	assert_equal "$(metric falco_prom_lines_total "$BATS_TEST_TMPDIR/got")" 16
}

@test "a line that is no JSON object is reported, counted as bad, and does not change the status" {
	printf '%s\n' '{"rule":"a","priority":"Debug"}' 'not json' '[1]' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q --textfile "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/in"
	assert_equal "$(printf '%s\n' "$stderr" | grep -c "^falco-prom: $BATS_TEST_TMPDIR/in:[23]: ")" 2
	assert_equal "$(metric falco_prom_bad_lines_total "$BATS_TEST_TMPDIR/m.prom")" 2
	assert_equal "$(metric falco_prom_lines_total "$BATS_TEST_TMPDIR/m.prom")" 3
}

@test "a line longer than --max-line-bytes is skipped, counted as bad, and the status is 2" {
	{ sample 1; printf '{"rule":"%s"}\n' "$(printf 'x%.0s' $(seq 5000))"; sample 2; } >"$BATS_TEST_TMPDIR/in"
	run -2 --separate-stderr falco-prom --max-line-bytes 4K --textfile "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "falco-prom: $BATS_TEST_TMPDIR/in:2: line longer than 4096 bytes, skipped"
	assert_equal "$(metric falco_prom_bad_lines_total "$BATS_TEST_TMPDIR/m.prom")" 1
	assert_equal "$(metric falco_prom_lines_total "$BATS_TEST_TMPDIR/m.prom")" 3
}

@test "--compat falcosidekick names and labels the counter as Falcosidekick does" {
	{ sample 1; sample 2; sample 14; echo '{"rule":"odd","priority":"loud"}'; } >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q --compat falcosidekick --label proc.name "$BATS_TEST_TMPDIR/in"
	printf '%s\n' "$stderr" | sed -n '1,6p' >"$BATS_TEST_TMPDIR/got"
	assert_equal "$(cat "$BATS_TEST_TMPDIR/got")" '# HELP falcosecurity_falcosidekick_falco_events_total Falco alerts counted by falco-prom, labelled as Falcosidekick does.
# TYPE falcosecurity_falcosidekick_falco_events_total counter
falcosecurity_falcosidekick_falco_events_total{hostname="falco-xczjd",k8s_ns_name="default",k8s_pod_name="kubecon",priority="6",priority_raw="critical",proc_name="sh",rule="Terminal shell in container",source="syscall"} 1
falcosecurity_falcosidekick_falco_events_total{hostname="unknown",k8s_ns_name="",k8s_pod_name="",priority="0",priority_raw="",proc_name="",rule="odd",source="syscalls"} 1
falcosecurity_falcosidekick_falco_events_total{hostname="unknown",k8s_ns_name="",k8s_pod_name="",priority="6",priority_raw="critical",proc_name="",rule="Falco internal: syscall event drop",source="syscalls"} 1
falcosecurity_falcosidekick_falco_events_total{hostname="unknown",k8s_ns_name="default",k8s_pod_name="alpine",priority="3",priority_raw="notice",proc_name="sh",rule="Terminal shell in container",source="syscalls"} 1'
}

@test "a priority is counted under the name Falco prints, whatever its case" {
	printf '%s\n' '{"rule":"r","priority":"info"}' '{"rule":"r","priority":"Informational"}' \
		'{"rule":"r","priority":"WARNING"}' '{"rule":"r","priority":"loud"}' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q --no-label source --no-label hostname \
		--no-label k8s_ns_name --no-label k8s_pod_name "$BATS_TEST_TMPDIR/in"
	run -0 grep '^falco_events_total' <<<"$stderr"
	assert_output 'falco_events_total{rule="r",priority="Informational"} 2
falco_events_total{rule="r",priority="Warning"} 1
falco_events_total{rule="r",priority="loud"} 1'
}

@test "--label adds a label from a field, and an absent or non-string field gives an empty value" {
	printf '%s\n' '{"rule":"r","priority":"Debug","output_fields":{"user.name":"root","proc.pid":42}}' \
		'{"rule":"r","priority":"Debug","output_fields":{"user.name":null}}' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q --label user=user.name --label proc.pid --no-label hostname \
		--no-label k8s_pod_name --no-label k8s.ns.name "$BATS_TEST_TMPDIR/in"
	run -0 grep '^falco_events_total' <<<"$stderr"
	assert_output 'falco_events_total{rule="r",priority="Debug",source="",user="",proc_pid=""} 1
falco_events_total{rule="r",priority="Debug",source="",user="root",proc_pid=""} 1'
}

@test "--label of a path from the top level counts falco-netpol's action, as every program reads it" {
	# found by tests/fuzz/prom: falco-prom read only output_fields, so the label was always empty
	printf '%s\n' '{"rule":"r","priority":"Debug","falco_netpol":{"action":"isolated"}}' \
		'{"rule":"r","priority":"Debug","falco_netpol":{"action":"skipped"}}' \
		'{"rule":"r","priority":"Debug","output_fields":{"falco_netpol.action":"in fields"},"falco_netpol":{"action":"isolated"}}' \
		>"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q --label action=falco_netpol.action --no-label hostname \
		--no-label k8s_pod_name --no-label k8s.ns.name --no-label source "$BATS_TEST_TMPDIR/in"
	run -0 grep '^falco_events_total' <<<"$stderr"
	assert_output 'falco_events_total{rule="r",priority="Debug",action="in fields"} 1
falco_events_total{rule="r",priority="Debug",action="isolated"} 1
falco_events_total{rule="r",priority="Debug",action="skipped"} 1'
}

@test "--label of an existing label takes its value from another field" {
	echo '{"rule":"r","priority":"Debug","hostname":"h","output_fields":{"ka.target.namespace":"kube-system"}}' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q --label k8s_ns_name=ka.target.namespace "$BATS_TEST_TMPDIR/in"
	run -0 grep '^falco_events_total' <<<"$stderr"
	assert_output 'falco_events_total{rule="r",priority="Debug",source="",hostname="h",k8s_ns_name="kube-system",k8s_pod_name=""} 1'
}

@test "label and grouping mistakes are usage errors" {
	run -2 --separate-stderr falco-prom --no-label user "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --no-label: 'user': no such label"
	run -2 --separate-stderr falco-prom --label '__x=rule' "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --label: '__x': no label name can be made of it"
	run -2 --separate-stderr falco-prom --label 'x=' "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --label: 'x=': no field after '='"
	run -2 --separate-stderr falco-prom --push http://127.0.0.1:9 --grouping 'a-b=1' "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --grouping: 'a-b': not a label name"
	run -2 --separate-stderr falco-prom --push http://127.0.0.1:9 --grouping 'job=x' "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --grouping: 'job': use --job"
	run -2 --separate-stderr falco-prom --grouping 'a=1' "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --job, --grouping and --cacert: only with --push"
	run -2 --separate-stderr falco-prom --push ftp://127.0.0.1/ "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --push: the URL must start with https:// or http://"
	run -2 --separate-stderr falco-prom --compat prometheus "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --compat: 'prometheus': expected falcosidekick"
	run -2 --separate-stderr falco-prom --port-file "$BATS_TEST_TMPDIR/p" "$SAMPLES"
	assert_equal "$stderr" "falco-prom: --port-file: only with --listen"
}

@test "--max-series holds under 100,000 distinct pods, and the rest are counted as dropped" {
	alerts_with_pods 100000 >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr /usr/bin/time -f 'rss %M' -o "$BATS_TEST_TMPDIR/rss" \
		falco-prom -q --textfile "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/in"
	assert_equal "$stderr" "falco-prom: --max-series 10000 reached: alerts of new label sets are counted in falco_prom_series_dropped_total"
	assert_equal "$(grep -c '^falco_events_total' "$BATS_TEST_TMPDIR/m.prom")" 10000
	assert_equal "$(metric falco_prom_series "$BATS_TEST_TMPDIR/m.prom")" 10000
	assert_equal "$(metric falco_prom_series_dropped_total "$BATS_TEST_TMPDIR/m.prom")" 90000
	assert_equal "$(metric falco_prom_lines_total "$BATS_TEST_TMPDIR/m.prom")" 100000
	run -0 promtool check metrics <"$BATS_TEST_TMPDIR/m.prom"
	# the issue's bound with the default --max-series, but for a build
	# whose sanitizers take memory of their own, or a run under valgrind
	[ -n "${FALCO_PIPES_WRAPPERS:-}" ] ||
		ldd "$(command -v falco-prom)" | grep -q libasan ||
		[ "$(awk '/^rss/ { print $2 }' "$BATS_TEST_TMPDIR/rss")" -lt 32768 ] ||
		fail "peak RSS $(cat "$BATS_TEST_TMPDIR/rss") KiB, over 32 MiB"
}

@test "--max-series counts an alert of a known label set in its series when the table is full" {
	{ alerts_with_pods 3; alerts_with_pods 5; } >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-prom -q --max-series 2 --textfile "$BATS_TEST_TMPDIR/m.prom" "$BATS_TEST_TMPDIR/in"
	run -0 grep '^falco_events_total' "$BATS_TEST_TMPDIR/m.prom"
	assert_output 'falco_events_total{rule="Terminal shell in container",priority="Notice",source="",hostname="",k8s_ns_name="demo",k8s_pod_name="web-0"} 2
falco_events_total{rule="Terminal shell in container",priority="Notice",source="",hostname="",k8s_ns_name="demo",k8s_pod_name="web-1"} 2'
	assert_equal "$(metric falco_prom_series_dropped_total "$BATS_TEST_TMPDIR/m.prom")" 4
}

@test "--textfile is replaced whole: a reader loop never sees it half-written" {
	local dir=$BATS_TEST_TMPDIR
	mkfifo "$dir/fifo"
	# a slow stream of new label sets, so every rewrite differs
	alerts_with_pods 400 >"$dir/in"
	python3 -c '
import sys, time
for line in open(sys.argv[1], "rb"):
    sys.stdout.buffer.write(line)
    sys.stdout.flush()
    time.sleep(0.005)
' "$dir/in" >"$dir/fifo" 3>&- &
	FEEDER_PID=$!
	falco-prom -q --textfile "$dir/m.prom" --interval 10ms <"$dir/fifo" 3>&- &
	PROM_PID=$!
	wait_for_file "$dir/m.prom"
	run -0 python3 - "$dir/m.prom" "$PROM_PID" <<'EOF'
import os, sys, time
path, pid = sys.argv[1], int(sys.argv[2])
seen, reads = set(), 0
def alive():
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
while alive() or reads == 0:
    with open(path, "rb") as f:
        text = f.read()
    reads += 1
    lines = text.split(b"\n")
    if not text.startswith(b"# HELP falco_events_total ") or lines[-1] != b"" \
            or not lines[-2].startswith(b"falco_prom_start_time_seconds "):
        print("torn read %d: %r" % (reads, text[-200:]))
        sys.exit(1)
    seen.add(text)
    time.sleep(0.0005)
print("versions", len(seen) >= 20, "reads", reads >= 200)
EOF
	assert_output "versions True reads True"
	wait "$PROM_PID"
	PROM_PID=
	assert_equal "$(metric falco_prom_lines_total "$dir/m.prom")" 400
	run -0 find "$dir" -name '.m.prom.*'
	assert_output ""
}

@test "--textfile gets mode 0666 less the umask" {
	(umask 027 && falco-prom -q --textfile "$BATS_TEST_TMPDIR/m.prom" "$SAMPLES")
	run -0 stat -c %a "$BATS_TEST_TMPDIR/m.prom"
	assert_output 640
}

@test "a --textfile that cannot be written is an error at the start" {
	run -2 --separate-stderr falco-prom --textfile "$BATS_TEST_TMPDIR/none/m.prom" "$SAMPLES"
	assert_output ""
	assert_equal "$stderr" "falco-prom: '$BATS_TEST_TMPDIR/none/m.prom': cannot create a temporary file beside it: No such file or directory"
}

@test "a textfile that cannot be written at the end makes the status 1 and says why" {
	local dir=$BATS_TEST_TMPDIR rc=0
	mkdir "$dir/collector"
	mkfifo "$dir/fifo"
	falco-prom -q --textfile "$dir/collector/m.prom" <"$dir/fifo" 2>"$dir/err" 3>&- &
	PROM_PID=$!
	exec 4>"$dir/fifo"
	wait_for_file "$dir/collector/m.prom"
	rm -r "$dir/collector"
	exec 4>&-
	wait "$PROM_PID" || rc=$?
	PROM_PID=
	assert_equal "$rc" 1
	assert_equal "$(cat "$dir/err")" "falco-prom: '$dir/collector/m.prom': cannot create a temporary file beside it: No such file or directory"
}

@test "--push pushes every --interval while the input lasts, then once more at the end" {
	local dir=$BATS_TEST_TMPDIR
	start_receiver
	mkfifo "$dir/fifo"
	python3 -c '
import sys, time
for line in open(sys.argv[1], "rb"):
    sys.stdout.buffer.write(line)
    sys.stdout.flush()
    time.sleep(0.1)
' "$SAMPLES" >"$dir/fifo" 3>&- &
	FEEDER_PID=$!
	run -0 --separate-stderr falco-prom -q --push "http://127.0.0.1:$PORT" --interval 200ms <"$dir/fifo"
	[ "$(wc -l <"$RECV/log")" -ge 5 ] || fail "only $(wc -l <"$RECV/log") pushes in 1.6 s"
	run -0 awk '$1 == "falco_prom_lines_total" { print $2 }' "$RECV/$(wc -l <"$RECV/log").body"
	assert_output 16
}

@test "--push PUTs the exposition to the group's URL, encoding what a path segment cannot carry" {
	start_receiver
	run -0 --separate-stderr falco-prom -q --push "http://127.0.0.1:$PORT/" --job 'a/b' \
		--grouping instance=node-1 --grouping path=/var/log --grouping empty= "$SAMPLES"
	assert_equal "$stderr" ""
	n=$(wc -l <"$RECV/log")
	run -0 head -n 1 "$RECV/$n.head"
	assert_output "PUT /metrics/job@base64/YS9i/instance/node-1/path@base64/L3Zhci9sb2c/empty@base64/="
	run -0 grep -i '^content-type:' "$RECV/$n.head"
	assert_output "Content-Type: text/plain; version=0.0.4; charset=utf-8"
	exposition <"$RECV/$n.body" >"$BATS_TEST_TMPDIR/got"
	diff -u "$PROM/samples.prom" "$BATS_TEST_TMPDIR/got"
}

@test "--push groups by the host's name by default" {
	start_receiver
	run -0 --separate-stderr falco-prom -q --push "http://127.0.0.1:$PORT" "$SAMPLES"
	run -0 head -n 1 "$RECV/1.head"
	assert_output "PUT /metrics/job/falco-prom/instance/$(hostname)"
}

@test "a push answered 503 is retried, and the run ends well" {
	start_receiver 503:busy 200:ok
	run -0 --separate-stderr falco-prom -q --push "http://127.0.0.1:$PORT" "$SAMPLES"
	assert_equal "$stderr" ""
	run -0 awk '{ print $3 }' "$RECV/log"
	assert_line --index 0 503
	assert_line --index 1 200
}

@test "a last push that fails makes the status 1 and says why, once" {
	start_receiver '400:invalid metric family'
	run -1 --separate-stderr falco-prom --push "http://127.0.0.1:$PORT" "$SAMPLES"
	assert_equal "$stderr" "falco-prom: 'http://127.0.0.1:$PORT': 400 invalid metric family (1 try)"
}

@test "a last push with no answer is cut short by --drain-timeout, status 1" {
	local start
	start_receiver hang
	start=$SECONDS
	run -1 --separate-stderr falco-prom -q --push "http://127.0.0.1:$PORT" --drain-timeout 1s "$SAMPLES"
	assert_equal "$stderr" "falco-prom: 'http://127.0.0.1:$PORT': the last push was cut short: the --drain-timeout was over"
	[ $((SECONDS - start)) -lt 8 ] || fail "took $((SECONDS - start)) s"
}

@test "the next program sees the end of the alerts without waiting for the last push" {
	start_receiver hang
	run -0 bash -c 'start=$(date +%s%N)
		falco-prom --push "$1" --drain-timeout 4s "$2" 2>/dev/null |
			{ cat >/dev/null; echo $(( ($(date +%s%N) - start) / 1000000 )); }' \
		bash "http://127.0.0.1:$PORT" "$SAMPLES"
	[ "$output" -lt 3000 ] || fail "end of input seen after $output ms"
}

@test "SIGTERM: every line passed on is counted in the last textfile, and the status is 0" {
	local dir=$BATS_TEST_TMPDIR rc
	mkfifo "$dir/fifo"
	(while :; do cat "$SAMPLES"; sleep 0.01; done) >"$dir/fifo" 3>&- &
	FEEDER_PID=$!
	falco-prom --textfile "$dir/m.prom" <"$dir/fifo" >"$dir/out" 3>&- &
	PROM_PID=$!
	# the first textfile is written once the signals are handled
	wait_for_file "$dir/m.prom"
	wait_for_file "$dir/out"
	kill -TERM "$PROM_PID"
	rc=0
	wait "$PROM_PID" || rc=$?
	PROM_PID=
	assert_equal "$rc" 0
	[ "$(wc -l <"$dir/out")" -gt 0 ]
	assert_equal "$(metric falco_prom_lines_total "$dir/m.prom")" "$(wc -l <"$dir/out")"
}

@test "a closed standard output ends the run with status 141 after the last textfile" {
	local alerts i
	alerts=$(cat "$SAMPLES")
	for i in $(seq 200); do printf '%s\n' "$alerts"; done >"$BATS_TEST_TMPDIR/in"
	run -0 bash -c 'falco-prom --textfile "$1/m.prom" "$1/in" | head -n 1 >/dev/null; echo "${PIPESTATUS[0]}"' \
		bash "$BATS_TEST_TMPDIR"
	assert_output 141
	[ "$(metric falco_prom_lines_total "$BATS_TEST_TMPDIR/m.prom")" -gt 0 ]
}

@test "--listen serves /metrics in the text format, and nothing else" {
	local url=http://127.0.0.1:$LISTEN_PORT
	run -0 curl -sS -D "$BATS_TEST_TMPDIR/head" -o "$BATS_TEST_TMPDIR/body" "$url/metrics"
	run -0 grep -i '^content-type:' "$BATS_TEST_TMPDIR/head"
	assert_output $'Content-Type: text/plain; version=0.0.4; charset=utf-8\r'
	exposition <"$BATS_TEST_TMPDIR/body" >"$BATS_TEST_TMPDIR/got"
	diff -u "$PROM/samples.prom" "$BATS_TEST_TMPDIR/got"
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$url/"
	assert_output 404
	run -0 curl -sS -o /dev/null -w '%{http_code}' -X POST "$url/metrics"
	assert_output 405
}

@test "--listen answers a body over 4 KiB with 413 and headers over 32 KiB with 431" {
	local url=http://127.0.0.1:$LISTEN_PORT/metrics
	head -c 4097 /dev/zero | tr '\0' x >"$BATS_TEST_TMPDIR/body"
	run -0 curl -sS -w '%{http_code}' --data-binary @"$BATS_TEST_TMPDIR/body" "$url"
	assert_output $'request body larger than 4096 bytes\n413'
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H "X-Filler: $(head -c 33000 /dev/zero | tr '\0' x)" "$url"
	assert_output 431
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$url"
	assert_output 200
}

@test "--listen serves 64 connections at once: a 65th waits until one closes" {
	local dir=$BATS_TEST_TMPDIR
	mkfifo "$dir/fifo"
	sleep 60 >"$dir/fifo" 3>&- &
	FEEDER_PID=$!
	falco-prom -q --listen 127.0.0.1:0 --port-file "$dir/ports" <"$dir/fifo" 2>"$dir/err" 3>&- &
	PROM_PID=$!
	wait_for_file "$dir/ports"
	printf 'GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n' >"$dir/request"
	run -0 held-connections.py "$(head -n 1 "$dir/ports")" 64 "$dir/request"
	assert_output $'waiting\nHTTP/1.1 200 OK'
}

@test "every scrape during counting sees one moment: lines read = alerts counted + dropped + bad" {
	local dir=$BATS_TEST_TMPDIR i url lines=0 rc
	{ alerts_with_pods 30000; echo 'not json'; alerts_with_pods 30000; } >"$dir/in"
	mkfifo "$dir/fifo"
	falco-prom -q --max-series 20000 --listen 127.0.0.1:0 --port-file "$dir/ports" \
		<"$dir/fifo" 2>/dev/null 3>&- &
	PROM_PID=$!
	# in slices, so that scrapes fall in the middle of the counting
	python3 -c '
import sys, time
lines = open(sys.argv[1], "rb").readlines()
for i in range(0, len(lines), 1000):
    sys.stdout.buffer.write(b"".join(lines[i:i + 1000]))
    sys.stdout.flush()
    time.sleep(0.02)
time.sleep(60)
' "$dir/in" >"$dir/fifo" 3>&- &
	FEEDER_PID=$!
	wait_for_file "$dir/ports"
	url=http://127.0.0.1:$(head -n 1 "$dir/ports")/metrics
	for i in $(seq 300); do
		curl -fsS "$url" >"$dir/s$i"
		lines=$(metric falco_prom_lines_total "$dir/s$i")
		[ "$lines" != 60001 ] || break
	done
	kill -TERM "$PROM_PID"
	rc=0
	wait "$PROM_PID" || rc=$?
	PROM_PID=
	assert_equal "$rc" 0
	run -0 awk '
		function check() {
			if (lines != events + dropped + bad) { print "torn: " lines " " events " " dropped " " bad; exit 1 }
			if (lines > 0 && lines < 60001) moving++
		}
		FNR == 1 { if (NR > 1) check(); events = 0 }
		/^falco_events_total/ { events += $NF }
		$1 == "falco_prom_lines_total" { lines = $2; if (lines > most) most = lines }
		$1 == "falco_prom_bad_lines_total" { bad = $2 }
		$1 == "falco_prom_series_dropped_total" { dropped = $2 }
		END { check(); print (moving > 0) ? "consistent, some mid-count" : "never mid-count"; print most }' "$dir"/s*
	assert_output "consistent, some mid-count
60001"
}

@test "Prometheus scraping --listen finds the count of each rule and priority of the samples" {
	run -0 prom_query 'sum by (rule, priority) (falco_events_total{job="falco-prom"})'
	run -0 by_rule_priority <<<"$output"
	assert_output "$SAMPLE_COUNTS"
	run -0 prom_query 'falco_prom_lines_total{job="falco-prom"}'
	assert_equal "$(jq -r '.data.result[0].value[1]' <<<"$output")" 16
}

@test "Prometheus finds the same counts in the Pushgateway that --push fed, under its grouping labels" {
	run -0 prom_query 'sum by (rule, priority) (falco_events_total{job="pushed", instance="node-1", path="/var/log/falco"})'
	run -0 by_rule_priority <<<"$output"
	assert_output "$SAMPLE_COUNTS"
	run -0 curl -fsS "$PUSHGATEWAY_URL/api/v1/metrics"
	run -0 jq -c '[.data[].labels]' <<<"$output"
	assert_output '[{"empty":"","instance":"node-1","job":"pushed","path":"/var/log/falco"}]'
}

@test "every PromQL expression of the Grafana dashboard runs in Prometheus and returns data" {
	local expr query n=0
	while IFS= read -r expr; do
		# what Grafana puts in for its variables, "All" hosts included
		query=${expr//\$__rate_interval/1m}
		query=${query//\$__range/1h}
		query=${query//\$hostname/.*}
		run -0 prom_query "$query"
		assert_equal "$(jq -r .status <<<"$output")" success
		[ "$(jq '.data.result | length' <<<"$output")" -gt 0 ] ||
			fail "no data for: $query"
		n=$((n + 1))
	done < <(jq -r '.panels[].targets[].expr' "$DASHBOARD")
	[ "$n" -ge 8 ]
	# the host variable's query, label_values(falco_events_total, hostname)
	run -0 curl -fsS -G --data-urlencode 'match[]=falco_events_total' \
		"$PROMETHEUS_URL/api/v1/label/hostname/values"
	[ "$(jq '.data | length' <<<"$output")" -gt 1 ]
}

@test "the Grafana dashboard is importable: a datasource variable that every panel and query uses" {
	run -0 jq -r '[.templating.list[] | select(.type == "datasource") | .name + ":" + .query] | join(",")' "$DASHBOARD"
	assert_output "datasource:prometheus"
	run -0 jq -r '[.panels[] | .datasource.uid, (.targets[] | .datasource.uid)] | unique | join(",")' "$DASHBOARD"
	assert_output '${datasource}'
	run -0 jq -r '[.id, (.panels | length > 0), .title] | @tsv' "$DASHBOARD"
	assert_output $'\ttrue\tFalco alerts (falco-pipes)'
	run -0 jq -r '[.panels[].id] | (length == (unique | length))' "$DASHBOARD"
	assert_output true
}

@test "the first example of the man page counts a file of alerts by rule and priority" {
	cp "$SAMPLES" "$BATS_TEST_TMPDIR/alerts.ndjson"
	cd "$BATS_TEST_TMPDIR"
	run -0 bash -c "falco-prom -q alerts.ndjson 2>&1 | grep '^falco_events_total'"
	assert_equal "${#lines[@]}" 16
}
