/*
 * queue.c: a bounded FIFO of copied lines between threads: a ring of
 * items under one mutex, with one condition for "not empty" and one for
 * "not full". A full queue makes the producer wait, so a slow consumer
 * slows the producer rather than losing alerts or growing memory
 * without bound; with a spill file, lines that do not fit wait on disk.
 *
 * Order: once a line has spilled, every later one spills too until the
 * file is read back whole, and pops take the ring before the file, so
 * every line in the ring is older than every line on disk.
 */
#include <err.h>
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "spool.h"
#include "xalloc.h"

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	struct queue_item *ring;
	size_t capacity;
	size_t head;		/* next to pop */
	size_t count;
	size_t bytes, max_bytes;
	struct spool *spill;
	size_t spill_max;	/* 0: as much as the disk takes */
	int waiting_said;	/* "reading waits" said for this backlog */
	int closed;
};

struct queue *
queue_new(size_t max_alerts, size_t max_bytes)
{
	struct queue *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t attr;

	q->capacity = max_alerts > 0 ? max_alerts : 1;
	q->max_bytes = max_bytes;
	q->ring = xcalloc(q->capacity, sizeof(*q->ring));
	pthread_mutex_init(&q->lock, NULL);
	/* timed pops measure against the monotonic clock: date changes do not matter */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->not_empty, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&q->not_full, NULL);
	return q;
}

void
queue_spill(struct queue *q, struct spool *sp, size_t max_bytes)
{
	q->spill = sp;
	q->spill_max = max_bytes;
}

static int
fits_in_memory(const struct queue *q, size_t len)
{
	if (q->count == q->capacity)
		return 0;
	/* a line longer than the bound still goes, alone */
	return q->max_bytes == 0 || q->count == 0 ||
	    q->bytes + len <= q->max_bytes;
}

static size_t
spilled(const struct queue *q)
{
	return q->spill != NULL ? spool_records(q->spill) : 0;
}

/* 0 when the line went to the spill file */
static int
spill(struct queue *q, const char *line, size_t len)
{
	if (q->spill == NULL)
		return -1;
	if (q->spill_max > 0 && spool_bytes(q->spill) + len + 1 > q->spill_max)
		return -1;
	return spool_append(q->spill, line, len);
}

static void
say_waiting(struct queue *q)
{
	if (q->spill == NULL || q->waiting_said)
		return;
	q->waiting_said = 1;
	warnx("'%s' cannot take more: reading waits for the backlog",
	    spool_path(q->spill) != NULL ? spool_path(q->spill) : "spool");
}

int
queue_push(struct queue *q, const char *line, size_t len, int wait)
{
	struct queue_item *slot;
	char *copy;

	/* copy outside the lock: the consumer is not held up by a malloc */
	copy = xmalloc(len + 1);
	memcpy(copy, line, len);
	copy[len] = '\0';

	pthread_mutex_lock(&q->lock);
	for (;;) {
		if (q->closed)
			break;
		if (spilled(q) == 0 && fits_in_memory(q, len)) {
			slot = &q->ring[(q->head + q->count) % q->capacity];
			slot->line = copy;
			slot->len = len;
			q->count++;
			q->bytes += len;
			pthread_cond_signal(&q->not_empty);
			pthread_mutex_unlock(&q->lock);
			return 0;
		}
		if (spill(q, line, len) == 0) {
			pthread_cond_signal(&q->not_empty);
			pthread_mutex_unlock(&q->lock);
			free(copy);
			return 0;
		}
		if (!wait)
			break;
		say_waiting(q);
		pthread_cond_wait(&q->not_full, &q->lock);
	}
	pthread_mutex_unlock(&q->lock);
	free(copy);
	return -1;
}

static void
deadline_after(double seconds, struct timespec *deadline)
{
	double whole = (double)(time_t)seconds;

	clock_gettime(CLOCK_MONOTONIC, deadline);
	deadline->tv_sec += (time_t)whole;
	deadline->tv_nsec += (long)((seconds - whole) * 1e9);
	if (deadline->tv_nsec >= 1000000000L) {
		deadline->tv_sec++;
		deadline->tv_nsec -= 1000000000L;
	}
}

/* the oldest line, from the ring, else from the spill file: 1, or 0 */
static int
take(struct queue *q, struct queue_item *item)
{
	if (q->count > 0) {
		*item = q->ring[q->head];
		q->ring[q->head].line = NULL;
		q->head = (q->head + 1) % q->capacity;
		q->count--;
		q->bytes -= item->len;
	} else if (spilled(q) == 0 ||
	    !spool_take(q->spill, &item->line, &item->len)) {
		return 0;
	}
	if (q->count == 0 && spilled(q) == 0)
		q->waiting_said = 0;
	/* room for one long line may be room for several short ones */
	pthread_cond_broadcast(&q->not_full);
	return 1;
}

int
queue_pop(struct queue *q, struct queue_item *item, double timeout)
{
	struct timespec deadline;
	int rc = 0, got;

	if (timeout >= 0)
		deadline_after(timeout, &deadline);
	pthread_mutex_lock(&q->lock);
	while (!(got = take(q, item)) && !q->closed && rc != ETIMEDOUT) {
		if (timeout < 0)
			pthread_cond_wait(&q->not_empty, &q->lock);
		else
			rc = pthread_cond_timedwait(&q->not_empty, &q->lock,
			    &deadline);
	}
	rc = got ? 1 : q->closed ? -1 : 0;
	pthread_mutex_unlock(&q->lock);
	return rc;
}

void
queue_close(struct queue *q)
{
	pthread_mutex_lock(&q->lock);
	q->closed = 1;
	pthread_cond_broadcast(&q->not_empty);
	pthread_cond_broadcast(&q->not_full);
	pthread_mutex_unlock(&q->lock);
}

size_t
queue_length(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->lock);
	n = q->count + spilled(q);
	pthread_mutex_unlock(&q->lock);
	return n;
}

void
queue_free(struct queue *q)
{
	struct queue_item item;

	if (q == NULL)
		return;
	q->closed = 1;
	while (queue_pop(q, &item, 0) == 1)
		free(item.line);
	free(q->ring);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
