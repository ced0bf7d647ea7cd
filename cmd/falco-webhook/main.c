/*
 * falco-webhook: post Falco alerts to any HTTP endpoint (Teams, Discord,
 * Google Chat, PagerDuty, Opsgenie, Elasticsearch, Splunk, your own)
 * and pass every alert through to standard output byte for byte.
 *
 * The relay (relay.h) reads, passes through, queues and keeps what
 * failed; target.c owns the endpoint's options; this file holds what is
 * the webhook's own: the body of each alert (as read, or shaped by
 * --json in shape.c), how several are framed in one request, and which
 * answers mean delivered.
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "batch.h"
#include "chat.h"
#include "exitcode.h"
#include "http.h"
#include "num.h"
#include "opts.h"
#include "out.h"
#include "reader.h"
#include "regex.h"
#include "relay.h"
#include "sandbox.h"
#include "select.h"
#include "shape.h"
#include "signals.h"
#include "target.h"
#include "xalloc.h"

static const char synopsis[] =
    "falco-webhook [-nqV] [-l FILE] [-p PRIORITY] [-u URL] [-w CONDITION]\n"
    "[OPTIONS] [FILE ...]";
static const char summary[] =
    "Post Falco alerts to an HTTP endpoint, as read or shaped by --json,\n"
    "one a request or batched, and pass every alert through to standard\n"
    "output. The URL is read from -u, --url-file or $FALCO_WEBHOOK_URL.";

enum {
	OPT_BEFORE = 256,
	OPT_DEFUSE,
	OPT_FAIL_BODY,
	OPT_FRAME,
	OPT_JSON,
	OPT_MAX_CHARS,
	OPT_METHOD,
	OPT_NO_SANDBOX
};

static const struct opt_spec options[] = {
	TARGET_OPTIONS("5"),
	{ "method", OPT_METHOD, required_argument, "METHOD",
	  "POST (the default) or PUT" },
	{ "json", OPT_JSON, required_argument, "KEY=FORMAT",
	  "build a JSON object: KEY=FORMAT, KEY:=FIELD, KEY:=. (repeatable)" },
	{ "defuse", OPT_DEFUSE, required_argument, "CHAT",
	  "defuse the markup of discord, google-chat or teams in --json text" },
	{ "max-chars", OPT_MAX_CHARS, required_argument, "N",
	  "cut each text of --json to N characters" },
	TARGET_BATCH_OPTIONS("1M", "1s"),
	{ "frame", OPT_FRAME, required_argument, "FRAME",
	  "several alerts a body: ndjson (the default) or array" },
	{ "before", OPT_BEFORE, required_argument, "LINE",
	  "write LINE before each alert of an ndjson body" },
	TARGET_RATE_OPTION,
	{ "fail-body", OPT_FAIL_BODY, required_argument, "REGEX",
	  "a 2xx answer whose body matches REGEX is a failure" },
	SELECT_OPTIONS,
	{ "dry-run", 'n', no_argument, NULL,
	  "print the requests instead of the alerts; send nothing" },
	{ "quiet", 'q', no_argument, NULL,
	  "do not pass alerts through to standard output" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL,
	  "do not confine the program with seccomp (for debugging)" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

enum frame {
	FRAME_NONE,		/* one alert a request, the body that alert */
	FRAME_NDJSON,
	FRAME_ARRAY
};

/* in the order of enum frame, from its second */
static const char *const frame_names[] = { "ndjson", "array", NULL };
/* in the order of enum shape_defuse, from its second */
static const char *const defuse_names[] = {
	"discord", "google-chat", "teams", NULL
};
static const char *const method_names[] = { "POST", "PUT", NULL };

struct webhook {
	struct target target;
	struct selection select;
	struct shape *shape;
	enum frame frame;
	int frame_given;
	const char *before;
	const char *fail_body_text;
	struct regex *fail_body;
	int dry_run;
	int quiet;
	int no_sandbox;
	struct batch batch;
	struct buf body;	/* the batch's body as it grows */
	struct buf record;	/* one alert's part of it */
	struct buf request;	/* a dry run's printed request */
	size_t alerts;
};

/* ---- options ---- */

static void
compile_fail_body(struct webhook *w, const char *text)
{
	char problem[300];

	w->fail_body = regex_compile_search(text, strlen(text), problem,
	    sizeof(problem));
	if (w->fail_body == NULL)
		errx(EXIT_USAGE, "--fail-body: '%s': %s", text, problem);
	w->fail_body_text = text;
}

static void
parse_option(void *ctx, int key, const char *arg)
{
	struct webhook *w = ctx;

	if (select_option(&w->select, key, arg) ||
	    target_option(&w->target, key, arg))
		return;
	switch (key) {
	case 'n':
		w->dry_run = 1;
		break;
	case 'q':
		w->quiet = 1;
		break;
	case OPT_BEFORE:
		if (strpbrk(arg, "\r\n") != NULL)
			errx(EXIT_USAGE, "--before: one line, without a line end");
		w->before = arg;
		break;
	case OPT_DEFUSE:
		shape_defuse(w->shape, (enum shape_defuse)(1 +
		    opts_choice("--defuse", arg, defuse_names)));
		break;
	case OPT_FAIL_BODY:
		compile_fail_body(w, arg);
		break;
	case OPT_FRAME:
		w->frame = (enum frame)(1 + opts_choice("--frame", arg,
		    frame_names));
		w->frame_given = 1;
		break;
	case OPT_JSON:
		shape_add(w->shape, arg);
		break;
	case OPT_MAX_CHARS:
		shape_cut(w->shape, (size_t)num_parse(arg,
		    CHAT_CUT_MARKER_CHARS + 1, 10000000, "--max-chars"));
		break;
	case OPT_METHOD:
		w->target.method = method_names[opts_choice("--method", arg,
		    method_names)];
		break;
	case OPT_NO_SANDBOX:
		w->no_sandbox = 1;
		break;
	default:
		opts_usage(synopsis);
	}
}

/*
 * Without --batch-bytes or --batch-wait a request carries one alert, and
 * its body is that alert (or its --json object) alone, unless --frame or
 * --before asks for a frame around it.
 */
static void
choose_frame(struct webhook *w)
{
	if (w->before != NULL && w->frame == FRAME_ARRAY)
		errx(EXIT_USAGE, "--before: only with --frame ndjson");
	if (w->frame == FRAME_NONE && (w->target.batch_given ||
	    w->before != NULL))
		w->frame = FRAME_NDJSON;
}

static int
parse_options(struct webhook *w, int argc, char **argv)
{
	static const struct target_defaults defaults = {
		"FALCO_WEBHOOK_URL", 5, 0, 1024 * 1024, 1
	};
	int first;

	memset(w, 0, sizeof(*w));
	target_init(&w->target, &defaults);
	select_init(&w->select);
	w->shape = shape_new();
	first = opts_parse(argc, argv, options, synopsis, summary,
	    parse_option, w);
	select_compile(&w->select);
	choose_frame(w);
	/* Elasticsearch's _bulk asks for NDJSON by name */
	target_default_header(&w->target, "Content-Type",
	    w->frame == FRAME_NDJSON ? "application/x-ndjson" :
	    "application/json");
	target_finish(&w->target, w->dry_run);
	return first;
}

/* ---- the relay's operations ---- */

/* the body's size once the record is added */
static size_t
size_with(const struct webhook *w)
{
	size_t n = w->record.len;

	switch (w->frame) {
	case FRAME_NONE:
		return n;
	case FRAME_NDJSON:
		return w->body.len + (w->before != NULL ?
		    strlen(w->before) + 1 : 0) + n + 1;
	case FRAME_ARRAY:
		return w->body.len == 0 ? n + 2 : w->body.len + 1 + n;
	}
	return n;
}

static void
append_record(struct webhook *w)
{
	switch (w->frame) {
	case FRAME_NONE:
		buf_add(&w->body, w->record.data, w->record.len);
		break;
	case FRAME_NDJSON:
		if (w->before != NULL) {
			buf_adds(&w->body, w->before);
			buf_addc(&w->body, '\n');
		}
		buf_add(&w->body, w->record.data, w->record.len);
		buf_addc(&w->body, '\n');
		break;
	case FRAME_ARRAY:
		if (w->body.len == 0)
			buf_addc(&w->body, '[');
		else
			w->body.len--;	/* the closing bracket moves on */
		if (w->body.len > 1)
			buf_addc(&w->body, ',');
		buf_add(&w->body, w->record.data, w->record.len);
		buf_addc(&w->body, ']');
		break;
	}
}

static int
webhook_add(void *ctx, struct alert *a, const char *line, size_t len)
{
	struct webhook *w = ctx;
	size_t size;
	int fits;

	buf_reset(&w->record);
	if (shape_given(w->shape))
		/* a dry run prints its body: no secret in it */
		shape_render(w->shape, a, line, len, w->dry_run, &w->record);
	else
		buf_add(&w->record, line, len);
	size = size_with(w);
	fits = batch_fits(&w->batch, size);
	if (fits < 0)
		warnx("an alert too large to send: a body of %zu bytes, more "
		    "than --batch-bytes", size);
	if (fits != 0)
		return fits;
	append_record(w);
	batch_added(&w->batch, w->body.len);
	w->alerts++;
	return 0;
}

static double
webhook_due(void *ctx, int ending)
{
	struct webhook *w = ctx;

	return batch_due(&w->batch, ending);
}

static int
fail_body_matches(struct webhook *w, const struct http_response *resp)
{
	if (w->fail_body == NULL || resp->body == NULL)
		return 0;
	/* a body too costly to search is taken at its word: no failure */
	return regex_match(w->fail_body, resp->body, resp->body_len);
}

/*
 * 2xx is delivered, unless --fail-body finds the answer says otherwise
 * (Elasticsearch's _bulk answers 200 with "errors":true): final, since
 * resending gets the same answer.
 */
static enum relay_outcome
judge(struct webhook *w, struct relay *r, struct http_response *resp, int rc,
    size_t alerts)
{
	char text[200], reason[300];

	if (rc == 0 && !fail_body_matches(w, resp))
		return RELAY_SENT;
	/* no answer because the drain time was over: counted in one line */
	if (resp->status == 0 && relay_cancelled(r))
		return RELAY_CANCELLED;
	if (rc == 0) {
		target_answer_text(resp, text, sizeof(text));
		snprintf(reason, sizeof(reason), "matches --fail-body: %s",
		    text);
		target_report(&w->target, resp, reason, alerts);
	} else {
		target_report(&w->target, resp, NULL, alerts);
	}
	return RELAY_FAILED;
}

static enum relay_outcome
webhook_send(void *ctx, struct relay *r)
{
	struct webhook *w = ctx;
	struct http_response resp;
	enum relay_outcome outcome = RELAY_SENT;
	size_t alerts = w->alerts;
	int rc;

	if (w->dry_run) {
		buf_reset(&w->request);
		target_print_request(&w->target, w->body.data, w->body.len,
		    &w->request);
		relay_print(r, w->request.data, w->request.len);
	} else {
		rc = target_send(&w->target, w->body.data, w->body.len, &resp);
		outcome = judge(w, r, &resp, rc, alerts);
		http_response_free(&resp);
	}
	buf_reset(&w->body);
	w->alerts = 0;
	batch_sent(&w->batch);
	return outcome;
}

static const struct relay_ops webhook_ops = {
	webhook_add, webhook_due, webhook_send
};

int
main(int argc, char **argv)
{
	struct webhook w;
	struct relay *relay;
	struct reader *in;
	int first, status;

	out_init();
	first = parse_options(&w, argc, argv);
	signals_init(0, w.target.relay.drain_timeout);
	http_global_init();
	/* a batch also waits for a slot of --rate, gathering meanwhile */
	if (w.target.batch_given)
		batch_init(&w.batch, w.target.batch_bytes, 0,
		    w.target.batch_wait, target_rate(&w.target));
	else
		batch_init(&w.batch, 0, 1, 0, target_rate(&w.target));
	w.target.relay.select = &w.select;
	w.target.relay.quiet = w.quiet;
	w.target.relay.dry_run = w.dry_run;
	in = reader_open(argv + first, argc - first,
	    w.select.max_line_bytes);
	relay = relay_new(&w.target.relay, &webhook_ops, &w);
	if (!w.dry_run)
		target_connect(&w.target, relay);
	/* before relay_run starts the sender thread, which the filter must bind too */
	if (!w.no_sandbox)
		sandbox_enter_or_exit(SANDBOX_NETWORK);

	status = relay_run(relay, in);

	relay_free(relay);
	reader_close(in);
	shape_free(w.shape);
	buf_free(&w.body);
	buf_free(&w.record);
	buf_free(&w.request);
	regex_free(w.fail_body);
	select_free(&w.select);
	target_free(&w.target);
	out_finish();
	return status;
}
