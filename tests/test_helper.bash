# Shared set-up for every .bats file: load it with "load test_helper".
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

BUILD=${FALCO_PIPES_BUILD:-$BATS_TEST_DIRNAME/../build}
PATH="$BUILD:$BUILD/tests:$PATH"
# make check VALGRIND=1: wrappers that run each program under valgrind
[ -z "${FALCO_PIPES_WRAPPERS:-}" ] || PATH="$FALCO_PIPES_WRAPPERS:$PATH"
FIXTURES=$BATS_TEST_DIRNAME/fixtures
# The 16 real Falco alerts (provenance: fixtures/samples.SOURCES.txt).
SAMPLES=$FIXTURES/samples.ndjson
EXAMPLES=$BATS_TEST_DIRNAME/../examples

# sample N: line N of the real alerts
sample() {
	sed -n "${1}p" "$SAMPLES"
}

# wait_for_file FILE [SECONDS]: a server writes its port there when ready
wait_for_file() {
	local file=$1 tries=$(( ${2:-10} * 20 ))
	while [ ! -s "$file" ] && [ "$tries" -gt 0 ]; do
		sleep 0.05
		tries=$((tries - 1))
	done
	[ -s "$file" ]
}
