#!/usr/bin/env bats
# The EXAMPLES of man/falco-filter.1 that read alerts.ndjson, run on the
# real sample alerts: what the manual shows is what the program does.
# Each example is written here exactly as in the manual, in a heredoc, so
# that a test can check the manual still shows it.

bats_require_minimum_version 1.5.0
load test_helper

MANPAGE=$BATS_TEST_DIRNAME/../man/falco-filter.1

setup() {
	cd "$BATS_TEST_TMPDIR" || return
	cp "$SAMPLES" alerts.ndjson
	printf '%s\n' '- list: shell_binaries' '  items: [ash, bash, sh, zsh]' \
	    > shells.yaml
}

# The "$ command" lines of the EXAMPLES section and the lines shown under
# them, with the mdoc escapes undone: "C command" then "O line" records.
man_examples() {
	awk '
		/^\.Sh / { in_examples = ($0 == ".Sh EXAMPLES") }
		!in_examples { next }
		/^\.Bd -literal/ { literal = 1; next }
		/^\.Ed/ { literal = 0; next }
		!literal { next }
		{
			gsub(/\\e/, "\\"); gsub(/\\&/, "")
			if (substr($0, 1, 2) == "$ ")
				print "C " substr($0, 3)
			else
				print "O " $0
		}
	' "$MANPAGE"
}

# The examples these tests can run: they read only files that setup makes.
runnable_examples() {
	man_examples | sed -n 's/^C //p' | grep -E 'alerts\.ndjson|shells\.yaml'
}

# example STATUS: run the command on standard input in the examples'
# directory, after checking that falco-filter.1 shows it as written.
example() {
	local expected=$1 cmd
	cmd=$(cat)
	runnable_examples | grep -Fxq -- "$cmd" ||
		fail "falco-filter.1 EXAMPLES does not show: $cmd"
	run -"$expected" --separate-stderr bash -c "$cmd" </dev/null
}

@test "the manual's EXAMPLES section has examples that read alerts.ndjson" {
	run -0 runnable_examples
	[ "${#lines[@]}" -ge 10 ] || fail "only ${#lines[@]} examples found"
}

@test "every example of the manual that reads the samples is run by a test here" {
	local cmd missing=
	while IFS= read -r cmd; do
		grep -Fxq -- "$cmd" "$BATS_TEST_FILENAME" ||
			missing+="$cmd"$'\n'
	done < <(runnable_examples)
	[ -z "$missing" ] || fail "examples with no test: $missing"
}

@test "the output the manual shows under each example is what it prints" {
	local kind text cmd= shown= wrong=

	check_shown() {
		[ -n "$cmd" ] || return 0
		case $cmd in *alerts.ndjson* | *shells.yaml*) ;; *) return 0 ;; esac
		local actual
		actual=$(bash -c "$cmd" 2>/dev/null </dev/null) || true
		[ "$actual" = "${shown%$'\n'}" ] ||
			wrong+="$cmd"$'\n'"shown:"$'\n'"$shown"$'\n'"printed:"$'\n'"$actual"$'\n'
	}
	while IFS= read -r line; do
		kind=${line:0:1} text=${line:2}
		if [ "$kind" = C ]; then
			check_shown
			cmd=$text shown=
		else
			shown+="$text"$'\n'
		fi
	done < <(man_examples)
	check_shown
	[ -z "$wrong" ] || fail "$wrong"
}

@test "the rules file of the lists example is the one the manual shows" {
	example 0 <<'EOF'
cat shells.yaml
EOF
	assert_output "- list: shell_binaries
  items: [ash, bash, sh, zsh]"
}

@test "-p error with -o prints a summary line per severe alert" {
	example 0 <<'EOF'
falco-filter -p error -o '%time %priority %rule' < alerts.ndjson
EOF
	assert_output "2023-05-25T13:44:05.478445995Z Critical Terminal shell in container
2023-06-30T00:36:21.780289000Z Critical GCP Bucket configured to be public
2019-05-17T15:31:56.746609046Z Error Write below binary dir
2020-05-20T21:52:47.925065865Z Critical Falco internal: syscall event drop"
	assert_equal "$stderr" ""
}

@test "-c counts the alerts from the Kubernetes audit log" {
	example 0 <<'EOF'
falco-filter -c 'source = k8s_audit' alerts.ndjson
EOF
	assert_output "4"
	assert_equal "$stderr" ""
}

@test "-c -v -r counts the alerts whose rule is not Falco's own" {
	example 0 <<'EOF'
falco-filter -c -v -r 'Falco internal:*' < alerts.ndjson
EOF
	assert_output "14"
	assert_equal "$stderr" ""
}

@test "-o names the pods of the alerts that have a namespace" {
	example 0 <<'EOF'
falco-filter -o '%k8s.ns.name/%k8s.pod.name %rule' 'k8s.ns.name exists' alerts.ndjson
EOF
	assert_output "default/kubecon Terminal shell in container
default/alpine Terminal shell in container
openfaas-fn/falco-pod-delete-7dc9f5fbb8-gbfk7 Contact K8S API Server From Container
fission-function/poolmgr-go-default-516098-5bdbf8c8f5-g8gvc Contact K8S API Server From Container"
	assert_equal "$stderr" ""
}

@test "!= is false for the alerts that have no namespace" {
	example 0 <<'EOF'
falco-filter -c 'k8s.ns.name != default' alerts.ndjson
EOF
	assert_output "2"
	assert_equal "$stderr" ""
}

@test "not = is true for the alerts that have no namespace" {
	example 0 <<'EOF'
falco-filter -c 'not k8s.ns.name = default' alerts.ndjson
EOF
	assert_output "14"
	assert_equal "$stderr" ""
}

@test "-t selects the alerts tagged shell" {
	example 0 <<'EOF'
falco-filter --tag shell -o '%rule' < alerts.ndjson
EOF
	assert_output "Terminal shell in container
Run shell untrusted"
	assert_equal "$stderr" ""
}

@test "pmatch selects the files under /etc and /bin" {
	example 0 <<'EOF'
falco-filter -o '%fd.name %rule' 'fd.name pmatch (/etc, /bin)' alerts.ndjson
EOF
	assert_output "/etc/shadow Read sensitive file untrusted
/bin/hack Write below binary dir"
	assert_equal "$stderr" ""
}

@test "every -e must hold" {
	example 0 <<'EOF'
falco-filter -e 'proc.tty = 0' -e 'tags intersects (T1059, T1059.004)' -o '%proc.name %rule' alerts.ndjson
EOF
	assert_output "login System user interactive
bash Run shell untrusted"
	assert_equal "$stderr" ""
}

@test "-o prints <NA> for an ancestor whose value is null" {
	example 0 <<'EOF'
falco-filter -o '%proc.name %proc.aname[2] %proc.aname[7]' 'proc.aname[2] exists' alerts.ndjson
EOF
	assert_output "cat sudo <NA>
bash event-generator <NA>"
	assert_equal "$stderr" ""
}

@test "--json-fields keeps the nanosecond evt.time exact" {
	example 0 <<'EOF'
falco-filter -m 1 --json-fields time,rule,evt.time 'proc.name = sh' alerts.ndjson
EOF
	assert_output '{"time":"2023-05-25T13:44:05.478445995Z","rule":"Terminal shell in container","evt.time":1685022245478445995}'
	assert_equal "$stderr" ""
}

@test "-l lets a condition name a list of a rules file" {
	example 0 <<'EOF'
falco-filter -l shells.yaml -o '%proc.name %rule' 'proc.name in (shell_binaries)' alerts.ndjson
EOF
	assert_output "sh Terminal shell in container
sh Terminal shell in container
bash Run shell untrusted"
	assert_equal "$stderr" ""
}

@test "--throttle lets one alert an hour through from each host" {
	example 0 <<'EOF'
falco-filter --throttle hostname:1h -o '%time %hostname' 'source = k8s_audit' alerts.ndjson
EOF
	assert_output "2025-02-10T09:15:40.698757000Z my-pool-1-node-921b61
2023-05-10T14:09:17.699479000Z falco-k8saudit-eks-96d7f6f99-vwjgc"
	assert_equal "$stderr" "falco-filter: throttle: suppressed 2 alerts"
}

@test "-o %priority counted with sort and uniq gives the alerts by priority" {
	example 0 <<'EOF'
falco-filter -o %priority < alerts.ndjson | sort | uniq -c
EOF
	assert_output "      3 Critical
      1 Error
      3 Informational
      6 Notice
      3 Warning"
	assert_equal "$stderr" ""
}

@test "-q exits 0 at a critical alert, so && runs the next command" {
	example 0 <<'EOF'
falco-filter -q -p critical < alerts.ndjson && echo page someone
EOF
	assert_output "page someone"
	assert_equal "$stderr" ""
}

@test "the seed's forbidden addresses match no sample: count 0, status 1" {
	example 1 <<'EOF'
falco-filter -c 'rule = "Connection to vistatech.it" or fd.sip in ("213.215.222.58", "213.215.222.59")' alerts.ndjson
EOF
	assert_output "0"
	assert_equal "$stderr" ""
}
