/*
 * push.h: the body of one push to Loki's /loki/api/v1/push (reference.md
 * §5.1), gathered an alert at a time and measured as it grows, so a
 * batch never outgrows --batch-bytes. Pure: no I/O, tested through -n.
 *
 *   {"streams":[{"stream":{LABELS},"values":[["NS","LINE",{META}],...]},...]}
 *
 * Alerts with the same labels share a stream; the entries of a stream
 * are in time order (ties in the order taken), streams in the order
 * first seen. The timestamp is a string of nanoseconds, as Loki demands.
 */
#ifndef LOKI_PUSH_H
#define LOKI_PUSH_H

#include <stddef.h>

#include "alert.h"
#include "buf.h"

/* Loki's limits on a label (reference.md §5.2) */
#define LOKI_LABEL_NAME_MAX 1024
#define LOKI_LABEL_VALUE_MAX 2048
#define LOKI_LABELS_MAX 15

/* a label: from an alert field, or a constant (--extra-label) */
struct loki_label {
	char *name;
	char *field;		/* NULL for a constant */
	char *value;		/* the constant */
};

/* a structured metadata entry, from an alert field (--metadata) */
struct loki_metadata {
	char *name;
	char *field;
};

struct loki_style {
	const struct loki_label *labels;
	size_t nlabels;
	const struct loki_metadata *metadata;
	size_t nmetadata;
	int line_output;	/* --line output: the output text, not the alert */
};

struct push;

struct push *push_new(const struct loki_style *style);
/*
 * Make the entry of an alert (line: the alert as read, ns: its time),
 * not yet taken. 0, or -1 with *why when Loki could never take it.
 */
int push_prepare(struct push *p, struct alert *a, const char *line,
    size_t len, long long ns, const char **why);
/* the body's size with the prepared entry taken */
size_t push_size_with(const struct push *p);
/* take the prepared entry */
void push_take(struct push *p);
size_t push_entries(const struct push *p);
/* the body, appended to out (not reset) */
void push_body(struct push *p, struct buf *out);
/* forget every entry */
void push_reset(struct push *p);
void push_free(struct push *p);

#endif
