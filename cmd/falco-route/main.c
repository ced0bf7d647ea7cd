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
static int wake_pipe[2] = { -1, -1 };
static int first_only;
static struct sink *default_sink;
static struct alert alert;
static unsigned long sequence;
static int input_fd = -1;
static struct reader *reader;
static struct lists *lists;

static void on_signal(int sig)
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
	if (write(wake_pipe[1], "", 1) < 0)
		errno = saved;
	errno = saved;
}

static void signals_init(void)
{
	static const int handled[] = { SIGCHLD, SIGHUP, SIGTERM, SIGINT, SIGUSR1 };
	struct sigaction sa;

	if (pipe2(wake_pipe, O_CLOEXEC | O_NONBLOCK) < 0)
		err(EXIT_USAGE, "pipe");
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESTART;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof(handled) / sizeof(handled[0]); i++)
		sigaction(handled[i], &sa, NULL);
	/* a sink that went away is that sink's problem, not the router's */
	signal(SIGPIPE, SIG_IGN);
}

static void handle_signals(void)
{
	if (got_chld) {
		got_chld = 0;
		sinks_reap();
	}
	if (got_hup) {
		got_hup = 0;
		sinks_reopen_files();
	}
	if (got_usr1) {
		got_usr1 = 0;
		sinks_summary();
	}
}

/*
 * Sleep until a sink can be written, a signal came, a timer is due, or
 * (input_fd >= 0) input is ready; 1 when input is ready. until: a
 * deadline (monotonic seconds), 0 for none.
 */
static int wait_for_events(int input, double until)
{
	size_t max = sinks_poll_max() + 2;
	struct pollfd *fds = xcalloc(max, sizeof(*fds));
	double timeout = -1;
	int n = 0, ready = 0, ms;
	char drain[64];

	fds[n++] = (struct pollfd){ .fd = wake_pipe[0], .events = POLLIN };
	if (input >= 0)
		fds[n++] = (struct pollfd){ .fd = input, .events = POLLIN };
	n += sinks_poll_fds(fds + n, (int)max - n, &timeout);
	if (until > 0) {
		double left = until - now_seconds();

		if (timeout < 0 || left < timeout)
			timeout = left > 0 ? left : 0;
	}
	ms = timeout < 0 ? -1 : (int)(timeout * 1000) + 1;
	if (poll(fds, (nfds_t)n, ms) > 0) {
		if (fds[0].revents)
			while (read(wake_pipe[0], drain, sizeof(drain)) > 0)
				continue;
		ready = input >= 0 && fds[1].revents != 0;
	}
	free(fds);
	return ready;
}

static int anything_lost(void)
{
	size_t n;
	struct sink **sinks = sinks_all(&n);

	for (size_t i = 0; i < n; i++)
		if (sink_lost(sinks[i]))
			return 1;
	return 0;
}

/*
 * The end of input or a SIGTERM/SIGINT: deliver what is queued, close
 * every sink, wait for the children, all within --drain-timeout; then
 * report and exit.
 */
static void __attribute__((noreturn)) finish(void)
{
	double deadline = now_seconds() + config.drain_timeout;
	int lost;

	config.draining = 1;
	for (;;) {
		handle_signals();
		sinks_service();
		if (sinks_try_finish())
			break;
		if (now_seconds() >= deadline) {
			sinks_abandon();
			break;
		}
		wait_for_events(-1, deadline);
	}
	lost = anything_lost();
	if (lost || config.verbose)
		sinks_summary();
	if (reader && reader_failed_files(reader) > 0)
		lost = 1;
	sinks_report_kept();
	sinks_free();
	routes_free();
	alert_free(&alert);
	lists_free(lists);
	if (reader)
		reader_close(reader);
	exit(lost ? EXIT_FAILED : EXIT_OK);
}

/* the reader is about to wait: service the sinks until input is ready */
static void before_read(void *ctx)
{
	int ready = 0;

	(void)ctx;
	/* signals that came during the wait are handled before the read, so
	 * a line written after a SIGHUP goes to the reopened file */
	for (;;) {
		handle_signals();
		if (got_term)
			finish();
		sinks_service();
		if (ready || input_fd < 0)
			return;
		ready = wait_for_events(input_fd, 0);
	}
}

/* --on-full block: read nothing more while a queue is full */
static void wait_for_room(void)
{
	size_t n;
	struct sink **sinks = sinks_all(&n);

	for (size_t i = 0; i < n && !got_term; i++) {
		while (sink_full(sinks[i]) && !got_term) {
			handle_signals();
			sinks_service();
			if (sink_full(sinks[i]))
				wait_for_events(-1, 0);
		}
	}
}

static void give(struct sink *s, const struct reader_line *line)
{
	if (s->last_seq == sequence)
		return;
	s->last_seq = sequence;
	sink_give(s, line->text, line->raw_len);
}

static void route_line(const struct reader_line *line)
{
	size_t nroutes;
	struct route *routes = routes_all(&nroutes);
	const char *reason;
	int matched = 0;

	sequence++;
	/* a line that is not an alert matches no condition, but is kept */
	if (alert_parse(&alert, line->text, line->len, &reason) < 0) {
		warnx("%s:%lu: %s", line->file, line->lineno, reason);
		give(default_sink, line);
		return;
	}
	for (size_t i = 0; i < nroutes; i++) {
		if (!cond_eval(routes[i].cond, &alert))
			continue;
		matched = 1;
		for (size_t j = 0; j < routes[i].nsinks; j++)
			give(routes[i].sinks[j], line);
		if (first_only)
			break;
	}
	if (!matched)
		give(default_sink, line);
}

static enum on_full parse_on_full(const char *text)
{
	/* in the order of enum on_full */
	static const char *const names[] = { "spool", "block", "drop", NULL };

	return (enum on_full)opts_choice("--on-full", text, names);
}

static void load_lists(const char *path)
{
	if (!lists)
		lists = lists_new();
	lists_load_or_exit(lists, path);
}

static const char *default_spool_dir(void)
{
	const char *dir = getenv("TMPDIR");

	return dir && *dir ? dir : "/tmp";
}

/* every operand is standard input: the one input poll() can watch */
static int input_descriptor(char **files, int nfiles)
{
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") != 0)
			return -1;
	return 0;
}

int main(int argc, char **argv)
{
	struct opt_parser parser;
	const char *default_name = "-";
	int have_route = 0, c;
	size_t max_line = READER_DEFAULT_MAX_LINE;
	struct reader_line line;

	config = (struct config){
		.queue_max = 10000,
		.on_full = ON_FULL_SPOOL,
		.spool_dir = default_spool_dir(),
		.restart_max = 5,
		.max_procs = 4,
		.exec_timeout = 60,
		.drain_timeout = 10,
	};
	opts_build(options, &parser);
	while ((c = getopt_long(argc, argv, parser.shortopts, parser.longopts,
	    NULL)) != -1) {
		switch (c) {
		case 'd':
			default_name = optarg;
			break;
		case 'f':
			routes_read_file(optarg);
			have_route = 0;
			break;
		case 'h':
			opts_help(stdout, synopsis, summary, options);
			exit(fclose(stdout) == 0 ? EXIT_OK : EXIT_USAGE);
		case 'l':
			load_lists(optarg);
			break;
		case 't':
			if (!have_route) {
				warnx("--to '%s' without a --when before it", optarg);
				opts_usage(synopsis);
			}
			route_add_sink(optarg);
			have_route = 2;
			break;
		case 'V':
			printf("falco-route " FALCO_PIPES_VERSION "\n");
			exit(fclose(stdout) == 0 ? EXIT_OK : EXIT_USAGE);
		case 'v':
			config.verbose = 1;
			break;
		case 'w':
			if (have_route == 1) {
				warnx("--when without a --to after it");
				opts_usage(synopsis);
			}
			route_add(optarg, NULL, 0);
			have_route = 1;
			break;
		case OPT_DRAIN_TIMEOUT:
			config.drain_timeout = duration_parse(optarg, 0, 86400,
			    "--drain-timeout");
			break;
		case OPT_EXEC_TIMEOUT:
			config.exec_timeout = duration_parse(optarg, 0, 86400,
			    "--exec-timeout");
			break;
		case OPT_FIRST:
			first_only = 1;
			break;
		case OPT_MAX_LINE_BYTES:
			max_line = size_parse(optarg, 64, (size_t)1 << 30,
			    "--max-line-bytes");
			break;
		case OPT_MAX_PROCS:
			config.max_procs = (int)num_parse(optarg, 1, 4096, "--max-procs");
			break;
		case OPT_ON_FULL:
			config.on_full = parse_on_full(optarg);
			break;
		case OPT_QUEUE:
			config.queue_max = (size_t)num_parse(optarg, 1, 100000000,
			    "--queue");
			break;
		case OPT_RESTART_MAX:
			config.restart_max = (int)num_parse(optarg, 0, 1000,
			    "--restart-max");
			break;
		case OPT_SPOOL_DIR:
			config.spool_dir = optarg;
			break;
		default:
			opts_usage(synopsis);
		}
	}
	opts_free(&parser);
	if (have_route == 1) {
		warnx("--when without a --to after it");
		opts_usage(synopsis);
	}
	argc -= optind;
	argv += optind;

	routes_compile(lists);
	default_sink = sink_named(default_name);
	signals_init();
	{
		size_t n;
		struct sink **sinks = sinks_all(&n);

		for (size_t i = 0; i < n; i++)
			sink_start(sinks[i]);
	}

	alert_init(&alert);
	input_fd = input_descriptor(argv, argc);
	reader = reader_open(argv, argc, max_line);
	reader_on_wait(reader, before_read, NULL);
	for (;;) {
		if (config.on_full == ON_FULL_BLOCK)
			wait_for_room();
		handle_signals();
		if (got_term || !reader_next(reader, &line))
			break;
		route_line(&line);
	}
	finish();
}
