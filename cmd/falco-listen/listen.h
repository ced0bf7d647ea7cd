/*
 * listen.h: what the files of falco-listen share. main.c reads the
 * options and answers HTTP requests; body.c turns a request body into
 * alert lines; writer.c is the one thread that writes standard output.
 */
#ifndef FALCO_LISTEN_H
#define FALCO_LISTEN_H

#include <stddef.h>

#include "alert.h"
#include "buf.h"
#include "queue.h"
#include "spool.h"

/* ---- body.c ---- */

enum body_verdict {
	BODY_OK,
	BODY_BAD,		/* not JSON objects: 400 */
	BODY_TOO_LONG		/* an alert longer than --max-line-bytes: 413 */
};

/*
 * Split a body into alerts: one JSON object (Falco's body, compact or
 * pretty-printed) or several separated by blanks (NDJSON). Every alert
 * is validated before any is kept, so a body is taken whole or not at
 * all. Each alert is compacted to one line (json_compact: blanks between
 * tokens go, every token is kept byte for byte) and, when keep says so
 * (keep NULL: always), appended to lines with a newline. On BODY_BAD and
 * BODY_TOO_LONG, why holds the reason, "line 3: invalid JSON at byte 17",
 * naming the body line where the alert starts. *count is the number of
 * alerts found.
 */
enum body_verdict body_split(const char *body, size_t len, size_t max_line,
    struct alert *a, int (*keep)(void *ctx, struct alert *a), void *ctx,
    struct buf *lines, size_t *count, struct buf *why);

/* Falcosidekick's test alert (POST /test), from falco-listen, now */
void test_alert(struct buf *out);

/* ---- writer.c ---- */

struct writer;

/*
 * Start the thread that pops q and writes each line to standard output.
 * When standard output is closed (EPIPE) or, after a stop, does not take
 * what is left before the drain deadline (stop_deadline()), the lines
 * not written go to dead, in order, and the writer asks the program to
 * stop (stop_request()).
 */
struct writer *writer_start(struct queue *q, struct spool *dead);
/*
 * Wait for the writer to have written or kept every line (the queue
 * must be closed). Returns EXIT_OK, EXIT_FAILED (lines were kept in the
 * dead letter), EXIT_USAGE (a write error) or EXIT_PIPE.
 */
int writer_finish(struct writer *w);

#endif
