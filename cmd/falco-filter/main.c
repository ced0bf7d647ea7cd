/*
 * falco-filter: select Falco alerts with Falco's own condition language,
 * the way grep selects lines.
 */
#include <err.h>
#include <fnmatch.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "cond.h"
#include "exitcode.h"
#include "format.h"
#include "num.h"
#include "opts.h"
#include "out.h"
#include "reader.h"
#include "sandbox.h"
#include "select.h"
#include "signals.h"
#include "throttle.h"
#include "xalloc.h"

enum {
	OPT_JSON_FIELDS = 256,
	OPT_TAG,
	OPT_THROTTLE,
	OPT_THROTTLE_KEYS,
	OPT_STRICT,
	OPT_CHECK,
	OPT_NO_SANDBOX
};

static const char synopsis[] =
    "falco-filter [OPTIONS] [CONDITION] [FILE...]\n"
    "falco-filter [OPTIONS] -e CONDITION [-e CONDITION...] [FILE...]";

static const char summary[] =
    "Print the Falco alerts (JSON, one per line) that satisfy a condition in\n"
    "Falco's syntax, byte for byte. The first operand is the condition\n"
    "unless -e or -w gives it; -p, -r and --tag narrow it further. No\n"
    "operand at all: every alert of standard input. No FILE, or '-':\n"
    "standard input. Exit 0 if an alert was selected, 1 if none was, 2 on\n"
    "error.";

static const struct opt_spec options[] = {
	{ "count", 'c', no_argument, NULL,
	    "print only the number of selected alerts" },
	{ "expr", 'e', required_argument, "CONDITION",
	    "a condition that must hold (repeatable: all must hold)" },
	{ "help", 'h', no_argument, NULL, "show this help and exit" },
	{ "max-count", 'm', required_argument, "N",
	    "stop after N selected alerts" },
	{ "output", 'o', required_argument, "FORMAT",
	    "print a line per alert: %field, %% for %, <NA> if missing" },
	{ "quiet", 'q', no_argument, NULL,
	    "print nothing; exit 0 at the first selected alert" },
	{ "rule", 'r', required_argument, "GLOB",
	    "only alerts whose rule matches GLOB (repeatable: any)" },
	{ "no-messages", 's', no_argument, NULL,
	    "no warnings about bad lines" },
	{ "tag", OPT_TAG, required_argument, "TAG",
	    "only alerts carrying TAG (repeatable: all)" },
	{ "invert", 'v', no_argument, NULL,
	    "select the alerts that do not match" },
	{ "version", 'V', no_argument, NULL, "show the version and exit" },
	SELECT_OPTIONS,
	{ "check", OPT_CHECK, no_argument, NULL,
	    "check the condition and exit 0 or 2; read no input" },
	{ "json-fields", OPT_JSON_FIELDS, required_argument, "LIST",
	    "print a JSON object of those comma-separated fields" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL,
	    "do not confine the loop with seccomp (for debugging)" },
	{ "strict", OPT_STRICT, no_argument, NULL,
	    "a bad line is fatal (exit 2)" },
	{ "throttle", OPT_THROTTLE, required_argument, "FIELDS:DURATION",
	    "one alert per value of FIELDS per window of the alerts' time" },
	{ "throttle-keys", OPT_THROTTLE_KEYS, required_argument, "N",
	    "remember at most N throttle keys (default 100000)" },
	{ NULL, 0, 0, NULL, NULL }
};

/* A list of strings given by repeated options, or split from one. */
struct strings {
	char **items;
	size_t count, cap;
};

struct config {
	struct selection select;	/* -e, -w, -p, -l, --max-line-bytes */
	int have_condition;		/* -e or -w: operands are files */
	struct strings rules, tags, json_fields;
	struct strings throttle_fields;
	const char *output;
	int invert, count, quiet, no_messages, strict, check, no_sandbox;
	unsigned long long max_count;	/* 0: no limit */
	double throttle_seconds;
	size_t throttle_keys;
};

/* What the options compile into, and the counts of the run. */
struct filter {
	const struct config *config;
	struct format *format;
	struct throttle *throttle;
	struct alert alert;
	struct buf line;
	unsigned long long selected;
	unsigned long bad_lines;
};

static void
strings_add(struct strings *s, char *item)
{
	s->items = xgrow(s->items, &s->cap, s->count + 1, sizeof(*s->items));
	s->items[s->count++] = item;
}

/* split "a,b,c" into s; empty names are a usage error */
static void
strings_split(struct strings *s, const char *text, const char *what)
{
	const char *p = text;

	for (;;) {
		size_t n = strcspn(p, ",");

		if (n == 0)
			errx(EXIT_USAGE, "%s: '%s': empty field name", what,
			    text);
		strings_add(s, xstrndup(p, n));
		if (p[n] == '\0')
			return;
		p += n + 1;
	}
}

static void
parse_throttle(struct config *c, const char *text)
{
	const char *colon = strrchr(text, ':');
	char *fields;

	if (colon == NULL || colon == text)
		errx(EXIT_USAGE, "--throttle: '%s': expected FIELDS:DURATION",
		    text);
	c->throttle_seconds = duration_parse(colon + 1, 0.000000001, 1e9,
	    "--throttle");
	fields = xstrndup(text, (size_t)(colon - text));
	strings_split(&c->throttle_fields, fields, "--throttle");
	free(fields);
}

static void
parse_option(void *ctx, int key, const char *arg)
{
	struct config *c = ctx;

	if (select_option(&c->select, key, arg)) {
		c->have_condition |= key == 'w';
		return;
	}
	switch (key) {
	case 'c':
		c->count = 1;
		break;
	case 'e':
		select_add_condition(&c->select, arg);
		c->have_condition = 1;
		break;
	case 'm':
		c->max_count = (unsigned long long)num_parse(arg, 1, LLONG_MAX,
		    "--max-count");
		break;
	case 'o':
		c->output = arg;
		break;
	case 'q':
		c->quiet = 1;
		break;
	case 'r':
		strings_add(&c->rules, xstrdup(arg));
		break;
	case 's':
		c->no_messages = 1;
		break;
	case 'v':
		c->invert = 1;
		break;
	case OPT_CHECK:
		c->check = 1;
		break;
	case OPT_JSON_FIELDS:
		strings_split(&c->json_fields, arg, "--json-fields");
		break;
	case OPT_NO_SANDBOX:
		c->no_sandbox = 1;
		break;
	case OPT_STRICT:
		c->strict = 1;
		break;
	case OPT_TAG:
		strings_add(&c->tags, xstrdup(arg));
		break;
	case OPT_THROTTLE:
		parse_throttle(c, arg);
		break;
	case OPT_THROTTLE_KEYS:
		c->throttle_keys = (size_t)num_parse(arg, 1, 100000000,
		    "--throttle-keys");
		break;
	default:
		opts_usage(synopsis);
	}
}

/*
 * As grep takes its pattern: the first operand is the condition unless
 * -e or -w gave one; with no operand at all, every alert of standard
 * input is selected. Returns the index of the first file.
 */
static int
parse_options(int argc, char **argv, struct config *c)
{
	int first;

	first = opts_parse(argc, argv, options, synopsis, summary,
	    parse_option, c);
	if (c->output != NULL && c->json_fields.count > 0)
		errx(EXIT_USAGE, "--output and --json-fields exclude each other");
	if (c->count && (c->output != NULL || c->json_fields.count > 0))
		errx(EXIT_USAGE, "--count prints only a number: no %s",
		    c->output != NULL ? "--output" : "--json-fields");
	if (!c->have_condition && first < argc)
		select_add_condition(&c->select, argv[first++]);
	else if (!c->have_condition && c->check)
		opts_usage(synopsis);
	return first;
}

static void
compile(struct filter *f, struct config *c)
{
	const char *error;
	size_t i;

	select_compile(&c->select);
	for (i = 0; c->check && i < c->select.nwhen; i++)
		cond_warn_unknown_fields(c->select.when[i]);
	if (c->output != NULL) {
		f->format = format_compile(c->output, &error);
		if (f->format == NULL)
			errx(EXIT_USAGE, "--output: %s", error);
	}
	if (c->throttle_fields.count > 0)
		f->throttle = throttle_new(
		    (long long)(c->throttle_seconds * 1e9), c->throttle_keys);
}

static int
has_tag(struct alert *a, const char *tag)
{
	struct json_value tags = alert_field(a, "tags", 4), elem;
	size_t pos = 0;

	while (json_array_next(&tags, &pos, &elem))
		if (json_string_equals(&elem, tag, strlen(tag)))
			return 1;
	return 0;
}

static int
rule_matches(struct alert *a, const struct strings *globs)
{
	struct json_value rule;
	const char *text;
	char *copy;
	size_t len, i;
	int match = 0;

	if (globs->count == 0)
		return 1;
	rule = alert_field(a, "rule", 4);
	if (rule.type != JSON_STRING)
		return 0;
	text = json_string(&rule, &a->scratch, &len);
	copy = xstrndup(text, len);
	for (i = 0; i < globs->count && !match; i++)
		match = fnmatch(globs->items[i], copy, 0) == 0;
	free(copy);
	return match;
}

static int
matches(struct filter *f)
{
	const struct config *c = f->config;
	size_t i;

	for (i = 0; i < c->tags.count; i++)
		if (!has_tag(&f->alert, c->tags.items[i]))
			return 0;
	if (!rule_matches(&f->alert, &c->rules))
		return 0;
	return select_wants(&c->select, &f->alert);
}

/* 1 when the throttle lets the alert through */
static int
throttle_admits(struct filter *f)
{
	const struct strings *fields = &f->config->throttle_fields;
	long long now;
	size_t i;

	if (f->throttle == NULL || alert_time_ns(&f->alert, &now) < 0)
		return 1;
	buf_reset(&f->line);
	for (i = 0; i < fields->count; i++) {
		struct json_value v = alert_field(&f->alert, fields->items[i],
		    strlen(fields->items[i]));

		/* absent and present-but-empty must not share a key */
		buf_addc(&f->line, v.type == JSON_ABSENT ? '\x01' : '\x02');
		json_text(&v, &f->line);
		buf_addc(&f->line, '\x1f');
	}
	return throttle_pass(f->throttle, f->line.data, f->line.len, now);
}

static void
print_json_fields(struct filter *f)
{
	const struct strings *fields = &f->config->json_fields;
	size_t i;

	buf_reset(&f->line);
	buf_addc(&f->line, '{');
	for (i = 0; i < fields->count; i++) {
		const char *name = fields->items[i];
		struct json_value v = alert_field(&f->alert, name, strlen(name));

		if (i > 0)
			buf_addc(&f->line, ',');
		buf_addc(&f->line, '"');
		buf_add_json_escaped(&f->line, name, strlen(name));
		buf_add(&f->line, "\":", 2);
		if (v.type == JSON_ABSENT)
			buf_add(&f->line, "null", 4);
		else
			json_compact(&v, &f->line);
	}
	buf_addc(&f->line, '}');
	out_line(f->line.data, f->line.len);
}

static void
emit(struct filter *f, const struct reader_line *line)
{
	const struct config *c = f->config;

	if (c->quiet || c->count)
		return;
	if (f->format != NULL) {
		buf_reset(&f->line);
		format_render(f->format, &f->alert, &f->line);
		out_line(f->line.data, f->line.len);
	} else if (c->json_fields.count > 0) {
		print_json_fields(f);
	} else {
		out_line(line->text, line->raw_len);
	}
}

static void
bad_line(struct filter *f, const struct reader_line *line, const char *reason)
{
	f->bad_lines++;
	if (!f->config->no_messages || f->config->strict)
		reader_report_bad(line, reason);
	if (f->config->strict)
		exit(EXIT_USAGE);
}

/* read every input; stops early for -q and -n */
static void
run(struct filter *f, struct reader *r)
{
	const struct config *c = f->config;
	struct reader_line line;
	const char *reason;

	while (reader_next(r, &line)) {
		if (alert_parse(&f->alert, line.text, line.len, &reason) < 0) {
			bad_line(f, &line, reason);
			continue;
		}
		if (matches(f) == c->invert || !throttle_admits(f))
			continue;
		f->selected++;
		emit(f, &line);
		if (c->quiet)
			return;
		if (c->max_count > 0 && f->selected >= c->max_count)
			return;
	}
}

/*
 * Once the inputs are open, a filter only reads, computes and writes;
 * with --follow it also reopens a rotated file by its name.
 */
static void
enter_sandbox(void *config)
{
	const struct config *c = config;

	sandbox_enter_or_exit(c->select.follow ? SANDBOX_FOLLOW :
	    SANDBOX_FILTER);
}

static void
strings_free(struct strings *s, int owned)
{
	size_t i;

	for (i = 0; owned && i < s->count; i++)
		free(s->items[i]);
	free(s->items);
}

static void
config_free(struct config *c)
{
	select_free(&c->select);
	strings_free(&c->rules, 1);
	strings_free(&c->tags, 1);
	strings_free(&c->json_fields, 1);
	strings_free(&c->throttle_fields, 1);
}

static void
filter_free(struct filter *f)
{
	format_free(f->format);
	throttle_free(f->throttle);
	alert_free(&f->alert);
	buf_free(&f->line);
}

int
main(int argc, char **argv)
{
	struct config c = { .throttle_keys = 100000 };
	struct filter f = { .config = &c, .line = BUF_INIT };
	struct reader *r;
	int first_file, status;

	out_init();
	select_init(&c.select);
	first_file = parse_options(argc, argv, &c);
	compile(&f, &c);
	if (c.check) {
		filter_free(&f);
		config_free(&c);
		return EXIT_OK;
	}
	signals_init(0, 0);

	alert_init(&f.alert);
	r = select_open_input(&c.select, argv + first_file, argc - first_file);
	reader_set_quiet(r, c.no_messages);
	reader_set_strict(r, c.strict);
	reader_on_wait(r, reader_flush_output, r);
	if (!c.no_sandbox)
		reader_on_last_open(r, enter_sandbox, &c);
	run(&f, r);

	f.bad_lines += reader_long_lines(r);
	if (c.count) {
		buf_reset(&f.line);
		buf_printf(&f.line, "%llu", f.selected);
		out_line(f.line.data, f.line.len);
	}
	out_finish();
	if (f.bad_lines > 0 && !c.no_messages)
		warnx("skipped %lu bad line%s", f.bad_lines,
		    f.bad_lines == 1 ? "" : "s");
	if (f.throttle != NULL && throttle_suppressed(f.throttle) > 0 &&
	    !c.no_messages)
		warnx("throttle: suppressed %llu alert%s",
		    throttle_suppressed(f.throttle),
		    throttle_suppressed(f.throttle) == 1 ? "" : "s");

	status = f.selected > 0 ? EXIT_OK : EXIT_NOMATCH;
	/* as grep: trouble is 2, unless -q already found what it was asked */
	if ((reader_failed_files(r) > 0 || reader_long_lines(r) > 0) &&
	    !(c.quiet && f.selected > 0))
		status = EXIT_USAGE;
	reader_close(r);
	filter_free(&f);
	config_free(&c);
	return status;
}
