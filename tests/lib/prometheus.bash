# Real Prometheus and Pushgateway servers for tests, on 127.0.0.1 only:
# a temporary configuration and data directory, a port of the kernel's
# choosing, and nothing else contacted (no remote write, no Alertmanager,
# no scrape target but those the test names). Load with
# "load lib/prometheus".

# listening_port PID: the TCP port the process listens on (127.0.0.1),
# found through its socket inodes in /proc, so port 0 can be used
listening_port() {
	local pid=$1 fd inodes='' link hex
	for fd in /proc/"$pid"/fd/*; do
		link=$(readlink "$fd" 2>/dev/null) || continue
		case $link in socket:\[*\]) inodes+=" ${link//[!0-9]/}" ;; esac
	done
	[ -n "$inodes" ] || return 1
	# local_address is HEX_IP:HEX_PORT, state 0A is LISTEN, field 10 the inode
	hex=$(awk -v inodes="$inodes" '
		BEGIN { n = split(inodes, list, " "); for (i = 1; i <= n; i++) want[list[i]] = 1 }
		$4 == "0A" && ($10 in want) && $2 ~ /^0100007F:/ {
			split($2, a, ":"); print a[2]; exit
		}' /proc/"$pid"/net/tcp)
	[ -n "$hex" ] && echo $((16#$hex))
}

# wait_for_port PID [SECONDS]: sets port once the process listens
wait_for_port() {
	local pid=$1 tries=$(( ${2:-20} * 20 ))
	port=
	while [ "$tries" -gt 0 ]; do
		kill -0 "$pid" 2>/dev/null || return 1
		port=$(listening_port "$pid") && [ -n "$port" ] && return 0
		sleep 0.05
		tries=$((tries - 1))
	done
	return 1
}

# wait_ready URL [SECONDS]: until GET URL answers 200
wait_ready() {
	local tries=$(( ${2:-20} * 10 ))
	while [ "$tries" -gt 0 ]; do
		curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
		sleep 0.1
		tries=$((tries - 1))
	done
	return 1
}

# start_pushgateway DIR: sets PUSHGATEWAY_PID and PUSHGATEWAY_URL
start_pushgateway() {
	local dir=$1
	mkdir -p "$dir"
	prometheus-pushgateway --web.listen-address=127.0.0.1:0 \
		--log.level=warn >"$dir/pushgateway.log" 2>&1 3>&- &
	PUSHGATEWAY_PID=$!
	wait_for_port "$PUSHGATEWAY_PID" ||
		{ cat "$dir/pushgateway.log" >&2; return 1; }
	PUSHGATEWAY_URL=http://127.0.0.1:$port
	wait_ready "$PUSHGATEWAY_URL/-/ready"
}

# start_prometheus DIR JOB=TARGET[,honor_labels]...: a Prometheus that
# scrapes each TARGET (HOST:PORT) every second as job JOB; sets
# PROMETHEUS_PID and PROMETHEUS_URL
start_prometheus() {
	local dir=$1 spec job target honor
	shift
	mkdir -p "$dir/data"
	{
		echo "global:"
		echo "  scrape_interval: 1s"
		echo "  evaluation_interval: 1m"
		echo "scrape_configs:"
		for spec; do
			job=${spec%%=*}
			target=${spec#*=}
			honor=false
			case $target in *,honor_labels) honor=true; target=${target%,*} ;; esac
			echo "  - job_name: '$job'"
			echo "    honor_labels: $honor"
			echo "    static_configs:"
			echo "      - targets: ['$target']"
		done
	} >"$dir/prometheus.yml"
	prometheus --config.file="$dir/prometheus.yml" \
		--storage.tsdb.path="$dir/data" \
		--web.listen-address=127.0.0.1:0 \
		--web.console.templates="$dir" --web.console.libraries="$dir" \
		--log.level=warn >"$dir/prometheus.log" 2>&1 3>&- &
	PROMETHEUS_PID=$!
	wait_for_port "$PROMETHEUS_PID" ||
		{ cat "$dir/prometheus.log" >&2; return 1; }
	PROMETHEUS_URL=http://127.0.0.1:$port
	wait_ready "$PROMETHEUS_URL/-/ready"
}

# stop_server PID: SIGTERM, then wait for it
stop_server() {
	[ -n "${1:-}" ] || return 0
	kill "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}

# prom_query EXPR: the JSON answer of Prometheus' instant query API
prom_query() {
	curl -fsS -G --data-urlencode "query=$1" "$PROMETHEUS_URL/api/v1/query"
}

# prom_wait EXPR [SECONDS]: until EXPR returns at least one sample
prom_wait() {
	local tries=$(( ${2:-30} * 5 ))
	while [ "$tries" -gt 0 ]; do
		[ "$(prom_query "$1" | jq '.data.result | length')" -gt 0 ] 2>/dev/null &&
			return 0
		sleep 0.2
		tries=$((tries - 1))
	done
	echo "prom_wait: no result for $1" >&2
	return 1
}
