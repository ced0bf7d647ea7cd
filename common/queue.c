/*
 * queue.c: a bounded FIFO of copied lines between one reading thread
 * and a sending thread: a ring of items under one mutex, with one
 * condition for "not empty" and one for "not full". A full queue makes
 * the producer wait, so a slow sink slows the reader rather than losing
 * alerts or growing memory without bound.
 */
#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "queue.h"
#include "xalloc.h"

struct queue {
	pthread_mutex_t lock;
	pthread_cond_t not_empty;
	pthread_cond_t not_full;
	struct queue_item *ring;
	size_t capacity;
	size_t head;		/* next to pop */
	size_t count;
	int closed;
};

struct queue *
queue_new(size_t capacity)
{
	struct queue *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t attr;

	if (capacity == 0)
		capacity = 1;
	q->capacity = capacity;
	q->ring = xcalloc(capacity, sizeof(*q->ring));
	pthread_mutex_init(&q->lock, NULL);
	/* timed pops measure against the monotonic clock: date changes do not matter */
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&q->not_empty, &attr);
	pthread_condattr_destroy(&attr);
	pthread_cond_init(&q->not_full, NULL);
	return q;
}

int
queue_push(struct queue *q, const char *line, size_t len, int wait)
{
	struct queue_item *slot;
	char *copy;

	/* copy outside the lock: the sender is not held up by a malloc */
	copy = xmalloc(len + 1);
	memcpy(copy, line, len);
	copy[len] = '\0';

	pthread_mutex_lock(&q->lock);
	while (!q->closed && q->count == q->capacity && wait)
		pthread_cond_wait(&q->not_full, &q->lock);
	if (q->closed || q->count == q->capacity) {
		pthread_mutex_unlock(&q->lock);
		free(copy);
		return -1;
	}
	slot = &q->ring[(q->head + q->count) % q->capacity];
	slot->line = copy;
	slot->len = len;
	q->count++;
	pthread_cond_signal(&q->not_empty);
	pthread_mutex_unlock(&q->lock);
	return 0;
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

int
queue_pop(struct queue *q, struct queue_item *item, double timeout)
{
	struct timespec deadline;
	int rc = 0;

	if (timeout >= 0)
		deadline_after(timeout, &deadline);
	pthread_mutex_lock(&q->lock);
	while (q->count == 0 && !q->closed && rc != ETIMEDOUT) {
		if (timeout < 0)
			pthread_cond_wait(&q->not_empty, &q->lock);
		else
			rc = pthread_cond_timedwait(&q->not_empty, &q->lock,
			    &deadline);
	}
	if (q->count == 0) {
		pthread_mutex_unlock(&q->lock);
		return q->closed ? -1 : 0;
	}
	*item = q->ring[q->head];
	q->ring[q->head].line = NULL;
	q->head = (q->head + 1) % q->capacity;
	q->count--;
	pthread_cond_signal(&q->not_full);
	pthread_mutex_unlock(&q->lock);
	return 1;
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
	n = q->count;
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
	while (q->count > 0 && queue_pop(q, &item, 0) == 1)
		free(item.line);
	free(q->ring);
	pthread_cond_destroy(&q->not_empty);
	pthread_cond_destroy(&q->not_full);
	pthread_mutex_destroy(&q->lock);
	free(q);
}
