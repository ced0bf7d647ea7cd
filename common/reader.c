#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "exitcode.h"
#include "num.h"
#include "out.h"
#include "reader.h"
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
	out_flush_if_idle(reader_fd(reader));
}

void
reader_set_quiet(struct reader *r, int quiet)
{
	r->quiet = quiet;
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
		r->next_file++;
		r->lineno = 0;
		r->skipping = 0;
		if (strcmp(path, "-") == 0) {
			r->fd = STDIN_FILENO;
			r->name = "(standard input)";
			opened(r);
			return 1;
		}
		r->fd = open(path, O_RDONLY | O_CLOEXEC);
		r->name = path;
		opened(r);
		if (r->fd >= 0)
			return 1;
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
	line->raw_len = len;
	if (len > 0 && text[len - 1] == '\r')
		len--;
	if (len == 0)
		return 0;
	line->text = text;
	line->len = len;
	line->file = r->name;
	line->lineno = r->lineno;
	return 1;
}

/* read more into the buffer: 1 data, 0 end of this file */
static int
fill(struct reader *r)
{
	ssize_t n;

	if (r->start > 0) {
		memmove(r->buf, r->buf + r->start, r->end - r->start);
		r->end -= r->start;
		r->start = 0;
	}
	if (r->on_wait != NULL)
		r->on_wait(r->on_wait_ctx);
	for (;;) {
		n = read(r->fd, r->buf + r->end, r->cap - r->end);
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
