/*
 * batch.h: when a sender's batch of alerts leaves (falco-loki,
 * falco-webhook), for the relay's add and due operations (relay.h). A
 * batch leaves once it holds max_alerts alerts, once its first alert has
 * waited max_wait seconds, or at the end of input; no body grows past
 * max_bytes, measured by the caller, who alone knows how its body is
 * framed. With a rate (--rate N/DURATION) at most N requests leave per
 * DURATION: a token bucket that starts full, so N may leave at once.
 */
#ifndef FP_BATCH_H
#define FP_BATCH_H

#include <stddef.h>

struct batch {
	size_t max_bytes;	/* 0: no bound */
	size_t max_alerts;	/* 0: no bound */
	double max_wait;	/* seconds the first alert may wait */
	long long rate_count;	/* 0: no rate */
	double rate_seconds;
	size_t alerts;		/* in the batch being gathered */
	size_t bytes;		/* its body, as the caller measured it */
	double first_added;	/* clock_now() of its first alert */
	double tokens;
	double refilled;
};

void batch_init(struct batch *b, size_t max_bytes, size_t max_alerts,
    double max_wait);
void batch_rate(struct batch *b, long long count, double seconds);
/*
 * For add: would the body, grown to bytes with one more alert, do? 0
 * yes; 1 not in this batch (send it first); -1 never, even alone.
 */
int batch_fits(const struct batch *b, size_t bytes);
/* one more alert taken: the body is now bytes long */
void batch_added(struct batch *b, size_t bytes);
/* for due: seconds until the batch should leave, 0 now (see relay.h) */
double batch_due(struct batch *b, int ending);
/*
 * For send: wait for the rate's token, which due may not have waited
 * for (the relay sends a batch that an alert does not fit at once). 0,
 * or -1 as soon as cancelled(ctx) says so (cancelled may be NULL).
 */
int batch_wait_token(struct batch *b, int (*cancelled)(void *), void *ctx);
/* the batch left (delivered or not): start an empty one, spend a token */
void batch_sent(struct batch *b);

#endif
