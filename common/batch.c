#include "batch.h"
#include "clock.h"
#include "ratelimit.h"

void
batch_init(struct batch *b, size_t max_bytes, size_t max_alerts,
    double max_wait, const struct ratelimit *rate)
{
	b->max_bytes = max_bytes;
	b->max_alerts = max_alerts;
	b->max_wait = max_wait;
	b->rate = rate;
	b->alerts = 0;
	b->bytes = 0;
	b->first_added = 0;
}

int
batch_fits(const struct batch *b, size_t bytes)
{
	if (b->max_bytes > 0 && bytes > b->max_bytes)
		return b->alerts == 0 ? -1 : 1;
	if (b->max_alerts > 0 && b->alerts >= b->max_alerts)
		return 1;
	return 0;
}

void
batch_added(struct batch *b, size_t bytes)
{
	if (b->alerts == 0)
		b->first_added = clock_now();
	b->alerts++;
	b->bytes = bytes;
}

double
batch_due(const struct batch *b, int ending)
{
	double wait = 0, slot;

	if (b->alerts == 0)
		return -1;
	/* a full batch, or the end of input, leaves at once: no one is left
	 * to wait for */
	if (!ending && (b->max_alerts == 0 || b->alerts < b->max_alerts) &&
	    (b->max_bytes == 0 || b->bytes < b->max_bytes))
		wait = b->first_added + b->max_wait - clock_now();
	if (wait < 0)
		wait = 0;
	/* the rate holds at the end too; the relay's drain time bounds it */
	slot = b->rate != NULL ? ratelimit_wait(b->rate) : 0;
	return wait > slot ? wait : slot;
}

void
batch_sent(struct batch *b)
{
	b->alerts = 0;
	b->bytes = 0;
}
