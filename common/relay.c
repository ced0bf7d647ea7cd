/*
 * relay.c: see relay.h. Two threads: the caller's reads and passes
 * through, the sender gathers and sends. They meet only in the queue and
 * in a few atomics; the sender alone touches the batch, so no lock is
 * held while a request is under way.
 */
#include <err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "exitcode.h"
#include "num.h"
#include "out.h"
#include "queue.h"
#include "relay.h"
#include "signals.h"
#include "spool.h"
#include "xalloc.h"

struct relay {
	struct relay_options options;
	const struct relay_ops *ops;
	void *ctx;
	struct queue *queue;
	struct spool *overflow;		/* what the queue spills */
	struct spool *dead_letter;
	/* the sender's: the lines of the batch being gathered, on disk,
	 * since a digest may stand for many thousands of alerts */
	FILE *batch_lines;
	size_t batch_count;
	struct alert alert;
	unsigned long undelivered, not_in_time;
	pthread_t sender;
	_Atomic double deadline;	/* when the drain ends; 0: not yet known */
	atomic_int pipe_broken;
};

void
relay_options_init(struct relay_options *o)
{
	memset(o, 0, sizeof(*o));
	o->drain_timeout = 30;
	o->queue_size = 10000;
	o->queue_bytes = 16 << 20;
	o->max_spool = (size_t)1 << 30;
}

int
relay_option(struct relay_options *o, int key, const char *arg)
{
	switch (key) {
	case OPT_DEAD_LETTER:
		o->dead_letter = arg;
		return 1;
	case OPT_DRAIN_TIMEOUT:
		o->drain_timeout = duration_parse(arg, 0, 86400,
		    "--drain-timeout");
		return 1;
	case OPT_QUEUE_SIZE:
		o->queue_size = (size_t)num_parse(arg, 1, 10000000,
		    "--queue-size");
		return 1;
	case OPT_QUEUE_BYTES:
		o->queue_bytes = size_parse(arg, 1, (size_t)1 << 40,
		    "--queue-bytes");
		return 1;
	case OPT_MAX_SPOOL:
		o->max_spool = size_parse(arg, 0, (size_t)1 << 50,
		    "--max-spool");
		return 1;
	default:
		return 0;
	}
}

struct relay *
relay_new(const struct relay_options *options, const struct relay_ops *ops,
    void *ctx)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->options = *options;
	r->ops = ops;
	r->ctx = ctx;
	r->queue = queue_new(options->queue_size, options->queue_bytes);
	if (options->max_spool > 0) {
		r->overflow = spool_overflow(NULL, "queue");
		queue_spill(r->queue, r->overflow, options->max_spool);
	}
	r->dead_letter = spool_dead_letter(options->dead_letter);
	if ((r->batch_lines = tmpfile()) == NULL)
		err(EXIT_USAGE, "temporary file");
	alert_init(&r->alert);
	return r;
}

int
relay_cancelled(void *relay)
{
	struct relay *r = relay;
	double deadline = atomic_load(&r->deadline);

	if (deadline == 0 && stop_requested())
		deadline = stop_deadline();
	return deadline > 0 && clock_now() >= deadline;
}

void
relay_print(struct relay *r, const char *text, size_t len)
{
	(void)r;
	/* in a dry run only the sender writes standard output */
	out_line(text, len);
	out_flush();
}

/* ---- the sender thread ---- */

static void
keep(struct relay *r, const char *line, size_t len)
{
	/* logrotate moved the file: the next alert starts a new one */
	if (signals_take() & SIGNAL_HUP)
		spool_reopen(r->dead_letter);
	r->undelivered++;
	spool_append(r->dead_letter, line, len);
}

static void
batch_forget(struct relay *r)
{
	rewind(r->batch_lines);
	if (ftruncate(fileno(r->batch_lines), 0) < 0)
		warn("temporary file");
	r->batch_count = 0;
}

static void
batch_keep(struct relay *r)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	rewind(r->batch_lines);
	while ((n = getline(&line, &cap, r->batch_lines)) > 0)
		keep(r, line, (size_t)n - 1);
	free(line);
	if (ferror(r->batch_lines))
		warn("temporary file");
}

static void
send_batch(struct relay *r)
{
	enum relay_outcome outcome = r->ops->send(r->ctx, r);

	if (outcome == RELAY_CANCELLED)
		r->not_in_time += r->batch_count;
	if (outcome != RELAY_SENT)
		batch_keep(r);
	batch_forget(r);
}

static void
offer(struct relay *r, struct queue_item *item)
{
	const char *reason;
	int rc;

	/* the reader queued only lines that parsed */
	if (alert_parse(&r->alert, item->line, item->len, &reason) < 0) {
		keep(r, item->line, item->len);
		return;
	}
	for (;;) {
		rc = r->ops->add(r->ctx, &r->alert, item->line, item->len);
		if (rc == 0) {
			if (fwrite(item->line, 1, item->len, r->batch_lines) !=
			    item->len || putc('\n', r->batch_lines) == EOF)
				warn("temporary file");
			r->batch_count++;
			return;
		}
		if (rc < 0 || r->batch_count == 0) {
			keep(r, item->line, item->len);
			return;
		}
		send_batch(r);
		/* the send may have used r->alert's scratch: parse again */
		if (alert_parse(&r->alert, item->line, item->len, &reason) < 0)
			return;
	}
}

/* wait no longer than the drain deadline while a batch waits */
static double
until_deadline(struct relay *r, double wait)
{
	double deadline = atomic_load(&r->deadline), left;

	if (deadline == 0 && stop_requested())
		deadline = stop_deadline();
	if (deadline == 0)
		return wait;
	left = deadline - clock_now();
	if (left < 0)
		left = 0;
	return wait < 0 || wait > left ? left : wait;
}

static void *
sender_main(void *arg)
{
	struct relay *r = arg;
	struct queue_item item;
	int ending = 0, rc;
	double wait;

	for (;;) {
		if (r->batch_count > 0) {
			wait = relay_cancelled(r) ? 0 :
			    r->ops->due(r->ctx, ending);
			if (wait < 0 && ending)
				wait = 0;
			if (wait == 0) {
				send_batch(r);
				continue;
			}
			wait = until_deadline(r, wait);
		} else if (ending) {
			break;
		} else {
			wait = -1;
		}
		if (ending) {
			clock_sleep(wait);
			continue;
		}
		rc = queue_pop(r->queue, &item, wait);
		if (rc == 1) {
			offer(r, &item);
			free(item.line);
		} else if (rc < 0) {
			ending = 1;
		}
	}
	return NULL;
}

/* ---- the reading thread ---- */

static void
output_gone(void *arg)
{
	struct relay *r = arg;

	/* what was read is still sent: end as if input ended here */
	atomic_store(&r->pipe_broken, 1);
	stop_request();
}

static void
enqueue(struct relay *r, const struct reader_line *line)
{
	if (queue_push(r->queue, line->text, line->len, 0) == 0)
		return;
	/* the queue is full: what was read leaves before we wait */
	if (!r->options.dry_run)
		out_flush();
	if (queue_push(r->queue, line->text, line->len, 1) < 0)
		keep(r, line->text, line->len);
}

static void
read_all(struct relay *r, struct reader *in)
{
	const struct selection *select = r->options.select;
	struct reader_line line;
	struct alert a;
	const char *reason;
	int pass = !r->options.quiet && !r->options.dry_run;

	alert_init(&a);
	while (reader_next(in, &line)) {
		/* queued before it is passed on: if the output is gone, still sent */
		if (alert_parse(&a, line.text, line.len, &reason) < 0)
			reader_report_bad(&line, reason);
		else if (select == NULL || select_wants(select, &a))
			enqueue(r, &line);
		if (pass)
			out_line(line.text, line.raw_len);
	}
	alert_free(&a);
}

static int
exit_status(struct relay *r, struct reader *in)
{
	if (reader_failed_files(in) > 0 || reader_long_lines(in) > 0)
		return EXIT_USAGE;
	if (r->undelivered > 0 || spool_failed(r->dead_letter) > 0)
		return EXIT_FAILED;
	if (atomic_load(&r->pipe_broken))
		return EXIT_PIPE;
	return EXIT_OK;
}

int
relay_run(struct relay *r, struct reader *in)
{
	if (!r->options.dry_run) {
		/* in a dry run the sender writes: it flushes after each print */
		reader_on_wait(in, reader_flush_output, in);
	}
	out_on_broken_pipe(output_gone, r);
	if (pthread_create(&r->sender, NULL, sender_main, r) != 0)
		errx(EXIT_USAGE, "cannot start a thread");

	read_all(r, in);

	atomic_store(&r->deadline, stop_requested() ? stop_deadline() :
	    clock_now() + r->options.drain_timeout);
	queue_close(r->queue);
	if (!r->options.dry_run)
		out_flush();
	pthread_join(r->sender, NULL);

	if (r->not_in_time > 0)
		warnx("--drain-timeout: %lu %s not sent in time", r->not_in_time,
		    r->not_in_time == 1 ? "alert" : "alerts");
	spool_report(r->dead_letter);
	return exit_status(r, in);
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	queue_free(r->queue);
	spool_close(r->overflow, 0);
	spool_close(r->dead_letter, 1);
	if (r->batch_lines != NULL)
		fclose(r->batch_lines);
	alert_free(&r->alert);
	free(r);
}
