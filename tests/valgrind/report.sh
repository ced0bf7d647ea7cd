#!/bin/sh
# report.sh DIR: after "make check VALGRIND=1", print every non-empty
# valgrind log in DIR/log (memcheck runs with --quiet, so a log says
# something only when it found an error or a definite leak) and fail
# when there is one.
set -u
dir=$1
found=0
for log in "$dir"/log/*.log; do
	[ -s "$log" ] || continue
	found=$((found + 1))
	echo "valgrind: $log:"
	cat "$log"
done
if [ "$found" -gt 0 ]; then
	echo "valgrind: $found program runs with errors or definite leaks" >&2
	exit 1
fi
echo "valgrind: no errors, no definite leaks" \
	"($(ls "$dir"/log | wc -l) program runs)"
