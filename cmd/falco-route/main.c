/*
 * falco-route: send each alert to the files, descriptors and commands
 * whose route conditions it satisfies, byte for byte and in input order
 * per sink, losing nothing: a slow sink queues, then spools, while the
 * others go on.
 *
 * One thread, one poll() loop. Input comes through common/reader.h; its
 * wait hook is where sinks are serviced while no input is ready.
 * Signals are turned into flags and a byte on a self-pipe so poll()
 * wakes up, and handled between alerts.
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
#include "cond.h"
#include "exitcode.h"
#include "lists.h"
#include "num.h"
#include "opts.h"
#include "reader.h"
#include "version.h"
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
	OPT_MAX_LINE_BYTES,
	OPT_MAX_PROCS,
	OPT_ON_FULL,
	OPT_QUEUE,
	OPT_RESTART_MAX,
	OPT_SPOOL_DIR,
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
	    "load the lists of a Falco rules file (repeatable)" },
	{ "queue", OPT_QUEUE, required_argument, "N",
	    "alerts waiting per sink before --on-full applies (default 10000)" },
	{ "on-full", OPT_ON_FULL, required_argument, "MODE",
	    "spool, block or drop when a queue is full (default spool)" },
	{ "spool-dir", OPT_SPOOL_DIR, required_argument, "DIR",
	    "directory for spool files (default $TMPDIR, else /tmp)" },
	{ "restart-max", OPT_RESTART_MAX, required_argument, "N",
	    "restarts of a |CMD that reads nothing before giving up (default 5)" },
	{ "max-procs", OPT_MAX_PROCS, required_argument, "N",
	    "!CMD runs at once (default 4)" },
	{ "exec-timeout", OPT_EXEC_TIMEOUT, required_argument, "SECONDS",
	    "kill a !CMD run after SECONDS, 0 never (default 60)" },
	{ "drain-timeout", OPT_DRAIN_TIMEOUT, required_argument, "SECONDS",
	    "time to deliver what is queued at the end (default 10)" },
	{ "max-line-bytes", OPT_MAX_LINE_BYTES, required_argument, "SIZE",
	    "skip longer input lines, with a warning (default 1M)" },
	{ "verbose", 'v', no_argument, NULL,
	    "print each sink's summary at exit even when nothing was lost" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

static volatile sig_atomic_t got_chld, got_hup, got_term, got_usr1;
/* the write end of the self-pipe: the signal handler has no other way
 * to reach it than a file-scope variable */
static int wake_pipe_in = -1;

static void
on_signal(int sig)
{
	int saved = errno;

	if (sig == SIGCHLD)
		got_chld = 1;
	else if (sig == SIGHUP)
		got_hup = 1;
	else if (sig == SIGUSR1)
		got_usr1 = 1;
	else
		got_term = 1;
	/* the pipe is non-blocking: when it is full, poll wakes anyway */
	if (write(wake_pipe_in, "", 1) < 0)
		errno = saved;
	errno = saved;
}

static void
signals_init(struct router *r)
{
	static const int handled[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct sigaction sa;
	int wake_pipe[2];
	size_t i;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		err(EXIT_USAGE, "pipe");
	r->wake_fd = wake_pipe[0];
	wake_pipe_in = wake_pipe[1];
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaction(handled[i], &sa, NULL);
	/* a sink that went away is that sink's problem, not the router's */
	signal(SIGPIPE, SIG_IGN);
}

static void
handle_signals(struct router *r)
{
	if (got_chld) {
		got_chld = 0;
		sinks_reap(r);
	}
	if (got_hup) {
		got_hup = 0;
		sinks_reopen_files(r);
	}
	if (got_usr1) {
		got_usr1 = 0;
		sinks_summary(r);
	}
}

/*
 * Sleep until a sink can be written, a signal came, a timer is due, or
 * (input >= 0) input is ready; 1 when input is ready. until: a
 * deadline (monotonic seconds), 0 for none.
 */
static int
wait_for_events(struct router *r, int input, double until)
{
	size_t max = sinks_poll_max(r) + 2;
	struct pollfd *fds = xcalloc(max, sizeof(*fds));
	double timeout = -1, left;
	int n = 0, ready = 0, ms;
	char drain[64];

	fds[n++] = (struct pollfd){ .fd = r->wake_fd, .events = POLLIN };
	if (input >= 0)
		fds[n++] = (struct pollfd){ .fd = input, .events = POLLIN };
	n += sinks_poll_fds(r, fds + n, (int)max - n, &timeout);
	if (until > 0) {
		left = until - now_seconds();
		if (timeout < 0 || left < timeout)
			timeout = left > 0 ? left : 0;
	}
	ms = timeout < 0 ? -1 : (int)(timeout * 1000) + 1;
	if (poll(fds, (nfds_t)n, ms) > 0) {
		if (fds[0].revents)
			while (read(r->wake_fd, drain, sizeof(drain)) > 0)
				continue;
		ready = input >= 0 && fds[1].revents != 0;
	}
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
	double deadline = now_seconds() + r->config.drain_timeout;
	int lost;

	r->draining = 1;
	for (;;) {
		handle_signals(r);
		sinks_service(r);
		if (sinks_try_finish(r))
			break;
		if (now_seconds() >= deadline) {
			sinks_abandon(r);
			break;
		}
		wait_for_events(r, -1, deadline);
	}
	lost = anything_lost(r);
	if (lost || r->config.verbose)
		sinks_summary(r);
	/* a line skipped for its length reached none of its sinks */
	if (r->reader != NULL && (reader_failed_files(r->reader) > 0 ||
	    reader_long_lines(r->reader) > 0))
		lost = 1;
	sinks_report_kept(r);
	sinks_free(r);
	routes_free(r);
	alert_free(&r->alert);
	lists_free(r->lists);
	if (r->reader != NULL)
		reader_close(r->reader);
	exit(lost ? EXIT_FAILED : EXIT_OK);
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
		if (got_term)
			finish(r);
		sinks_service(r);
		if (ready || reader_fd(r->reader) < 0)
			return;
		ready = wait_for_events(r, reader_fd(r->reader), 0);
	}
}

/* --on-full block: read nothing more while a queue is full */
static void
wait_for_room(struct router *r)
{
	struct sink *s;
	size_t i;

	for (i = 0; i < r->nsinks && !got_term; i++) {
		s = r->sinks[i];
		while (sink_full(r, s) && !got_term) {
			handle_signals(r);
			sinks_service(r);
			if (sink_full(r, s))
				wait_for_events(r, -1, 0);
		}
	}
}

static void
give(struct router *r, struct sink *s, const struct reader_line *line)
{
	if (s->last_seq == r->sequence)
		return;
	s->last_seq = r->sequence;
	sink_give(r, s, line->text, line->raw_len);
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
		warnx("%s:%lu: %s", line->file, line->lineno, reason);
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

static void
load_lists(struct router *r, const char *path)
{
	if (r->lists == NULL)
		r->lists = lists_new();
	lists_load_or_exit(r->lists, path);
}

static const char *
default_spool_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir != NULL && *dir != '\0' ? dir : "/tmp";
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

/*
 * Routes are made as the options come, since -f, -w and -t add to the
 * same list in the order given; the index of the first operand.
 */
static int
parse_options(int argc, char **argv, struct router *r)
{
	struct config *c = &r->config;
	struct opt_parser parser;
	int have_route = 0, ch;

	opts_build(options, &parser);
	while ((ch = getopt_long(argc, argv, parser.shortopts, parser.longopts,
	    NULL)) != -1) {
		switch (ch) {
		case 'd':
			c->default_name = optarg;
			break;
		case 'f':
			routes_read_file(r, optarg);
			have_route = 0;
			break;
		case 'h':
			opts_help(stdout, synopsis, summary, options);
			exit(fclose(stdout) == 0 ? EXIT_OK : EXIT_USAGE);
		case 'l':
			load_lists(r, optarg);
			break;
		case 't':
			if (!have_route) {
				warnx("--to '%s' without a --when before it", optarg);
				opts_usage(synopsis);
			}
			route_add_sink(r, optarg);
			have_route = 2;
			break;
		case 'V':
			printf("falco-route " FALCO_PIPES_VERSION "\n");
			exit(fclose(stdout) == 0 ? EXIT_OK : EXIT_USAGE);
		case 'v':
			c->verbose = 1;
			break;
		case 'w':
			if (have_route == 1)
				missing_to();
			route_add(r, optarg, NULL, 0);
			have_route = 1;
			break;
		case OPT_DRAIN_TIMEOUT:
			c->drain_timeout = duration_parse(optarg, 0, 86400,
			    "--drain-timeout");
			break;
		case OPT_EXEC_TIMEOUT:
			c->exec_timeout = duration_parse(optarg, 0, 86400,
			    "--exec-timeout");
			break;
		case OPT_FIRST:
			c->first_only = 1;
			break;
		case OPT_MAX_LINE_BYTES:
			c->max_line = reader_max_line_option(optarg);
			break;
		case OPT_MAX_PROCS:
			c->max_procs = (int)num_parse(optarg, 1, 4096,
			    "--max-procs");
			break;
		case OPT_ON_FULL:
			c->on_full = parse_on_full(optarg);
			break;
		case OPT_QUEUE:
			c->queue_max = (size_t)num_parse(optarg, 1, 100000000,
			    "--queue");
			break;
		case OPT_RESTART_MAX:
			c->restart_max = (int)num_parse(optarg, 0, 1000,
			    "--restart-max");
			break;
		case OPT_SPOOL_DIR:
			c->spool_dir = optarg;
			break;
		default:
			opts_usage(synopsis);
		}
	}
	opts_free(&parser);
	if (have_route == 1)
		missing_to();
	return optind;
}

int
main(int argc, char **argv)
{
	struct router r = {
		.config = {
			.default_name = "-",
			.max_line = READER_DEFAULT_MAX_LINE,
			.queue_max = 10000,
			.on_full = ON_FULL_SPOOL,
			.spool_dir = default_spool_dir(),
			.restart_max = 5,
			.max_procs = 4,
			.exec_timeout = 60,
			.drain_timeout = 10,
		},
		.spool_line = BUF_INIT,
		.wake_fd = -1,
	};
	struct reader_line line;
	size_t i;
	int first_file;

	first_file = parse_options(argc, argv, &r);
	argc -= first_file;
	argv += first_file;

	routes_compile(&r);
	check_spool_dir(r.config.spool_dir);
	r.default_sink = sink_named(&r, r.config.default_name);
	signals_init(&r);
	for (i = 0; i < r.nsinks; i++)
		sink_start(r.sinks[i]);

	alert_init(&r.alert);
	r.reader = reader_open(argv, argc, r.config.max_line);
	reader_on_wait(r.reader, before_read, &r);
	for (;;) {
		if (r.config.on_full == ON_FULL_BLOCK)
			wait_for_room(&r);
		handle_signals(&r);
		if (got_term || !reader_next(r.reader, &line))
			break;
		route_line(&r, &line);
	}
	finish(&r);
}
