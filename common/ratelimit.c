#include <stdlib.h>

#include "clock.h"
#include "ratelimit.h"
#include "xalloc.h"

void
ratelimit_init(struct ratelimit *rl, long long count, double seconds)
{
	rl->count = count > 0 ? (size_t)count : 0;
	rl->seconds = seconds;
	rl->times = rl->count > 0 ? xcalloc(rl->count, sizeof(*rl->times)) :
	    NULL;
	rl->head = rl->used = 0;
}

double
ratelimit_wait(const struct ratelimit *rl)
{
	double left;

	if (rl->count == 0 || rl->used < rl->count)
		return 0;
	/* full: the oldest of the last N must leave the window first */
	left = rl->times[rl->head] + rl->seconds - clock_now();
	return left > 0 ? left : 0;
}

void
ratelimit_take(struct ratelimit *rl)
{
	if (rl->count == 0)
		return;
	if (rl->used < rl->count) {
		rl->times[(rl->head + rl->used) % rl->count] = clock_now();
		rl->used++;
		return;
	}
	rl->times[rl->head] = clock_now();
	rl->head = (rl->head + 1) % rl->count;
}

void
ratelimit_restamp(struct ratelimit *rl)
{
	if (rl->count == 0 || rl->used == 0)
		return;
	rl->times[(rl->head + rl->used - 1) % rl->count] = clock_now();
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl->times);
	rl->times = NULL;
}
