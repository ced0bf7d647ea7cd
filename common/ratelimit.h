/*
 * ratelimit.h: --rate N/DURATION, the same in every program: at most N
 * events in any window of DURATION. The window slides over the times of
 * the last N events, so "2/1s" never lets a third request through within
 * a second, as a bucket refilled continuously would. Every HTTP try
 * counts, retries included (http_options.rate).
 */
#ifndef FP_RATELIMIT_H
#define FP_RATELIMIT_H

#include <stddef.h>

struct ratelimit {
	size_t count;		/* N; 0: no limit */
	double seconds;		/* DURATION */
	double *times;		/* the last count events, oldest at head */
	size_t head, used;
};

/* count 0: every event allowed at once */
void ratelimit_init(struct ratelimit *rl, long long count, double seconds);
/* seconds until the next event is allowed: 0 now */
double ratelimit_wait(const struct ratelimit *rl);
/* record an event now (the caller waited ratelimit_wait() first) */
void ratelimit_take(struct ratelimit *rl);
/*
 * The newest event ended now: its time moves here. A request is counted
 * from its answer, so however long its connection took to set up, the
 * receiver never sees more than N in a window.
 */
void ratelimit_restamp(struct ratelimit *rl);
void ratelimit_free(struct ratelimit *rl);

#endif
