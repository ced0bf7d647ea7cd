/*
 * batch.h: when a sender's batch of alerts leaves (falco-loki,
 * falco-webhook), for the relay's add and due operations (relay.h). A
 * batch leaves once it holds max_alerts alerts, once its first alert has
 * waited max_wait seconds, or at the end of input; no body grows past
 * max_bytes, measured by the caller, who alone knows how its body is
 * framed. With --rate (ratelimit.h) a batch also waits for a slot, and
 * gathers what comes meanwhile; the HTTP client takes the slot for each
 * try (http_options.rate).
 */
#ifndef FP_BATCH_H
#define FP_BATCH_H

#include <stddef.h>

struct ratelimit;

struct batch {
	size_t max_bytes;	/* 0: no bound */
	size_t max_alerts;	/* 0: no bound */
	double max_wait;	/* seconds the first alert may wait */
	const struct ratelimit *rate;	/* NULL: none */
	size_t alerts;		/* in the batch being gathered */
	size_t bytes;		/* its body, as the caller measured it */
	double first_added;	/* clock_now() of its first alert */
};

/* rate may be NULL */
void batch_init(struct batch *b, size_t max_bytes, size_t max_alerts,
    double max_wait, const struct ratelimit *rate);
/*
 * For add: would the body, grown to bytes with one more alert, do? 0
 * yes; 1 not in this batch (send it first); -1 never, even alone.
 */
int batch_fits(const struct batch *b, size_t bytes);
/* one more alert taken: the body is now bytes long */
void batch_added(struct batch *b, size_t bytes);
/* for due: seconds until the batch should leave, 0 now (see relay.h) */
double batch_due(const struct batch *b, int ending);
/* the batch left (delivered or not): start an empty one */
void batch_sent(struct batch *b);

#endif
