# The condition language (common/cond.c, common/operand.c, common/lists.c),
# through falco-filter: operators, modifiers, transformers, Falco's field
# types, precedence, quoting, missing fields, list fields, rules-file lists
# and macros, paths into top-level objects, relative times, bounded regexes
# and syntax errors.
load test_helper
bats_require_minimum_version 1.5.0

ALERTS=$FIXTURES/cond/alerts.ndjson
LISTED=$FIXTURES/cond/lists.ndjson
VISTATECH=$FIXTURES/cond/vistatech.ndjson
TYPED=$FIXTURES/cond/typed.ndjson
PATHS=$FIXTURES/cond/paths.ndjson
MACROS=$FIXTURES/cond/macros.yaml
RULES=$FIXTURES/rules

# alerts N...: those lines of cond/alerts.ndjson, as falco-filter prints them
alerts() {
	local n
	for n in "$@"; do sed -n "${n}p" "$ALERTS"; done
}

# samples N...: those lines of the real alerts
samples() {
	local n
	for n in "$@"; do sample "$n"; done
}

# matches CONDITION N...: falco-filter prints exactly those alerts, status 0
matches() {
	local condition=$1
	shift
	run -0 --separate-stderr falco-filter "$condition" "$ALERTS"
	assert_output "$(alerts "$@")"
	[ -z "$stderr" ]
}

# rules_of FILE CONDITION: the rule names of the alerts of FILE it selects
rules_of() {
	run -0 --separate-stderr falco-filter -o %rule "$2" "$1"
	[ -z "$stderr" ]
}

# matches_none CONDITION: no alert printed, status 1
matches_none() {
	run -1 --separate-stderr falco-filter "$1" "$ALERTS"
	assert_output ''
	[ -z "$stderr" ]
}

# stderr_is TEXT: the exact standard error of the last run
stderr_is() {
	if [ "$stderr" != "$1" ]; then
		printf 'stderr was:\n%s\nexpected:\n%s\n' "$stderr" "$1" >&2
		return 1
	fi
}

# syntax_error CONDITION COLUMN MESSAGE: exit 2, the three lines on stderr
syntax_error() {
	local caret
	caret=$(printf '%*s^' "$(($2 - 1))" '')
	run -2 --separate-stderr falco-filter "$1" "$ALERTS"
	assert_output ''
	stderr_is "falco-filter: condition: column $2: $3
  $1
  $caret"
}

# ---- comparison operators ----

@test "= matches a byte-equal string" {
	matches 'proc.name = sh' 1
}

@test "== is the same operator as =" {
	matches 'proc.name == bash' 2 7
}

@test "= is case-sensitive" {
	matches_none 'proc.name = BASH'
}

@test "!= matches a value that differs" {
	matches 'proc.name != bash' 1 3 4 9
}

@test "!= is false on a missing field" {
	matches 'k8s.ns.name != kube-system' 5
}

@test "!= is false on a null field" {
	matches_none 'k8s.ns.name != Demo'
}

@test "not of = is true on a missing or null field" {
	matches 'not k8s.ns.name = Demo' 1 2 3 4 6 7 8 9 10
}

@test "< and > take a number, as in Falco" {
	syntax_error 'proc.name < c' 13 "expected a number after '<'"
}

@test "< on a string field against a number compares byte-wise" {
	matches 'fd.name < 1' 3 4
}

@test "> compares numerically when both sides are numbers" {
	matches 'proc.tty > 9' 6
}

@test "a number held in a string compares as a number" {
	matches 'ka.response.code >= 400 and ka.response.code < 404' 6
}

@test "= compares numbers by value, not by spelling" {
	matches 'ka.response.code = 403.0 and user.uid = -0' 6
}

@test "a text field against a number compares byte-wise" {
	matches 'proc.name > 5' 1 2 3 4 7 9
}

@test "negative numbers compare as numbers" {
	matches 'fd.num < -1' 6
}

@test "floating-point fields compare as doubles" {
	matches 'scap.n_drops_perc > 0.25 and scap.n_drops_perc <= 5e-1' 6
}

@test "evt.time compares exactly as int64 in its last digit" {
	matches 'evt.time = 1685022245478445995' 1
}

@test "evt.time one nanosecond later is a different value" {
	matches 'evt.time > 1685022245478445995' 2
}

@test "<= and >= include the value itself" {
	matches 'evt.time <= 1685022245478445995 and evt.time >= 1685022245478445995' 1
}

# ---- priority ----

@test "priority compares by severity, not by name" {
	matches 'priority >= warning' 3 4 5 8 9 10
}

@test "priority < notice is the less severe priorities" {
	matches 'priority < NOTICE' 6 7
}

@test "priority = info matches Informational" {
	matches 'priority = info' 6
}

@test "priority in a set compares by severity, any case" {
	matches 'priority in (WARNING, debug)' 3 4 7
}

@test "an unknown priority in the condition is a syntax error" {
	syntax_error 'priority >= warn' 13 "unknown priority 'warn'"
}

@test "priority contains compares the text" {
	matches 'priority contains arn' 3 4
}

# ---- string operators ----

@test "contains is a case-sensitive substring" {
	matches "proc.cmdline contains \"'a'\"" 5
}

@test "icontains ignores case" {
	matches 'proc.name icontains ASH' 2 4 7
}

@test "startswith is a byte prefix" {
	matches 'proc.exepath startswith /usr/' 3
}

@test "endswith is a byte suffix" {
	matches 'proc.exepath endswith /sh' 4
}

@test "glob * also matches a slash" {
	matches "proc.exepath glob '/*/bash'" 3
}

@test "glob supports ? and bracket classes" {
	matches "proc.name glob '[bB]as?'" 2 4 7
}

@test "iglob ignores case" {
	matches 'proc.name iglob B*H' 2 4 7
}

@test "regex must match the whole value" {
	matches_none 'proc.name regex as'
}

@test "regex is POSIX extended" {
	matches "proc.name regex '(ba)?sh'" 1 2 7
}

@test "a bad regex is a syntax error at its column" {
	syntax_error 'proc.name regex "a("' 17 'invalid regex: missing closing parenthesis at offset 2'
}

@test "exists is true for a present field only, not a null one" {
	matches 'k8s.ns.name exists' 5
}

@test "in matches one of the set" {
	matches 'proc.name in (sh, bash)' 1 2 7
}

@test "in with an empty set matches nothing" {
	matches_none 'proc.name in ()'
}

@test "intersects on a single value is in" {
	matches 'proc.name intersects (sh, x)' 1 9
}

@test "pmatch matches the path and what is below it" {
	matches 'fd.name pmatch (/tmp/hello)' 3
}

@test "pmatch compares whole components, with or without a trailing slash" {
	matches 'fd.name pmatch (/etc, /tmp/hello/)' 3
}

@test "pmatch of a directory matches every path below it" {
	matches 'fd.name pmatch (/tmp)' 3 4
}

@test "pmatch accepts a glob inside a component" {
	matches 'fd.name pmatch (/t?p/hel*)' 3 4
}

# ---- list fields ----

@test "contains on a list field means the list holds the value" {
	matches 'tags contains shell' 8
}

@test "contains on a list field is not a substring of an element" {
	matches_none 'tags contains she'
}

@test "in on a list field needs every element in the set" {
	matches 'tags in (T1059, container, shell, network)' 8
}

@test "in on a list field fails when one element is outside the set" {
	matches_none 'tags in (container, shell)'
}

@test "intersects on a list field needs one common element" {
	matches 'tags intersects (network, shell)' 8
}

@test "other operators on a list field hold when any element does" {
	matches 'tags startswith T10 and tags glob cont*' 8
}

@test "!= on a list field holds when some element differs" {
	matches 'tags != shell' 8
}

@test "an empty list field satisfies exists and nothing else" {
	matches 'tags exists and not tags != x' 9
}

@test "numbers in a list field compare as numbers" {
	matches 'fd.ports contains 443 and fd.ports > 442 and fd.ports in (80, 443.0)' 10
}

@test "null elements of a list field are skipped" {
	matches 'evt.args in ("a b", c)' 10
}

# ---- precedence and grouping ----

@test "and binds tighter than or" {
	matches 'proc.name = sh or proc.name = bash and rule = nulls' 1 7
}

@test "not binds tighter than and" {
	matches 'not proc.name = sh and proc.name exists' 2 3 4 7 9
}

@test "parentheses group an or under an and" {
	matches '(proc.name = sh or proc.name = bash) and rule = nulls' 7
}

@test "not may repeat" {
	matches 'not not not proc.name != sh' 1 5 6 8 10
}

@test "not(, and( and or( need no blank" {
	matches 'not(proc.name exists)and(rule startswith t)or(rule = nulls)' 7 8
}

@test "nesting up to the limit is accepted" {
	local open close
	open=$(printf '(%.0s' $(seq 999))
	close=$(printf ')%.0s' $(seq 999))
	matches "${open}proc.name = sh${close}" 1
}

@test "100000 opening parentheses are an error, not a crash" {
	local deep
	deep=$(printf '(%.0s' $(seq 100000))
	run -2 --separate-stderr falco-filter "$deep" "$ALERTS"
	assert_output ''
	[ "${stderr%%$'\n'*}" = "falco-filter: condition: column 1001: nested more than 1000 deep" ]
}

@test "30000 nots are an error, not a crash" {
	local deep
	# 120000 bytes: under Linux's 128 KiB limit on one argument
	deep=$(printf 'not %.0s' $(seq 30000))
	run -2 --separate-stderr falco-filter "${deep}proc.name = sh" "$ALERTS"
	[ "${stderr%%$'\n'*}" = "falco-filter: condition: column 3997: nested more than 1000 deep" ]
}

# ---- values and quoting ----

@test "a double-quoted value takes Falco's escapes" {
	matches 'rule = "say \"hi\"\tnow"' 5
}

@test "a single-quoted value may hold double quotes" {
	matches "rule = 'say \"hi\"\\tnow'" 5
}

@test "backslash, slash and the own quote are escaped" {
	matches "proc.cmdline = 'echo \\'a\\' \\\\ b\\/c'" 5
}

@test "\\xHH gives the byte" {
	matches 'rule = "say \x22hi\x22\x09now"' 5
}

@test "a bare value keeps colons and brackets" {
	matches 'proc.name = runc:[0:PARENT]' 3
}

@test "a bare value may touch the operator" {
	matches 'proc.name=sh or proc.name!=bash and fd.name<1' 1 3 4
}

@test "a quoted list item may hold a space and a comma" {
	matches 'evt.args intersects ("a b", "x, y")' 10
}

@test "a field argument in brackets is part of the field name" {
	run -0 --separate-stderr falco-filter 'ka.uri.param[command] = sh' "$SAMPLES"
	assert_output "$(sample 8)"
}

@test "a quoted field argument names the same field" {
	run -0 --separate-stderr falco-filter "ka.uri.param['command'] in (cat)" "$SAMPLES"
	assert_output "$(sample 6)"
}

# ---- syntax errors ----

@test "a missing value names the operator" {
	syntax_error 'rule =' 7 "expected a value after '='"
}

@test "an unknown operator is named" {
	syntax_error 'proc.name equals bash' 11 "unknown operator 'equals'"
}

@test "a missing operator names the field" {
	syntax_error 'proc.name' 10 "expected an operator after 'proc.name'"
}

@test "an unclosed parenthesis points at it" {
	syntax_error 'x.y = 1 or (proc.name = sh' 12 'unbalanced parenthesis'
}

@test "a stray closing parenthesis points at it" {
	syntax_error 'proc.name = sh)' 15 'unbalanced parenthesis'
}

@test "an unclosed value list points at its parenthesis" {
	syntax_error 'proc.name in (a, b' 14 'unbalanced parenthesis'
}

@test "an unterminated string points at its quote" {
	syntax_error 'rule = "abc' 8 'unterminated string'
}

@test "an unknown escape is an error at the backslash" {
	syntax_error 'rule = "a\qb"' 10 "invalid escape '\\q'"
}

@test "an escaped double quote is an error inside single quotes" {
	syntax_error "rule = 'a\\\"b'" 10 "invalid escape '\\\"'"
}

@test "a bad \\x escape is an error" {
	syntax_error 'rule = "\x4"' 9 "invalid escape '\\x': two hex digits expected"
}

@test "an unknown bare name is an undefined macro" {
	syntax_error 'shells_only and proc.name = sh' 1 "undefined list or macro 'shells_only'"
}

@test "a condition ending in and is incomplete" {
	syntax_error 'proc.name = sh and' 19 'expected a condition'
}

@test "two checks without and or or between them are an error" {
	syntax_error 'proc.name = sh proc.name = bash' 16 "expected 'and', 'or' or the end of the condition"
}

@test "the caret follows a tab in the condition" {
	run -2 --separate-stderr falco-filter $'rule =\t' "$ALERTS"
	stderr_is "falco-filter: condition: column 8: expected a value after '='
  rule =	
        	^"
}

@test "--check accepts a valid condition without reading input" {
	run -0 --separate-stderr falco-filter --check 'proc.name in (sh, bash) and not priority < warning'
	assert_output ''
	[ -z "$stderr" ]
}

@test "--check rejects a bad condition with status 2" {
	run -2 --separate-stderr falco-filter --check 'proc.name in sh'
	stderr_is "falco-filter: condition: column 14: undefined list 'sh'
  proc.name in sh
               ^"
}

# ---- the seed's rule and rules-file lists ----

@test "the seed's rule matches by rule name or by address" {
	run -0 --separate-stderr falco-filter 'rule = "Connection to vistatech.it" or fd.sip in ("213.215.222.58", "213.215.222.59")' "$VISTATECH"
	assert_output "$(sed -n 1,3p "$VISTATECH")"
}

@test "the seed's rule works with website_ips from its rules file" {
	run -0 --separate-stderr falco-filter -l "$RULES/vistatech.yaml" 'rule = "Connection to vistatech.it" or fd.sip in (website_ips)' "$VISTATECH"
	assert_output "$(sed -n 1,3p "$VISTATECH")"
}

@test "a list name may follow in without parentheses" {
	run -0 --separate-stderr falco-filter --lists "$RULES/vistatech.yaml" 'fd.sip in website_ips' "$VISTATECH"
	assert_output "$(sed -n 2,3p "$VISTATECH")"
}

@test "a list name without a rules file is an error" {
	run -2 --separate-stderr falco-filter 'fd.sip in website_ips' "$VISTATECH"
	stderr_is "falco-filter: condition: column 11: undefined list 'website_ips'
  fd.sip in website_ips
            ^"
}

@test "in a parenthesised set, an unknown name is a plain value" {
	run -0 --separate-stderr falco-filter 'proc.name in (website_ips, sh)' "$ALERTS"
	assert_output "$(alerts 1)"
}

@test "an unknown name among addresses is refused as Falco refuses it" {
	run -2 --separate-stderr falco-filter 'fd.sip in (website_ips)' "$VISTATECH"
	stderr_is "falco-filter: condition: column 11: unrecognized IPv6 address website_ips
  fd.sip in (website_ips)
            ^"
}

@test "a list item in quotes inside YAML is unquoted like a condition value" {
	run -0 --separate-stderr falco-filter -l "$RULES/nested.yaml" 'fd.snet in (rfc_1918_addresses)' "$LISTED"
	assert_output "$(sed -n 1p "$LISTED")"
}

@test "list items with spaces, inner quotes and escapes are values" {
	run -0 --separate-stderr falco-filter -l "$RULES/nested.yaml" 'proc.name in (odd_names) and proc.pname in (odd_names) and proc.aname[2] in (odd_names)' "$LISTED"
	assert_output "$(sed -n 2p "$LISTED")"
}

@test "a list naming earlier lists expands them, appends and overrides included" {
	run -0 --separate-stderr falco-filter -l "$RULES/nested.yaml" 'proc.name in (entrypoints) and proc.pname in (entrypoints, x)' "$LISTED"
	assert_output "$(sed -n 3p "$LISTED")"
}

@test "a list appended with override: items: append gains the items" {
	run -0 --separate-stderr falco-filter -l "$RULES/nested.yaml" 'proc.name in (entrypoints)' "$LISTED"
	assert_output "$(sed -n '1p;3p' "$LISTED")"
}

@test "an empty list matches nothing" {
	run -1 --separate-stderr falco-filter -l "$RULES/nested.yaml" 'proc.name in (nothing)' "$LISTED"
	assert_output ''
}

@test "lists of an earlier file are visible to a later one" {
	run -0 --separate-stderr falco-filter -l "$RULES/nested.yaml" -l "$RULES/second.yaml" 'proc.pname in (all_shells)' "$LISTED"
	assert_output "$(sed -n 3p "$LISTED")"
}

@test "an empty rules file defines nothing and is no error" {
	run -0 --separate-stderr falco-filter -l "$RULES/empty.yaml" 'proc.name = tini' "$LISTED"
	assert_output "$(sed -n 1p "$LISTED")"
}

@test "a rules file that is not a sequence is an error with its line" {
	run -2 --separate-stderr falco-filter -l "$RULES/not-a-sequence.yaml" 'rule exists' "$LISTED"
	assert_output ''
	stderr_is "falco-filter: $RULES/not-a-sequence.yaml:1: not a rules file: expected a sequence of lists, macros and rules"
}

@test "invalid YAML is an error with its line" {
	run -2 --separate-stderr falco-filter -l "$RULES/bad-yaml.yaml" 'rule exists' "$LISTED"
	stderr_is "falco-filter: $RULES/bad-yaml.yaml:3: did not find expected ',' or ']'"
}

@test "a list without items is an error with its line" {
	run -2 --separate-stderr falco-filter -l "$RULES/no-items.yaml" 'rule exists' "$LISTED"
	stderr_is "falco-filter: $RULES/no-items.yaml:4: list 'forgotten': no items"
}

@test "appending to an undefined list is an error" {
	run -2 --separate-stderr falco-filter -l "$RULES/append-undefined.yaml" 'rule exists' "$LISTED"
	stderr_is "falco-filter: $RULES/append-undefined.yaml:3: list 'unknown_ips': append to a list not defined before"
}

@test "a list item that is not a string is an error" {
	run -2 --separate-stderr falco-filter -l "$RULES/nested-item.yaml" 'rule exists' "$LISTED"
	stderr_is "falco-filter: $RULES/nested-item.yaml:4: list 'website_ips': items must be strings"
}

@test "a list that would hold more than 100000 items once the lists it names expand is an error" {
	run -2 --separate-stderr falco-filter -l "$RULES/doubling.yaml" 'proc.name in (l16)' "$LISTED"
	stderr_is "falco-filter: $RULES/doubling.yaml: list 'l16': more than 100000 items once lists in it are expanded"
}

@test "a rules file larger than 16 MiB is refused, not loaded into memory" {
	{ cat "$MACROS"; python3 -c 'import sys; sys.stdout.write(("# " + "x" * 1021 + "\n") * 16384)'; } >"$BATS_TEST_TMPDIR/big.yaml"
	run -2 --separate-stderr falco-filter -l "$BATS_TEST_TMPDIR/big.yaml" 'rule exists' "$LISTED"
	assert_output ""
	stderr_is "falco-filter: $BATS_TEST_TMPDIR/big.yaml: larger than 16 MiB"
}

@test "a missing rules file is an error" {
	run -2 --separate-stderr falco-filter -l "$RULES/absent.yaml" 'rule exists' "$LISTED"
	stderr_is "falco-filter: $RULES/absent.yaml: No such file or directory"
}

@test "a badly quoted list item is an error where the list is used" {
	run -2 --separate-stderr falco-filter -l "$RULES/bad-quoted-item.yaml" 'fd.snet in (broken_quotes)' "$LISTED"
	stderr_is "falco-filter: condition: column 13: list 'broken_quotes': item \"10.0.0.0/8: unterminated string
  fd.snet in (broken_quotes)
              ^"
}

# ---- the real samples ----

@test "the real samples filter by severity" {
	run -0 --separate-stderr falco-filter 'priority >= warning' "$SAMPLES"
	assert_output "$(samples 1 5 10 11 12 13 14)"
}

@test "the real samples' null proc.aname[7] does not exist" {
	run -0 --separate-stderr falco-filter 'not proc.aname[7] exists and proc.aname[6] exists' "$SAMPLES"
	assert_output "$(sample 16)"
}

@test "the real samples' evt.time matches exactly" {
	run -0 --separate-stderr falco-filter 'evt.time = 1685022245478445995' "$SAMPLES"
	assert_output "$(sample 1)"
}

@test "the real samples' string response codes compare as numbers" {
	run -0 --separate-stderr falco-filter 'source = k8s_audit and ka.response.code > 200' "$SAMPLES"
	assert_output "$(sample 7)"
}

@test "the real samples' paths match with pmatch" {
	run -0 --separate-stderr falco-filter 'fd.name pmatch (/etc, /bin)' "$SAMPLES"
	assert_output "$(samples 10 12)"
}

@test "the real samples' tags intersect" {
	run -0 --separate-stderr falco-filter 'tags intersects (T1059, T1059.004)' "$SAMPLES"
	assert_output "$(samples 15 16)"
}

# ---- the library alone (tests/tools/cond-eval.c) ----

@test "one parsed condition serves several threads at once" {
	run -0 --separate-stderr cond-eval -t 4 'proc.name regex "(ba)?sh" or tags contains shell or fd.name pmatch (/tmp) or evt.args icontains C' "$ALERTS"
	assert_output "$(alerts 1 2 3 4 7 8 10)"
	[ -z "$stderr" ]
}

@test "a chain of 5000 ors parses and evaluates" {
	local chain
	chain="proc.name = x0$(printf ' or proc.name = x%d' $(seq 1 4999)) or proc.name = sh"
	run -0 --separate-stderr cond-eval "$chain" "$ALERTS"
	assert_output "$(alerts 1)"
}

# ---- comparison modifiers (Falco 0.44) ----

@test "== oneof holds when exactly one value is equal" {
	matches 'proc.name == oneof (sh, bash, zsh)' 1 2 7
}

@test "oneof is false when two values hold" {
	matches_none 'proc.name == oneof (sh, sh)'
}

@test "contains allof needs every value inside" {
	matches "proc.cmdline contains allof (echo, \"'a'\")" 5
}

@test "startswith anyof needs one value" {
	matches 'fd.name startswith anyof (/etc, /tmp/hello/)' 3
}

@test "!= allof means none of the values" {
	matches 'proc.name != allof (sh, bash, Bash)' 3 9 11 12 13
}

@test "a modifier works on a list field value by value" {
	matches 'tags contains allof (shell, container)' 8
}

@test "a modifier may take a list from a rules file" {
	run -0 --separate-stderr falco-filter -l "$MACROS" -o %rule 'proc.name = anyof shell_binaries' "$ALERTS"
	assert_output "$(printf 'time a\ntime b\nnulls')"
}

@test "a modifier is no modifier without a blank after it" {
	syntax_error 'proc.name == oneof(sh)' 19 "expected 'and', 'or' or the end of the condition"
}

@test "a number operator takes no modifier" {
	syntax_error 'proc.tty > anyof (1, 2)' 12 "expected a number after '>'"
}

# ---- transformers and val() ----

@test "toupper transforms the field before the comparison" {
	matches 'toupper(proc.name) = BASH' 2 4 7
}

@test "transformers nest" {
	matches 'tolower(toupper(proc.name)) = bash' 2 4 7
}

@test "len gives a string's length in bytes" {
	matches 'len(proc.name) = 4' 2 4 7 12
}

@test "len of a list counts its elements" {
	matches 'len(tags) = 3' 8
}

@test "basename keeps what follows the last slash" {
	matches 'basename(proc.exepath) = bash' 3
}

@test "b64 decodes, and a value that is not base64 extracts nothing" {
	printf '%s\n' '{"rule":"b64","output_fields":{"proc.cmdline":"Y3VybCAtZA=="}}' '{"rule":"not b64","output_fields":{"proc.cmdline":"curl -d"}}' >"$BATS_TEST_TMPDIR/in"
	rules_of "$BATS_TEST_TMPDIR/in" 'b64(proc.cmdline) = "curl -d" or not b64(proc.cmdline) exists'
	assert_output "$(printf 'b64\nnot b64')"
}

@test "join and concat build one value from several" {
	matches 'concat(rule, ":", proc.name) = "time a:sh" or join("/", (rule, proc.tty)) = "numbers/34816"' 1 6
}

@test "concat takes strings only, as in Falco" {
	syntax_error 'concat(proc.name, proc.tty) = x' 1 'concat() arguments must be strings'
}

@test "getopt reads a command's options from a list" {
	printf '%s\n' '{"rule":"nc","output_fields":{"cmd.argv":["-l","-p","4444","-e","/bin/sh"]}}' >"$BATS_TEST_TMPDIR/in"
	rules_of "$BATS_TEST_TMPDIR/in" 'getopt(cmd.argv, "lp:e:")[e] = /bin/sh and getopt(cmd.argv, "lp:e:") intersects (4444)'
	assert_output 'nc'
}

@test "getopt refuses a field that is no list, as in Falco" {
	syntax_error 'getopt(proc.args, "e:")[e] = x' 1 'getopt() first argument must be a list'
}

@test "val holds when the two fields are equal" {
	printf '%s\n' '{"rule":"same","output_fields":{"proc.name":"sh","proc.pname":"sh"}}' '{"rule":"other","output_fields":{"proc.name":"sh","proc.pname":"bash"}}' >"$BATS_TEST_TMPDIR/in"
	rules_of "$BATS_TEST_TMPDIR/in" 'proc.name = val(proc.pname)'
	assert_output 'same'
}

@test "val of a missing field makes the comparison false" {
	matches_none 'proc.name = val(proc.nosuch) or proc.name != val(proc.nosuch)'
}

@test "val is refused on the left" {
	syntax_error 'val(proc.name) = x' 1 "val() is only allowed on the right of a comparison"
}

@test "a transformer on a number field is refused with Falco's reason" {
	syntax_error 'toupper(proc.pid) = 1' 1 "can't add field transformer: type 'INT64' is not supported by 'toupper' transformer applied on field 'proc.pid'"
}

@test "a field argument on a transformer other than getopt is refused" {
	syntax_error 'toupper(proc.name)[x] = X' 1 "transformer 'toupper' does not support field arguments"
}

@test "a blank before a transformer's parenthesis is an error" {
	syntax_error 'toupper (proc.name) = X' 1 "undefined list or macro 'toupper'"
}

# ---- Falco's field types ----

@test "an IPv6 address equals its long form" {
	rules_of "$TYPED" 'fd.sip = 2001:4860::8888'
	assert_output 'v6 long'
}

@test "fd.snet matches the server address against CIDR ranges" {
	rules_of "$TYPED" 'fd.snet in (10.0.0.0/8, 192.168.0.0/16, 2001:4860::/32)'
	assert_output "$(printf 'v6 long\nv4 private')"
}

@test "fd.net holds for the client's or the server's address" {
	rules_of "$TYPED" 'fd.net = 172.16.0.0/12'
	assert_output 'v4 private'
}

@test "fd.port holds for either port, and != for both" {
	rules_of "$TYPED" 'fd.port = 443 or (fd.port != 443 and fd.port != 50000)'
	assert_output 'v6 long'
}

@test "an address field refuses an ordering, with Falco's reason" {
	run -2 --separate-stderr falco-filter 'fd.sip > 10' "$TYPED"
	stderr_is "falco-filter: condition: column 8: '>' operator not supported for ip address and network filters
  fd.sip > 10
         ^"
}

@test "an address field refuses a value that is no address" {
	syntax_error 'fd.sip = 10.0.0.0/8' 10 'unrecognized IPv4 address 10.0.0.0/8'
}

@test "a number field compares numbers, also when the alert wrote a string" {
	rules_of "$TYPED" 'proc.pid < 100'
	assert_output 'v4 private'
}

@test "a number field refuses contains with Falco's reason" {
	syntax_error 'proc.pid contains 1' 10 "'contains' operator not supported for numeric filters"
}

@test "a number field refuses a value that is no number" {
	syntax_error 'proc.pid = abc' 12 'abc is not a valid number'
}

@test "an unsigned field reads -1 as libsinsp does, its largest value" {
	rules_of "$TYPED" 'user.uid = -1'
	assert_output 'v6 long'
}

@test "a boolean field takes true and false only" {
	rules_of "$TYPED" 'evt.is_io = true'
	assert_output 'v6 long'
	syntax_error 'evt.is_io = yes' 13 'unrecognized boolean value yes'
}

@test "a field Falco does not define stays untyped" {
	matches 'ka.response.code >= 400 and ka.response.code < 404' 6
}

@test "--check warns about a field that neither Falco nor a plugin defines" {
	run -0 --separate-stderr falco-filter --check 'k8s.ns.nmae = demo and k8s.ns.name = demo and ka.verb = get and falco_netpol.action = isolated'
	assert_output ''
	stderr_is "falco-filter: 'k8s.ns.nmae' is not a field of Falco or of its plugins: it is compared only if the alert carries that key"
}

# ---- numbers and values as bytes ----

@test "numbers beyond 64 bits compare exactly" {
	rules_of "$TYPED" 'ka.count > 9223372036854775807 and ka.count = 9.223372036854775808e18'
	assert_output 'big numbers'
}

@test "fractions compare exactly, not as doubles" {
	rules_of "$TYPED" 'ka.ratio > 0.1 and ka.ratio < 0.10000000000000002'
	assert_output 'big numbers'
}

@test "an unsigned 64-bit field holds its largest value" {
	rules_of "$TYPED" 'evt.num = 18446744073709551615 and evt.num > 9223372036854775807'
	assert_output 'big numbers'
}

@test "a NUL in a value does not cut it for glob, endswith and regex" {
	rules_of "$TYPED" 'proc.cmdline glob "ab?cd" and proc.cmdline endswith cd and proc.cmdline regex "ab.cd"'
	assert_output 'nul'
}

@test "a NUL may be written in a value of an untyped field" {
	rules_of "$TYPED" 'ka.note = "x\x00y"'
	assert_output 'nul'
}

@test "a NUL in a value of a Falco field is refused, as Falco refuses it" {
	syntax_error 'proc.cmdline = "ab\x00cd"' 16 'filter value cannot contain a NUL byte (\x00)'
}

# ---- grammar corners ----

@test "an empty field argument is an error" {
	syntax_error 'evt.arg[] = x' 9 "expected a field argument in '[...]'"
}

@test "a backslash before a blank in quotes is a backslash, as libsinsp reads it" {
	printf '%s\n' '{"rule":"bs","output_fields":{"proc.cmdline":"a\\b"}}' >"$BATS_TEST_TMPDIR/in"
	rules_of "$BATS_TEST_TMPDIR/in" 'proc.cmdline = "a\ b"'
	assert_output 'bs'
}

@test "exists needs no blank before and" {
	matches 'k8s.ns.name existsand proc.cmdline exists' 5
}

@test "in needs no blank before its list" {
	matches 'proc.name in(sh)' 1
}

@test "a too deep condition is shown only around the column" {
	local deep
	deep=$(printf 'not %.0s' $(seq 30000))
	run -2 --separate-stderr falco-filter "${deep}proc.name = sh" "$ALERTS"
	(( ${#stderr} < 300 )) || fail "stderr has ${#stderr} bytes"
	[ "${stderr%%$'\n'*}" = "falco-filter: condition: column 3997: nested more than 1000 deep" ]
}

# ---- bounded regexes ----

@test "a regex that backtracks too long gives up with one warning, not the machine" {
	python3 -c "import json; print(json.dumps({'rule':'evil','output_fields':{'proc.name':'a'*5000+'b'}})); print(json.dumps({'rule':'fine','output_fields':{'proc.name':'a'*5000}}))" >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr timeout 30 falco-filter -o %rule 'proc.name regex "(a{1,100}){1,100}"' "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in"
	assert_output "$(printf 'fine\nfine')"
	stderr_is "falco-filter: regex '(a{1,100}){1,100}': gave up on a value of 5001 bytes (match limit reached), so it does not match; later ones are not reported"
}

@test "a regex backtracking once per byte matches a value of 200000 bytes: its stack is not PCRE2's 32 KiB" {
	python3 -c "import json; print(json.dumps({'rule':'long','output_fields':{'proc.name':'ab'*100000}}))" >"$BATS_TEST_TMPDIR/in"
	run -0 --separate-stderr falco-filter -o %rule 'proc.name regex "(a|b)*"' "$BATS_TEST_TMPDIR/in"
	assert_output long
	stderr_is ""
}

@test "a regex that needs more than 20 MiB to backtrack gives up with one warning" {
	python3 -c "import json; print(json.dumps({'rule':'huge','output_fields':{'proc.name':'ab'*1000000}}))" >"$BATS_TEST_TMPDIR/in"
	run -1 --separate-stderr falco-filter --max-line-bytes 4M -o %rule 'proc.name regex "(a|b)*"' "$BATS_TEST_TMPDIR/in" "$BATS_TEST_TMPDIR/in"
	assert_output ""
	stderr_is "falco-filter: regex '(a|b)*': gave up on a value of 2000000 bytes (stack limit reached), so it does not match; later ones are not reported"
}

@test "a regex too large to compile is refused" {
	syntax_error 'proc.name regex "((a{1,100}){1,100}){1,100}"' 17 'invalid regex: regular expression is too large at offset 26'
}

# ---- macros from rules files ----

@test "a macro from a rules file stands for its condition" {
	run -0 --separate-stderr falco-filter -l "$MACROS" -o %rule 'spawned_shell and not rule = nulls' "$ALERTS"
	assert_output "$(printf 'time a\ntime b')"
}

@test "a later file appends to a macro and to the list it names" {
	run -0 --separate-stderr falco-filter -l "$MACROS" -l "$FIXTURES/cond/macros-local.yaml" -o %rule 'spawned_shell' "$ALERTS" "$LISTED"
	assert_output "$(printf 'time a\ntime b\npaths\nnulls\nnet')"
}

@test "a later file replaces a macro, and macros using it see the new one" {
	run -0 --separate-stderr falco-filter -l "$MACROS" -l "$FIXTURES/cond/macros-local.yaml" -o %rule 'shell_in_demo' "$ALERTS"
	assert_output "$(printf 'time b\nnulls')"
}

@test "a macro sees only the macros defined before it" {
	run -2 --separate-stderr falco-filter -l "$MACROS" 'uses_a_later_one' "$ALERTS"
	stderr_is "falco-filter: condition: column 1: macro 'uses_a_later_one': column 1: undefined list or macro 'defined_later'
  uses_a_later_one
  ^"
}

@test "a macro that names itself is a reference loop" {
	run -2 --separate-stderr falco-filter -l "$MACROS" -l "$FIXTURES/cond/macros-local.yaml" 'loops' "$ALERTS"
	stderr_is "falco-filter: condition: column 1: macro 'loops': column 18: reference loop in macro 'loops'
  loops
  ^"
}

@test "an undefined macro stays an error with rules files loaded" {
	run -2 --separate-stderr falco-filter -l "$MACROS" 'my_macro and k8s.ns.name = demo' "$ALERTS"
	stderr_is "falco-filter: condition: column 1: undefined list or macro 'my_macro'
  my_macro and k8s.ns.name = demo
  ^"
}

@test "a macro without a condition is an error with its line" {
	run -2 --separate-stderr falco-filter -l "$FIXTURES/cond/macros-bad.yaml" 'rule exists' "$ALERTS"
	stderr_is "falco-filter: $FIXTURES/cond/macros-bad.yaml:1: macro 'no_condition': no condition"
}

@test "appending to an undefined macro is an error" {
	run -2 --separate-stderr falco-filter -l "$FIXTURES/cond/macros-append-undefined.yaml" 'rule exists' "$ALERTS"
	stderr_is "falco-filter: $FIXTURES/cond/macros-append-undefined.yaml:1: macro 'never_defined': append to a macro not defined before"
}

@test "override and append: true together are refused, as Falco refuses them" {
	run -2 --separate-stderr falco-filter -l "$FIXTURES/cond/macros-both.yaml" 'rule exists' "$ALERTS"
	stderr_is "falco-filter: $FIXTURES/cond/macros-both.yaml:3: macro 'twice': keys 'override' and 'append: true' cannot be used together"
}

# ---- what other programs add to the alert ----

@test "a top-level object is a field, and a dotted name a path into it" {
	rules_of "$PATHS" 'falco_netpol.action in (isolated, would-isolate)'
	assert_output "$(printf 'isolated\ndry run')"
}

@test "a path reaches nested objects" {
	rules_of "$PATHS" 'falco_netpol.target.pod = nginx'
	assert_output 'isolated'
}

@test "a top-level key exists on its own" {
	rules_of "$PATHS" 'not falco_netpol exists'
	assert_output 'none'
}

@test "a key of output_fields comes before a path" {
	run -0 --separate-stderr falco-filter -o '%falco_netpol.action' 'rule = plain' "$PATHS"
	assert_output 'a key of output_fields'
}

# ---- times relative to now ----

@test "time >= -1h selects the alerts of the last hour" {
	local recent old
	recent=$(date -u -d '-10 minutes' +%Y-%m-%dT%H:%M:%S.000000000Z)
	old=$(date -u -d '-3 hours' +%Y-%m-%dT%H:%M:%S.000000000Z)
	printf '{"rule":"recent","time":"%s","output_fields":{}}\n{"rule":"old","time":"%s","output_fields":{}}\n' "$recent" "$old" >"$BATS_TEST_TMPDIR/in"
	rules_of "$BATS_TEST_TMPDIR/in" 'time >= -1h'
	assert_output 'recent'
	rules_of "$BATS_TEST_TMPDIR/in" 'evt.time < -90m'
	assert_output 'old'
}

@test "time compares with an RFC 3339 time or a date" {
	rules_of "$VISTATECH" 'time > 2024-06-01T12:00:01Z and time < 2024-06-02'
	assert_output "$(printf 'Unexpected outbound connection destination\nUnexpected outbound connection destination')"
}

@test "a time that is no time is an error" {
	syntax_error 'time > -1x' 8 "'-1x' is no time: write a number of nanoseconds, an RFC 3339 time, a date, or a time relative to now such as -1h"
}

@test "transformers and val() evaluate in several threads at once" {
	run -0 --separate-stderr cond-eval -t 4 'toupper(proc.name) == anyof (SH, BASH) or len(tags) > 2 or fd.name = val(proc.exepath) or b64(proc.name) exists' "$ALERTS"
	assert_output "$(alerts 1 2 4 7 8)"
	[ -z "$stderr" ]
}
