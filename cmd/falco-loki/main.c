/*
 * falco-loki: push Falco alerts to Grafana Loki and pass every alert
 * through to standard output byte for byte.
 *
 * The relay (relay.h) reads, passes through, queues and keeps what
 * failed; this file holds what is Loki's own: which labels a stream
 * has, what a line is, when an alert happened, and which answers mean
 * the push was stored. The body itself is built in push.c.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "alert.h"
#include "batch.h"
#include "exitcode.h"
#include "http.h"
#include "labels.h"
#include "opts.h"
#include "out.h"
#include "push.h"
#include "reader.h"
#include "relay.h"
#include "sandbox.h"
#include "select.h"
#include "signals.h"
#include "target.h"
#include "xalloc.h"

#define PUSH_PATH "/loki/api/v1/push"
/* Loki's limit on a tenant ID (reference.md §5.1) */
#define TENANT_MAX 150

static const char synopsis[] =
    "falco-loki [-nqV] [-l FILE] [-p PRIORITY] [-u URL] [-w CONDITION]\n"
    "[OPTIONS] [FILE ...]";
static const char summary[] =
    "Push Falco alerts to Grafana Loki, batched, and pass every alert\n"
    "through to standard output. The Loki base URL is read from -u,\n"
    "--url-file or $LOKI_URL; pushes go to its /loki/api/v1/push.";

enum {
	OPT_EXTRA_LABEL = 256,
	OPT_LABEL,
	OPT_LINE,
	OPT_METADATA,
	OPT_NO_LABEL,
	OPT_NO_SANDBOX,
	OPT_TENANT
};

static const struct opt_spec options[] = {
	TARGET_OPTIONS("9"),
	TARGET_BATCH_OPTIONS("1M", "1s"),
	{ "tenant", OPT_TENANT, required_argument, "ID",
	  "push as tenant ID (X-Scope-OrgID)" },
	{ "label", OPT_LABEL, required_argument, "[NAME=]FIELD",
	  "add a label from an alert field (repeatable)" },
	{ "no-label", OPT_NO_LABEL, required_argument, "NAME",
	  "drop a label (repeatable)" },
	{ "extra-label", OPT_EXTRA_LABEL, required_argument, "NAME=VALUE",
	  "add a label with a constant value (repeatable)" },
	{ "metadata", OPT_METADATA, required_argument, "[NAME=]FIELD",
	  "send a field as structured metadata (repeatable)" },
	{ "line", OPT_LINE, required_argument, "WHAT",
	  "the log line: alert (as read, the default) or output" },
	SELECT_OPTIONS,
	{ "dry-run", 'n', no_argument, NULL,
	  "print the push bodies instead of the alerts; send nothing" },
	{ "quiet", 'q', no_argument, NULL,
	  "do not pass alerts through to standard output" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL,
	  "do not confine the program with seccomp (for debugging)" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

/* low cardinality only: no pod names or container ids unless asked */
static const char *const default_labels[][2] = {
	{ "rule", "rule" },
	{ "priority", "priority" },
	{ "source", "source" },
	{ "hostname", "hostname" },
	{ "k8s_ns_name", "k8s.ns.name" },
};

/* in the order of --line's choices */
static const char *const line_names[] = { "alert", "output", NULL };

struct loki {
	struct target target;
	struct selection select;
	struct loki_label *labels;
	size_t nlabels, labels_cap;
	struct loki_metadata *metadata;
	size_t nmetadata, metadata_cap;
	struct loki_style style;
	const char *tenant;
	int dry_run;
	int quiet;
	int no_sandbox;
	struct push *push;
	struct batch batch;
	struct buf body;
	unsigned long untimed;	/* alerts stamped with the time they were read */
};

/* ---- options ---- */

/*
 * A label or metadata name, made as common/labels.c makes one of a
 * field name, so "k8s.pod.name" may be given as it is.
 */
static char *
make_name(const char *text, size_t len, const char *option)
{
	struct buf name = BUF_INIT;

	if (label_name(text, len, &name) != 0)
		errx(EXIT_USAGE, "%s: '%.*s': no label name can be made of it",
		    option, (int)len, text);
	if (name.len > LOKI_LABEL_NAME_MAX)
		errx(EXIT_USAGE, "%s: '%.*s': longer than Loki's %d bytes",
		    option, (int)len, text, LOKI_LABEL_NAME_MAX);
	return name.data;
}

/*
 * "NAME=FIELD" or "FIELD". A field may hold '=' inside brackets
 * (json.value[/a=b]), so the text before '=' is a name only when it
 * could be one.
 */
static const char *
split_name(const char *text, size_t *name_len)
{
	const char *eq = strchr(text, '=');
	size_t n;

	if (eq == NULL)
		return NULL;
	n = (size_t)(eq - text);
	if (n == 0 || strspn(text, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") != n)
		return NULL;
	*name_len = n;
	return eq + 1;
}

static struct loki_label *
find_label(struct loki *l, const char *name)
{
	size_t i;

	for (i = 0; i < l->nlabels; i++)
		if (strcmp(l->labels[i].name, name) == 0)
			return &l->labels[i];
	return NULL;
}

/* a name given again replaces the label in its place */
static void
set_label(struct loki *l, char *name, const char *field, const char *value)
{
	struct loki_label *lb = find_label(l, name);

	if (lb == NULL) {
		l->labels = xgrow(l->labels, &l->labels_cap, l->nlabels + 1,
		    sizeof(*l->labels));
		lb = &l->labels[l->nlabels++];
	} else {
		free(lb->name);
		free(lb->field);
		free(lb->value);
	}
	lb->name = name;
	lb->field = field != NULL ? xstrdup(field) : NULL;
	lb->value = value != NULL ? xstrdup(value) : NULL;
}

static void
label_option(struct loki *l, const char *arg)
{
	size_t n;
	const char *field = split_name(arg, &n);

	if (field == NULL) {
		field = arg;
		n = strlen(arg);
	}
	if (*field == '\0')
		errx(EXIT_USAGE, "--label: '%s': no field", arg);
	set_label(l, make_name(arg, n, "--label"), field, NULL);
}

static void
extra_label_option(struct loki *l, const char *arg)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || eq == arg)
		errx(EXIT_USAGE, "--extra-label: '%s': expected NAME=VALUE", arg);
	if (eq[1] == '\0')
		errx(EXIT_USAGE, "--extra-label: '%s': empty value", arg);
	if (strlen(eq + 1) > LOKI_LABEL_VALUE_MAX)
		errx(EXIT_USAGE, "--extra-label: value longer than Loki's %d "
		    "bytes", LOKI_LABEL_VALUE_MAX);
	set_label(l, make_name(arg, (size_t)(eq - arg), "--extra-label"),
	    NULL, eq + 1);
}

static void
no_label_option(struct loki *l, const char *arg)
{
	char *name = make_name(arg, strlen(arg), "--no-label");
	struct loki_label *lb = find_label(l, name);

	if (lb == NULL)
		errx(EXIT_USAGE, "--no-label: '%s': no such label", name);
	free(lb->name);
	free(lb->field);
	free(lb->value);
	memmove(lb, lb + 1, (size_t)(l->labels + l->nlabels - (lb + 1)) *
	    sizeof(*lb));
	l->nlabels--;
	free(name);
}

static void
metadata_option(struct loki *l, const char *arg)
{
	size_t n, i;
	const char *field = split_name(arg, &n);
	char *name;

	if (field == NULL) {
		field = arg;
		n = strlen(arg);
	}
	if (*field == '\0')
		errx(EXIT_USAGE, "--metadata: '%s': no field", arg);
	name = make_name(arg, n, "--metadata");
	for (i = 0; i < l->nmetadata; i++)
		if (strcmp(l->metadata[i].name, name) == 0)
			break;
	if (i == l->nmetadata) {
		l->metadata = xgrow(l->metadata, &l->metadata_cap,
		    l->nmetadata + 1, sizeof(*l->metadata));
		l->nmetadata++;
	} else {
		free(l->metadata[i].name);
		free(l->metadata[i].field);
	}
	l->metadata[i].name = name;
	l->metadata[i].field = xstrdup(field);
}

/* Loki's tenant IDs: a restricted set of characters, no "|" (several tenants) */
static void
check_tenant(const char *id)
{
	size_t n = strlen(id);

	if (n == 0 || n > TENANT_MAX)
		errx(EXIT_USAGE, "--tenant: '%s': 1 to %d characters", id,
		    TENANT_MAX);
	if (strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "0123456789!-_.*'()") != n || strcmp(id, ".") == 0 ||
	    strcmp(id, "..") == 0)
		errx(EXIT_USAGE, "--tenant: '%s': letters, digits and "
		    "!-_.*'() only", id);
}

static void
parse_option(void *ctx, int key, const char *arg)
{
	struct loki *l = ctx;

	if (select_option(&l->select, key, arg) ||
	    target_option(&l->target, key, arg))
		return;
	switch (key) {
	case 'n':
		l->dry_run = 1;
		break;
	case 'q':
		l->quiet = 1;
		break;
	case OPT_EXTRA_LABEL:
		extra_label_option(l, arg);
		break;
	case OPT_LABEL:
		label_option(l, arg);
		break;
	case OPT_LINE:
		l->style.line_output = opts_choice("--line", arg, line_names);
		break;
	case OPT_METADATA:
		metadata_option(l, arg);
		break;
	case OPT_NO_LABEL:
		no_label_option(l, arg);
		break;
	case OPT_NO_SANDBOX:
		l->no_sandbox = 1;
		break;
	case OPT_TENANT:
		check_tenant(arg);
		l->tenant = arg;
		break;
	default:
		opts_usage(synopsis);
	}
}

/*
 * The base URL, as Grafana and Promtail's docs give it, gets the push
 * path (before any query); a URL whose path already ends with it is
 * taken as it is.
 */
static void
push_url(struct target *t)
{
	size_t path_end = strcspn(t->url, "?#"), n = path_end;
	size_t push = strlen(PUSH_PATH);
	struct buf url = BUF_INIT;

	if (n >= push && strncmp(t->url + n - push, PUSH_PATH, push) == 0)
		return;
	while (n > 0 && t->url[n - 1] == '/')
		n--;
	buf_add(&url, t->url, n);
	buf_adds(&url, PUSH_PATH);
	buf_adds(&url, t->url + path_end);
	free(t->url);
	t->url = url.data;
}

static int
parse_options(struct loki *l, int argc, char **argv)
{
	static const struct target_defaults defaults = {
		/* Promtail's: ten tries, 0.5 s doubling to 5 min (reference.md §5.4) */
		"LOKI_URL", 9, 300, 1024 * 1024, 1
	};
	size_t i;
	int first;

	memset(l, 0, sizeof(*l));
	target_init(&l->target, &defaults);
	select_init(&l->select);
	for (i = 0; i < sizeof(default_labels) / sizeof(default_labels[0]); i++)
		set_label(l, xstrdup(default_labels[i][0]),
		    default_labels[i][1], NULL);
	first = opts_parse(argc, argv, options, synopsis, summary,
	    parse_option, l);
	select_compile(&l->select);
	if (l->nlabels == 0)
		errx(EXIT_USAGE, "--no-label: no label left: Loki needs one");
	if (l->nlabels > LOKI_LABELS_MAX)
		errx(EXIT_USAGE, "%zu labels: Loki takes at most %d a stream",
		    l->nlabels, LOKI_LABELS_MAX);
	if (l->tenant != NULL)
		target_add_header(&l->target, "X-Scope-OrgID", l->tenant, 0,
		    "--tenant");
	target_default_header(&l->target, "Content-Type", "application/json");
	target_finish(&l->target, l->dry_run);
	if (l->target.url != NULL)
		push_url(&l->target);
	l->style.labels = l->labels;
	l->style.nlabels = l->nlabels;
	l->style.metadata = l->metadata;
	l->style.nmetadata = l->nmetadata;
	return first;
}

/* ---- the relay's operations ---- */

/* the time an alert was read, for one without a usable "time" */
static long long
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static long long
alert_ns(struct loki *l, struct alert *a)
{
	long long ns;

	if (alert_time_ns(a, &ns) == 0)
		return ns;
	/* said once; the end says how many */
	if (l->untimed++ == 0)
		warnx("an alert without a valid \"time\": stamped with the "
		    "time it was read");
	return now_ns();
}

static int
loki_add(void *ctx, struct alert *a, const char *line, size_t len)
{
	struct loki *l = ctx;
	const char *why;
	size_t size;
	int fits;

	if (push_prepare(l->push, a, line, len, alert_ns(l, a), &why) != 0) {
		warnx("an alert Loki cannot take: %s", why);
		return -1;
	}
	size = push_size_with(l->push);
	fits = batch_fits(&l->batch, size);
	if (fits < 0)
		warnx("an alert Loki cannot take: a push of %zu bytes, more "
		    "than --batch-bytes", size);
	if (fits != 0)
		return fits;
	push_take(l->push);
	batch_added(&l->batch, size);
	return 0;
}

static double
loki_due(void *ctx, int ending)
{
	struct loki *l = ctx;

	return batch_due(&l->batch, ending);
}

/*
 * Only 204 (or 200) means stored. Loki answers a tenant whose ingestion
 * is blocked with another 2xx (260 by default) and drops the push
 * (reference.md §5.2), so any other 2xx is a failure, not retried.
 */
static enum relay_outcome
judge(struct loki *l, struct relay *r, struct http_response *resp, int rc,
    size_t alerts)
{
	char text[200], reason[300];

	if (rc == 0 && (resp->status == 204 || resp->status == 200))
		return RELAY_SENT;
	/* no answer because the drain time was over: counted in one line */
	if (resp->status == 0 && relay_cancelled(r))
		return RELAY_CANCELLED;
	if (resp->status >= 200 && resp->status <= 299) {
		target_answer_text(resp, text, sizeof(text));
		snprintf(reason, sizeof(reason), "%s%snot 204: Loki stored "
		    "nothing", text, text[0] != '\0' ? ": " : "");
		target_report(&l->target, resp, reason, alerts);
	} else {
		target_report(&l->target, resp, NULL, alerts);
	}
	return RELAY_FAILED;
}

static enum relay_outcome
loki_send(void *ctx, struct relay *r)
{
	struct loki *l = ctx;
	struct http_response resp;
	enum relay_outcome outcome;
	size_t alerts = push_entries(l->push);
	int rc;

	buf_reset(&l->body);
	push_body(l->push, &l->body);
	push_reset(l->push);
	batch_sent(&l->batch);
	if (l->dry_run) {
		relay_print(r, l->body.data, l->body.len);
		return RELAY_SENT;
	}
	rc = target_send(&l->target, l->body.data, l->body.len, &resp);
	outcome = judge(l, r, &resp, rc, alerts);
	http_response_free(&resp);
	return outcome;
}

static const struct relay_ops loki_ops = { loki_add, loki_due, loki_send };

int
main(int argc, char **argv)
{
	struct loki l;
	struct relay *relay;
	struct reader *in;
	size_t i;
	int first, status;

	out_init();
	first = parse_options(&l, argc, argv);
	signals_init(0, l.target.relay.drain_timeout);
	http_global_init();
	l.push = push_new(&l.style);
	batch_init(&l.batch, l.target.batch_bytes, 0, l.target.batch_wait,
	    NULL);
	l.target.relay.select = &l.select;
	l.target.relay.quiet = l.quiet;
	l.target.relay.dry_run = l.dry_run;
	in = reader_open(argv + first, argc - first,
	    l.select.max_line_bytes);
	relay = relay_new(&l.target.relay, &loki_ops, &l);
	if (!l.dry_run)
		target_connect(&l.target, relay);
	/* before relay_run starts the sender thread, which the filter must bind too */
	if (!l.no_sandbox)
		sandbox_enter_or_exit(SANDBOX_NETWORK);

	status = relay_run(relay, in);

	if (l.untimed > 1)
		warnx("%lu alerts without a valid \"time\" were stamped with "
		    "the time they were read", l.untimed);
	relay_free(relay);
	reader_close(in);
	push_free(l.push);
	buf_free(&l.body);
	for (i = 0; i < l.nlabels; i++) {
		free(l.labels[i].name);
		free(l.labels[i].field);
		free(l.labels[i].value);
	}
	free(l.labels);
	for (i = 0; i < l.nmetadata; i++) {
		free(l.metadata[i].name);
		free(l.metadata[i].field);
	}
	free(l.metadata);
	select_free(&l.select);
	target_free(&l.target);
	out_finish();
	return status;
}
