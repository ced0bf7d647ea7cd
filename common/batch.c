#include "batch.h"
#include "clock.h"

/* how often a wait for a token asks whether it is cancelled */
#define WAIT_STEP 0.05

void
batch_init(struct batch *b, size_t max_bytes, size_t max_alerts,
    double max_wait)
{
	b->max_bytes = max_bytes;
	b->max_alerts = max_alerts;
	b->max_wait = max_wait;
	b->rate_count = 0;
	b->rate_seconds = 0;
	b->alerts = 0;
	b->bytes = 0;
	b->first_added = 0;
	b->tokens = 0;
	b->refilled = 0;
}

void
batch_rate(struct batch *b, long long count, double seconds)
{
	b->rate_count = count;
	b->rate_seconds = seconds;
	b->tokens = (double)count;
	b->refilled = clock_now();
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

/* seconds until a token is there; the bucket never holds more than N */
static double
token_wait(struct batch *b, double now)
{
	double per_second;

	if (b->rate_count <= 0)
		return 0;
	per_second = (double)b->rate_count / b->rate_seconds;
	b->tokens += (now - b->refilled) * per_second;
	if (b->tokens > (double)b->rate_count)
		b->tokens = (double)b->rate_count;
	b->refilled = now;
	return b->tokens >= 1 ? 0 : (1 - b->tokens) / per_second;
}

double
batch_due(struct batch *b, int ending)
{
	double now = clock_now(), wait = 0, tokens;

	if (b->alerts == 0)
		return -1;
	/* a full batch, or the end of input, leaves at once: no one is left
	 * to wait for */
	if (!ending && (b->max_alerts == 0 || b->alerts < b->max_alerts) &&
	    (b->max_bytes == 0 || b->bytes < b->max_bytes))
		wait = b->first_added + b->max_wait - now;
	if (wait < 0)
		wait = 0;
	/* the rate holds at the end too; the relay's drain time bounds it */
	tokens = token_wait(b, now);
	return wait > tokens ? wait : tokens;
}

int
batch_wait_token(struct batch *b, int (*cancelled)(void *), void *ctx)
{
	double wait;

	while ((wait = token_wait(b, clock_now())) > 0) {
		if (cancelled != NULL && cancelled(ctx))
			return -1;
		/* in steps, so a cancel is seen within one */
		clock_sleep(wait < WAIT_STEP ? wait : WAIT_STEP);
	}
	return 0;
}

void
batch_sent(struct batch *b)
{
	b->alerts = 0;
	b->bytes = 0;
	if (b->rate_count > 0) {
		token_wait(b, clock_now());
		b->tokens -= 1;
	}
}
