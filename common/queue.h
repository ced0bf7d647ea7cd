/*
 * queue.h: a bounded, thread-safe FIFO of alert lines between the
 * reading thread and a sending thread. Lines are copied in. A full
 * queue blocks the producer (back-pressure, never loss) unless the
 * caller asks not to wait.
 */
#ifndef FP_QUEUE_H
#define FP_QUEUE_H

#include <stddef.h>

struct queue_item {
	char *line;		/* owned by the caller after queue_pop */
	size_t len;
};

struct queue;

struct queue *queue_new(size_t capacity);
/* 0 queued; -1 when closed, or full and wait is 0 */
int queue_push(struct queue *q, const char *line, size_t len, int wait);
/*
 * 1 and *item; 0 when timeout (seconds, < 0: forever) passed with the
 * queue empty; -1 when closed and empty
 */
int queue_pop(struct queue *q, struct queue_item *item, double timeout);
/* no more pushes; pops drain what is left */
void queue_close(struct queue *q);
size_t queue_length(struct queue *q);
void queue_free(struct queue *q);

#endif
