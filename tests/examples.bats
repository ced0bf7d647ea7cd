#!/usr/bin/env bats
# examples/ works as written: systemd accepts every unit and rates its
# hardening, the logrotate snippet rotates without losing an alert, the
# Falco fragments and the Kubernetes manifests parse (the manifests
# against the Kubernetes schema), and they agree with the seed's rule,
# falco-netpol(1) and the options the programs have.

load test_helper

setup_file() {
	TOP=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	ROOT=$BATS_FILE_TMPDIR/root
	export TOP ROOT
	command -v systemd-analyze >/dev/null || return 0
	# The units as make install puts them on Debian, in a tree of their
	# own, with the units they depend on and the commands they name.
	make -s -C "$TOP" install BUILD="$BUILD" DESTDIR="$ROOT" PREFIX=/usr \
	    SYSTEMDUNITDIR=/lib/systemd/system >/dev/null
	cp -R /lib/systemd/system/. "$ROOT/lib/systemd/system/"
	ln -s usr/bin "$ROOT/bin"
	cp /bin/sh /bin/kill "$ROOT/usr/bin/"
}

PY=/usr/bin/python3

need_python_yaml() {
	"$PY" -c 'import yaml' 2>/dev/null ||
	    skip "Debian's python3-yaml is not installed (make deps installs it)"
}

yaml_get() {
	"$PY" "$BATS_TEST_DIRNAME/lib/yaml-get.py" "$@"
}

# verify UNIT: systemd-analyze verify in the installed tree; the man
# pages of Documentation= are looked up there too
verify_unit() {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed (make deps installs systemd)"
	local p
	for p in $(sed -n 's/^ExecStart=\(falco-[a-z]*\).*/\1/p' "$ROOT/lib/systemd/system/$1"); do
		[ -x "$ROOT/usr/bin/$p" ] || [ -d "$TOP/cmd/$p" ] ||
		    skip "$p is not in this tree yet (no cmd/$p)"
	done
	run -0 env MANPATH="$ROOT/usr/share/man" systemd-analyze verify --root="$ROOT" "$1"
	assert_output ""
}

# security UNIT MAX: systemd-analyze's exposure of UNIT is MAX or less
# (0.0 to 10.0; the scores are in examples/README.md)
security_at_most() {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed (make deps installs systemd)"
	local threshold=${2/./}
	run -0 systemd-analyze security --offline=yes --threshold="${threshold#0}" \
	    "$ROOT/lib/systemd/system/$1"
	assert_line --regexp "^→ Overall exposure level for $1: [0-9.]+ "
}

@test "systemd-analyze verify accepts falco-pipes.socket" {
	verify_unit falco-pipes.socket
}

@test "systemd-analyze verify accepts falco-pipes.service" {
	verify_unit falco-pipes.service
}

@test "systemd-analyze verify accepts falco-pipes-follow.service" {
	verify_unit falco-pipes-follow.service
}

@test "systemd-analyze verify accepts falco-pipes-listen.service" {
	verify_unit falco-pipes-listen.service
}

@test "systemd-analyze verify accepts falco-pipes-report.service" {
	verify_unit falco-pipes-report.service
}

@test "systemd-analyze verify accepts falco-pipes-report.timer" {
	verify_unit falco-pipes-report.timer
}

@test "systemd-analyze verify rejects a unit with a misspelt setting, so the checks above can fail" {
	command -v systemd-analyze >/dev/null ||
	    skip "systemd-analyze is not installed (make deps installs systemd)"
	mkdir -p "$ROOT/etc/systemd/system"
	sed 's/^ProtectClock=yes/ProtectClok=yes/' "$ROOT/lib/systemd/system/falco-pipes.service" \
	    >"$ROOT/etc/systemd/system/falco-pipes-typo.service"
	run env MANPATH="$ROOT/usr/share/man" systemd-analyze verify --root="$ROOT" falco-pipes-typo.service
	rm "$ROOT/etc/systemd/system/falco-pipes-typo.service"
	assert_output --partial "Unknown key 'ProtectClok' in section [Service]"
}

@test "systemd-analyze security rates falco-pipes.service 1.1 or better" {
	security_at_most falco-pipes.service 1.1
}

@test "systemd-analyze security rates falco-pipes-follow.service 1.1 or better" {
	security_at_most falco-pipes-follow.service 1.1
}

@test "systemd-analyze security rates falco-pipes-listen.service 0.9 or better" {
	security_at_most falco-pipes-listen.service 0.9
}

@test "systemd-analyze security rates falco-pipes-report.service 0.2 or better" {
	security_at_most falco-pipes-report.service 0.2
}

@test "the logrotate snippet rotates falco-route's file with SIGHUP and loses no alert" {
	command -v logrotate >/dev/null || [ -x /usr/sbin/logrotate ] ||
	    skip "logrotate is not installed (make deps installs it)"
	local dir=$BATS_TEST_TMPDIR i
	mkdir "$dir/log" "$dir/falco"
	# the snippet, pointed at this directory and at this falco-route
	sed -e "s|/var/log/falco-pipes/|$dir/log/|" -e "s|/var/log/falco/|$dir/falco/|" \
	    -e "s|systemctl try-reload-or-restart .*|kill -HUP \$(cat $dir/route.pid)|" \
	    -e 's|systemctl kill .*|:|' "$EXAMPLES/logrotate/falco-pipes" >"$dir/logrotate.conf"
	mkfifo "$dir/in"
	falco-route --default "$dir/log/alerts.ndjson" <"$dir/in" 2>"$dir/route.err" &
	echo $! >"$dir/route.pid"
	exec 7>"$dir/in"
	for i in 1 2 3 4 5 6 7 8; do cat "$SAMPLES" >&7; done
	for i in $(seq 100); do
		[ "$(wc -l <"$dir/log/alerts.ndjson")" = 128 ] && break
		sleep 0.05
	done
	run -0 env PATH="/usr/sbin:$PATH" logrotate -s "$dir/state" -f "$dir/logrotate.conf"
	# falco-route made the new file itself when SIGHUP reopened it
	for i in $(seq 100); do [ -e "$dir/log/alerts.ndjson" ] && break; sleep 0.05; done
	for i in 1 2 3 4; do cat "$SAMPLES" >&7; done
	exec 7>&-
	wait "$(cat "$dir/route.pid")"
	assert_equal "$(cat "$dir/route.err")" ""
	assert_equal "$(cat "$dir/log/alerts.ndjson.1")" "$(for i in 1 2 3 4 5 6 7 8; do cat "$SAMPLES"; done)"
	assert_equal "$(cat "$dir/log/alerts.ndjson")" "$(for i in 1 2 3 4; do cat "$SAMPLES"; done)"
}

@test "falco-pipes-report.service counts yesterday's alerts by priority and rule, busiest first" {
	local dir=$BATS_TEST_TMPDIR today yesterday before script
	today=$(date -u +%F)
	yesterday=$(date -u -d yesterday +%F)
	before=$(date -u -d '2 days ago' +%F)
	mkdir -p "$dir/log" "$dir/state"
	# the seed's two alerts on three days: the rotated file holds the day
	# before yesterday and yesterday, the current one yesterday and today
	{
		sed "s/\"time\":\"[0-9-]*T/\"time\":\"${before}T/" "$EXAMPLES/seed-alerts.ndjson"
		sed "s/\"time\":\"[0-9-]*T/\"time\":\"${yesterday}T/" "$EXAMPLES/seed-alerts.ndjson"
		sed -n "2s/\"time\":\"[0-9-]*T/\"time\":\"${yesterday}T/p" "$EXAMPLES/seed-alerts.ndjson"
	} >"$dir/log/events.json.1"
	{
		sed -n "2s/\"time\":\"[0-9-]*T/\"time\":\"${yesterday}T/p" "$EXAMPLES/seed-alerts.ndjson"
		sed "s/\"time\":\"[0-9-]*T/\"time\":\"${today}T/" "$EXAMPLES/seed-alerts.ndjson"
	} >"$dir/log/events.json"
	# ExecStart= as systemd hands it to /bin/sh: continuations joined,
	# "$$" a "$", "%%" a "%", the outer quotes gone
	script=$(sed -n '/^ExecStart=/,/[^\\]$/p' "$EXAMPLES/systemd/falco-pipes-report.service" |
	    sed -e 's/\\$//' | tr '\n' ' ' |
	    sed -e "s|^ExecStart=/bin/sh -c '||" -e "s|' *\$||" -e 's/\$\$/$/g' -e 's/%%/%/g' \
	        -e "s|/var/log/falco/|$dir/log/|g")
	run -0 --separate-stderr env STATE_DIRECTORY="$dir/state" sh -c "$script"
	assert_output "      3 Warning Connection to vistatech.it
      1 Notice Terminal shell in container"
	assert_equal "$stderr" ""
	assert_equal "$(cat "$dir/state/$yesterday.txt")" "$output"
}

@test "the Falco fragments are YAML that turn json_output on" {
	need_python_yaml
	local f
	for f in "$EXAMPLES"/falco/*output*.yaml; do
		run -0 yaml_get "$f" json_output
		assert_output true
	done
}

@test "program_output.yaml keeps one falco-route alive for every alert" {
	need_python_yaml
	run -0 yaml_get "$EXAMPLES/falco/program_output.yaml" program_output
	assert_output '{"enabled": true, "keep_alive": true, "program": "falco-route -f /etc/falco-pipes/routes --default /dev/null --spool-dir /var/lib/falco-pipes"}'
}

@test "file_output.yaml writes the file that falco-pipes-follow.service follows" {
	need_python_yaml
	run -0 yaml_get "$EXAMPLES/falco/file_output.yaml" file_output/filename
	assert_output /var/log/falco/events.json
	run -0 yaml_get "$EXAMPLES/falco/file_output.yaml" file_output/keep_alive
	assert_output true
	run -0 grep -c -- '--follow /var/log/falco/events.json' "$EXAMPLES/systemd/falco-pipes-follow.service"
	assert_output 1
}

@test "http_output.yaml posts to falco-listen's default address" {
	need_python_yaml
	run -0 yaml_get "$EXAMPLES/falco/http_output.yaml" http_output
	assert_output '{"enabled": true, "url": "http://127.0.0.1:2801/", "user_agent": "falcosecurity/falco"}'
	run -0 grep -c -- '--listen 127.0.0.1:2801$' "$EXAMPLES/systemd/falco-pipes-listen.service"
	assert_output 1
}

@test "http_output_mtls.yaml verifies the server and presents a client certificate" {
	need_python_yaml
	run -0 yaml_get "$EXAMPLES/falco/http_output_mtls.yaml" http_output
	assert_output '{"ca_cert": "/etc/falco/certs/falco-listen-ca.crt", "client_cert": "/etc/falco/certs/client.crt", "client_key": "/etc/falco/certs/client.key", "enabled": true, "insecure": false, "mtls": true, "url": "https://falco-listen.falco.svc.cluster.local:2801/", "user_agent": "falcosecurity/falco"}'
}

@test "the seed's rule prints the fields its alert carries, and the seed alert carries them" {
	need_python_yaml
	local rule=$EXAMPLES/falco/falco_rules.local.yaml f
	run -0 yaml_get "$rule" 2/rule
	assert_output "Connection to vistatech.it"
	run -0 yaml_get "$rule" 2/output
	for f in proc.cmdline fd.name fd.sip k8s.ns.name k8s.pod.name; do
		assert_output --regexp "%${f//./\\.}[ )]"
	done
	run -0 yaml_get "$rule" 2/condition
	assert_output --partial 'container.id != host'
	run -0 falco-filter -l "$rule" -o '%rule|%proc.cmdline|%fd.sip|%k8s.ns.name|%k8s.pod.name' \
	    'fd.sip in (website_ips)' "$EXAMPLES/seed-alerts.ndjson"
	assert_output "Connection to vistatech.it|curl -s https://www.vistatech.it/|213.215.222.58|demo|nginx-7d9f8b6c5-x2x9q"
}

@test "the DaemonSet's Falco loads the seed's rule file and writes into the FIFO its pipeline follows" {
	need_python_yaml
	local ds=$EXAMPLES/kubernetes/falco-daemonset.yaml
	run -0 yaml_get "$ds" 0/data/falco_rules.local.yaml
	assert_output "$(cat "$EXAMPLES/falco_rules.local.yaml")"
	run -0 yaml_get "$ds" 0/data/falco-pipes.yaml
	printf '%s\n' "$output" >"$BATS_TEST_TMPDIR/falco.yaml"
	run -0 yaml_get "$BATS_TEST_TMPDIR/falco.yaml" program_output
	assert_output '{"enabled": true, "keep_alive": true, "program": "exec cat >/run/falco-pipes/alerts"}'
	run -0 yaml_get "$ds" 1/spec/template/spec/initContainers/1/command
	assert_output --partial '"--follow", "/run/falco-pipes/alerts"'
}

@test "the RBAC of examples/kubernetes grants falco-netpol what falco-netpol(1) says it needs" {
	need_python_yaml
	sed -n '/^\.Ss RBAC/,/^\.Ed/p' "$TOP/man/falco-netpol.1" |
	    sed -e '1,/^\.Bd -literal/d' -e '/^\.Ed/d' -e 's/\\e/\\/g' >"$BATS_TEST_TMPDIR/man-rbac.yaml"
	run -0 yaml_get "$BATS_TEST_TMPDIR/man-rbac.yaml" 0/rules
	local want=$output
	run -0 yaml_get "$EXAMPLES/kubernetes/rbac.yaml" 1/rules
	assert_equal "$output" "$want"
	run -0 yaml_get "$EXAMPLES/kubernetes/rbac.yaml" 2/subjects
	assert_output '[{"kind": "ServiceAccount", "name": "falco-netpol", "namespace": "falco"}]'
}

@test "every Kubernetes manifest is valid against the Kubernetes schema" {
	[ -d "$TOP/tests/k8s/node_modules/kubernetes-models" ] ||
	    skip "the schema validator is not installed (make deps runs npm ci in tests/k8s)"
	command -v node >/dev/null || skip "node is not installed (make deps installs nodejs)"
	local f
	run -0 node "$TOP/tests/k8s/validate.mjs" "$EXAMPLES"/kubernetes/*.yaml
	for f in "$EXAMPLES"/kubernetes/*.yaml; do
		assert_line --regexp "^${f//./\\.}: [0-9]+ documents valid$"
	done
}

@test "the schema check refuses a wrong type, a misspelt field and an unknown kind" {
	[ -d "$TOP/tests/k8s/node_modules/kubernetes-models" ] ||
	    skip "the schema validator is not installed (make deps runs npm ci in tests/k8s)"
	command -v node >/dev/null || skip "node is not installed (make deps installs nodejs)"
	local bad=$BATS_TEST_TMPDIR/bad.yaml
	sed -e 's/^  replicas: 3$/  replicas: "3"/' -e 's/^        readinessProbe:$/        readinesProbe:/' \
	    "$EXAMPLES/kubernetes/falco-listen.yaml" >"$bad"
	printf -- '---\napiVersion: v1\nkind: Sevice\nmetadata: {name: x}\n' >>"$bad"
	run -1 node "$TOP/tests/k8s/validate.mjs" "$bad"
	assert_line "$bad: document 1 (Deployment falco-listen): data/spec/replicas must be integer"
	assert_line "$bad: document 5 (Sevice x): unknown apiVersion and kind: v1 Sevice"
	sed -i 's/^  replicas: "3"$/  replicas: 3/' "$bad"
	run -1 node "$TOP/tests/k8s/validate.mjs" "$bad"
	assert_line "$bad: document 1 (Deployment falco-listen): /spec/template/spec/containers/0/readinesProbe: unknown field \"readinesProbe\""
}

@test "every falco-pipes command line in examples/ uses options its program has" {
	need_python_yaml
	run --separate-stderr "$PY" "$BATS_TEST_DIRNAME/lib/example-options.py" "$BUILD" \
	    $(find "$EXAMPLES" \( -type f -o -type l \) ! -path '*/demo/*' ! -name demo.sh)
	assert_output ""
	assert_success
}
