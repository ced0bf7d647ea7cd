/*
 * alerts.c: the fixed alerts of fuzz.h, copied from
 * tests/fixtures/cond/alerts.ndjson, tests/fixtures/samples.ndjson
 * (lines 1, 5 and 16) and tests/fixtures/filter/escapes.ndjson.
 */
#include <stddef.h>

#include "fuzz.h"

const char *const fuzz_alerts[] = {
	"{\"rule\":\"time a\",\"priority\":\"Notice\",\"time\":\"2023"
	    "-05-25T13:44:05.478445995Z\",\"output_fields\":{\"evt.time\""
	    ":1685022245478445995,\"proc.name\":\"sh\"}}",
	"{\"rule\":\"time b\",\"priority\":\"Notice\",\"time\":\"2023"
	    "-05-25T13:44:05.478445996Z\",\"output_fields\":{\"evt.time\""
	    ":1685022245478445996,\"proc.name\":\"bash\"}}",
	"{\"rule\":\"paths\",\"priority\":\"Warning\",\"output_fields"
	    "\":{\"fd.name\":\"/tmp/hello/x\",\"proc.exepath\":\"/usr/bin"
	    "/bash\",\"proc.name\":\"runc:[0:PARENT]\"}}",
	"{\"rule\":\"paths too\",\"priority\":\"warning\",\"output_fi"
	    "elds\":{\"fd.name\":\"/tmp/hello_world\",\"proc.exepath\":\""
	    "/bin/sh\",\"proc.name\":\"Bash\"}}",
	"{\"rule\":\"say \\\"hi\\\"\\tnow\",\"priority\":\"Error\",\""
	    "output_fields\":{\"proc.cmdline\":\"echo 'a' \\\\ b\\/c\",\""
	    "k8s.ns.name\":\"Demo\"}}",
	"{\"rule\":\"numbers\",\"priority\":\"Informational\",\"outpu"
	    "t_fields\":{\"ka.response.code\":\"403\",\"proc.tty\":34816,"
	    "\"user.uid\":0,\"scap.n_drops_perc\":0.5,\"fd.num\":\"-2\"}}",
	"{\"rule\":\"nulls\",\"priority\":\"Debug\",\"output_fields\""
	    ":{\"k8s.ns.name\":null,\"proc.name\":\"bash\"}}",
	"{\"rule\":\"tags\",\"priority\":\"Critical\",\"tags\":[\"T10"
	    "59\",\"container\",\"shell\"],\"output_fields\":{}}",
	"{\"rule\":\"no tags\",\"priority\":\"Emergency\",\"tags\":[]"
	    ",\"output_fields\":{\"proc.name\":\"x\"}}",
	"{\"rule\":\"list field\",\"priority\":\"Alert\",\"output_fie"
	    "lds\":{\"fd.ports\":[80,443],\"evt.args\":[\"a b\",null,\"c\""
	    "]}}",
	"{\"hostname\":\"falco-xczjd\",\"output\":\"13:44:05.47844599"
	    "5: Critical A shell was spawned in a container with an attac"
	    "hed terminal (user=root user_loginuid=-1 k8s.ns=default k8s."
	    "pod=kubecon container=ee97d9c4186f shell=sh parent=runc cmdl"
	    "ine=sh -c clear; (bash || ash || sh) terminal=34816 containe"
	    "r_id=ee97d9c4186f image=docker.io/library/alpine)\",\"priori"
	    "ty\":\"Critical\",\"rule\":\"Terminal shell in container\",\""
	    "source\":\"syscall\",\"tags\":[\"container\",\"mitre_executi"
	    "on\",\"shell\"],\"time\":\"2023-05-25T13:44:05.478445995Z\","
	    "\"output_fields\":{\"container.id\":\"ee97d9c4186f\",\"conta"
	    "iner.image.repository\":\"docker.io/library/alpine\",\"evt.t"
	    "ime\":1685022245478445995,\"k8s.ns.name\":\"default\",\"k8s."
	    "pod.name\":\"kubecon\",\"proc.cmdline\":\"sh -c clear; (bash"
	    " || ash || sh)\",\"proc.name\":\"sh\",\"proc.pname\":\"runc\""
	    ",\"proc.tty\":34816,\"user.loginuid\":-1,\"user.name\":\"roo"
	    "t\"}}",
	"{\"hostname\":\"my-pool-1-node-921b61\",\"output\":\"09:15:4"
	    "0.698757000: Warning K8s Operation performed by user not in "
	    "allowed list of users (user=csi-cinder-controller target=csi"
	    "-6afb06dce281b86b7bab718b5d966dc261b2b1554941ae449519a128cb2"
	    "e3fb3/volumeattachments verb=patch uri=/apis/storage.k8s.io/"
	    "v1/volumeattachments/csi-6afb06dce281b86b7bab718b5d966dc261b"
	    "2b1554941ae449519a128cb2e3fb3/status resp=200)\",\"output_fi"
	    "elds\":{\"evt.time\":1739178940698757000,\"ka.response.code\""
	    ":\"200\",\"ka.target.name\":\"csi-6afb06dce281b86b7bab718b5d"
	    "966dc261b2b1554941ae449519a128cb2e3fb3\",\"ka.target.resourc"
	    "e\":\"volumeattachments\",\"ka.uri\":\"/apis/storage.k8s.io/"
	    "v1/volumeattachments/csi-6afb06dce281b86b7bab718b5d966dc261b"
	    "2b1554941ae449519a128cb2e3fb3/status\",\"ka.user.name\":\"cs"
	    "i-cinder-controller\",\"ka.verb\":\"patch\"},\"priority\":\""
	    "Warning\",\"rule\":\"Disallowed K8s User\",\"source\":\"k8s_"
	    "audit\",\"tags\":[\"k8s\"],\"time\":\"2025-02-10T09:15:40.69"
	    "8757000Z\"}",
	"{\"hostname\":\"a2000de987ff\",\"output\":\"2024-05-13T13:23"
	    ":27.021777225+0000: Notice Shell spawned by untrusted binary"
	    " (parent_exe=/tmp/falco-event-generator2286495765/httpd pare"
	    "nt_exepath=/bin/event-generator pcmdline=httpd --loglevel in"
	    "fo run ^helper.RunShell$ gparent=event-generator ggparent=co"
	    "ntainerd-shim aname[4]=runc aname[5]=init aname[6]=init anam"
	    "e[7]=<NA> evt_type=execve user=root user_uid=0 user_loginuid"
	    "=-1 process=bash proc_exepath=/bin/bash parent=httpd command"
	    "=bash -c ls > /dev/null terminal=0 exe_flags=EXE_WRITABLE co"
	    "ntainer_id=84c0b936c919 container_name=elastic-package-servi"
	    "ce-falco-event-generator-1)\",\"priority\":\"Notice\",\"rule"
	    "\":\"Run shell untrusted\",\"source\":\"syscall\",\"tags\":["
	    "\"T1059.004\",\"container\",\"host\",\"maturity_stable\",\"m"
	    "itre_execution\",\"process\",\"shell\"],\"time\":\"2024-05-1"
	    "3T13:23:27.021777225Z\",\"output_fields\":{\"container.id\":"
	    "\"84c0b936c919\",\"container.name\":\"elastic-package-servic"
	    "e-falco-event-generator-1\",\"evt.arg.flags\":\"EXE_WRITABLE"
	    "\",\"evt.time.iso8601\":1715606607021777225,\"evt.type\":\"e"
	    "xecve\",\"proc.aname[2]\":\"event-generator\",\"proc.aname[3"
	    "]\":\"containerd-shim\",\"proc.aname[4]\":\"runc\",\"proc.an"
	    "ame[5]\":\"init\",\"proc.aname[6]\":\"init\",\"proc.aname[7]"
	    "\":null,\"proc.cmdline\":\"bash -c ls > /dev/null\",\"proc.e"
	    "xepath\":\"/bin/bash\",\"proc.name\":\"bash\",\"proc.pcmdlin"
	    "e\":\"httpd --loglevel info run ^helper.RunShell$\",\"proc.p"
	    "exe\":\"/tmp/falco-event-generator2286495765/httpd\",\"proc."
	    "pexepath\":\"/bin/event-generator\",\"proc.pname\":\"httpd\""
	    ",\"proc.tty\":0,\"user.loginuid\":-1,\"user.name\":\"root\","
	    "\"user.uid\":0}}",
	"{\"rule\":\"Terminal\\u0020shell in container\",\"priority\""
	    ":\"Notice\",\"time\":\"2024-01-01T00:00:00.000000000Z\",\"ou"
	    "tput_fields\":{\"proc.cmdline\":\"sh -c \\\"id\\\" \\\\ \\/t"
	    "mp\\/x\",\"k8s.ns.name\":\"d\\u00e9mo\",\"evt.time\":1704067"
	    "200000000001}}",
	"{\"rule\":\"Emoji \\ud83d\\ude00 rule\",\"priority\":\"Warni"
	    "ng\",\"time\":\"2024-01-01T00:00:01.000000000Z\",\"output_fi"
	    "elds\":{\"fd.name\":\"caf\\u00E9 \\u2028 line\",\"evt.time\""
	    ":1704067201000000002,\"user.uid\":-0,\"n\":1.5E+3,\"m\":-2.2"
	    "5e-2,\"big\":123456789012345678901234567890}}",
	NULL
};
