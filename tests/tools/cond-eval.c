/*
 * cond-eval: a test driver for common/cond.c and common/lists.c alone.
 *
 *   cond-eval [-l RULES]... [-t THREADS] CONDITION FILE
 *
 * Prints the lines of FILE that satisfy CONDITION; exit 0 if any did,
 * 1 if none, 2 on a bad condition or lists file. With -t, THREADS
 * threads evaluate one shared struct cond over every line at once, each
 * with its own struct alert, and must agree with the single-threaded
 * answers (exit 3 otherwise): cond_eval keeps no state in the tree.
 * Everything is freed at exit so leak checkers see only cond.c's own.
 */
#include <err.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert.h"
#include "cond.h"
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
	    "condition file\n");
	exit(2);
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
	int ch, threads = 0, matched = 0, status;
	size_t i;

	while ((ch = getopt(argc, argv, "l:t:")) != -1) {
		switch (ch) {
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
