#!/bin/sh
# wrap.sh BUILD DIR: for "make check VALGRIND=1", a wrapper in DIR for
# every program in BUILD and every test tool in BUILD/tests; each runs
# its program under valgrind memcheck. test_helper.bash puts DIR first
# in PATH (FALCO_PIPES_WRAPPERS), so the tests, which call programs by
# name, run them all under valgrind without a change.
#
# valgrind is given the program's name and finds it in PATH, first in a
# directory that holds that one program (a link to the real one): the
# program's argv[0], which getopt puts in its messages, is then its name
# as in a run without valgrind, and the commands the program itself runs
# are looked up in PATH as the test set it (a test's own stand-in for
# falco-slack is found before the wrapper).
#
# valgrind keeps files of its own in $TMPDIR and gives up when it cannot:
# a run whose TMPDIR is not a writable directory (a test of that very
# error) runs the program without valgrind.
#
# --vgdb=no: no gdb server, whose pipes and polling a program in its
# sandbox (common/sandbox.h) may not touch.
#
# A memory error or a definite leak makes the program exit with status
# 99 (no program of the toolkit uses it) and leaves a report in
# DIR/log/PID.log; report.sh prints those after the suite and fails.
set -eu
build=$1 dir=$2
here=$(cd "$(dirname "$0")" && pwd)

rm -rf "$dir"
mkdir -p "$dir/log"
for real in "$build"/falco-* "$build"/tests/*; do
	[ -f "$real" ] && [ -x "$real" ] || continue
	name=$(basename "$real")
	mkdir -p "$dir/real/$name"
	ln -s "$real" "$dir/real/$name/$name"
	cat >"$dir/$name" <<-WRAPPER
	#!/bin/sh
	# made by tests/valgrind/wrap.sh: $name under valgrind memcheck
	[ -d "\${TMPDIR:-/tmp}" ] && [ -w "\${TMPDIR:-/tmp}" ] ||
		exec "$real" "\$@"
	PATH="$dir/real/$name:\$PATH" exec valgrind --quiet \\
		--tool=memcheck --error-exitcode=99 \\
		--leak-check=full --show-leak-kinds=definite \\
		--errors-for-leak-kinds=definite --num-callers=40 \\
		--child-silent-after-fork=yes --vgdb=no \\
		--suppressions="$here/falco-pipes.supp" \\
		--log-file="$dir/log/$name.%p.log" "$name" "\$@"
	WRAPPER
	chmod +x "$dir/$name"
done
