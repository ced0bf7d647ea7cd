/*
 * ratelimit.h: --rate N/DURATION, the same in every program: at most N
 * events in any window of DURATION. The window slides over the times of
 * the last N events, so "2/1s" never lets a third request through within
 * a second, as a bucket refilled continuously would. Every HTTP try
 * counts, retries included (http_options.rate).
 *
 * The window is kept in this process's memory, or, once shared, in a
 * file that other processes count in too (ratefile.h), so that programs
 * started once per alert keep one limit together.
 */
#ifndef FP_RATELIMIT_H
#define FP_RATELIMIT_H

#include <stddef.h>

struct ratefile;

struct ratelimit {
	size_t count;		/* N; 0: no limit */
	double seconds;		/* DURATION */
	double *times;		/* the last count events, oldest at head */
	size_t head, used;
	struct ratefile *shared;	/* non-NULL: the window is counted there */
};

/* count 0: every event allowed at once */
void ratelimit_init(struct ratelimit *rl, long long count, double seconds);
/*
 * Count the window in the file at path from now on, with every process
 * that names it. 0, or -1 with errno when the file will not do (the
 * window stays in memory). A file that fails later is reported once and
 * the window goes back to memory: a limit is never a reason not to post.
 */
int ratelimit_share(struct ratelimit *rl, const char *path);
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
/*
 * Record an event now if the window has room: 0. Else the seconds to
 * wait before asking again, nothing recorded. Unlike a wait followed by
 * a take, no other process can take the slot in between.
 */
double ratelimit_try(struct ratelimit *rl);
void ratelimit_free(struct ratelimit *rl);

#endif
