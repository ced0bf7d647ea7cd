#include <err.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ratefile.h"
#include "ratelimit.h"
#include "xalloc.h"

/* a shared file gave up: say so once, and count in memory from now on */
static void
unshare(struct ratelimit *rl)
{
	int saved = errno;

	warnx("--rate: '%s': %s: counted by this process alone",
	    ratefile_path(rl->shared), strerror(saved));
	ratefile_close(rl->shared);
	rl->shared = NULL;
}

void
ratelimit_init(struct ratelimit *rl, long long count, double seconds)
{
	rl->count = count > 0 ? (size_t)count : 0;
	rl->seconds = seconds;
	rl->times = rl->count > 0 ? xcalloc(rl->count, sizeof(*rl->times)) :
	    NULL;
	rl->head = rl->used = 0;
	rl->shared = NULL;
}

int
ratelimit_share(struct ratelimit *rl, const char *path)
{
	struct ratefile *file;

	if (rl->count == 0)
		return 0;
	if ((file = ratefile_try_open(path, (long long)rl->count,
	    rl->seconds)) == NULL)
		return -1;
	ratefile_close(rl->shared);
	rl->shared = file;
	return 0;
}

static double
memory_wait(const struct ratelimit *rl)
{
	double left;

	if (rl->count == 0 || rl->used < rl->count)
		return 0;
	/* full: the oldest of the last N must leave the window first */
	left = rl->times[rl->head] + rl->seconds - clock_now();
	return left > 0 ? left : 0;
}

static void
memory_take(struct ratelimit *rl)
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

double
ratelimit_wait(const struct ratelimit *rl)
{
	double wait;

	/* a file that fails is given up by the take that follows */
	if (rl->shared != NULL && (wait = ratefile_wait(rl->shared)) >= 0)
		return wait;
	return memory_wait(rl);
}

void
ratelimit_take(struct ratelimit *rl)
{
	if (rl->shared != NULL) {
		if (ratefile_take(rl->shared, program_invocation_short_name) >= 0)
			return;
		unshare(rl);
	}
	memory_take(rl);
}

double
ratelimit_try(struct ratelimit *rl)
{
	double wait;
	int rc;

	if (rl->shared != NULL) {
		rc = ratefile_take(rl->shared, program_invocation_short_name);
		if (rc > 0)
			return 0;
		if (rc == 0 && (wait = ratefile_wait(rl->shared)) >= 0)
			/* the slot went between the two looks: ask again soon */
			return wait > 0 ? wait : 0.001;
		unshare(rl);
	}
	if ((wait = memory_wait(rl)) > 0)
		return wait;
	memory_take(rl);
	return 0;
}

void
ratelimit_restamp(struct ratelimit *rl)
{
	if (rl->shared != NULL) {
		if (ratefile_restamp(rl->shared) == 0)
			return;
		unshare(rl);
	}
	if (rl->count == 0 || rl->used == 0)
		return;
	rl->times[(rl->head + rl->used - 1) % rl->count] = clock_now();
}

void
ratelimit_free(struct ratelimit *rl)
{
	free(rl->times);
	rl->times = NULL;
	ratefile_close(rl->shared);
	rl->shared = NULL;
}
