# Waiting for something to happen, with a bound: every suite's tests wait
# on a condition, never on a sleep's length.

# wait_until SECONDS COMMAND...: poll COMMAND every 50 ms until it
# succeeds; fails after SECONDS
wait_until() {
	local tries=$(($1 * 20))
	shift
	until "$@"; do
		[ "$tries" -gt 0 ] || return 1
		tries=$((tries - 1))
		sleep 0.05
	done
}

# lines_in FILE N: FILE exists and holds at least N lines
lines_in() {
	[ -f "$1" ] && [ "$(wc -l <"$1")" -ge "$2" ]
}

# wait_for_lines FILE N [SECONDS]
wait_for_lines() {
	wait_until "${3:-10}" lines_in "$1" "$2"
}

# wait_for_file FILE [SECONDS]: a server writes its port there when ready
wait_for_file() {
	wait_until "${2:-10}" test -s "$1"
}
