/*
 * queue.h: a bounded, thread-safe FIFO of alert lines between the
 * threads of a program (a reader and a sender, HTTP handlers and a
 * writer). Lines are copied in. The queue is bounded in alerts and in
 * bytes; a full queue makes the producer wait (back-pressure, never
 * loss), unless it spills: with queue_spill() the lines that do not fit
 * go to an overflow spool file and come back, in order, when the queue
 * has drained. When the spool cannot take a line (its limit, or a full
 * disk) the producer waits again; that is said once on stderr.
 */
#ifndef FP_QUEUE_H
#define FP_QUEUE_H

#include <stddef.h>

struct spool;

struct queue_item {
	char *line;		/* owned by the caller after queue_pop */
	size_t len;
};

struct queue;

/* max_bytes 0: no bound in bytes; a line longer than it still fits alone */
struct queue *queue_new(size_t max_alerts, size_t max_bytes);
/* spill what does not fit into sp, up to max_bytes on disk (0: no limit) */
void queue_spill(struct queue *q, struct spool *sp, size_t max_bytes);
/* 0 queued (or spilled); -1 when closed, or full and wait is 0 */
int queue_push(struct queue *q, const char *line, size_t len, int wait);
/*
 * 1 and *item; 0 when timeout (seconds, < 0: forever) passed with the
 * queue empty; -1 when closed and empty
 */
int queue_pop(struct queue *q, struct queue_item *item, double timeout);
/* no more pushes; pops drain what is left, spilled lines included */
void queue_close(struct queue *q);
/* alerts waiting, in memory and spilled */
size_t queue_length(struct queue *q);
void queue_free(struct queue *q);

#endif
