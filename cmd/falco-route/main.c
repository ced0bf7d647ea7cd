/*
 * falco-route: send each alert to the files, descriptors and commands
 * whose route conditions it satisfies, byte for byte and in input order
 * per sink, losing nothing: a slow sink queues, then spools, while the
 * others go on.
 *
 * One thread, one poll() loop. Input comes through common/reader.h; its
 * wait hook is where sinks are serviced while no input is ready.
 * Signals (common/signals.h) wake poll() and are handled between alerts;
 * SIGTERM and SIGINT end the input as EOF would, after the lines read.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "alert.h"
#include "clock.h"
#include "cond.h"
#include "exitcode.h"
#include "num.h"
#include "opts.h"
#include "proc.h"
#include "reader.h"
#include "sandbox.h"
#include "select.h"
#include "signals.h"
#include "statedir.h"
#include "xalloc.h"

#include "route.h"

static const char synopsis[] =
    "falco-route [OPTIONS] [-w CONDITION -t SINK [-t SINK...]]... [FILE...]\n"
    "falco-route [OPTIONS] -f ROUTES [FILE...]";

static const char summary[] =
    "Send each alert to every sink of every route whose condition holds\n"
    "(with --first, of the first such route only); alerts no route took\n"
    "go to the --default sink. A sink is PATH (appended), - (standard\n"
    "output), &N (an inherited descriptor), |CMD (one long-lived command\n"
    "fed on its standard input) or !CMD (one run per alert, the alert on\n"
    "its standard input and its fields in FALCO_* variables).";

enum {
	OPT_DRAIN_TIMEOUT = 256,
	OPT_EXEC_TIMEOUT,
	OPT_FIRST,
	OPT_MAX_PROCS,
	OPT_NO_SANDBOX,
	OPT_ON_FULL,
	OPT_QUEUE,
	OPT_QUEUE_BYTES,
	OPT_RESTART_MAX,
	OPT_SPOOL_DIR,
	OPT_VERBOSE,
};

static const struct opt_spec options[] = {
	{ "when", 'w', required_argument, "CONDITION",
	    "start a route for the alerts where CONDITION holds" },
	{ "to", 't', required_argument, "SINK",
	    "send the last route's alerts to SINK (repeatable)" },
	{ "first", OPT_FIRST, no_argument, NULL,
	    "send each alert along the first route that matches only" },
	{ "default", 'd', required_argument, "SINK",
	    "where alerts that no route took go (default -)" },
	{ "routes", 'f', required_argument, "FILE",
	    "read routes from FILE, 'CONDITION -> SINK[, SINK...]' a line" },
	{ "lists", 'l', required_argument, "FILE",
	    "load the lists and macros of a Falco rules file (repeatable)" },
	{ "queue", OPT_QUEUE, required_argument, "N",
	    "alerts waiting per sink before --on-full applies (default 10000)" },
	{ "queue-bytes", OPT_QUEUE_BYTES, required_argument, "SIZE",
	    "bytes of alerts waiting per sink before --on-full (default 16M)" },
	{ "on-full", OPT_ON_FULL, required_argument, "MODE",
	    "spool, block or drop when a queue is full (default spool)" },
	{ "spool-dir", OPT_SPOOL_DIR, required_argument, "DIR",
	    "directory for spool and dead-letter files (default: state directory)" },
	{ "restart-max", OPT_RESTART_MAX, required_argument, "N",
	    "restarts of a |CMD that reads nothing before giving up (default 5)" },
	{ "max-procs", OPT_MAX_PROCS, required_argument, "N",
	    "!CMD runs at once (default 4)" },
	{ "exec-timeout", OPT_EXEC_TIMEOUT, required_argument, "DURATION",
	    "kill a !CMD run after DURATION, 0 never (default 60s)" },
	{ "drain-timeout", OPT_DRAIN_TIMEOUT, required_argument, "DURATION",
	    "time to deliver what is queued at the end (default 10s)" },
	{ "max-line-bytes", OPT_MAX_LINE_BYTES, required_argument, "SIZE",
	    "skip longer input lines, with a warning (default 1M)" },
	{ "follow", OPT_FOLLOW, no_argument, NULL,
	    "at the end of a FIFO or file wait for more, as tail -F" },
	{ "verbose", OPT_VERBOSE, no_argument, NULL,
	    "print each sink's summary at exit even when nothing was lost" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL,
	    "do not confine it and its sinks with seccomp (for debugging)" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

static int parse_options(int argc, char **argv, struct router *r);

/* the routes of the command line and its -f files, made and compiled */
static void
make_routes(struct router *r)
{
	select_free(&r->select);
	select_init(&r->select);
	parse_options(r->argc, r->argv, r);
	routes_compile(r);
}

/*
 * SIGHUP: the routes files are read again, but only if they parse: a
 * child tries first, and its error, if any, is what the user sees; the
 * routes in force stay until then. Sinks keep their queues.
 */
static void
reload_routes(struct router *r)
{
	size_t before = r->nsinks, i;
	int status;
	pid_t pid;

	if (r->routes_files == 0)
		return;
	if ((pid = fork()) < 0) {
		warn("routes not read again: fork");
		return;
	}
	if (pid == 0) {
		routes_forget(r);
		make_routes(r);
		_exit(EXIT_OK);
	}
	if (proc_wait(pid, &status) < 0 || !proc_succeeded(status)) {
		warnx("routes not read again: the routes in force stay");
		return;
	}
	routes_forget(r);
	make_routes(r);
	for (i = before; i < r->nsinks; i++)
		sink_start(r, r->sinks[i]);
	warnx("routes read again: %zu %s", r->nroutes,
	    r->nroutes == 1 ? "route" : "routes");
}

static void
handle_signals(struct router *r)
{
	unsigned got = signals_take();

	if (got & SIGNAL_CHLD)
		sinks_reap(r);
	if (got & SIGNAL_HUP) {
		sinks_reopen_files(r);
		reload_routes(r);
	}
	if (got & SIGNAL_USR1)
		sinks_summary(r);
}

/*
 * Sleep until a sink can be written, a signal came, a timer is due, or
 * (input >= 0) input is ready; 1 when input is ready. until: a
 * deadline (monotonic seconds), 0 for none.
 */
static int
wait_for_events(struct router *r, int input, double until)
{
	size_t max = sinks_poll_max(r) + 3;
	struct pollfd *fds = xcalloc(max, sizeof(*fds));
	double timeout = -1, left;
	int n = 0, ready = 0, ms;

	fds[n++] = (struct pollfd){ .fd = signals_wake_fd(), .events = POLLIN };
	/* a stop ends the wait for input, not the drain's waits */
	fds[n++] = (struct pollfd){ .fd = input >= 0 ? stop_fd() : -1,
	    .events = POLLIN };
	if (input >= 0)
		fds[n++] = (struct pollfd){ .fd = input, .events = POLLIN };
	n += sinks_poll_fds(r, fds + n, (int)max - n, &timeout);
	if (until > 0) {
		left = until - clock_now();
		if (timeout < 0 || left < timeout)
			timeout = left > 0 ? left : 0;
	}
	ms = timeout < 0 ? -1 : (int)(timeout * 1000) + 1;
	if (poll(fds, (nfds_t)n, ms) > 0)
		ready = input >= 0 && (fds[2].revents != 0 || fds[1].revents != 0);
	free(fds);
	return ready;
}

static int
anything_lost(const struct router *r)
{
	size_t i;

	for (i = 0; i < r->nsinks; i++)
		if (sink_lost(r->sinks[i]))
			return 1;
	return 0;
}

/*
 * The end of input or a SIGTERM/SIGINT: deliver what is queued, close
 * every sink, wait for the children, all within --drain-timeout; then
 * report and exit.
 */
static void __attribute__((noreturn))
finish(struct router *r)
{
	double deadline = stop_requested() ? stop_deadline() :
	    clock_now() + r->config.drain_timeout;
	int lost, status;

	r->draining = 1;
	for (;;) {
		handle_signals(r);
		sinks_service(r);
		if (sinks_try_finish(r))
			break;
		if (clock_now() >= deadline) {
			sinks_abandon(r);
			break;
		}
		wait_for_events(r, -1, deadline);
	}
	lost = anything_lost(r);
	if (lost || r->config.verbose)
		sinks_summary(r);
	status = lost ? EXIT_FAILED : EXIT_OK;
	/* a file not read, or a line skipped for its length, reached no sink */
	if (r->reader != NULL && (reader_failed_files(r->reader) > 0 ||
	    reader_long_lines(r->reader) > 0))
		status = EXIT_USAGE;
	if (sinks_report_kept(r) != 0 && status == EXIT_OK)
		status = EXIT_FAILED;
	sinks_free(r);
	routes_free(r);
	alert_free(&r->alert);
	select_free(&r->select);
	if (r->reader != NULL)
		reader_close(r->reader);
	exit(status);
}

/* the reader is about to wait: service the sinks until input is ready */
static void
before_read(void *ctx)
{
	struct router *r = ctx;
	int ready = 0;

	/* signals that came during the wait are handled before the read, so
	 * a line written after a SIGHUP goes to the reopened file */
	for (;;) {
		handle_signals(r);
		sinks_service(r);
		/* after a stop the reader only finishes the line under way */
		if (ready || reader_fd(r->reader) < 0 || stop_requested())
			return;
		ready = wait_for_events(r, reader_fd(r->reader), 0);
	}
}

/*
 * Read nothing more while a queue is over its bound (--on-full block, or
 * a spool that could not take more): the lines already read are still
 * routed after a stop, so only new input waits.
 */
static void
wait_for_room(struct router *r)
{
	struct sink *s;
	size_t i;

	for (i = 0; i < r->nsinks && !stop_requested(); i++) {
		s = r->sinks[i];
		while (sink_full(r, s) && !stop_requested()) {
			handle_signals(r);
			sinks_service(r);
			if (sink_full(r, s))
				wait_for_events(r, -1, 0);
		}
	}
}

/* a sink that cannot take the alert yet is serviced until it can */
static void
give(struct router *r, struct sink *s, const struct reader_line *line)
{
	if (s->last_seq == r->sequence)
		return;
	s->last_seq = r->sequence;
	while (sink_give(r, s, line->text, line->raw_len) != 0) {
		handle_signals(r);
		sinks_service(r);
		wait_for_events(r, -1, clock_now() + 0.1);
	}
}

static void
route_line(struct router *r, const struct reader_line *line)
{
	const struct route *route;
	const char *reason;
	int matched = 0;
	size_t i, j;

	r->sequence++;
	/* a line that is not an alert matches no condition, but is kept */
	if (alert_parse(&r->alert, line->text, line->len, &reason) < 0) {
		reader_report_bad(line, reason);
		give(r, r->default_sink, line);
		return;
	}
	for (i = 0; i < r->nroutes; i++) {
		route = &r->routes[i];
		if (!cond_eval(route->cond, &r->alert))
			continue;
		matched = 1;
		for (j = 0; j < route->nsinks; j++)
			give(r, route->sinks[j], line);
		if (r->config.first_only)
			break;
	}
	if (!matched)
		give(r, r->default_sink, line);
}

static enum on_full
parse_on_full(const char *text)
{
	/* in the order of enum on_full */
	static const char *const names[] = { "spool", "block", "drop", NULL };

	return (enum on_full)opts_choice("--on-full", text, names);
}

/*
 * Found out now rather than at the first full queue or failed alert,
 * when the alert that needed the spool could no longer be kept anywhere.
 */
static void
check_spool_dir(const char *dir)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		err(EXIT_USAGE, "spool directory '%s'", dir);
	if (!S_ISDIR(st.st_mode))
		errx(EXIT_USAGE, "spool directory '%s': %s", dir,
		    strerror(ENOTDIR));
	if (access(dir, W_OK | X_OK) < 0)
		err(EXIT_USAGE, "spool directory '%s'", dir);
}

static void
missing_to(void)
{
	warnx("--when without a --to after it");
	opts_usage(synopsis);
}

/* what parse_options keeps between options */
struct parse_state {
	struct router *router;
	int have_route;		/* 0 none, 1 a --when without --to yet, 2 both */
};

static void
parse_option(void *ctx, int key, const char *arg)
{
	struct parse_state *ps = ctx;
	struct router *r = ps->router;
	struct config *c = &r->config;

	/* -w starts a route here; the selection module has -l and the rest */
	if (key != 'w' && select_option(&r->select, key, arg))
		return;
	switch (key) {
	case 'd':
		c->default_name = arg;
		break;
	case 'f':
		routes_read_file(r, arg);
		r->routes_files++;
		ps->have_route = 0;
		break;
	case 't':
		if (!ps->have_route) {
			warnx("--to '%s' without a --when before it", arg);
			opts_usage(synopsis);
		}
		route_add_sink(r, arg);
		ps->have_route = 2;
		break;
	case 'w':
		if (ps->have_route == 1)
			missing_to();
		route_add(r, arg, NULL, 0);
		ps->have_route = 1;
		break;
	case OPT_DRAIN_TIMEOUT:
		c->drain_timeout = duration_parse(arg, 0, 86400,
		    "--drain-timeout");
		break;
	case OPT_EXEC_TIMEOUT:
		c->exec_timeout = duration_parse(arg, 0, 86400,
		    "--exec-timeout");
		break;
	case OPT_FIRST:
		c->first_only = 1;
		break;
	case OPT_MAX_PROCS:
		c->max_procs = (int)num_parse(arg, 1, 4096, "--max-procs");
		break;
	case OPT_NO_SANDBOX:
		c->no_sandbox = 1;
		break;
	case OPT_ON_FULL:
		c->on_full = parse_on_full(arg);
		break;
	case OPT_QUEUE:
		c->queue_max = (size_t)num_parse(arg, 1, 100000000, "--queue");
		break;
	case OPT_QUEUE_BYTES:
		c->queue_bytes = size_parse(arg, 1, (size_t)1 << 40,
		    "--queue-bytes");
		break;
	case OPT_RESTART_MAX:
		c->restart_max = (int)num_parse(arg, 0, 1000, "--restart-max");
		break;
	case OPT_SPOOL_DIR:
		c->spool_dir = arg;
		break;
	case OPT_VERBOSE:
		c->verbose = 1;
		break;
	default:
		opts_usage(synopsis);
	}
}

/*
 * Routes are made as the options come, since -f, -w and -t add to the
 * same list in the order given; the index of the first operand.
 */
static int
parse_options(int argc, char **argv, struct router *r)
{
	struct parse_state ps = { r, 0 };
	int first;

	r->routes_files = 0;
	first = opts_parse(argc, argv, options, synopsis, summary,
	    parse_option, &ps);
	if (ps.have_route == 1)
		missing_to();
	return first;
}

int
main(int argc, char **argv)
{
	struct router r = {
		.config = {
			.default_name = "-",
			.queue_max = 10000,
			.queue_bytes = 16 << 20,
			.on_full = ON_FULL_SPOOL,
			.restart_max = 5,
			.max_procs = 4,
			.exec_timeout = 60,
			.drain_timeout = 10,
		},
	};
	struct reader_line line;
	size_t i;
	int first_file;

	r.argc = argc;
	r.argv = argv;
	select_init(&r.select);
	first_file = parse_options(argc, argv, &r);
	argc -= first_file;
	argv += first_file;

	routes_compile(&r);
	if (r.config.spool_dir == NULL)
		r.config.spool_dir = state_dir();
	check_spool_dir(r.config.spool_dir);
	r.default_sink = sink_named(&r, r.config.default_name);
	signals_init(SIGNAL_CHLD | SIGNAL_HUP | SIGNAL_USR1,
	    r.config.drain_timeout);
	/* a sink that went away is that sink's problem, not the router's */
	signal(SIGPIPE, SIG_IGN);
	/* before the first sink starts, so that every command inherits it */
	if (!r.config.no_sandbox)
		sandbox_enter_or_exit(SANDBOX_SPAWN);
	for (i = 0; i < r.nsinks; i++)
		sink_start(&r, r.sinks[i]);

	alert_init(&r.alert);
	r.reader = select_open_input(&r.select, argv, argc);
	reader_on_wait(r.reader, before_read, &r);
	for (;;) {
		wait_for_room(&r);
		/* per line: only a flag is read unless a signal came */
		if (signals_pending())
			handle_signals(&r);
		if (!reader_next(r.reader, &line))
			break;
		route_line(&r, &line);
	}
	finish(&r);
}
