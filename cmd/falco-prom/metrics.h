/*
 * metrics.h: falco-prom's counters and their text exposition.
 *
 * One thread counts: every line read goes through metrics_bad_line(),
 * metrics_other_line() or metrics_alert(). Any thread may render: a
 * scrape, the periodic textfile or push, the report at exit. Every
 * counter moves under one lock, taken once a line and for the copy of
 * the counts a rendering starts with, so a rendering sees the counts of
 * one moment (the same lines behind every metric) and counting waits for
 * a copy at most, never for the rendering itself.
 *
 * A series is found by a hash of its label values, the tuple of what
 * each label takes from the alert. The values are made valid UTF-8 and
 * cut to LABEL_VALUE_MAX bytes before they are hashed, so two alerts
 * that would print the same label set share one series.
 */
#ifndef FP_PROM_METRICS_H
#define FP_PROM_METRICS_H

#include <stddef.h>

#include "alert.h"
#include "buf.h"

/* bytes a label value keeps (a Kubernetes name takes at most 253) */
#define LABEL_VALUE_MAX 256

enum label_kind {
	LABEL_FIELD,		/* a string field; empty when absent or not a string */
	LABEL_PRIORITY,		/* the same, but a priority name in any case, or
				 * "info", is given as Falco prints it: "Notice" */
	LABEL_SEVERITY_NUMBER,	/* Falcosidekick's 1 (Debug) to 8 (Emergency), 0 unknown */
	LABEL_SEVERITY_NAME	/* the priority's long name in lower case, "" unknown */
};

struct label_spec {
	char *name;		/* a valid label name */
	char *field;		/* LABEL_FIELD, LABEL_PRIORITY: the Falco field */
	enum label_kind kind;
	const char *if_empty;	/* the value when it would be empty; NULL: empty */
};

struct metrics_options {
	const char *metric;	/* the alert counter's name */
	const char *help;	/* its HELP text */
	const struct label_spec *labels;
	size_t nlabels;
	size_t max_series;
};

struct metrics;

struct metrics *metrics_new(const struct metrics_options *options);
/* a line that is no alert: not JSON, or too long */
void metrics_bad_line(struct metrics *m);
/* an alert that is not selected */
void metrics_other_line(struct metrics *m);
/* a selected alert: counted in its series, or as dropped past --max-series */
void metrics_alert(struct metrics *m, struct alert *a);
/* series made so far */
size_t metrics_series(struct metrics *m);
/* the text exposition (format 0.0.4) of every metric, appended to out */
void metrics_render(struct metrics *m, struct buf *out);
void metrics_free(struct metrics *m);

#endif
