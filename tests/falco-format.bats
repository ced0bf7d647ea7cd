# Output formats (common/format.c, common/fields.c), through falco-filter -o:
# fields printed as Falco's formatter prints them, widths, the longest
# known field name, transformers, paths into top-level objects, and the
# formats Falco refuses.
load test_helper
bats_require_minimum_version 1.5.0

TYPED=$FIXTURES/cond/typed.ndjson
PATHS=$FIXTURES/cond/paths.ndjson

# format FORMAT FILE: falco-filter -o FORMAT over every alert of FILE, in UTC
format() {
	TZ=UTC run -0 --separate-stderr falco-filter -o "$1" 'rule exists' "$2"
	[ -z "$stderr" ]
}

# refused FORMAT MESSAGE: a usage error with that message
refused() {
	run -2 --separate-stderr falco-filter -o "$1" --check 'rule exists'
	assert_output ''
	assert_equal "$stderr" "falco-filter: --output: $2"
}

@test "evt.time prints as a time of day with nanoseconds, as Falco prints it" {
	format '%evt.time' <(sample 1)
	assert_output '13:44:05.478445995'
}

@test "the other forms of the event time print as Falco prints them" {
	format '%evt.time.s|%evt.time.iso8601|%evt.datetime|%evt.datetime.s|%evt.rawtime|%evt.rawtime.s|%evt.rawtime.ns' <(sample 1)
	assert_output '13:44:05|2023-05-25T13:44:05.478445995+0000|2023-05-25 13:44:05.478445995|2023-05-25 13:44:05|1685022245478445995|1685022245|478445995'
}

@test "times of day are in the local time zone, the ISO form in UTC" {
	TZ=EST5 run -0 --separate-stderr falco-filter -o '%evt.time %evt.datetime.s %evt.time.iso8601' 'rule exists' <(sample 1)
	assert_output '08:44:05.478445995 2023-05-25 08:44:05 2023-05-25T13:44:05.478445995+0000'
}

@test "an alert without evt.time still prints it, from its time" {
	format '%evt.time %evt.rawtime.ns' <(sample 2)
	assert_output '19:27:21.002873265 002873265'
}

@test "a width pads a short value and cuts a long one" {
	format '[%10proc.pname][%2proc.pname][%3rule]' <(sample 1)
	assert_output '[runc      ][ru][Ter]'
}

@test "the longest known field name is taken, the rest is text" {
	format '%proc.nameand%proc.ttyX %k8s.ns.name_' <(sample 1)
	assert_output 'shand34816X default_'
}

@test "a list prints in parentheses, as Falco prints a list field" {
	format '%tags' <(sample 1)
	assert_output '(container,mitre_execution,shell)'
}

@test "transformers apply in a format, nested" {
	format '%toupper(proc.pname) %len(proc.cmdline) %basename(container.image.repository) %tolower(toupper(k8s.ns.name))' <(sample 1)
	assert_output 'RUNC 32 alpine default'
}

@test "join and concat print one value" {
	format '%join("/", (k8s.ns.name, k8s.pod.name)) %concat(k8s.pod.name, "@", hostname)' <(sample 1)
	assert_output 'default/kubecon kubecon@falco-xczjd'
}

@test "a field that does not exist prints <NA>, a transformed one too" {
	format '%proc.nosuch %toupper(proc.nosuch)' <(sample 1)
	assert_output '<NA> <NA>'
}

@test "a leading star, Falco's flag, is accepted and not printed" {
	format '*%rule' <(sample 1)
	assert_output 'Terminal shell in container'
}

@test "%% prints a percent sign" {
	format '100%% %rule' <(sample 1)
	assert_output '100% Terminal shell in container'
}

@test "a NUL in a value prints as \\x00, never raw" {
	format '%proc.cmdline|%ka.note' <(sed -n 4p "$TYPED")
	assert_output 'ab\x00cd|x\x00y'
}

@test "a dotted name reaches into a top-level object another program added" {
	format '%falco_netpol.action %falco_netpol.policy %falco_netpol.target.pod' "$PATHS"
	assert_output "isolated falco-pipes-quarantine nginx
would-isolate falco-pipes-quarantine <NA>
a key of output_fields <NA> <NA>
<NA> <NA> <NA>"
}

@test "a top-level object prints as its JSON" {
	format '%falco_netpol' <(sed -n 2p "$PATHS")
	assert_output '{"action":"would-isolate","policy":"falco-pipes-quarantine"}'
}

@test "a trailing % is refused" {
	refused 'x %' "'%' must be followed by a field name or '%'"
}

@test "a width with no field after it is refused" {
	refused 'x %10' 'a width must be followed by a field name'
}

@test "a width up to 100000 is taken, a wider one is refused" {
	format '%100000rule|' "$SAMPLES"
	assert_equal "${#lines[@]}" 16
	assert_equal "${#lines[0]}" 100001
	refused '%100001rule' 'a width is at most 100000'
	refused '%1234567rule' 'a width is at most 100000'
}

@test "a name followed by ( that is no transformer is refused" {
	refused '%touper(proc.name)' "unknown transformer 'touper'"
}

@test "a transformer on a number field is refused with Falco's reason" {
	refused '%toupper(evt.num)' "column 2: can't add field transformer: type 'UINT64' is not supported by 'toupper' transformer applied on field 'evt.num'"
}

@test "val() is refused in a format" {
	refused '%val(proc.name)' "column 2: val() is only allowed on the right of a comparison"
}

@test "a field Falco can only filter on is refused in a format" {
	refused '%fd.net' 'fd.net is filter only and cannot be used as a display field'
}
