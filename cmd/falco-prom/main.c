/*
 * falco-prom: count Falco alerts as Prometheus metrics and pass every
 * alert through to standard output byte for byte.
 *
 * The reading thread counts (metrics.h). The counts leave three ways, in
 * any combination: a scrape of --listen, answered by the HTTP server's
 * threads (httpd.h); a --textfile rewritten and a --push made every
 * --interval by the exporter thread, and once more at the end; with none
 * of them, the exposition is printed on standard error at the end.
 */
#include <err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "clock.h"
#include "exitcode.h"
#include "http.h"
#include "httpd.h"
#include "labels.h"
#include "metrics.h"
#include "num.h"
#include "opts.h"
#include "out.h"
#include "push.h"
#include "reader.h"
#include "sandbox.h"
#include "select.h"
#include "signals.h"
#include "textfile.h"
#include "xalloc.h"

static const char synopsis[] =
    "falco-prom [-qV] [-l FILE] [-p PRIORITY] [-w CONDITION] [OPTIONS]\n"
    "[FILE ...]";
static const char summary[] =
    "Count Falco alerts (JSON, one per line) as Prometheus metrics and pass\n"
    "every line through to standard output byte for byte. The metrics are\n"
    "served by --listen, written to --textfile, pushed by --push, or, with\n"
    "none of those, printed on standard error at the end.";

enum {
	OPT_CACERT = 256,
	OPT_COMPAT,
	OPT_DRAIN_TIMEOUT,
	OPT_GROUPING,
	OPT_INTERVAL,
	OPT_JOB,
	OPT_LABEL,
	OPT_LISTEN,
	OPT_MAX_SERIES,
	OPT_NO_LABEL,
	OPT_NO_SANDBOX,
	OPT_PORT_FILE,
	OPT_PUSH,
	OPT_RETRIES,
	OPT_TEXTFILE,
	OPT_TIMEOUT
};

static const struct opt_spec options[] = {
	SELECT_OPTIONS,
	{ "quiet", 'q', no_argument, NULL,
	  "do not pass alerts through to standard output" },
	{ "label", OPT_LABEL, required_argument, "[NAME=]FIELD",
	  "add a label taken from a string field (repeatable)" },
	{ "no-label", OPT_NO_LABEL, required_argument, "NAME",
	  "drop a label (repeatable)" },
	{ "compat", OPT_COMPAT, required_argument, "falcosidekick",
	  "name and label the counter as Falcosidekick 2.30+ does" },
	{ "max-series", OPT_MAX_SERIES, required_argument, "N",
	  "at most N label sets; alerts past them count as dropped (default 10000)" },
	{ "listen", OPT_LISTEN, required_argument, "ADDR:PORT",
	  "serve GET /metrics there (repeatable; ADDR defaults to 127.0.0.1)" },
	{ "port-file", OPT_PORT_FILE, required_argument, "FILE",
	  "write the ports --listen bound to FILE, one a line" },
	{ "textfile", OPT_TEXTFILE, required_argument, "FILE",
	  "replace FILE with the metrics every --interval and at the end" },
	{ "push", OPT_PUSH, required_argument, "URL",
	  "PUT the metrics to the Pushgateway at URL every --interval and at the end" },
	{ "job", OPT_JOB, required_argument, "NAME",
	  "the Pushgateway job (default falco-prom)" },
	{ "grouping", OPT_GROUPING, required_argument, "NAME=VALUE",
	  "a Pushgateway grouping label (repeatable; default instance=HOST)" },
	{ "interval", OPT_INTERVAL, required_argument, "DURATION",
	  "how often --textfile and --push are renewed (default 15s)" },
	{ "timeout", OPT_TIMEOUT, required_argument, "DURATION",
	  "time allowed for one push (default 10s)" },
	{ "retries", OPT_RETRIES, required_argument, "N",
	  "retries of a failed push (default 3)" },
	{ "cacert", OPT_CACERT, required_argument, "FILE",
	  "trust the CA certificates in FILE (PEM) for --push" },
	{ "drain-timeout", OPT_DRAIN_TIMEOUT, required_argument, "DURATION",
	  "time allowed for the last push at the end (default 30s)" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL,
	  "do not confine the program with seccomp (for debugging)" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

static const char *const compat_names[] = { "falcosidekick", NULL };

/* a --label or --no-label, applied in order once the options are read */
struct label_change {
	char *name;
	char *field;		/* NULL: drop the label */
};

struct config {
	struct selection select;
	int quiet;
	int compat;
	struct label_change *changes;
	size_t nchanges, changes_cap;
	size_t max_series;
	char **listen;		/* "ADDR:PORT", owned */
	size_t nlisten, listen_cap;
	const char *port_file;
	const char *textfile;
	const char *push_url;
	const char *job;
	struct grouping *grouping;
	size_t ngrouping, grouping_cap;
	double interval;
	double timeout;
	int retries;
	const char *cacert;
	double drain_timeout;
	int no_sandbox;
};

/* ---- options ---- */

/* a label name as labels.c makes it of a field, or a usage error */
static char *
label_name_or_exit(const char *option, const char *text, size_t len)
{
	struct buf name = BUF_INIT;

	if (label_name(text, len, &name) < 0)
		errx(EXIT_USAGE, "%s: '%.*s': no label name can be made of it",
		    option, (int)len, text);
	return name.data;
}

static void
add_label_change(struct config *cf, const char *arg, int drop)
{
	const char *eq = strchr(arg, '=');
	struct label_change *c;

	cf->changes = xgrow(cf->changes, &cf->changes_cap, cf->nchanges + 1,
	    sizeof(*cf->changes));
	c = &cf->changes[cf->nchanges++];
	if (drop) {
		c->name = label_name_or_exit("--no-label", arg, strlen(arg));
		c->field = NULL;
		return;
	}
	/* "FIELD" alone names the label after the field */
	if (eq == NULL) {
		c->name = label_name_or_exit("--label", arg, strlen(arg));
		c->field = xstrdup(arg);
		return;
	}
	if (eq[1] == '\0')
		errx(EXIT_USAGE, "--label: '%s': no field after '='", arg);
	c->name = label_name_or_exit("--label", arg, (size_t)(eq - arg));
	c->field = xstrdup(eq + 1);
}

static int
valid_label_name(const char *s)
{
	struct buf name = BUF_INIT;
	int ok = label_name(s, strlen(s), &name) == 0 &&
	    strcmp(name.data, s) == 0;

	buf_free(&name);
	return ok;
}

static void
add_grouping(struct config *cf, const char *arg)
{
	const char *eq = strchr(arg, '=');
	struct grouping *g;
	char *name;
	size_t i;

	if (eq == NULL)
		errx(EXIT_USAGE, "--grouping: '%s': expected NAME=VALUE", arg);
	name = xstrndup(arg, (size_t)(eq - arg));
	if (!valid_label_name(name))
		errx(EXIT_USAGE, "--grouping: '%s': not a label name", name);
	if (strcmp(name, "job") == 0)
		errx(EXIT_USAGE, "--grouping: 'job': use --job");
	for (i = 0; i < cf->ngrouping; i++) {
		if (strcmp(cf->grouping[i].name, name) == 0) {
			free(name);
			free(cf->grouping[i].value);
			cf->grouping[i].value = xstrdup(eq + 1);
			return;
		}
	}
	cf->grouping = xgrow(cf->grouping, &cf->grouping_cap,
	    cf->ngrouping + 1, sizeof(*cf->grouping));
	g = &cf->grouping[cf->ngrouping++];
	g->name = name;
	g->value = xstrdup(eq + 1);
}

static void
parse_option(void *ctx, int key, const char *arg)
{
	struct config *cf = ctx;

	if (select_option(&cf->select, key, arg))
		return;
	switch (key) {
	case 'q':
		cf->quiet = 1;
		break;
	case OPT_CACERT:
		cf->cacert = arg;
		break;
	case OPT_COMPAT:
		opts_choice("--compat", arg, compat_names);
		cf->compat = 1;
		break;
	case OPT_DRAIN_TIMEOUT:
		cf->drain_timeout = duration_parse(arg, 0, 86400,
		    "--drain-timeout");
		break;
	case OPT_GROUPING:
		add_grouping(cf, arg);
		break;
	case OPT_INTERVAL:
		cf->interval = duration_parse(arg, 0.01, 86400, "--interval");
		break;
	case OPT_JOB:
		if (arg[0] == '\0')
			errx(EXIT_USAGE, "--job: the job name cannot be empty");
		cf->job = arg;
		break;
	case OPT_LABEL:
		add_label_change(cf, arg, 0);
		break;
	case OPT_LISTEN: {
		struct buf addr = BUF_INIT;

		/* ":PORT" is loopback: nothing is exposed unless named */
		if (arg[0] == ':')
			buf_adds(&addr, "127.0.0.1");
		buf_adds(&addr, arg);
		cf->listen = xgrow(cf->listen, &cf->listen_cap, cf->nlisten + 1,
		    sizeof(*cf->listen));
		cf->listen[cf->nlisten++] = addr.data;
		break;
	}
	case OPT_MAX_SERIES:
		cf->max_series = (size_t)num_parse(arg, 1, 100000000,
		    "--max-series");
		break;
	case OPT_NO_LABEL:
		add_label_change(cf, arg, 1);
		break;
	case OPT_NO_SANDBOX:
		cf->no_sandbox = 1;
		break;
	case OPT_PORT_FILE:
		cf->port_file = arg;
		break;
	case OPT_PUSH:
		cf->push_url = arg;
		break;
	case OPT_RETRIES:
		cf->retries = (int)num_parse(arg, 0, 1000, "--retries");
		break;
	case OPT_TEXTFILE:
		cf->textfile = arg;
		break;
	case OPT_TIMEOUT:
		cf->timeout = duration_parse(arg, 0.001, 3600, "--timeout");
		break;
	default:
		opts_usage(synopsis);
	}
}

static void
check_options(struct config *cf)
{
	char why[256];
	char host[256];

	if (cf->port_file != NULL && cf->nlisten == 0)
		errx(EXIT_USAGE, "--port-file: only with --listen");
	if (cf->push_url == NULL) {
		if (cf->ngrouping > 0 || cf->job != NULL || cf->cacert != NULL)
			errx(EXIT_USAGE, "--job, --grouping and --cacert: only "
			    "with --push");
		return;
	}
	if (http_check_url(cf->push_url, why, sizeof(why)) != 0)
		errx(EXIT_USAGE, "--push: the URL %s", why);
	if (cf->job == NULL)
		cf->job = "falco-prom";
	/*
	 * PUT replaces the whole group: without an instance of their own,
	 * falco-prom on two hosts would wipe each other's metrics.
	 */
	if (gethostname(host, sizeof(host)) == 0) {
		struct buf arg = BUF_INIT;
		size_t i;

		host[sizeof(host) - 1] = '\0';
		for (i = 0; i < cf->ngrouping; i++)
			if (strcmp(cf->grouping[i].name, "instance") == 0)
				return;
		buf_printf(&arg, "instance=%s", host);
		add_grouping(cf, arg.data);
		buf_free(&arg);
	}
}

static int
parse_options(struct config *cf, int argc, char **argv)
{
	int first;

	memset(cf, 0, sizeof(*cf));
	select_init(&cf->select);
	cf->max_series = 10000;
	cf->interval = 15;
	cf->timeout = 10;
	cf->retries = 3;
	cf->drain_timeout = 30;
	first = opts_parse(argc, argv, options, synopsis, summary,
	    parse_option, cf);
	select_compile(&cf->select);
	check_options(cf);
	return first;
}

/* ---- the labels ---- */

struct labels {
	struct label_spec *items;
	size_t count, cap;
};

static void
labels_add(struct labels *l, const char *name, const char *field,
    enum label_kind kind, const char *if_empty)
{
	struct label_spec *s;

	l->items = xgrow(l->items, &l->cap, l->count + 1, sizeof(*l->items));
	s = &l->items[l->count++];
	s->name = xstrdup(name);
	s->field = field == NULL ? NULL : xstrdup(field);
	s->kind = kind;
	s->if_empty = if_empty;
}

static struct label_spec *
labels_find(struct labels *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		if (strcmp(l->items[i].name, name) == 0)
			return &l->items[i];
	return NULL;
}

static void
labels_apply(struct labels *l, const struct label_change *c)
{
	struct label_spec *s = labels_find(l, c->name);

	if (c->field == NULL) {
		if (s == NULL)
			errx(EXIT_USAGE, "--no-label: '%s': no such label",
			    c->name);
		free(s->name);
		free(s->field);
		memmove(s, s + 1, (size_t)(l->items + l->count - s - 1) *
		    sizeof(*s));
		l->count--;
		return;
	}
	/* an existing label takes its value from the new field */
	if (s != NULL) {
		free(s->field);
		s->field = xstrdup(c->field);
		s->kind = LABEL_FIELD;
		s->if_empty = NULL;
		return;
	}
	labels_add(l, c->name, c->field, LABEL_FIELD, NULL);
}

static int
compare_label_names(const void *a, const void *b)
{
	return strcmp(((const struct label_spec *)a)->name,
	    ((const struct label_spec *)b)->name);
}

/*
 * The counter's labels. Falcosidekick (stats_prometheus.go, handlers.go)
 * gives hostname "unknown" and source "syscalls" when the alert has none,
 * and the priority as a number with its name beside it; its client
 * library prints labels sorted by name, and so does --compat.
 */
static void
make_labels(const struct config *cf, struct labels *l)
{
	size_t i;

	if (cf->compat) {
		labels_add(l, "hostname", "hostname", LABEL_FIELD, "unknown");
		labels_add(l, "rule", "rule", LABEL_FIELD, NULL);
		labels_add(l, "priority", NULL, LABEL_SEVERITY_NUMBER, NULL);
		labels_add(l, "priority_raw", NULL, LABEL_SEVERITY_NAME, NULL);
		labels_add(l, "source", "source", LABEL_FIELD, "syscalls");
	} else {
		labels_add(l, "rule", "rule", LABEL_FIELD, NULL);
		labels_add(l, "priority", "priority", LABEL_PRIORITY, NULL);
		labels_add(l, "source", "source", LABEL_FIELD, NULL);
		labels_add(l, "hostname", "hostname", LABEL_FIELD, NULL);
	}
	labels_add(l, "k8s_ns_name", "k8s.ns.name", LABEL_FIELD, NULL);
	labels_add(l, "k8s_pod_name", "k8s.pod.name", LABEL_FIELD, NULL);
	for (i = 0; i < cf->nchanges; i++)
		labels_apply(l, &cf->changes[i]);
	if (cf->compat)
		qsort(l->items, l->count, sizeof(*l->items),
		    compare_label_names);
}

static void
labels_free(struct labels *l)
{
	size_t i;

	for (i = 0; i < l->count; i++) {
		free(l->items[i].name);
		free(l->items[i].field);
	}
	free(l->items);
}

static struct metrics *
make_metrics(const struct config *cf)
{
	struct labels l = { 0 };
	struct metrics_options o = { 0 };
	struct metrics *m;

	make_labels(cf, &l);
	if (cf->compat) {
		o.metric = "falcosecurity_falcosidekick_falco_events_total";
		o.help = "Falco alerts counted by falco-prom, labelled as "
		    "Falcosidekick does.";
	} else {
		o.metric = "falco_events_total";
		o.help = "Falco alerts counted by falco-prom.";
	}
	o.labels = l.items;
	o.nlabels = l.count;
	o.max_series = cf->max_series;
	m = metrics_new(&o);
	labels_free(&l);
	return m;
}

/* ---- /metrics ---- */

static void
serve(void *ctx, const struct httpd_request *req, struct httpd_response *resp)
{
	struct metrics *m = ctx;

	if (strcmp(req->path, "/metrics") != 0) {
		resp->status = 404;
		buf_adds(&resp->body, "not found: the metrics are at /metrics\n");
		return;
	}
	if (strcmp(req->method, "GET") != 0 &&
	    strcmp(req->method, "HEAD") != 0) {
		resp->status = 405;
		resp->allow = "GET, HEAD";
		buf_adds(&resp->body, "method not allowed\n");
		return;
	}
	resp->content_type = "text/plain; version=0.0.4; charset=utf-8";
	metrics_render(m, &resp->body);
}

/* bound, not yet serving (httpd_serve): NULL without --listen */
static struct httpd *
open_server(const struct config *cf, struct metrics *m)
{
	struct httpd_options o = { 0 };

	if (cf->nlisten == 0)
		return NULL;
	o.listen = (const char *const *)cf->listen;
	o.nlisten = cf->nlisten;
	o.max_body = 4096;	/* a scrape has no body */
	o.max_connections = 64;
	o.timeout = 30;
	o.port_file = cf->port_file;
	return httpd_open(&o, serve, m);
}

/* ---- --textfile and --push ---- */

struct exporter {
	struct metrics *metrics;
	struct textfile *textfile;
	struct pusher *pusher;
	double interval;
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t wake;
	/* input is over: do the last round (set under lock, so a wait sees it) */
	atomic_int ending;
	atomic_int last_round;
	_Atomic double deadline;	/* the last round's end, clock_now() */
	int failed;		/* the last round failed */
};

/* http_options.cancelled: a round cut short by the end, or by its deadline */
static int
export_cancelled(void *ctx)
{
	struct exporter *e = ctx;

	if (!atomic_load(&e->last_round))
		return atomic_load(&e->ending);
	return clock_now() >= atomic_load(&e->deadline);
}

/* one rendering, to every output: 0, or -1 when one failed */
static int
export_round(struct exporter *e, int last)
{
	struct buf text = BUF_INIT;
	int failed = 0;

	metrics_render(e->metrics, &text);
	if (e->textfile != NULL &&
	    textfile_write(e->textfile, text.data, text.len) < 0)
		failed = -1;
	if (e->pusher != NULL &&
	    pusher_send(e->pusher, text.data, text.len, last) < 0)
		failed = -1;
	buf_free(&text);
	return failed;
}

static struct timespec
monotonic_timespec(double t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)t;
	ts.tv_nsec = (long)((t - (double)ts.tv_sec) * 1e9);
	return ts;
}

static void *
exporter_main(void *ctx)
{
	struct exporter *e = ctx;
	/* the textfile was just written; a push is due at once */
	double next = clock_now() + (e->pusher != NULL ? 0 : e->interval);

	pthread_mutex_lock(&e->lock);
	for (;;) {
		struct timespec until = monotonic_timespec(next);

		while (!atomic_load(&e->ending) && clock_now() < next)
			pthread_cond_timedwait(&e->wake, &e->lock, &until);
		if (atomic_load(&e->ending))
			break;
		pthread_mutex_unlock(&e->lock);
		export_round(e, 0);
		pthread_mutex_lock(&e->lock);
		next += e->interval;
		if (next < clock_now())
			next = clock_now() + e->interval;
	}
	pthread_mutex_unlock(&e->lock);
	atomic_store(&e->last_round, 1);
	e->failed = export_round(e, 1) < 0;
	return NULL;
}

/* the textfile written once, the pusher made; exporter_run starts the rounds */
static struct exporter *
exporter_new(const struct config *cf, struct metrics *m)
{
	struct exporter *e;

	if (cf->textfile == NULL && cf->push_url == NULL)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->metrics = m;
	e->interval = cf->interval;
	if (cf->textfile != NULL) {
		struct buf text = BUF_INIT;

		e->textfile = textfile_new(cf->textfile);
		/* a file that cannot be written is a mistake to hear of now */
		metrics_render(m, &text);
		if (textfile_write(e->textfile, text.data, text.len) < 0)
			exit(EXIT_USAGE);
		buf_free(&text);
	}
	if (cf->push_url != NULL) {
		struct http_options http = { 0 };
		struct buf url = BUF_INIT;

		http.timeout = cf->timeout;
		http.retries = cf->retries;
		http.cacert = cf->cacert;
		http.cancelled = export_cancelled;
		http.cancelled_ctx = e;
		push_url(cf->push_url, cf->job, cf->grouping, cf->ngrouping,
		    &url);
		e->pusher = pusher_new(url.data, &http);
		buf_free(&url);
	}
	return e;
}

static void
exporter_run(struct exporter *e)
{
	pthread_condattr_t attr;

	if (e == NULL)
		return;
	pthread_mutex_init(&e->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&e->wake, &attr);
	pthread_condattr_destroy(&attr);
	if (pthread_create(&e->thread, NULL, exporter_main, e) != 0)
		errx(EXIT_USAGE, "cannot start a thread");
}

/* the last round, by deadline; EXIT_FAILED when it failed */
static int
exporter_finish(struct exporter *e, double deadline)
{
	int status;

	if (e == NULL)
		return EXIT_OK;
	atomic_store(&e->deadline, deadline);
	pthread_mutex_lock(&e->lock);
	atomic_store(&e->ending, 1);
	pthread_cond_signal(&e->wake);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->thread, NULL);
	status = e->failed ? EXIT_FAILED : EXIT_OK;
	textfile_free(e->textfile);
	pusher_free(e->pusher);
	pthread_mutex_destroy(&e->lock);
	pthread_cond_destroy(&e->wake);
	free(e);
	return status;
}

/* ---- counting ---- */

static void
output_gone(void *ctx)
{
	(void)ctx;
	/* what was read is still counted, and the metrics still leave */
	stop_request();
}

static void
count_long_lines(struct reader *in, struct metrics *m, unsigned long *seen)
{
	for (; *seen < reader_long_lines(in); (*seen)++)
		metrics_bad_line(m);
}

static void
count(const struct config *cf, struct reader *in, struct metrics *m)
{
	struct reader_line line;
	struct alert a;
	unsigned long long_lines = 0;
	const char *reason;
	int all = select_all(&cf->select);

	alert_init(&a);
	while (reader_next(in, &line)) {
		count_long_lines(in, m, &long_lines);
		if (!cf->quiet)
			out_line(line.text, line.raw_len);
		if (alert_parse(&a, line.text, line.len, &reason) < 0) {
			reader_report_bad(&line, reason);
			metrics_bad_line(m);
		} else if (all || select_wants(&cf->select, &a)) {
			metrics_alert(m, &a);
		} else {
			metrics_other_line(m);
		}
	}
	count_long_lines(in, m, &long_lines);
	alert_free(&a);
}

static void
config_free(struct config *cf)
{
	size_t i;

	for (i = 0; i < cf->nchanges; i++) {
		free(cf->changes[i].name);
		free(cf->changes[i].field);
	}
	free(cf->changes);
	for (i = 0; i < cf->ngrouping; i++) {
		free(cf->grouping[i].name);
		free(cf->grouping[i].value);
	}
	free(cf->grouping);
	for (i = 0; i < cf->nlisten; i++)
		free(cf->listen[i]);
	free(cf->listen);
	select_free(&cf->select);
}

int
main(int argc, char **argv)
{
	struct config cf;
	struct metrics *m;
	struct httpd *server;
	struct exporter *exporter;
	struct reader *in;
	double deadline;
	int first, status = EXIT_OK;

	out_init();
	first = parse_options(&cf, argc, argv);
	if (cf.push_url != NULL)
		http_global_init();
	signals_init(0, cf.drain_timeout);
	m = make_metrics(&cf);
	server = open_server(&cf, m);
	exporter = exporter_new(&cf, m);
	/* before MHD's and the exporter's threads, which the filter must bind too */
	if (!cf.no_sandbox)
		sandbox_enter_or_exit(SANDBOX_NETWORK);
	if (server != NULL)
		httpd_serve(server);
	exporter_run(exporter);

	in = select_open_input(&cf.select, argv + first, argc - first);
	reader_on_wait(in, reader_flush_output, in);
	out_on_broken_pipe(output_gone, NULL);
	count(&cf, in, m);
	/* the next program need not wait for our last push to see the end */
	out_finish();

	deadline = stop_requested() ? stop_deadline() :
	    clock_now() + cf.drain_timeout;
	status = exporter_finish(exporter, deadline);
	if (server == NULL && exporter == NULL) {
		struct buf text = BUF_INIT;

		metrics_render(m, &text);
		fwrite(text.data, 1, text.len, stderr);
		buf_free(&text);
	}
	if (server != NULL)
		httpd_stop(server);
	if (reader_failed_files(in) > 0 || reader_long_lines(in) > 0)
		status = EXIT_USAGE;
	if (status == EXIT_OK && out_is_broken())
		status = EXIT_PIPE;
	reader_close(in);
	metrics_free(m);
	config_free(&cf);
	return status;
}
