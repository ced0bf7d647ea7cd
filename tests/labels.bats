#!/usr/bin/env bats
# common/labels.c: the label names and values falco-prom and falco-loki
# will use, checked through the tests/tools/labels driver.

load test_helper

@test "Falco field names become label names as Falcosidekick makes them" {
	run -0 labels name k8s.ns.name proc.aname[2] 'ka.uri.param[command]' rule
	assert_output "k8s_ns_name
proc_aname2
ka_uri_paramcommand
rule"
}

@test "characters a label name cannot hold become underscores, a leading digit gets one" {
	run -0 labels name 'container.label.app-name' 9lives 'a b'
	assert_output "container_label_app_name
_9lives
a_b"
}

@test "no label name comes of an empty field or the reserved __ prefix" {
	run -0 labels name '' '__name__' '[]'
	assert_output "-
-
-"
}

@test "label values escape backslash, double quote and line feed and nothing else" {
	run -0 labels value 'quote " backslash \ newline
end' "tab	and <&> stay"
	assert_output 'quote \" backslash \\ newline\nend
tab	and <&> stay'
}

@test "label values replace each byte of invalid UTF-8 with U+FFFD and keep valid UTF-8" {
	run -0 labels value $'caf\xc3\xa9 \xff end' $'overlong \xc0\xaf surrogate \xed\xa0\x80' $'cut \xe2\x82'
	assert_output $'caf\xc3\xa9 \xef\xbf\xbd end
overlong \xef\xbf\xbd\xef\xbf\xbd surrogate \xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd
cut \xef\xbf\xbd\xef\xbf\xbd'
}

@test "a label value is cut at a character boundary, never inside one" {
	run -0 labels cut 5 abcdefg $'ab\xc3\xa9\xc3\xa9' $'a\xffb' ''
	assert_output $'abcde\t5
ab\xc3\xa9\t4
a\xef\xbf\xbdb\t5
\t0'
}
