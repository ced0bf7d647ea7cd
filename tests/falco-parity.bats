# Parity with Falco: the verdicts of Falco's own tests (falcosecurity/libs,
# userspace/libsinsp/test), taken as facts into tests/fixtures/cond/*.cases
# and checked through the library (tests/tools/cond-eval.c -c) and through
# the programs. Each count below is every case of its file: a case that
# stops holding is printed, and a deliberate difference is counted apart.
load test_helper
bats_require_minimum_version 1.5.0

CASES=$FIXTURES/cond

# cases FILE SUMMARY: every case of FILE holds, with that summary line
cases() {
	run -0 --separate-stderr cond-eval -l "$CASES/falco-parity.yaml" -c "$CASES/$1"
	assert_output "$2"
	[ -z "$stderr" ]
}

@test "every verdict of libsinsp's parser tests agrees" {
	cases falco-parser.cases "531 cases: 531 agree with Falco, 0 differ deliberately, 0 do not hold"
}

@test "every verdict of libsinsp's compiler tests agrees: operators per field type, transformers, val()" {
	cases falco-compiler.cases "411 cases: 411 agree with Falco, 0 differ deliberately, 0 do not hold"
}

@test "every value of libsinsp's operator, modifier, address and transformer tests agrees" {
	cases falco-filterchecks.cases "332 cases: 332 agree with Falco, 0 differ deliberately, 0 do not hold"
}

@test "libsinsp's formatter cases agree but for four deliberate differences" {
	cases falco-format.cases "49 cases: 45 agree with Falco, 4 differ deliberately, 0 do not hold"
}

@test "a case that does not hold is printed and fails the run" {
	printf '%s\t%s\n' '@alert' '{"rule":"r","output_fields":{"proc.name":"myexe"}}' \
	    true 'proc.name == oneof (myexe, myexe)' \
	    reject 'proc.name = x' >"$BATS_TEST_TMPDIR/bad.cases"
	run -1 --separate-stderr cond-eval -c "$BATS_TEST_TMPDIR/bad.cases"
	assert_output "$BATS_TEST_TMPDIR/bad.cases:2: true proc.name == oneof (myexe, myexe): false
$BATS_TEST_TMPDIR/bad.cases:3: reject proc.name = x: accepted
2 cases: 0 agree with Falco, 0 differ deliberately, 2 do not hold"
}

# The same facts through the programs, which share the library.

@test "falco-filter selects with a modifier as Falco's modifier tests do" {
	printf '%s\n' '{"rule":"execve","output_fields":{"proc.name":"myexe"}}' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-filter -c -e 'proc.name contains allof (my, exe)' -e 'proc.name != oneof (myexe, myexe, bash)' -e 'not proc.name == oneof (myexe, myexe)' "$BATS_TEST_TMPDIR/in"
	assert_output 1
}

@test "falco-route routes on a transformer and an address as Falco's tests compare them" {
	printf '%s\n' '{"rule":"open","output_fields":{"fd.name":"/tmp/file_to_run","fd.directory":"/tmp"}}' \
	    '{"rule":"connect","output_fields":{"fd.sip":"2001:4860:4860::8888"}}' >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-route \
	    --when 'len(join("-", (fd.name, fd.directory))) = 21' --to "$BATS_TEST_TMPDIR/joined" \
	    --when 'fd.net = 2001:4860::0/32' --to "$BATS_TEST_TMPDIR/net" \
	    --default /dev/null "$BATS_TEST_TMPDIR/in"
	run -0 cat "$BATS_TEST_TMPDIR/joined"
	assert_output "$(sed -n 1p "$BATS_TEST_TMPDIR/in")"
	run -0 cat "$BATS_TEST_TMPDIR/net"
	assert_output "$(sed -n 2p "$BATS_TEST_TMPDIR/in")"
}

@test "falco-filter prints a rule's output line as Falco's formatter does" {
	printf '%s\n' '{"rule":"getcwd","time":"2023-05-25T13:44:05.478445995Z","priority":"Notice","output_fields":{"proc.name":"init","evt.arg[1]":"/test/dir","evt.time":1685022245478445995}}' >"$BATS_TEST_TMPDIR/in"
	TZ=UTC run -0 --separate-stderr falco-filter -o '*%evt.time: %priority %10proc.name|%2proc.name|%toupper(evt.arg[1]) %proc.nameand' 'rule exists' "$BATS_TEST_TMPDIR/in"
	assert_output '13:44:05.478445995: Notice init      |in|/TEST/DIR initand'
}
