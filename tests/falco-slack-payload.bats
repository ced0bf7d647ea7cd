#!/usr/bin/env bats
# What falco-slack posts, byte for byte, through its dry run (-n): the
# default layout and its footer, priorities as Falco spells them,
# falco-netpol's result, and alert text defused for every chat that reads
# Slack's payloads. Z is U+200B ZERO WIDTH SPACE, the defuser.

load test_helper

# one alert of the default layout's tests; falco_netpol is spliced in
ALERT='{"hostname":"node-1","output":"12:00:00.000000000: Warning shell in demo/web-1","priority":"Warning","rule":"Shell in container","source":"syscall","tags":["shell","container"],"time":"2025-05-07T12:50:34.502309868Z","output_fields":{"evt.time":1746622234502309868,"k8s.ns.name":"demo","k8s.pod.name":"web-1"}}'

# what falco-slack posts for $ALERT, up to the falco_netpol field's place
# and after it
HEAD='"unfurl_links":false,"unfurl_media":false,"attachments":[{"fallback":"12:00:00.000000000: Warning shell in demo/web-1","color":"#ffc700","text":"12:00:00.000000000: Warning shell in demo/web-1","fields":[{"title":"rule","value":"Shell in container","short":true},{"title":"priority","value":"Warning","short":true},{"title":"source","value":"syscall","short":true},{"title":"hostname","value":"node-1","short":true},{"title":"tags","value":"container, shell","short":true},'
TAIL='{"title":"k8s.ns.name","value":"demo","short":true},{"title":"k8s.pod.name","value":"web-1","short":true},{"title":"time","value":"2025-05-07 12:50:34.502309868 +0000 UTC","short":false}],"footer":"falco-slack"}]}'

setup() {
	Z=$(printf '\342\200\213')
	IN=$BATS_TEST_TMPDIR/in
	API_PID=
	unset SLACK_WEBHOOK_URL
}

teardown() {
	if [ -n "$API_PID" ]; then kill "$API_PID" 2>/dev/null || true; fi
}

# with_netpol JSON: $ALERT with "falco_netpol": JSON added, as falco-netpol adds it
with_netpol() {
	printf '%s,"falco_netpol":%s}\n' "${ALERT%\}}" "$1"
}

# ---- the default layout ----

@test "the default layout is Falcosidekick's attachment with a footer naming falco-slack" {
	printf '%s\n' "$ALERT" >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	assert_output "{\"text\":\"Warning: Shell in container\",$HEAD$TAIL"
	assert_equal "$stderr" ""
}

@test "--footer replaces the footer and an empty --footer leaves it out" {
	printf '%s\n' "$ALERT" >"$IN"
	run -0 --separate-stderr falco-slack -n --footer 'SOC pipeline' "$IN"
	assert_equal "$(jq -c '.attachments[0].footer' <<<"$output")" '"SOC pipeline"'
	run -0 --separate-stderr falco-slack -n --footer '' "$IN"
	assert_output "{\"text\":\"Warning: Shell in container\",$HEAD${TAIL%,\"footer\":*}}]}"
}

@test "a digest's summary and every alert shown in it carry the footer" {
	for i in 1 2 3; do printf '%s\n' "$ALERT"; done >"$IN"
	run -0 --separate-stderr falco-slack -n --rate 1/1h --drain-timeout 1s "$IN"
	assert_equal "${#lines[@]}" 2
	assert_equal "$(jq -c '[.attachments[].footer]' <<<"${lines[1]}")" '["falco-slack","falco-slack","falco-slack"]'
}

@test "--format text has no footer, as in Falcosidekick" {
	printf '%s\n' "$ALERT" >"$IN"
	run -0 --separate-stderr falco-slack -n --format text "$IN"
	assert_output '{"text":"Warning: Shell in container","unfurl_links":false,"unfurl_media":false,"attachments":[{"fallback":"12:00:00.000000000: Warning shell in demo/web-1","color":"#ffc700","text":"12:00:00.000000000: Warning shell in demo/web-1","fields":null}]}'
}

@test "tags with no string among them add no tags field" {
	# found by tests/fuzz/slack: sorting no tag was undefined behaviour
	printf '{"output":"o","priority":"Notice","rule":"R","tags":[1,null]}\n' >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	assert_output '{"text":"Notice: R","unfurl_links":false,"unfurl_media":false,"attachments":[{"fallback":"o","color":"#5bffb5","text":"o","fields":[{"title":"rule","value":"R","short":true},{"title":"priority","value":"Notice","short":true}],"footer":"falco-slack"}]}'
	assert_equal "$stderr" ""
}

# ---- priorities ----

@test "a priority not in Falco's spelling is shown as Falco spells it" {
	for p in WARNING info critical NOTICE; do
		printf '{"output":"o","priority":"%s","rule":"R"}\n' "$p"
	done >"$IN"
	run -0 --separate-stderr falco-slack -n --rate 100/1 "$IN"
	run -0 jq -c '[.text, (.attachments[0].fields[] | select(.title == "priority") | .value), .attachments[0].color]' <<<"$output"
	assert_output - <<'EOF'
["Warning: R","Warning","#ffc700"]
["Informational: R","Informational","#68c2ff"]
["Critical: R","Critical","#ff5400"]
["Notice: R","Notice","#5bffb5"]
EOF
}

@test "a priority Falco does not know is shown as it came" {
	printf '{"output":"o","priority":"Urgent <3","rule":"R"}\n' >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	assert_output '{"text":"Urgent &lt;3: R","unfurl_links":false,"unfurl_media":false,"attachments":[{"fallback":"o","color":"#68c2ff","text":"o","fields":[{"title":"rule","value":"R","short":true},{"title":"priority","value":"Urgent &lt;3","short":true}],"footer":"falco-slack"}]}'
}

@test "a digest counts WARNING, warning and Warning as one priority" {
	for p in Notice WARNING warning Warning; do
		printf '{"output":"o","priority":"%s","rule":"R"}\n' "$p"
	done >"$IN"
	run -0 --separate-stderr falco-slack -n --rate 1/1h --drain-timeout 1s "$IN"
	assert_equal "$(jq -r '.attachments[0].text' <<<"${lines[1]}")" '3 × Warning: R'
}

# ---- chat injection ----

@test "Markdown links and every chat's mentions in an alert are defused everywhere they are shown" {
	printf '%s\n' '{"output":"see [bank.example](https://evil.example) @everyone","priority":"Warning","rule":"@here ![x](https://t.example/p.gif)","tags":["@all"],"output_fields":{"proc.cmdline":"<@&165511591545143296> ~town-square mail@example.com","[k](u)":"@channel"}}' >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	assert_output "{\"text\":\"Warning: @${Z}here ![x]${Z}(https://t.example/p.gif)\",\"unfurl_links\":false,\"unfurl_media\":false,\"attachments\":[{\"fallback\":\"see [bank.example]${Z}(https://evil.example) @${Z}everyone\",\"color\":\"#ffc700\",\"text\":\"see [bank.example]${Z}(https://evil.example) @${Z}everyone\",\"fields\":[{\"title\":\"rule\",\"value\":\"@${Z}here ![x]${Z}(https://t.example/p.gif)\",\"short\":true},{\"title\":\"priority\",\"value\":\"Warning\",\"short\":true},{\"title\":\"tags\",\"value\":\"@${Z}all\",\"short\":true},{\"title\":\"[k]${Z}(u)\",\"value\":\"@${Z}channel\",\"short\":true},{\"title\":\"proc.cmdline\",\"value\":\"&lt;@${Z}&amp;165511591545143296&gt; ~${Z}town-square mail@example.com\",\"short\":false}],\"footer\":\"falco-slack\"}]}"
}

@test "the text a --message template renders is defused too" {
	printf '%s\n' '{"output":"o","priority":"Warning","rule":"R","output_fields":{"proc.cmdline":"curl [bank.example](https://evil.example) @here"}}' >"$IN"
	run -0 --separate-stderr falco-slack -n --message '%rule: %proc.cmdline' "$IN"
	assert_equal "$(jq -r .text <<<"$output")" "R: curl [bank.example]${Z}(https://evil.example) @${Z}here"
}

@test "a digest's counts defuse the rule names they show" {
	for i in 1 2 3; do
		printf '%s\n' '{"output":"o","priority":"Warning","rule":"@everyone [bank](https://evil.example)"}'
	done >"$IN"
	run -0 --separate-stderr falco-slack -n --rate 1/1h --drain-timeout 1s "$IN"
	assert_equal "$(jq -r '.attachments[0].text' <<<"${lines[1]}")" "2 × Warning: @${Z}everyone [bank]${Z}(https://evil.example)"
}

@test "defusing happens before the cut, and the cut leaves no mention behind" {
	long=$(printf 'x%.0s' $(seq 2987))
	printf '{"output":"%s@everyone, and more","priority":"Notice","rule":"R"}\n' "$long" >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	# 2,987 x, the @ and the marker make 3,000: the @ goes with its U+200B
	assert_equal "$(jq -r '.attachments[0].text' <<<"$output")" "${long}…[truncated]"
}

# ---- falco-netpol's result ----

@test "an isolated pod is named with its policy in the top-level text and a falco_netpol field" {
	with_netpol '{"action":"isolated","namespace":"demo","pod":"web-1","policy":"falco-pipes-quarantine","reason":null}' >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	assert_output "{\"text\":\"Warning: Shell in container — isolated demo/web-1 (policy falco-pipes-quarantine)\",$HEAD{\"title\":\"falco_netpol\",\"value\":\"isolated demo/web-1 (policy falco-pipes-quarantine)\",\"short\":false},$TAIL"
}

@test "every falco-netpol action says what was done, or why not" {
	{
		with_netpol '{"action":"already-isolated","namespace":"demo","pod":"web-1","policy":"falco-pipes-quarantine","reason":null}'
		with_netpol '{"action":"dry-run","namespace":"demo","pod":"web-1","policy":"falco-pipes-quarantine","reason":null}'
		with_netpol '{"action":"skipped","namespace":"kube-system","pod":"coredns-1","policy":null,"reason":"namespace is protected"}'
		with_netpol '{"action":"skipped","namespace":null,"pod":null,"policy":null,"reason":"alert names no pod"}'
		with_netpol '{"action":"failed","namespace":"demo","pod":"web-1","policy":"falco-pipes-quarantine","reason":"403 forbidden"}'
		with_netpol '{"action":"quarantined","namespace":"demo","pod":"web-1","policy":null,"reason":null}'
	} >"$IN"
	run -0 --separate-stderr falco-slack -n --rate 100/1 "$IN"
	run -0 jq -r '.text' <<<"$output"
	assert_output - <<'EOF'
Warning: Shell in container — already isolated demo/web-1 (policy falco-pipes-quarantine)
Warning: Shell in container — dry run, would isolate demo/web-1 (policy falco-pipes-quarantine)
Warning: Shell in container — not isolated kube-system/coredns-1: namespace is protected
Warning: Shell in container — not isolated: alert names no pod
Warning: Shell in container — failed to isolate demo/web-1 (policy falco-pipes-quarantine): 403 forbidden
Warning: Shell in container — quarantined demo/web-1
EOF
}

@test "falco-netpol's result is escaped and defused like every other field" {
	with_netpol '{"action":"failed","namespace":"demo","pod":"web-1","policy":null,"reason":"<!channel> @here [bank](https://evil.example) & more"}' >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	expected="failed to isolate demo/web-1: &lt;!channel&gt; @${Z}here [bank]${Z}(https://evil.example) &amp; more"
	assert_equal "$(jq -r .text <<<"$output")" "Warning: Shell in container — $expected"
	assert_equal "$(jq -r '.attachments[0].fields[] | select(.title == "falco_netpol") | .value' <<<"$output")" "$expected"
}

@test "a falco_netpol that is not an object or names no action adds nothing" {
	{
		with_netpol '"isolated"'
		with_netpol '{"namespace":"demo","pod":"web-1"}'
		with_netpol '{"action":7}'
		with_netpol 'null'
	} >"$IN"
	run -0 --separate-stderr falco-slack -n --rate 100/1 "$IN"
	for i in 0 1 2 3; do
		assert_equal "${lines[$i]}" "{\"text\":\"Warning: Shell in container\",$HEAD$TAIL"
	done
}

@test "of two falco_netpol results the last, the latest run's, is shown" {
	printf '%s,"falco_netpol":%s,"falco_netpol":%s}\n' "${ALERT%\}}" \
		'{"action":"failed","namespace":"demo","pod":"web-1","policy":null,"reason":"timeout"}' \
		'{"action":"isolated","namespace":"demo","pod":"web-1","policy":"p","reason":null}' >"$IN"
	run -0 --separate-stderr falco-slack -n "$IN"
	assert_equal "$(jq -r .text <<<"$output")" "Warning: Shell in container — isolated demo/web-1 (policy p)"
}

@test "a --message template replaces the default text and the falco_netpol field stays" {
	with_netpol '{"action":"isolated","namespace":"demo","pod":"web-1","policy":"p","reason":null}' >"$IN"
	run -0 --separate-stderr falco-slack -n --message '%rule on %hostname' "$IN"
	assert_equal "$(jq -c '[.text, (.attachments[0].fields[] | select(.title == "falco_netpol") | .value)]' <<<"$output")" '["Shell in container on node-1","isolated demo/web-1 (policy p)"]'
}

@test "a --message template's leading '*' is Slack's bold, kept, not Falco's mark" {
	# tests/fuzz/format: format.c drops a leading '*', as Falco does in a rule's output
	printf '%s\n' "$ALERT" >"$IN"
	run -0 --separate-stderr falco-slack -n --message '*%priority* %rule' "$IN"
	assert_equal "$(jq -r .text <<<"$output")" '*Warning* Shell in container'
}

@test "with --format text, which has no fields, the top-level text still says what falco-netpol did" {
	with_netpol '{"action":"isolated","namespace":"demo","pod":"web-1","policy":"p","reason":null}' >"$IN"
	run -0 --separate-stderr falco-slack -n --format text "$IN"
	assert_equal "$(jq -c '[.text, .attachments[0].fields]' <<<"$output")" '["Warning: Shell in container — isolated demo/web-1 (policy p)",null]'
}

@test "the seed's second alert through falco-netpol and falco-slack says the pod was isolated" {
	cp "$EXAMPLES/demo/cluster.json" "$BATS_TEST_TMPDIR/cluster.json"
	python3 "$BATS_TEST_DIRNAME/lib/fake-kube-api.py" --state "$BATS_TEST_TMPDIR/cluster.json" \
		--port-file "$BATS_TEST_TMPDIR/port" --log "$BATS_TEST_TMPDIR/log" \
		--dump "$BATS_TEST_TMPDIR/dump" --plain --anonymous kubectl-proxy 3>&- &
	API_PID=$!
	wait_for_file "$BATS_TEST_TMPDIR/port"
	sed -n 2p "$EXAMPLES/seed-alerts.ndjson" >"$IN"
	run -0 --separate-stderr falco-netpol --server "http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/port")" "$IN"
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/isolated"
	run -0 --separate-stderr falco-slack -n "$BATS_TEST_TMPDIR/isolated"
	assert_equal "$(jq -r .text <<<"$output")" "Warning: Connection to vistatech.it — isolated demo/nginx-7d9f8b6c5-x2x9q (policy falco-pipes-quarantine)"
}
