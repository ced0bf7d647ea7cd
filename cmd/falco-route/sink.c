/*
 * sink.c: the sinks of falco-route and the children behind them.
 *
 * Every sink has its own queue and a non-blocking descriptor, so a sink
 * that stops reading holds up only itself. The loop in main.c calls
 * sinks_service() whenever anything may have changed; writes that
 * would block wait for poll().
 *
 * A "|CMD" sink remembers the alerts it wrote into the pipe until they
 * are known to be read: unread bytes can never exceed the pipe's
 * capacity, and when the command dies FIONREAD on the write end says how
 * many bytes it left, so those alerts go to the next command first.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "clock.h"
#include "exitcode.h"
#include "proc.h"
#include "spool.h"
#include "xalloc.h"

#include "route.h"

#define RESTART_DELAY_FIRST 0.1
#define RESTART_DELAY_MAX 10.0
#define REOPEN_DELAY 0.1	/* a FIFO with no reader yet */
#define REOPEN_DELAY_ERROR 1.0
#define DRAIN_CHECK_DELAY 0.02	/* how often to ask a pipe if it was read */
#define SPACE_RETRY_DELAY 1.0	/* a full disk, tried again */
/* a sink's batch is written once it holds this much */
#define BATCH_BYTES (64 * 1024)
/* execve(2) refuses a single environment string longer than this */
#define ENV_VALUE_MAX (128 * 1024 - 64)

extern char **environ;

/* one run of a "!CMD" sink */
struct run {
	pid_t pid;
	int fd;			/* its stdin, until the line is written */
	struct sink *sink;
	struct item line;
	size_t off;
	char *rule;		/* for messages, control characters removed */
	double deadline;	/* 0: none */
	int timed_out;
	int abandoned;
};

/* ---- the queue ---- */

static struct item *
ring_at(const struct item_ring *q, size_t i)
{
	return &q->items[(q->head + i) & (q->cap - 1)];
}

static void
ring_push(struct item_ring *q, struct item item)
{
	struct item *items;
	size_t cap, i;

	if (q->count == q->cap) {
		cap = q->cap ? q->cap * 2 : 16;
		items = xmalloc(cap * sizeof(*items));
		for (i = 0; i < q->count; i++)
			items[i] = *ring_at(q, i);
		free(q->items);
		q->items = items;
		q->cap = cap;
		q->head = 0;
	}
	*ring_at(q, q->count++) = item;
	q->bytes += item.len;
}

static struct item
ring_pop(struct item_ring *q)
{
	struct item item = *ring_at(q, 0);

	q->head = (q->head + 1) & (q->cap - 1);
	q->count--;
	q->bytes -= item.len;
	return item;
}

static size_t
pending(const struct sink *s)
{
	return s->queue.count - s->queue.sent;
}

/* bytes of the alerts not yet written (a pipe's unread ones are apart) */
static size_t
pending_bytes(const struct sink *s)
{
	return s->queue.bytes - s->queue.sent_bytes;
}

/* the queue holds --queue alerts or --queue-bytes: what comes waits */
static int
queue_at_bound(const struct router *r, const struct sink *s)
{
	return pending(s) >= r->config.queue_max ||
	    pending_bytes(s) >= r->config.queue_bytes;
}

/* below half of both bounds: time to take alerts back from the spool */
static int
queue_low(const struct router *r, const struct sink *s)
{
	return pending(s) < r->config.queue_max / 2 + 1 &&
	    pending_bytes(s) < r->config.queue_bytes / 2 + 1;
}

static struct item
item_copy(const char *line, size_t len)
{
	struct item item = { xmalloc(len + 1), len + 1 };

	memcpy(item.data, line, len);
	item.data[len] = '\n';
	return item;
}

/* ---- what could not be delivered ---- */

static void
dead_letter(struct router *r, struct sink *s, const struct item *item)
{
	(void)r;
	s->failed++;
	/* an item ends with its newline; the spool adds its own */
	spool_append(s->dead_letters, item->data, item->len - 1);
}

/* the next spooled alert as an item (its newline back on): 1, or 0 */
static int
spool_take_item(struct sink *s, struct item *item)
{
	char *line;
	size_t len;

	if (!spool_take(s->spool, &line, &len))
		return 0;
	line[len] = '\n';
	item->data = line;
	item->len = len + 1;
	return 1;
}

/* everything queued or spooled for s, to the dead letters */
static void
sink_give_up_queue(struct router *r, struct sink *s)
{
	struct item item;

	while (s->queue.count > 0) {
		item = ring_pop(&s->queue);
		dead_letter(r, s, &item);
		free(item.data);
	}
	s->queue.sent = s->queue.sent_bytes = 0;
	s->write_off = 0;
	while (spool_take_item(s, &item)) {
		dead_letter(r, s, &item);
		free(item.data);
	}
}

static void
sink_close_fds(struct sink *s)
{
	if (s->orig_fd == s->fd)
		s->orig_fd = -1;
	if (s->fd >= 0 && close(s->fd) < 0 && s->kind != SINK_PIPE)
		warn("'%s'", s->name);
	s->fd = -1;
	if (s->orig_fd >= 0)
		close(s->orig_fd);
	s->orig_fd = -1;
}

/* a file or descriptor that cannot be written any more */
static void
sink_fail(struct router *r, struct sink *s, int error)
{
	warnx("'%s': %s", s->name, strerror(error));
	s->dead = 1;
	sink_close_fds(s);
	sink_give_up_queue(r, s);
}

/* ---- children ---- */

/* /bin/sh -c command, stdin from a new pipe whose write end is *fd */
static pid_t
spawn(char *command, char **envp, int *fd)
{
	char shell[] = "sh", dash_c[] = "-c";
	char *argv[] = { shell, dash_c, command, NULL };
	struct proc_spec spec = {
		.file = "/bin/sh",
		.argv = argv,
		.envp = envp,
		.stdout_fd = PROC_INHERIT,
		/* the router's SIGTERM is not the command's: it is told by EOF */
		.new_group = 1,
	};
	int p[2];
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return -1;
	spec.stdin_fd = p[0];
	pid = proc_start(&spec);
	close(p[0]);
	if (pid < 0) {
		close(p[1]);
		return -1;
	}
	fcntl(p[1], F_SETFL, O_NONBLOCK);
	*fd = p[1];
	return pid;
}

/* ---- "|CMD" ---- */

static void
pipe_start(struct sink *s)
{
	int capacity;

	s->restart_at = 0;
	s->progressed = 0;
	s->broken = 0;
	s->pid = spawn(s->target, environ, &s->fd);
	if (s->pid < 0) {
		warn("'%s'", s->name);
		s->pid = 0;
		s->restart_at = clock_now() + RESTART_DELAY_MAX;
		return;
	}
	capacity = fcntl(s->fd, F_GETPIPE_SZ);
	s->pipe_capacity = capacity > 0 ? (size_t)capacity : 65536;
}

/*
 * Forget the sent alerts that are surely read: those with at least
 * "unread" bytes written after them (the pipe holds the last bytes).
 */
static void
pipe_trim(struct sink *s, size_t unread)
{
	struct item_ring *q = &s->queue;
	struct item *first;

	while (q->sent > 0) {
		first = ring_at(q, 0);
		if (q->sent_bytes - first->len + s->write_off < unread)
			return;
		q->sent--;
		q->sent_bytes -= first->len;
		free(first->data);
		ring_pop(q);
		s->delivered++;
		s->progressed = 1;
	}
}

/* how much the command has not read yet; everything when unknown */
static size_t
pipe_unread(const struct sink *s)
{
	int unread;

	if (s->fd < 0 || ioctl(s->fd, FIONREAD, &unread) < 0)
		return s->queue.sent_bytes + s->write_off;
	return (size_t)unread;
}

static void
pipe_confirm(struct sink *s)
{
	if ((s->kind == SINK_PIPE || s->fifo) && s->fd >= 0)
		pipe_trim(s, pipe_unread(s));
}

static double
restart_delay(int tries)
{
	double delay = RESTART_DELAY_FIRST;

	while (tries-- > 0 && delay < RESTART_DELAY_MAX)
		delay *= 2;
	return delay < RESTART_DELAY_MAX ? delay : RESTART_DELAY_MAX;
}

static void
pipe_died(struct router *r, struct sink *s, int status)
{
	char how[64];
	double delay;

	proc_describe(status, how, sizeof(how));
	s->pid = 0;
	if (s->fd >= 0) {
		pipe_trim(s, pipe_unread(s));
		close(s->fd);
		s->fd = -1;
	}
	/* what it did not read goes to the next command first, in order */
	s->queue.sent = s->queue.sent_bytes = 0;
	s->write_off = 0;
	/* at the end of input a command that read everything may end before
	 * its input is closed: nothing is left to restart it for */
	if (r->draining && s->queue.count == 0 && spool_records(s->spool) == 0)
		s->closing = 1;
	if (s->closing) {
		if (!proc_succeeded(status))
			warnx("'%s': %s", s->name, how);
		return;
	}
	if (s->progressed)
		s->tries = 0;
	if (s->tries >= r->config.restart_max) {
		warnx("'%s': %s, giving up after %d restarts", s->name, how,
		    s->tries);
		s->dead = 1;
		sink_give_up_queue(r, s);
		return;
	}
	delay = restart_delay(s->tries++);
	warnx("'%s': %s, restarting in %gs", s->name, how, delay);
	s->restart_at = clock_now() + delay;
}

/* ---- "PATH" and descriptors ---- */

/* a sink whose descriptor is a pipe learns how much of it was read */
static void
note_fifo(struct sink *s)
{
	struct stat st;
	int capacity;

	s->fifo = fstat(s->fd, &st) == 0 && S_ISFIFO(st.st_mode);
	if (!s->fifo)
		return;
	capacity = fcntl(s->fd, F_GETPIPE_SZ);
	s->pipe_capacity = capacity > 0 ? (size_t)capacity : 65536;
}

/* /dev/null, however it is named: every write to it succeeds */
static int
is_dev_null(int fd)
{
	struct stat st, null;

	return fstat(fd, &st) == 0 && S_ISCHR(st.st_mode) &&
	    stat("/dev/null", &null) == 0 && S_ISCHR(null.st_mode) &&
	    st.st_rdev == null.st_rdev;
}

static int
file_open(struct sink *s)
{
	/* O_NONBLOCK: a FIFO without a reader fails with ENXIO instead of
	 * hanging the router, and later writes to it never block */
	int fd = open(s->target, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC |
	    O_NONBLOCK, 0666);

	if (fd < 0)
		return -1;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = fd;
	s->reopen_at = 0;
	s->reopen_errno = 0;
	note_fifo(s);
	s->discards = is_dev_null(fd);
	return 0;
}

/* a FIFO nobody reads yet is tried again quietly; other errors are
 * reported once each time they change */
static void
file_open_later(struct sink *s)
{
	int error = errno;

	if (error != ENXIO && error != s->reopen_errno)
		warn("'%s'", s->target);
	s->reopen_errno = error;
	s->reopen_at = clock_now() +
	    (error == ENXIO ? REOPEN_DELAY : REOPEN_DELAY_ERROR);
}

/*
 * A pipe inherited from the shell gets a description of its own
 * (/proc/self/fd reopens a pipe), made non-blocking without changing the
 * one the shell and our children share.
 */
static void
descriptor_open(struct sink *s)
{
	struct stat st;
	char path[64];
	int fd;

	/* commands keep standard output and error, but no other sink's
	 * descriptor, or its reader would wait for them to see the end */
	if (s->orig_fd > 2)
		fcntl(s->orig_fd, F_SETFD, FD_CLOEXEC);
	s->fd = s->orig_fd;
	if (fstat(s->orig_fd, &st) < 0 || !S_ISFIFO(st.st_mode))
		return;
	snprintf(path, sizeof(path), "/proc/self/fd/%d", s->orig_fd);
	fd = open(path, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0)
		s->fd = fd;
	note_fifo(s);
}

void
sink_start(struct router *r, struct sink *s)
{
	s->spool = spool_overflow(r->config.spool_dir, "spool");
	s->dead_letters = spool_overflow(r->config.spool_dir, "failed");
	switch (s->kind) {
	case SINK_FILE:
		if (file_open(s) < 0 && errno != ENXIO)
			err(EXIT_USAGE, "'%s'", s->target);
		if (s->fd < 0)
			file_open_later(s);
		break;
	case SINK_FD:
		descriptor_open(s);
		break;
	case SINK_PIPE:
		pipe_start(s);
		break;
	case SINK_EXEC:
		break;
	}
}

/* ---- writing ---- */

/* fill the queue back from the spool, oldest first */
static void
sink_refill(const struct router *r, struct sink *s)
{
	struct item item;

	while (!queue_at_bound(r, s) && spool_take_item(s, &item))
		ring_push(&s->queue, item);
}

static void
sink_item_written(struct sink *s)
{
	struct item_ring *q = &s->queue;
	struct item *item = ring_at(q, q->sent);

	s->write_off = 0;
	s->space_said = 0;
	if (s->kind == SINK_PIPE || s->fifo) {
		q->sent++;
		q->sent_bytes += item->len;
		pipe_trim(s, s->pipe_capacity);
		return;
	}
	free(ring_pop(q).data);
	s->delivered++;
}

/*
 * A full disk passes: the torn end of the alert is cut off, so the file
 * holds whole lines only, and the alert is written again later.
 */
static void
file_out_of_space(struct sink *s, int error)
{
	struct stat st;

	if (s->write_off > 0 && fstat(s->fd, &st) == 0 &&
	    st.st_size >= (off_t)s->write_off &&
	    ftruncate(s->fd, st.st_size - (off_t)s->write_off) == 0)
		s->write_off = 0;
	/* said once until a write goes through again */
	if (!s->space_said)
		warnx("'%s': %s: trying again every %gs", s->name,
		    strerror(error), SPACE_RETRY_DELAY);
	s->space_said = 1;
	s->waiting_for_space = 1;
	s->reopen_at = clock_now() + SPACE_RETRY_DELAY;
}

/*
 * The reader of a FIFO went away: what it had read is delivered, what
 * is still in the pipe is sent again, to the next reader of a named
 * FIFO, or kept as undelivered for an inherited descriptor.
 */
static void
fifo_reader_gone(struct router *r, struct sink *s, int error)
{
	pipe_trim(s, pipe_unread(s));
	s->queue.sent = s->queue.sent_bytes = 0;
	s->write_off = 0;
	if (s->kind != SINK_FILE) {
		sink_fail(r, s, error);
		return;
	}
	close(s->fd);
	s->fd = -1;
	s->fifo = 0;
	warnx("'%s': %s: waiting for a new reader", s->name, strerror(error));
	s->reopen_errno = ENXIO;
	s->reopen_at = clock_now() + REOPEN_DELAY;
}

static void
sink_write_error(struct router *r, struct sink *s, int error)
{
	if (s->kind == SINK_FILE && (error == ENOSPC || error == EDQUOT)) {
		file_out_of_space(s, error);
		return;
	}
	if (s->fifo && error == EPIPE) {
		fifo_reader_gone(r, s, error);
		return;
	}
	if (s->kind != SINK_PIPE) {
		sink_fail(r, s, error);
		return;
	}
	/* the command closed its input: end it, the restart resends */
	s->broken = 1;
	if (s->pid > 0)
		kill(-s->pid, SIGTERM);
}

static void
sink_write(struct router *r, struct sink *s)
{
	struct item *item;
	ssize_t n;

	while (s->fd >= 0 && !s->broken && !s->waiting_for_space &&
	    pending(s) > 0) {
		item = ring_at(&s->queue, s->queue.sent);
		n = write(s->fd, item->data + s->write_off,
		    item->len - s->write_off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0) {
			sink_write_error(r, s, errno);
			return;
		}
		s->write_off += (size_t)n;
		if (s->write_off == item->len)
			sink_item_written(s);
		if (queue_low(r, s))
			sink_refill(r, s);
	}
}

/*
 * Write the batch in one write(2). Each alert of it counts as delivered
 * once all its bytes are written; the others are queued in order, the
 * first with what was written of it, so a full disk, a closed socket or a
 * later retry treats them as it treats any queued alert.
 */
static void
sink_flush(struct router *r, struct sink *s)
{
	const char *p = s->batch.data, *end = p + s->batch.len, *nl;
	size_t done = 0;
	ssize_t n = 0;
	int error = 0;

	if (s->batch.len == 0)
		return;
	if (s->fd >= 0 && !s->waiting_for_space) {
		do
			n = write(s->fd, p, s->batch.len);
		while (n < 0 && errno == EINTR);
		error = n < 0 ? errno : 0;
		done = n > 0 ? (size_t)n : 0;
	}
	if (done == s->batch.len) {
		s->delivered += s->batch_alerts;
	} else {
		for (; p < end; p = nl + 1) {
			nl = memchr(p, '\n', (size_t)(end - p));
			if ((size_t)(nl + 1 - s->batch.data) <= done) {
				s->delivered++;
				continue;
			}
			ring_push(&s->queue, item_copy(p, (size_t)(nl - p)));
			if ((size_t)(p - s->batch.data) < done)
				s->write_off = done - (size_t)(p - s->batch.data);
		}
	}
	buf_reset(&s->batch);
	s->batch_alerts = 0;
	if (error != 0 && error != EAGAIN)
		sink_write_error(r, s, error);
}

void
sinks_reopen_files(struct router *r)
{
	struct sink *s;
	size_t i;

	for (i = 0; i < r->nsinks; i++) {
		s = r->sinks[i];
		/* what was read before the signal goes to the file it had */
		sink_flush(r, s);
		/* never in the middle of an alert */
		if (s->kind != SINK_FILE || s->dead || s->finished ||
		    s->write_off > 0)
			continue;
		if (file_open(s) < 0)
			file_open_later(s);
	}
}

/* ---- "!CMD" ---- */

static const char *const exec_env_fields[][2] = {
	{ "FALCO_RULE", "rule" },
	{ "FALCO_PRIORITY", "priority" },
	{ "FALCO_TIME", "time" },
	{ "FALCO_SOURCE", "source" },
	{ "FALCO_HOSTNAME", "hostname" },
	{ "FALCO_K8S_NS", "k8s.ns.name" },
	{ "FALCO_K8S_POD", "k8s.pod.name" },
	{ "FALCO_CONTAINER_ID", "container.id" },
};
#define N_EXEC_ENV (sizeof(exec_env_fields) / sizeof(exec_env_fields[0]))

static int
env_is_ours(const char *entry)
{
	size_t i, n;

	for (i = 0; i < N_EXEC_ENV; i++) {
		n = strlen(exec_env_fields[i][0]);
		if (strncmp(entry, exec_env_fields[i][0], n) == 0 && entry[n] == '=')
			return 1;
	}
	return 0;
}

/*
 * An environment string ends at its first NUL and execve(2) refuses one
 * over 128 KiB: a value with a NUL is left empty, a long one is cut with
 * a marker, and either is said, so the command never gets a value that
 * silently differs from the alert's (falco-route(1), ENVIRONMENT).
 */
static void
env_value(struct buf *entry, const char *name, const char *value, size_t len)
{
	static const char marker[] = "[truncated]";
	size_t keep;

	if (memchr(value, '\0', len) != NULL) {
		warnx("%s: the value holds a NUL byte: left empty", name);
		return;
	}
	if (len <= ENV_VALUE_MAX) {
		buf_add(entry, value, len);
		return;
	}
	keep = ENV_VALUE_MAX - sizeof(marker);
	/* never cut a UTF-8 character in two */
	while (keep > 0 && ((unsigned char)value[keep] & 0xc0) == 0x80)
		keep--;
	buf_add(entry, value, keep);
	buf_adds(entry, marker);
	warnx("%s: the value is %zu bytes: cut to %zu", name, len,
	    keep + sizeof(marker) - 1);
}

/*
 * The alert's fields reach the command only as environment values,
 * never in its command line, so no alert text is ever parsed by a shell.
 */
static char **
exec_environment(const struct item *line, char **rule)
{
	struct buf entry = BUF_INIT;
	struct alert a;
	const char *reason, *value;
	char **envp, *p;
	size_t n = 0, count = 0, len, i;
	int parsed;

	while (environ[count] != NULL)
		count++;
	envp = xcalloc(count + N_EXEC_ENV + 1, sizeof(*envp));
	for (i = 0; i < count; i++)
		if (!env_is_ours(environ[i]))
			envp[n++] = xstrdup(environ[i]);
	alert_init(&a);
	parsed = alert_parse(&a, line->data, line->len - 1, &reason) == 0;
	for (i = 0; i < N_EXEC_ENV; i++) {
		len = 0;
		value = parsed ?
		    alert_field_text(&a, exec_env_fields[i][1], &len) : NULL;
		buf_reset(&entry);
		buf_printf(&entry, "%s=", exec_env_fields[i][0]);
		if (value != NULL)
			env_value(&entry, exec_env_fields[i][0], value, len);
		if (i == 0)
			*rule = xstrdup(buf_str(&entry) + strlen("FALCO_RULE="));
		envp[n++] = xstrdup(buf_str(&entry));
	}
	buf_free(&entry);
	alert_free(&a);
	for (p = *rule; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	return envp;
}

static void
environment_free(char **envp)
{
	char **p;

	for (p = envp; *p != NULL; p++)
		free(*p);
	free(envp);
}

static void
run_write(struct run *run)
{
	ssize_t n;

	while (run->fd >= 0 && run->off < run->line.len) {
		n = write(run->fd, run->line.data + run->off,
		    run->line.len - run->off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			return;
		if (n < 0)
			break;	/* EPIPE: the command did not want its input */
		run->off += (size_t)n;
	}
	if (run->fd >= 0)
		close(run->fd);
	run->fd = -1;
}

static void
run_start(struct router *r, struct sink *s)
{
	struct item line = ring_pop(&s->queue);
	struct run *run;
	char **envp, *rule = NULL;

	envp = exec_environment(&line, &rule);
	r->runs = xgrow(r->runs, &r->runs_cap, r->nruns + 1, sizeof(*r->runs));
	run = &r->runs[r->nruns];
	memset(run, 0, sizeof(*run));
	run->pid = spawn(s->target, envp, &run->fd);
	environment_free(envp);
	if (run->pid < 0) {
		warn("'%s'", s->name);
		dead_letter(r, s, &line);
		free(line.data);
		free(rule);
		return;
	}
	r->nruns++;
	run->sink = s;
	run->line = line;
	run->rule = rule;
	if (r->config.exec_timeout > 0)
		run->deadline = clock_now() + r->config.exec_timeout;
	run_write(run);
}

static void
run_reaped(struct router *r, size_t i, int status)
{
	struct run *run = &r->runs[i];
	struct sink *s = run->sink;
	char how[64];

	if (run->fd >= 0)
		close(run->fd);
	if (run->timed_out)
		snprintf(how, sizeof(how), "timed out after %gs",
		    r->config.exec_timeout);
	else
		proc_describe(status, how, sizeof(how));
	if (run->abandoned) {
		dead_letter(r, s, &run->line);
	} else if (!run->timed_out && proc_succeeded(status)) {
		s->delivered++;
	} else {
		warnx("'%s': rule '%s': %s", s->name, run->rule, how);
		dead_letter(r, s, &run->line);
	}
	free(run->line.data);
	free(run->rule);
	r->runs[i] = r->runs[--r->nruns];
}

static size_t
sink_runs(const struct router *r, const struct sink *s)
{
	size_t n = 0, i;

	for (i = 0; i < r->nruns; i++)
		n += r->runs[i].sink == s;
	return n;
}

/* ---- the loop's entry points ---- */

static void
sink_pump(struct router *r, struct sink *s)
{
	sink_flush(r, s);
	if (s->dead)
		return;
	if (queue_low(r, s))
		sink_refill(r, s);
	if (s->kind != SINK_EXEC) {
		sink_write(r, s);
		return;
	}
	while (pending(s) > 0 && r->nruns < (size_t)r->config.max_procs) {
		run_start(r, s);
		sink_refill(r, s);
	}
}

/*
 * A sink that cannot take the alert now: spool, drop, or queue anyway
 * (and main.c reads no more until it has room). A spool that cannot
 * take it either makes the sink wait as --on-full block does, with one
 * line on stderr; nothing is lost. 0, or -1 when even that cannot be
 * done without passing alerts still spooled: service, then try again.
 */
static int
sink_overflow(struct router *r, struct sink *s, const char *line, size_t len)
{
	switch (r->config.on_full) {
	case ON_FULL_DROP:
		s->dropped++;
		return 0;
	case ON_FULL_BLOCK:
		ring_push(&s->queue, item_copy(line, len));
		return 0;
	case ON_FULL_SPOOL:
		break;
	}
	if (spool_append(s->spool, line, len) == 0) {
		s->spooled++;
		return 0;
	}
	if (!s->spool_blocked)
		warnx("'%s': cannot spool: reading waits for the sink", s->name);
	s->spool_blocked = 1;
	/* what is spooled goes first: this one waits until it is all sent */
	if (spool_records(s->spool) > 0)
		return -1;
	ring_push(&s->queue, item_copy(line, len));
	return 0;
}

/* PATH and descriptors that are not pipes, with nothing waiting: batched */
static int
sink_batches(const struct sink *s)
{
	return (s->kind == SINK_FILE || s->kind == SINK_FD) && s->fd >= 0 &&
	    !s->fifo && !s->waiting_for_space && pending(s) == 0 &&
	    spool_records(s->spool) == 0;
}

static void
sink_batch(struct router *r, struct sink *s, const char *line, size_t len)
{
	/* --default /dev/null: most alerts of a stream, and no write can fail */
	if (s->discards) {
		s->delivered++;
		return;
	}
	buf_add(&s->batch, line, len);
	buf_addc(&s->batch, '\n');
	/* the batch counts against --queue as queued alerts do */
	if (++s->batch_alerts >= r->config.queue_max ||
	    s->batch.len >= BATCH_BYTES || s->batch.len >= r->config.queue_bytes)
		sink_flush(r, s);
}

/* line: the alert's bytes without its newline */
int
sink_give(struct router *r, struct sink *s, const char *line, size_t len)
{
	struct item item;

	if (s->dead) {
		item = item_copy(line, len);
		dead_letter(r, s, &item);
		free(item.data);
		return 0;
	}
	if (sink_batches(s)) {
		sink_batch(r, s, line, len);
		return 0;
	}
	/* what is batched goes before this one */
	sink_flush(r, s);
	if (spool_records(s->spool) > 0 || queue_at_bound(r, s)) {
		if (sink_overflow(r, s, line, len) < 0)
			return -1;
		sink_pump(r, s);
		return 0;
	}
	ring_push(&s->queue, item_copy(line, len));
	sink_pump(r, s);
	return 0;
}

/* 1 while main.c must read nothing more for this sink's sake */
int
sink_full(const struct router *r, const struct sink *s)
{
	if (s->dead)
		return 0;
	if (r->config.on_full == ON_FULL_BLOCK)
		return queue_at_bound(r, s);
	/* past a bound only when the spool failed; one alert larger than
	 * --queue-bytes on its own is not that */
	return pending(s) > r->config.queue_max ||
	    (pending(s) > 1 && pending_bytes(s) > r->config.queue_bytes);
}

static void
sink_timers(struct sink *s, double now)
{
	if (s->kind == SINK_PIPE && !s->dead && !s->closing && s->pid == 0 &&
	    s->restart_at > 0 && now >= s->restart_at)
		pipe_start(s);
	if (s->kind == SINK_FILE && !s->dead && s->waiting_for_space &&
	    now >= s->reopen_at) {
		s->waiting_for_space = 0;
		s->reopen_at = 0;
	}
	if (s->kind == SINK_FILE && !s->dead && s->fd < 0 &&
	    s->reopen_at > 0 && now >= s->reopen_at && file_open(s) < 0)
		file_open_later(s);
}

void
sinks_service(struct router *r)
{
	double now = clock_now();
	struct run *run;
	size_t i;

	for (i = 0; i < r->nsinks; i++) {
		sink_timers(r->sinks[i], now);
		sink_pump(r, r->sinks[i]);
	}
	for (i = 0; i < r->nruns; i++) {
		run = &r->runs[i];
		run_write(run);
		if (run->deadline > 0 && now >= run->deadline &&
		    !run->timed_out) {
			run->timed_out = 1;
			kill(-run->pid, SIGKILL);
		}
	}
}

size_t
sinks_poll_max(const struct router *r)
{
	return r->nsinks + (size_t)r->config.max_procs;
}

static void
earliest(double *timeout, double at, double now)
{
	double wait = at > now ? at - now : 0;

	if (at > 0 && (*timeout < 0 || wait < *timeout))
		*timeout = wait;
}

/* descriptors to wait on; *timeout lowered to the next timer (< 0: none) */
int
sinks_poll_fds(struct router *r, struct pollfd *fds, int max,
    double *timeout)
{
	double now = clock_now();
	struct sink *s;
	struct run *run;
	size_t i;
	int k = 0;

	for (i = 0; i < r->nsinks && k < max; i++) {
		s = r->sinks[i];
		if (s->dead || s->finished)
			continue;
		earliest(timeout, s->restart_at, now);
		earliest(timeout, s->reopen_at, now);
		if (s->fd >= 0 && !s->broken && !s->waiting_for_space &&
		    pending(s) > 0 && s->kind != SINK_EXEC)
			fds[k++] = (struct pollfd){ .fd = s->fd, .events = POLLOUT };
		if (r->draining && (s->kind == SINK_PIPE || s->fifo) &&
		    s->fd >= 0 && pending(s) == 0 && s->queue.sent > 0)
			earliest(timeout, now + DRAIN_CHECK_DELAY, now);
	}
	for (i = 0; i < r->nruns && k < max; i++) {
		run = &r->runs[i];
		if (run->fd >= 0)
			fds[k++] = (struct pollfd){ .fd = run->fd, .events = POLLOUT };
		if (!run->timed_out)
			earliest(timeout, run->deadline, now);
	}
	return k;
}

/* a finished sink's command was given up on: only its pid is forgotten */
static void
child_exited(struct router *r, pid_t pid, int status)
{
	struct sink *s;
	size_t i;

	for (i = 0; i < r->nsinks; i++) {
		s = r->sinks[i];
		if (s->kind != SINK_PIPE || s->pid != pid)
			continue;
		if (s->finished)
			s->pid = 0;
		else
			pipe_died(r, s, status);
	}
	for (i = 0; i < r->nruns; i++) {
		if (r->runs[i].pid == pid) {
			run_reaped(r, i, status);
			return;
		}
	}
}

void
sinks_reap(struct router *r)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0)
		child_exited(r, pid, status);
}

static int
sinks_have_children(const struct router *r)
{
	size_t i;

	for (i = 0; i < r->nsinks; i++)
		if (r->sinks[i]->kind == SINK_PIPE && r->sinks[i]->pid > 0)
			return 1;
	return r->nruns > 0;
}

/* ---- the end ---- */

static int
sink_try_finish(const struct router *r, struct sink *s)
{
	if (s->finished)
		return 1;
	if (s->dead) {
		sink_close_fds(s);
		if (s->kind != SINK_PIPE || s->pid == 0)
			s->finished = 1;
		return s->finished;
	}
	if (s->batch.len > 0 || pending(s) > 0 ||
	    spool_records(s->spool) > 0)
		return 0;
	switch (s->kind) {
	case SINK_FILE:
	case SINK_FD:
		/* a FIFO's alerts are delivered once its reader has them */
		pipe_confirm(s);
		if (s->queue.sent > 0)
			return 0;
		sink_close_fds(s);
		break;
	case SINK_PIPE:
		pipe_confirm(s);
		if (s->queue.sent > 0)
			return 0;
		if (s->fd >= 0) {
			close(s->fd);
			s->fd = -1;
		}
		s->closing = 1;
		s->restart_at = 0;
		if (s->pid > 0)
			return 0;
		break;
	case SINK_EXEC:
		if (sink_runs(r, s) > 0)
			return 0;
		break;
	}
	s->finished = 1;
	return 1;
}

/* 1 when every sink has taken everything and been closed */
int
sinks_try_finish(struct router *r)
{
	size_t i;
	int all = 1;

	for (i = 0; i < r->nsinks; i++)
		all &= sink_try_finish(r, r->sinks[i]);
	return all && !sinks_have_children(r);
}

static void
reap_all_blocking(struct router *r)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, 0)) > 0 ||
	    (pid < 0 && errno == EINTR))
		if (pid > 0)
			child_exited(r, pid, status);
}

/* the drain timeout passed: stop every sink that has not finished */
void
sinks_abandon(struct router *r)
{
	struct sink *s;
	size_t i;

	for (i = 0; i < r->nsinks; i++) {
		s = r->sinks[i];
		if (s->finished)
			continue;
		pipe_confirm(s);
		if (s->kind == SINK_PIPE && s->pid > 0) {
			if (s->closing)
				warnx("'%s': still running after the drain timeout, killed",
				    s->name);
			kill(-s->pid, SIGKILL);
		}
		s->closing = 1;
		sink_flush(r, s);
		sink_close_fds(s);
		sink_give_up_queue(r, s);
		s->finished = 1;
	}
	for (i = 0; i < r->nruns; i++) {
		r->runs[i].abandoned = 1;
		kill(-r->runs[i].pid, SIGKILL);
	}
	reap_all_blocking(r);
}

int
sink_lost(const struct sink *s)
{
	return s->dropped > 0 || s->failed > 0;
}

static void
sink_summary(const struct sink *s)
{
	fprintf(stderr, "%s: '%s': %lu delivered, %lu spooled, %lu dropped, "
	    "%lu failed\n", program_invocation_short_name, s->name,
	    s->delivered, s->spooled, s->dropped, s->failed);
}

void
sinks_summary(struct router *r)
{
	size_t i;

	for (i = 0; i < r->nsinks; i++) {
		sink_flush(r, r->sinks[i]);
		pipe_confirm(r->sinks[i]);
		sink_summary(r->sinks[i]);
	}
}

/*
 * Name the files that hold undelivered alerts (synced first), remove the
 * empty spools: 0, or -1 when an alert could not be kept.
 */
int
sinks_report_kept(struct router *r)
{
	struct sink *s;
	unsigned long kept;
	int rc = 0;
	size_t i;

	for (i = 0; i < r->nsinks; i++) {
		s = r->sinks[i];
		kept = spool_kept(s->dead_letters);
		if (kept > 0 && spool_sync(s->dead_letters) == 0)
			warnx("'%s': %lu undelivered %s kept in '%s'", s->name,
			    kept, kept == 1 ? "alert" : "alerts",
			    spool_path(s->dead_letters));
		else if (kept > 0)
			rc = -1;
		if (spool_failed(s->dead_letters) > 0)
			rc = -1;
		spool_close(s->dead_letters, 1);
		spool_close(s->spool, 0);
		s->dead_letters = s->spool = NULL;
	}
	return rc;
}

void
sinks_free(struct router *r)
{
	struct item_ring *q;
	size_t i;

	for (i = 0; i < r->nsinks; i++) {
		q = &r->sinks[i]->queue;
		while (q->count > 0)
			free(ring_pop(q).data);
		free(q->items);
		buf_free(&r->sinks[i]->batch);
	}
	free(r->runs);
	r->runs = NULL;
	r->nruns = r->runs_cap = 0;
}
