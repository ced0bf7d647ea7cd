#!/usr/bin/env bats
# Every ```sh block of README.md is run here, as a user would paste it, so
# the README never shows an option or a pipeline that does not work. The
# stand-ins: "falco" prints alerts (the real samples, the seed's two and
# one shell from ten minutes ago) as Falco with json_output does; Slack,
# Loki and any webhook are the recording receiver; the cluster is the fake
# API server, reached through $KUBECONFIG. Blocks that follow a stream
# (tail -F, falco-listen) run until a timeout ends them.

load test_helper

README=$BATS_TEST_DIRNAME/../README.md

# the README's sh blocks, each as one record ended by a NUL
sh_blocks() {
	awk '/^```sh$/ { inside = 1; block = ""; next }
	     /^```$/ && inside { inside = 0; printf "%s%c", block, 0; next }
	     inside { block = block $0 "\n" }' "$README"
}

setup_file() {
	local dir=$BATS_FILE_TMPDIR
	mkdir -p "$dir/work" "$dir/bin" "$dir/recv" "$dir/api"
	# events.json: what Falco's file_output would hold
	{
		cat "$SAMPLES" "$BATS_TEST_DIRNAME/../examples/seed-alerts.ndjson"
		sed -n 1p "$BATS_TEST_DIRNAME/../examples/seed-alerts.ndjson" |
			sed "s/\"time\":\"[^\"]*\"/\"time\":\"$(date -u -d '-10 min' +%Y-%m-%dT%H:%M:%S.000000000Z)\"/"
	} >"$dir/work/events.json"
	printf '#!/bin/sh\nexec cat "%s"\n' "$dir/work/events.json" >"$dir/bin/falco"
	chmod +x "$dir/bin/falco"
	ln -s "$BATS_TEST_DIRNAME/../examples" "$dir/work/examples"
	python3 "$BATS_TEST_DIRNAME/lib/http-receiver.py" "$dir/recv" 3>&- &
	echo $! >"$dir/pids"
	cp "$BATS_TEST_DIRNAME/../examples/demo/cluster.json" "$dir/api/cluster.json"
	python3 "$BATS_TEST_DIRNAME/lib/fake-kube-api.py" --plain --anonymous admin \
		--state "$dir/api/cluster.json" --port-file "$dir/api/port" \
		--log "$dir/api/log" --dump "$dir/api/dump" 3>&- &
	echo $! >>"$dir/pids"
	wait_for_file "$dir/recv/port"
	wait_for_file "$dir/api/port"
	cat >"$dir/kubeconfig" <<-KUBE
	apiVersion: v1
	kind: Config
	clusters:
	- name: test
	  cluster: {server: "http://127.0.0.1:$(cat "$dir/api/port")"}
	users:
	- name: test
	  user: {}
	contexts:
	- name: test
	  context: {cluster: test, user: test}
	current-context: test
	KUBE
}

teardown_file() {
	kill $(cat "$BATS_FILE_TMPDIR/pids") 2>/dev/null || true
}

# readme_env: what each block runs with
readme_env() {
	local url=http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/recv/port")
	export PATH="$BATS_FILE_TMPDIR/bin:$PATH"
	export SLACK_WEBHOOK_URL=$url/services/T/B/X LOKI_URL=$url FALCO_WEBHOOK_URL=$url/hook
	export KUBECONFIG=$BATS_FILE_TMPDIR/kubeconfig
}

@test "README.md has sh blocks to run" {
	[ "$(sh_blocks | tr -cd '\0' | wc -c)" -ge 15 ]
}

@test "every sh block of README.md runs: no usage error, status 0 or 1, or a follower stopped by its timeout" {
	local block n=0 failed=
	readme_env
	while IFS= read -r -d '' block; do
		n=$((n + 1))
		status=0
		(cd "$BATS_FILE_TMPDIR/work" && timeout 5 bash -c "$block") \
			>"$BATS_TEST_TMPDIR/out.$n" 2>"$BATS_TEST_TMPDIR/err.$n" || status=$?
		case $status in
		0 | 1) ;;
		124) [[ $block == *"tail -F"* || $block == *falco-listen* ]] ||
			failed+=" $n:timed-out" ;;
		*) failed+=" $n:status-$status" ;;
		esac
		if grep -qE 'usage:|unrecognized option|invalid|condition: column' \
		    "$BATS_TEST_TMPDIR/err.$n"; then
			failed+=" $n:usage"
		fi
	done < <(sh_blocks)
	for f in $failed; do
		k=${f%%:*}
		echo "block $k (${f#*:}):"
		sh_blocks | awk -v k="$k" 'BEGIN { RS = "\0" } NR == k { print }' | sed 's/^/  | /'
		sed 's/^/  err: /' "$BATS_TEST_TMPDIR/err.$k" | head -5
	done
	[ -z "$failed" ]
}

@test "the first recipe finds the shell of ten minutes ago, and only it" {
	readme_env
	cd "$BATS_FILE_TMPDIR/work"
	run -0 --separate-stderr bash -c "$(sh_blocks | tr '\0' '\n' | grep -m1 'time >= -1h')"
	assert_equal "${#lines[@]}" 1
	[[ ${lines[0]} == *'"rule":"Terminal shell in container"'* ]]
	[[ ${lines[0]} == *"$(date -u -d '-10 min' +%Y-%m-%dT%H)"* ]]
}

@test "the count-per-rule recipe counts every alert of the file" {
	readme_env
	cd "$BATS_FILE_TMPDIR/work"
	run -0 bash -c "$(sh_blocks | tr '\0' '\n' | grep -m1 'uniq -c')"
	assert_equal "$(awk '{ n += $1 } END { print n }' <<<"$output")" "$(wc -l <events.json)"
}
