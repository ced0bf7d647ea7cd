#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "exitcode.h"
#include "num.h"
#include "out.h"
#include "reader.h"
#include "signals.h"
#include "xalloc.h"

/* how much one read(2) asks for; the buffer holds a whole line more */
#define READ_CHUNK (128 * 1024)

struct reader {
	char *const *files;
	int nfiles;
	int next_file;		/* index of the file to open after this one */
	int fd;			/* -1 when no file is open */
	const char *name;
	unsigned long lineno;
	char *buf;
	size_t cap, start, end;
	size_t max_line;
	int skipping;		/* inside a line already reported too long */
	int at_eof;		/* the open file has no more data */
	int regular;		/* a regular file: a read never waits */
	int follow;		/* --follow: the end of a file or FIFO is not the end */
	int idle;		/* following a file at its end: nothing to read */
	const char *path;	/* what was opened, for following a rotation */
	int stopped;		/* a stop came: no new input after this line */
	int quiet;
	int strict;
	unsigned long long_lines;
	int failed_files;
	void (*on_wait)(void *);
	void *on_wait_ctx;
	void (*on_last_open)(void *);
	void *on_last_open_ctx;
};

size_t
reader_max_line_option(const char *text)
{
	return size_parse(text, 1, (size_t)1 << 30, "--max-line-bytes");
}

struct reader *
reader_open(char *const *files, int nfiles, size_t max_line)
{
	struct reader *r = xcalloc(1, sizeof(*r));

	r->files = files;
	r->nfiles = files != NULL ? nfiles : 0;
	r->fd = -1;
	r->max_line = max_line;
	r->cap = max_line + 1 + READ_CHUNK;
	r->buf = xmalloc(r->cap);
	return r;
}

void
reader_on_wait(struct reader *r, void (*hook)(void *), void *ctx)
{
	r->on_wait = hook;
	r->on_wait_ctx = ctx;
}

void
reader_on_last_open(struct reader *r, void (*hook)(void *), void *ctx)
{
	r->on_last_open = hook;
	r->on_last_open_ctx = ctx;
}

void
reader_flush_output(void *reader)
{
	struct reader *r = reader;

	/* poll(2) says a regular file is readable even at its end */
	if (r->idle)
		out_flush();
	else
		out_flush_if_idle(reader_fd(r));
}

void
reader_set_quiet(struct reader *r, int quiet)
{
	r->quiet = quiet;
}

void
reader_set_follow(struct reader *r, int follow)
{
	r->follow = follow;
}

void
reader_set_strict(struct reader *r, int strict)
{
	r->strict = strict;
}

int
reader_fd(const struct reader *r)
{
	return r->fd;
}

unsigned long
reader_long_lines(const struct reader *r)
{
	return r->long_lines;
}

int
reader_failed_files(const struct reader *r)
{
	return r->failed_files;
}

/* after each open: the on_last_open hook, once, after the last one */
static void
opened(struct reader *r)
{
	void (*hook)(void *) = r->on_last_open;
	int saved = errno;	/* a failed open is reported after the hook */

	if (hook == NULL || r->next_file < r->nfiles)
		return;
	r->on_last_open = NULL;
	hook(r->on_last_open_ctx);
	errno = saved;
}

/* open the next input; 0 when there is none left */
static int
open_next(struct reader *r)
{
	for (;;) {
		const char *path;

		if (r->nfiles == 0 && r->next_file == 0)
			path = "-";
		else if (r->next_file < r->nfiles)
			path = r->files[r->next_file];
		else
			return 0;
		if (r->stopped || stop_requested())
			return 0;
		r->next_file++;
		r->lineno = 0;
		r->skipping = 0;
		r->path = path;
		if (strcmp(path, "-") == 0) {
			r->fd = STDIN_FILENO;
			r->name = "(standard input)";
		} else {
			r->fd = open(path, O_RDONLY | O_CLOEXEC);
			r->name = path;
		}
		opened(r);
		if (r->fd >= 0) {
			struct stat st;

			r->regular = fstat(r->fd, &st) == 0 && S_ISREG(st.st_mode);
			return 1;
		}
		r->failed_files++;
		if (!r->quiet)
			warn("%s", path);
	}
}

static void
close_current(struct reader *r)
{
	if (r->fd > STDIN_FILENO)
		close(r->fd);
	r->fd = -1;
	r->start = r->end = 0;
	r->at_eof = 0;
}

static void
report_long(struct reader *r, unsigned long lineno)
{
	r->long_lines++;
	if (!r->quiet || r->strict)
		warnx("%s:%lu: line longer than %zu bytes%s", r->name,
		    lineno, r->max_line, r->strict ? "" : ", skipped");
	if (r->strict)
		exit(EXIT_USAGE);
}

/* empty, or blanks only: no alert, and nothing to report */
static int
blank(const char *text, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		if (text[i] != ' ' && text[i] != '\t')
			return 0;
	return 1;
}

/* a complete line [start, start + len); 1 when it is worth returning */
static int
take_line(struct reader *r, size_t len, struct reader_line *line)
{
	const char *text = r->buf + r->start;
	int was_skipping = r->skipping;

	r->lineno++;
	r->skipping = 0;
	if (was_skipping)
		return 0;
	if (len > r->max_line) {
		report_long(r, r->lineno);
		return 0;
	}
	/* a UTF-8 byte order mark is no part of the first alert */
	if (r->lineno == 1 && len >= 3 && memcmp(text, "\xef\xbb\xbf", 3) == 0) {
		text += 3;
		len -= 3;
	}
	line->raw_len = len;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (blank(text, len))
		return 0;
	line->text = text;
	line->len = len;
	line->file = r->name;
	line->lineno = r->lineno;
	return 1;
}

/*
 * Wait until the input is readable: 1, or 0 when a stop came first.
 * A regular file never makes a read wait, so it is not polled.
 */
static int
wait_for_input(struct reader *r)
{
	struct pollfd fds[2] = {
		{ .fd = r->fd, .events = POLLIN },
		{ .fd = stop_fd(), .events = POLLIN },
	};

	if (r->regular)
		return !stop_requested();
	for (;;) {
		if (stop_requested())
			return 0;
		if (poll(fds, 2, -1) >= 0 || errno != EINTR)
			return 1;
	}
}

static int
read_some(struct reader *r, size_t want)
{
	ssize_t n;

	for (;;) {
		n = read(r->fd, r->buf + r->end, want);
		if (n > 0) {
			r->end += (size_t)n;
			return 1;
		}
		if (n == 0)
			return 0;
		if (errno == EINTR)
			continue;
		r->failed_files++;
		if (!r->quiet)
			warn("%s", r->name);
		return 0;
	}
}

/*
 * After a stop, the line under way is still finished, a byte at a time
 * so that nothing past its newline is taken from the input: what the
 * writer sent after it stays unread for whoever reads next. The wait
 * for its end is bounded by the drain deadline; then it ends there.
 */
static int
finish_line(struct reader *r)
{
	struct pollfd input = { .fd = r->fd, .events = POLLIN };
	double left;

	r->stopped = 1;
	if (r->end == r->start || r->skipping)
		return 0;
	while (r->end < r->cap) {
		if (!r->regular) {
			left = stop_deadline() - clock_now();
			if (left <= 0 || poll(&input, 1, (int)(left * 1000) + 1) == 0)
				return 0;
		}
		if (!read_some(r, 1))
			return 0;
		if (r->buf[r->end - 1] == '\n')
			return 1;
	}
	return 1;
}

/*
 * --follow at the end of a FIFO: its writer went away, another will
 * come. Opened for writing too, by us, it never again reads as ended.
 */
static int
follow_fifo(struct reader *r)
{
	char self[64];
	int fd;

	snprintf(self, sizeof(self), "/proc/self/fd/%d", r->fd);
	fd = open(strcmp(r->path, "-") == 0 ? self : r->path,
	    O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		warn("%s", r->name);
		return 0;
	}
	if (r->fd == STDIN_FILENO) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	} else {
		close(r->fd);
		r->fd = fd;
	}
	return 1;
}

/*
 * --follow at the end of a regular file, as tail -F: wait for it to
 * grow, to be truncated (start again at its top) or to be replaced by a
 * new file of the same name (logrotate: read that one from its top).
 * 1 when there may be more to read, 0 on a stop.
 */
static int
follow_file(struct reader *r)
{
	struct pollfd stop = { .fd = stop_fd(), .events = POLLIN };
	struct stat now, named;
	off_t pos;
	int fd;

	for (;;) {
		if (r->on_wait != NULL) {
			r->idle = 1;
			r->on_wait(r->on_wait_ctx);
			r->idle = 0;
		}
		if (stop_requested())
			return 0;
		if (fstat(r->fd, &now) < 0)
			return 0;
		pos = lseek(r->fd, 0, SEEK_CUR);
		if (now.st_size > pos)
			return 1;
		if (now.st_size < pos) {
			lseek(r->fd, 0, SEEK_SET);
			return 1;
		}
		if (strcmp(r->path, "-") != 0 && stat(r->path, &named) == 0 &&
		    (named.st_ino != now.st_ino || named.st_dev != now.st_dev) &&
		    (fd = open(r->path, O_RDONLY | O_CLOEXEC)) >= 0) {
			close(r->fd);
			r->fd = fd;
			return 1;
		}
		/* 250 ms, as tail -F's default sleep */
		poll(&stop, 1, 250);
	}
}

/* 1 when the end just read is not the end: following goes on */
static int
follow(struct reader *r)
{
	struct stat st;

	if (!r->follow || stop_requested() || fstat(r->fd, &st) < 0)
		return 0;
	if (S_ISFIFO(st.st_mode))
		return follow_fifo(r);
	if (S_ISREG(st.st_mode))
		return follow_file(r);
	return 0;
}

/* read more into the buffer: 1 data, 0 end of this file (or a stop) */
static int
fill(struct reader *r)
{
	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->stopped)
		return 0;
	if (r->on_wait != NULL && !stop_requested())
		r->on_wait(r->on_wait_ctx);
	for (;;) {
		if (!wait_for_input(r))
			return finish_line(r);
		if (read_some(r, r->cap - r->end))
			return 1;
		if (!follow(r))
			return 0;
	}
}

int
reader_next(struct reader *r, struct reader_line *line)
{
	size_t scanned = 0;

	for (;;) {
		char *nl;

		if (r->fd < 0 && !open_next(r))
			return 0;
		nl = memchr(r->buf + r->start + scanned, '\n',
		    r->end - r->start - scanned);
		if (nl != NULL) {
			size_t len = (size_t)(nl - (r->buf + r->start));
			int got = take_line(r, len, line);

			r->start += len + 1;
			scanned = 0;
			if (got)
				return 1;
			continue;
		}
		if (r->at_eof) {
			/* a last line without a newline still counts */
			size_t len = r->end - r->start;
			int got = len > 0 && take_line(r, len, line);

			r->start = r->end;
			if (got)
				return 1;
			close_current(r);
			scanned = 0;
			continue;
		}
		scanned = r->end - r->start;
		if (!r->skipping && scanned > r->max_line) {
			report_long(r, r->lineno + 1);
			r->skipping = 1;
		}
		if (r->skipping) {
			r->start = r->end = 0;
			scanned = 0;
		}
		if (!fill(r))
			r->at_eof = 1;
	}
}

void
reader_close(struct reader *r)
{
	if (r == NULL)
		return;
	close_current(r);
	free(r->buf);
	free(r);
}

void
reader_report_bad(const struct reader_line *line, const char *reason)
{
	char first = line->len > 0 ? line->text[0] : '{';

	/* Falco's text output: a time or a word where JSON would start */
	if (first != '{' && first != '[' &&
	    strncmp(reason, "invalid JSON", 12) == 0)
		warnx("%s:%lu: %s (Falco writes JSON only with json_output: "
		    "true)", line->file, line->lineno, reason);
	else
		warnx("%s:%lu: %s", line->file, line->lineno, reason);
}
