/*
 * push.h: the --push client of a Prometheus Pushgateway. Every push is
 * a PUT of the whole exposition to /metrics/job/JOB/NAME/VALUE..., which
 * replaces what this group held; a job name or label value that a path
 * segment cannot carry plainly (a '/', an empty value, anything but
 * letters, digits and "-._~") goes as NAME@base64/VALUE in base64url,
 * the Pushgateway's own escape.
 */
#ifndef FP_PROM_PUSH_H
#define FP_PROM_PUSH_H

#include <stddef.h>

#include "buf.h"
#include "http.h"

struct grouping {
	char *name;		/* a valid label name, not "job" */
	char *value;
};

/* append to out the group's URL: base, then /metrics/job/... */
void push_url(const char *base, const char *job, const struct grouping *g,
    size_t ng, struct buf *out);

struct pusher;

/* http->cancelled, when set, may cut a push short (see pusher_send) */
struct pusher *pusher_new(const char *url, const struct http_options *http);
/*
 * PUT text: 0 when the Pushgateway took it, else -1. A failure is
 * reported, once for a run of failures of one reason; a push cut short
 * is reported only when it was the last one (the drain time was over),
 * since a periodic push is cut short only for the last to take its place.
 */
int pusher_send(struct pusher *p, const char *text, size_t len, int last);
void pusher_free(struct pusher *p);

#endif
