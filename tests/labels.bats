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
