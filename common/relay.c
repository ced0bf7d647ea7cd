/*
 * relay.c: a synchronous stand-in for the lead's relay (issue 8), so
 * falco-loki and falco-webhook are written against relay.h before it
 * lands on main; main's version replaces this file at the merge. It
 * reads, passes through, gathers and sends on one thread, and keeps
 * what was not delivered in the dead-letter file.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "exitcode.h"
#include "out.h"
#include "relay.h"
#include "statedir.h"
#include "xalloc.h"

struct relay {
	struct relay_options o;
	const struct relay_ops *ops;
	void *ctx;
	struct alert alert;
	struct buf batch;	/* the batch's lines, each with its newline */
	size_t batch_alerts;
	char *dead_letter;
	int dead_fd;
	unsigned long not_delivered, not_kept;
};

struct relay *
relay_new(const struct relay_options *options, const struct relay_ops *ops,
    void *ctx)
{
	struct relay *r = xcalloc(1, sizeof(*r));

	r->o = *options;
	r->ops = ops;
	r->ctx = ctx;
	r->dead_fd = -1;
	alert_init(&r->alert);
	if (options->dead_letter != NULL)
		r->dead_letter = xstrdup(options->dead_letter);
	return r;
}

static void
keep(struct relay *r, const char *lines, size_t len, size_t alerts)
{
	struct buf path = BUF_INIT;

	r->not_delivered += alerts;
	if (r->dead_fd < 0) {
		if (r->dead_letter == NULL) {
			buf_printf(&path, "%s/%s.dead-letter.ndjson", state_dir(),
			    program_invocation_short_name);
			r->dead_letter = xstrdup(path.data);
			buf_free(&path);
		}
		r->dead_fd = open(r->dead_letter, O_WRONLY | O_CREAT | O_APPEND |
		    O_CLOEXEC, 0600);
	}
	if (r->dead_fd < 0 || write(r->dead_fd, lines, len) != (ssize_t)len)
		r->not_kept += alerts;
}

static void
send_batch(struct relay *r)
{
	if (r->batch_alerts == 0)
		return;
	if (r->ops->send(r->ctx, r) != RELAY_SENT)
		keep(r, r->batch.data, r->batch.len, r->batch_alerts);
	buf_reset(&r->batch);
	r->batch_alerts = 0;
}

static void
take(struct relay *r, const char *line, size_t len)
{
	int rc = r->ops->add(r->ctx, &r->alert, line, len);

	if (rc == 1) {
		send_batch(r);
		rc = r->ops->add(r->ctx, &r->alert, line, len);
	}
	if (rc < 0) {
		struct buf one = BUF_INIT;

		buf_add(&one, line, len);
		buf_addc(&one, '\n');
		keep(r, one.data, one.len, 1);
		buf_free(&one);
		return;
	}
	buf_add(&r->batch, line, len);
	buf_addc(&r->batch, '\n');
	r->batch_alerts++;
}

int
relay_run(struct relay *r, struct reader *in)
{
	struct reader_line line;
	const char *reason;
	double wait;
	int status = EXIT_OK;

	reader_on_wait(in, reader_flush_output, in);
	while (reader_next(in, &line)) {
		if (alert_parse(&r->alert, line.text, line.len, &reason) != 0)
			warnx("%s:%lu: %s", line.file, line.lineno, reason);
		else if (r->o.select == NULL ||
		    select_wants(r->o.select, &r->alert))
			take(r, line.text, line.len);
		if (!r->o.quiet && !r->o.dry_run)
			out_line(line.text, line.raw_len);
		if (r->batch_alerts > 0 && r->ops->due(r->ctx, 0) == 0)
			send_batch(r);
	}
	while (r->batch_alerts > 0) {
		wait = r->ops->due(r->ctx, 1);
		clock_sleep(wait);
		send_batch(r);
	}
	if (r->dead_fd >= 0 && (fsync(r->dead_fd) != 0 || close(r->dead_fd) != 0))
		r->not_kept = r->not_delivered;
	if (r->not_delivered > 0 && r->not_kept == 0)
		warnx("%lu %s not delivered, kept in '%s'", r->not_delivered,
		    r->not_delivered == 1 ? "alert" : "alerts", r->dead_letter);
	else if (r->not_delivered > 0)
		warnx("%lu %s not delivered, %lu of them not kept: '%s'",
		    r->not_delivered, r->not_delivered == 1 ? "alert" : "alerts",
		    r->not_kept, r->dead_letter);
	if (r->not_delivered > 0)
		status = EXIT_FAILED;
	if (reader_long_lines(in) > 0 || reader_failed_files(in) > 0)
		status = EXIT_USAGE;
	return status;
}

int
relay_cancelled(void *relay)
{
	(void)relay;
	return 0;
}

void
relay_print(struct relay *r, const char *text, size_t len)
{
	(void)r;
	out_line(text, len);
	out_flush();
}

void
relay_free(struct relay *r)
{
	if (r == NULL)
		return;
	alert_free(&r->alert);
	buf_free(&r->batch);
	free(r->dead_letter);
	free(r);
}
