# Shared set-up for every .bats file: load it with "load test_helper".
bats_require_minimum_version 1.5.0
bats_load_library bats-support
bats_load_library bats-assert

BUILD=${FALCO_PIPES_BUILD:-$BATS_TEST_DIRNAME/../build}
PATH="$BUILD:$BUILD/tests:$BATS_TEST_DIRNAME/lib:$PATH"
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

# what every suite shares: bounded waits, a program on a FIFO, the
# recording HTTP receiver, a test CA
load "$BATS_TEST_DIRNAME/lib/wait.bash"
load "$BATS_TEST_DIRNAME/lib/fifo.bash"
load "$BATS_TEST_DIRNAME/lib/receiver.bash"
load "$BATS_TEST_DIRNAME/lib/test-ca.bash"

# Undelivered alerts go to the state directory unless told otherwise: a
# test's own, never /var/spool or the user's home.
export STATE_DIRECTORY=${BATS_TEST_TMPDIR:-$BATS_RUN_TMPDIR}/state
