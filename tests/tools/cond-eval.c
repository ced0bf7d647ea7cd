/*
 * cond-eval: a test driver for common/cond.c, common/format.c and
 * common/lists.c alone.
 *
 *   cond-eval [-l RULES]... [-t THREADS] CONDITION FILE
 *   cond-eval [-l RULES]... -c CASES
 *
 * Prints the lines of FILE that satisfy CONDITION; exit 0 if any did,
 * 1 if none, 2 on a bad condition or lists file. With -t, THREADS
 * threads evaluate one shared struct cond over every line at once, each
 * with its own struct alert, and must agree with the single-threaded
 * answers (exit 3 otherwise): cond_eval keeps no state in the tree.
 *
 * With -c, CASES is a table of verdicts taken from Falco's own tests,
 * one a line, fields separated by tabs:
 *   @alert JSON             the alert the following true/false and
 *                           format lines are about
 *   accept COND             the condition is valid (also with blanks
 *                           around it and its blanks turned into
 *                           newlines, then tabs, as libsinsp's tests do)
 *   parses COND             it is valid as written
 *   reject COND [MESSAGE]   it is an error (with that message)
 *   true COND, false COND   its value for the alert
 *   format FORMAT OUTPUT    what the format prints for the alert
 *   rejectformat FORMAT     the format is an error
 * A kind written ~kind is a deliberate difference: Falco's verdict is
 * kind, falco-pipes gives the opposite (~format and ~rejectformat add
 * falco-pipes' output after Falco's). Each line that does not hold is printed; the summary
 * counts the cases; the status is 1 if any line did not hold.
 * Everything is freed at exit so leak checkers see only cond.c's own.
 */
#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "cond.h"
#include "format.h"
#include "lists.h"
#include "xalloc.h"

#define MAX_THREADS 16
#define ROUNDS 200

struct corpus {
	char **line;
	size_t *len;
	size_t n;
	int *expected;
	const struct cond *cond;
	int disagreed;
};

static void
corpus_read(struct corpus *c, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lines_cap = 0, lens_cap = 0;
	ssize_t got;

	if (f == NULL)
		err(2, "%s", path);
	while ((got = getline(&line, &cap, f)) > 0) {
		if (line[got - 1] == '\n')
			line[--got] = '\0';
		c->line = xgrow(c->line, &lines_cap, c->n + 1, sizeof(*c->line));
		c->len = xgrow(c->len, &lens_cap, c->n + 1, sizeof(*c->len));
		c->line[c->n] = xstrndup(line, (size_t)got);
		c->len[c->n++] = (size_t)got;
	}
	free(line);
	fclose(f);
}

/* 1 or 0, -1 for a line that is not an alert */
static int
evaluate(const struct cond *cond, struct alert *a, const char *line,
    size_t len)
{
	const char *reason;

	if (alert_parse(a, line, len, &reason) < 0)
		return -1;
	return cond_eval(cond, a);
}

static void *
worker(void *arg)
{
	struct corpus *c = arg;
	struct alert a;
	size_t i, round;

	alert_init(&a);
	for (round = 0; round < ROUNDS; round++)
		for (i = 0; i < c->n; i++)
			if (evaluate(c->cond, &a, c->line[i], c->len[i]) !=
			    c->expected[i])
				__atomic_store_n(&c->disagreed, 1,
				    __ATOMIC_RELAXED);
	alert_free(&a);
	return NULL;
}

static int
run_threads(struct corpus *c, int threads)
{
	pthread_t tid[MAX_THREADS];
	int i;

	for (i = 0; i < threads; i++)
		if (pthread_create(&tid[i], NULL, worker, c) != 0)
			errx(2, "cannot start a thread");
	for (i = 0; i < threads; i++)
		pthread_join(tid[i], NULL);
	if (c->disagreed)
		warnx("threads disagree with the single-threaded results");
	return c->disagreed ? 3 : 0;
}

static void
usage(void)
{
	fprintf(stderr, "usage: cond-eval [-l rules] [-t threads] "
	    "condition file\n       cond-eval [-l rules] -c cases\n");
	exit(2);
}

struct tally {
	unsigned long cases, agree, deliberate, wrong;
};

/* 1 when text parses; the message of the error otherwise in *message */
static int
parses(const char *text, const struct lists *lists, char *message,
    size_t size)
{
	struct cond_error error;
	struct cond *c = cond_parse(text, lists, &error);

	if (c == NULL) {
		snprintf(message, size, "%s", error.message);
		return 0;
	}
	cond_free(c);
	return 1;
}

/* libsinsp's test_accept: as written, with blanks around, newlines, tabs */
static int
accepts(const char *text, const struct lists *lists, char *message,
    size_t size)
{
	size_t len = strlen(text), i;
	char *variant = xmalloc(len + 3);
	int ok = parses(text, lists, message, size);

	snprintf(variant, len + 3, " %s ", text);
	ok = ok && parses(variant, lists, message, size);
	for (i = 0; i < len + 2; i++)
		if (variant[i] == ' ')
			variant[i] = '\n';
	ok = ok && parses(variant, lists, message, size);
	for (i = 0; i < len + 2; i++)
		if (variant[i] == '\n')
			variant[i] = '\t';
	ok = ok && parses(variant, lists, message, size);
	free(variant);
	return ok;
}

/* the value of a condition for the alert: 1, 0, or -1 if it is an error */
static int
value_of(const char *text, const struct lists *lists, struct alert *a,
    char *message, size_t size)
{
	struct cond_error error;
	struct cond *c = cond_parse(text, lists, &error);
	int r;

	if (c == NULL) {
		snprintf(message, size, "%s", error.message);
		return -1;
	}
	r = cond_eval(c, a);
	cond_free(c);
	return r;
}

/* one case line; 1 when it holds */
static int
case_run(char **field, int nfields, const struct lists *lists,
    struct alert *a, int have_alert, char *got, size_t size)
{
	const char *kind = field[0] + (field[0][0] == '~');
	int opposite = field[0][0] == '~', want, r;
	char message[512] = "";

	if (strcmp(kind, "parses") == 0) {
		r = parses(field[1], lists, message, sizeof(message));
		snprintf(got, size, "%s%s", r ? "accepted" : "rejected: ",
		    r ? "" : message);
		return r != opposite;
	}
	if (strcmp(kind, "accept") == 0 || strcmp(kind, "reject") == 0) {
		want = strcmp(kind, "accept") == 0;
		r = want && !opposite ? accepts(field[1], lists, message,
		    sizeof(message)) : parses(field[1], lists, message,
		    sizeof(message));
		snprintf(got, size, "%s%s%s", r ? "accepted" : "rejected",
		    r ? "" : ": ", r ? "" : message);
		if (!r && want == 0 && !opposite && nfields > 2 &&
		    strcmp(field[2], message) != 0)
			return 0;
		return (r == want) != opposite;
	}
	if (strcmp(kind, "true") == 0 || strcmp(kind, "false") == 0) {
		if (!have_alert) {
			snprintf(got, size, "no @alert before it");
			return 0;
		}
		want = strcmp(kind, "true") == 0;
		r = value_of(field[1], lists, a, message, sizeof(message));
		snprintf(got, size, "%s%s", r < 0 ? "error: " : r ? "true" :
		    "false", r < 0 ? message : "");
		return r >= 0 && (r == want) != opposite;
	}
	if (strcmp(kind, "format") == 0 || strcmp(kind, "rejectformat") == 0) {
		const char *error;
		struct format *f = format_compile(field[1], &error);
		struct buf out = BUF_INIT;
		const char *expected = opposite && nfields > 3 ? field[3] :
		    nfields > 2 ? field[2] : "";
		int ok;

		if (f == NULL) {
			snprintf(got, size, "error: %s", error);
			return (strcmp(kind, "rejectformat") == 0) != opposite;
		}
		format_render(f, a, &out);
		snprintf(got, size, "\"%s\"", buf_str(&out));
		/* ~rejectformat: Falco refuses, falco-pipes prints field 3 */
		ok = strcmp(kind, "format") == 0 || nfields > 3 ?
		    strcmp(buf_str(&out), expected) == 0 : opposite;
		ok = ok && (strcmp(kind, "format") == 0 || opposite);
		buf_free(&out);
		format_free(f);
		return ok;
	}
	snprintf(got, size, "unknown kind '%s'", field[0]);
	return 0;
}

static int
cases_run(const char *path, const struct lists *lists)
{
	FILE *f = fopen(path, "r");
	struct tally t = { 0, 0, 0, 0 };
	struct alert a;
	char *line = NULL, *json = NULL, got[1024];
	size_t cap = 0, lineno = 0;
	ssize_t n;
	int have_alert = 0;

	if (f == NULL)
		err(2, "%s", path);
	alert_init(&a);
	while ((n = getline(&line, &cap, f)) > 0) {
		char *field[5], *p = line;
		int nfields = 0;

		lineno++;
		if (line[n - 1] == '\n')
			line[--n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (strncmp(line, "@alert\t", 7) == 0) {
			const char *reason;

			free(json);
			json = xstrdup(line + 7);
			if (alert_parse(&a, json, strlen(json), &reason) < 0)
				errx(2, "%s:%zu: %s", path, lineno, reason);
			have_alert = 1;
			continue;
		}
		while (nfields < 5 && p != NULL) {
			field[nfields++] = p;
			p = strchr(p, '\t');
			if (p != NULL)
				*p++ = '\0';
		}
		if (nfields < 2)
			errx(2, "%s:%zu: expected KIND<TAB>TEXT", path, lineno);
		t.cases++;
		if (!case_run(field, nfields, lists, &a, have_alert, got,
		    sizeof(got))) {
			t.wrong++;
			printf("%s:%zu: %s %s: %s\n", path, lineno, field[0],
			    field[1], got);
		} else if (field[0][0] == '~') {
			t.deliberate++;
		} else {
			t.agree++;
		}
	}
	printf("%lu cases: %lu agree with Falco, %lu differ deliberately, "
	    "%lu do not hold\n", t.cases, t.agree, t.deliberate, t.wrong);
	free(line);
	free(json);
	alert_free(&a);
	fclose(f);
	return t.wrong > 0;
}

int
main(int argc, char *argv[])
{
	struct lists *lists = lists_new();
	struct corpus c = { NULL, NULL, 0, NULL, NULL, 0 };
	struct cond_error error;
	struct cond *cond;
	struct alert a;
	char *problem;
	const char *cases = NULL;
	int ch, threads = 0, matched = 0, status;
	size_t i;

	while ((ch = getopt(argc, argv, "c:l:t:")) != -1) {
		switch (ch) {
		case 'c':
			cases = optarg;
			break;
		case 'l':
			if (lists_load(lists, optarg, &problem) < 0)
				errx(2, "%s", problem);
			break;
		case 't':
			threads = atoi(optarg);
			if (threads < 1 || threads > MAX_THREADS)
				usage();
			break;
		default:
			usage();
		}
	}
	if (cases != NULL) {
		if (argc != optind)
			usage();
		status = cases_run(cases, lists);
		lists_free(lists);
		return status;
	}
	if (argc - optind != 2)
		usage();
	cond = cond_parse(argv[optind], lists, &error);
	lists_free(lists);
	if (cond == NULL) {
		cond_error_report(argv[optind], &error);
		return 2;
	}
	corpus_read(&c, argv[optind + 1]);
	c.cond = cond;
	c.expected = xcalloc(c.n + 1, sizeof(*c.expected));
	alert_init(&a);
	for (i = 0; i < c.n; i++) {
		c.expected[i] = evaluate(cond, &a, c.line[i], c.len[i]);
		if (c.expected[i] == 1) {
			printf("%s\n", c.line[i]);
			matched = 1;
		}
	}
	alert_free(&a);
	status = matched ? 0 : 1;
	if (threads > 0 && run_threads(&c, threads) != 0)
		status = 3;
	for (i = 0; i < c.n; i++)
		free(c.line[i]);
	free(c.line);
	free(c.len);
	free(c.expected);
	cond_free(cond);
	return status;
}
