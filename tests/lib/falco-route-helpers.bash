# Helpers for tests/falco-route.bats: numbered alerts for sequence
# oracles, bounded waits on files, and a router run in the background
# with its input on a FIFO the test holds open.

# numbered N: N alerts whose "n" counts from 1, with an evt.time beyond 2^53
numbered() {
	local i
	for ((i = 1; i <= $1; i++)); do
		printf '{"rule":"Seq","priority":"Notice","n":%d,"output_fields":{"evt.time":%d}}\n' \
		    "$i" "$((1685022245478445995 + i))"
	done
}

# has_spool DIR: a spool file was made in DIR
has_spool() {
	compgen -G "$1/falco-route.spool.*" >/dev/null
}

# route_in_background ARGS...: falco-route reading the FIFO "in", which
# the test holds open on descriptor 7 (write to it with >&7, end the
# input with "exec 7>&-"); stdout to "out.stdout", stderr to "out.stderr".
# Descriptor 3 is bats' own and must not reach a background process.
route_in_background() {
	FIFO_OUT=out.stdout FIFO_ERR=out.stderr on_fifo 7 falco-route "$@"
	ROUTE_PID=$FIFO_PID
}

# route_wait: the background router's exit status, in $status
route_wait() {
	status=0
	wait "$ROUTE_PID" || status=$?
	ROUTE_PID= FIFO_PID=
}

route_teardown() {
	exec 7>&- 2>/dev/null || true
	if [ -n "${ROUTE_PID:-}" ]; then
		kill -KILL "$ROUTE_PID" 2>/dev/null || true
		wait "$ROUTE_PID" 2>/dev/null || true
	fi
	if [ -n "${READER_PID:-}" ]; then
		kill "$READER_PID" 2>/dev/null || true
		wait "$READER_PID" 2>/dev/null || true
	fi
}

# procs_probe N: a script for a !CMD run that marks itself running in
# "running/", waits (5 s at most) until N runs are under way or another
# run saw them, and notes in "counts" how many it sees. With a limit of N
# the most noted is N, whatever the timing; with a lower one, less.
procs_probe() {
	cat <<EOF
mkdir -p running
touch running/\$\$
i=0
while [ "\$(ls running | wc -l)" -lt $1 ] && [ ! -e released ] && [ \$i -lt 100 ]; do
	sleep 0.05
	i=\$((i + 1))
done
ls running | wc -l >>counts
touch released
rm running/\$\$
EOF
}

# most_running: the most !CMD runs a procs_probe saw at once
most_running() {
	sort -n counts | tail -n 1
}

# stderr_line INDEX TEXT: line INDEX of the last run's standard error
# (run --separate-stderr) is TEXT
stderr_line() {
	assert_equal "${stderr_lines[$1]-}" "$2"
}
