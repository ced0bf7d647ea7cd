/*
 * relay.h: the runtime of a program that passes alerts through and
 * sends the ones it selected somewhere (falco-slack, falco-loki,
 * falco-webhook). The caller's thread reads: it passes every line
 * through to standard output byte for byte (unless quiet or a dry run)
 * and queues the alerts the selection wants. A sender thread gathers
 * them into a batch and sends the batch when the program says it is
 * due. The alerts of a batch that could not be delivered go to the
 * dead-letter file (spool.h).
 *
 * The end of input, SIGTERM/SIGINT (signals.h) and EPIPE on standard
 * output end the same way: every line read is passed on, and every
 * alert queued is sent or kept, within --drain-timeout; then one line
 * on stderr names what was not delivered and where it was kept. After a
 * SIGHUP (signals_init with SIGNAL_HUP) the dead-letter file is opened
 * again before the next alert is kept in it.
 *
 * The queue is bounded in alerts and bytes; past it, alerts spill to an
 * overflow file in the state directory (up to --max-spool), and past
 * that the reader waits: back-pressure, never loss.
 *
 * A program supplies only what is its own, in struct relay_ops; every
 * op runs on the sender thread. It puts RELAY_OPTIONS in its option
 * table, sets the defaults with relay_options_init and hands every
 * option to relay_option.
 */
#ifndef FP_RELAY_H
#define FP_RELAY_H

#include <getopt.h>
#include <stddef.h>

#include "alert.h"
#include "reader.h"
#include "select.h"

enum relay_outcome {
	RELAY_SENT,		/* delivered: the batch is forgotten */
	RELAY_FAILED,		/* not delivered, and reported: the batch is kept */
	RELAY_CANCELLED		/* not tried, or cut short, because the drain
				 * time was over: kept, counted in one line */
};

struct relay;

struct relay_ops {
	/*
	 * Take an alert into the batch being gathered. line is the alert
	 * as read (no newline), a the same alert parsed. 0: taken. 1: it
	 * does not fit; the relay sends the batch first and offers the
	 * alert again (never answered for an empty batch). -1: it can never
	 * be sent (reported by the program): the relay keeps it.
	 */
	int (*add)(void *ctx, struct alert *a, const char *line, size_t len);
	/*
	 * Seconds until the batch should leave: 0 now, > 0 later (a rate
	 * limit, a batch wait), < 0 not until another alert comes. ending
	 * is 1 once no more alerts will come. Called only with a batch.
	 */
	double (*due)(void *ctx, int ending);
	/* send the batch, then forget it (whatever the outcome) */
	enum relay_outcome (*send)(void *ctx, struct relay *r);
};

struct relay_options {
	const struct selection *select;	/* which alerts to send; NULL: all */
	int quiet;			/* -q: pass nothing through */
	int dry_run;			/* -n: pass nothing through; send prints */
	size_t queue_size;		/* --queue-size: alerts in memory */
	size_t queue_bytes;		/* --queue-bytes: their bytes */
	size_t max_spool;		/* --max-spool: bytes spilled to disk, 0: none */
	double drain_timeout;		/* --drain-timeout, from the end of input */
	const char *dead_letter;	/* --dead-letter, NULL: state directory */
};

/* option keys of the long-only options every relay takes */
enum {
	OPT_DEAD_LETTER = 0x7d00,
	OPT_DRAIN_TIMEOUT,
	OPT_QUEUE_SIZE,
	OPT_QUEUE_BYTES,
	OPT_MAX_SPOOL
};

#define RELAY_OPTIONS \
	{ "dead-letter", OPT_DEAD_LETTER, required_argument, "FILE", \
	    "keep undelivered alerts in FILE (default: state directory)" }, \
	{ "drain-timeout", OPT_DRAIN_TIMEOUT, required_argument, "DURATION", \
	    "time to deliver what is queued at the end (default 30s)" }, \
	{ "queue-size", OPT_QUEUE_SIZE, required_argument, "N", \
	    "alerts waiting in memory to be sent (default 10000)" }, \
	{ "queue-bytes", OPT_QUEUE_BYTES, required_argument, "SIZE", \
	    "bytes of alerts waiting in memory (default 16M)" }, \
	{ "max-spool", OPT_MAX_SPOOL, required_argument, "SIZE", \
	    "bytes of waiting alerts kept on disk past that (default 1G)" }

/* the defaults the help above states, nothing selected */
void relay_options_init(struct relay_options *o);
/* 1 when key is one of RELAY_OPTIONS (then it is taken), else 0 */
int relay_option(struct relay_options *o, int key, const char *arg);

struct relay *relay_new(const struct relay_options *options,
    const struct relay_ops *ops, void *ctx);
/*
 * Read in until it ends (or a stop), deliver, report. Returns the exit
 * status: 0, EXIT_FAILED when an alert was not delivered, EXIT_USAGE
 * when input could not be read whole, EXIT_PIPE when standard output
 * was closed.
 */
int relay_run(struct relay *r, struct reader *in);
/*
 * For http_options.cancelled (ctx: the relay): 1 once the drain time is
 * over, so a request under way is cut short and no retry is made.
 */
int relay_cancelled(void *relay);
/* a dry run's output: the line and a newline, on standard output */
void relay_print(struct relay *r, const char *text, size_t len);
void relay_free(struct relay *r);

#endif
