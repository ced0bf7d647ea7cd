/*
 * writer.c: the one thread that writes standard output. Alerts from
 * every connection meet in the queue, so lines never interleave; the
 * writer gathers what is waiting into one write(2) and writes as soon as
 * the queue is empty, so a lone alert is not held back.
 *
 * A pipe is written through a descriptor of its own opened with
 * O_NONBLOCK (/proc/self/fd/1 opens the pipe anew), so after a stop the
 * writer can give up at the drain deadline instead of waiting forever on
 * a reader that stopped; standard output's own flags, which a shell or
 * standard error may share, are left alone.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "exitcode.h"
#include "listen.h"
#include "queue.h"
#include "signals.h"
#include "spool.h"
#include "xalloc.h"

/* big enough that a burst leaves in few write(2) calls */
#define WRITE_CHUNK (64 * 1024)

enum outcome {
	WRITING,
	BROKEN,			/* EPIPE: the reader went away */
	WRITE_ERROR,		/* another write error, reported */
	GAVE_UP			/* the drain deadline passed */
};

struct writer {
	struct queue *q;
	struct spool *dead;
	int fd;			/* where lines go: 1, or our non-blocking copy */
	int own_fd;		/* fd is ours to close */
	int socket;		/* fd is a socket: send(MSG_DONTWAIT) */
	struct buf out;		/* lines popped and not yet written */
	size_t written;		/* bytes of out already written */
	int outcome;		/* enum outcome; read by others after the join */
	pthread_t thread;
};

static void
open_output(struct writer *w)
{
	struct stat st;
	int fd;

	w->fd = STDOUT_FILENO;
	if (fstat(STDOUT_FILENO, &st) < 0)
		return;
	if (S_ISSOCK(st.st_mode)) {
		w->socket = 1;
		return;
	}
	if (!S_ISFIFO(st.st_mode))
		return;
	/* no reader left: fd 1 will say EPIPE soon enough */
	fd = open("/proc/self/fd/1", O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd >= 0) {
		w->fd = fd;
		w->own_fd = 1;
	}
}

static void
set_outcome(struct writer *w, int outcome)
{
	w->outcome = outcome;
	/* a server that cannot write what it accepts must stop accepting */
	stop_request();
}

static void
keep(struct writer *w, const char *line, size_t len)
{
	/* a failure is reported by the spool and counted for the report */
	(void)spool_append(w->dead, line, len);
}

/*
 * What was popped and not written goes to the dead letter, from the
 * start of the line that was being written: that line may have reached
 * the reader cut short, so it is kept whole.
 */
static void
keep_unwritten(struct writer *w)
{
	const char *p = w->out.data, *end = w->out.data + w->out.len, *nl;

	if (w->out.len == 0)
		return;
	if (w->written > 0) {
		nl = memrchr(p, '\n', w->written);
		p = nl != NULL ? nl + 1 : p;
	}
	while (p < end && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		keep(w, p, (size_t)(nl - p));
		p = nl + 1;
	}
	buf_reset(&w->out);
	w->written = 0;
}

/* 0 once fd is writable; -1 when a stop's deadline passed first */
static int
wait_writable(struct writer *w)
{
	struct pollfd fds[2];
	double left;
	int timeout;

	for (;;) {
		fds[0].fd = w->fd;
		fds[0].events = POLLOUT;
		fds[1].fd = stop_fd();
		fds[1].events = POLLIN;
		timeout = -1;
		if (stop_requested()) {
			left = stop_deadline() - clock_now();
			if (left <= 0)
				return -1;
			timeout = (int)(left * 1000) + 1;
		}
		/* once stopped, stop_fd stays readable: poll fd alone */
		if (poll(fds, stop_requested() ? 1 : 2, timeout) < 0 &&
		    errno != EINTR)
			err(EXIT_USAGE, "poll");
		if (fds[0].revents != 0)
			return 0;
	}
}

static ssize_t
write_some(struct writer *w, const char *p, size_t n)
{
	if (w->socket)
		return send(w->fd, p, n, MSG_DONTWAIT | MSG_NOSIGNAL);
	return write(w->fd, p, n);
}

static void
flush(struct writer *w)
{
	ssize_t n;

	while (w->written < w->out.len) {
		n = write_some(w, w->out.data + w->written,
		    w->out.len - w->written);
		if (n > 0) {
			w->written += (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (wait_writable(w) == 0)
				continue;
			set_outcome(w, GAVE_UP);
		} else if (n < 0 && errno == EPIPE) {
			set_outcome(w, BROKEN);
		} else {
			warn("standard output");
			set_outcome(w, WRITE_ERROR);
		}
		keep_unwritten(w);
		return;
	}
	buf_reset(&w->out);
	w->written = 0;
}

static void *
run(void *arg)
{
	struct writer *w = arg;
	struct queue_item item;
	int rc;

	for (;;) {
		/* nothing in hand: wait; else take what is there, then write */
		rc = queue_pop(w->q, &item, w->out.len > 0 ? 0 : -1);
		if (rc == 1) {
			if (w->outcome != WRITING) {
				keep(w, item.line, item.len);
			} else {
				buf_add(&w->out, item.line, item.len);
				buf_addc(&w->out, '\n');
			}
			free(item.line);
			if (w->out.len >= WRITE_CHUNK)
				flush(w);
			continue;
		}
		flush(w);
		if (rc < 0)
			break;
	}
	return NULL;
}

struct writer *
writer_start(struct queue *q, struct spool *dead)
{
	struct writer *w = xcalloc(1, sizeof(*w));
	int rc;

	w->q = q;
	w->dead = dead;
	w->outcome = WRITING;
	open_output(w);
	if ((rc = pthread_create(&w->thread, NULL, run, w)) != 0) {
		errno = rc;
		err(EXIT_USAGE, "pthread_create");
	}
	return w;
}

int
writer_finish(struct writer *w)
{
	int outcome, status = EXIT_OK;

	pthread_join(w->thread, NULL);
	outcome = w->outcome;
	if (w->own_fd && close(w->fd) < 0 && outcome == WRITING) {
		warn("standard output");
		outcome = WRITE_ERROR;
	}
	if (outcome == GAVE_UP)
		status = EXIT_FAILED;
	else if (outcome == WRITE_ERROR)
		status = EXIT_USAGE;
	else if (outcome == BROKEN)
		status = EXIT_PIPE;
	buf_free(&w->out);
	free(w);
	return status;
}
