#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "exitcode.h"
#include "ratefile.h"
#include "xalloc.h"

/*
 * Events are kept at least this long, whatever the window, so that runs
 * sharing a file with different windows do not erase each other's count
 * too early; and at most this many, which bounds the file.
 */
#define KEEP_SECONDS 3600.0
#define KEEP_EVENTS 100000
#define FILE_MAX (16 * 1024 * 1024)

struct ratefile {
	char *path;		/* NULL: in memory only */
	int fd;
	long long count;
	double seconds;
	struct buf memory;	/* the file's text, in memory mode */
	char taken[32];		/* the time written by this process's last take */
};

static struct ratefile *
ratefile_new(long long count, double seconds)
{
	struct ratefile *r = xcalloc(1, sizeof(*r));

	r->fd = -1;
	r->count = count;
	r->seconds = seconds;
	return r;
}

struct ratefile *
ratefile_try_open(const char *path, long long count, double seconds)
{
	struct ratefile *r;
	struct stat st;
	int fd, saved;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOCTTY, 0600);
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0) {
		saved = errno;
		close(fd);
		errno = saved;
		return NULL;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		/* EINVAL stands for "not a regular file" (ratefile_open) */
		errno = EINVAL;
		return NULL;
	}
	r = ratefile_new(count, seconds);
	r->path = xstrdup(path);
	r->fd = fd;
	return r;
}

struct ratefile *
ratefile_open(const char *path, long long count, double seconds)
{
	struct ratefile *r = ratefile_try_open(path, count, seconds);

	if (r == NULL && errno == EINVAL)
		errx(EXIT_USAGE, "'%s': not a regular file", path);
	if (r == NULL)
		err(EXIT_USAGE, "'%s'", path);
	return r;
}

struct ratefile *
ratefile_memory(long long count, double seconds)
{
	return ratefile_new(count, seconds);
}

const char *
ratefile_path(const struct ratefile *r)
{
	return r->path;
}

void
ratefile_close(struct ratefile *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	buf_free(&r->memory);
	free(r->path);
	free(r);
}

static double
wall_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int
lock_file(int fd, int how)
{
	while (flock(fd, how) < 0)
		if (errno != EINTR)
			return -1;
	return 0;
}

static int
read_all(int fd, struct buf *text)
{
	char chunk[8192];
	off_t at = 0;
	ssize_t n;

	for (;;) {
		n = pread(fd, chunk, sizeof(chunk), at);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			return 0;
		if (text->len + (size_t)n > FILE_MAX) {
			errno = EFBIG;
			return -1;
		}
		buf_add(text, chunk, (size_t)n);
		at += n;
	}
}

static int
write_all(int fd, const struct buf *text)
{
	size_t done = 0;
	ssize_t n;

	if (ftruncate(fd, 0) < 0)
		return -1;
	while (done < text->len) {
		n = pwrite(fd, text->data + done, text->len - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		done += (size_t)n;
	}
	return 0;
}

struct event {
	double when;
	const char *line;	/* in the text read */
	size_t len;		/* with its newline */
};

/* the events of text, a line that does not start with a time skipped */
static struct event *
parse_events(const struct buf *text, size_t *n)
{
	struct event *events = NULL;
	size_t cap = 0;
	const char *p, *end;

	*n = 0;
	if (text->len == 0)
		return NULL;
	p = text->data;
	end = text->data + text->len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;
		char *stop;
		double when = strtod(p, &stop);

		/* a torn last line (no newline) is dropped with the rest */
		if (nl && stop != p && (*stop == ' ' || *stop == '\n') &&
		    when > 0) {
			events = xgrow(events, &cap, *n + 1, sizeof(*events));
			events[*n].when = when;
			events[*n].line = p;
			events[*n].len = (size_t)(next - p);
			(*n)++;
		}
		p = next;
	}
	return events;
}

/* what stays in the file, and in *live how many count for the window */
static void
keep_events(const struct ratefile *r, const struct event *events, size_t n,
    double now, struct buf *out, long long *live)
{
	double keep = r->seconds > KEEP_SECONDS ? r->seconds : KEEP_SECONDS;
	size_t first = n > KEEP_EVENTS - 1 ? n - (KEEP_EVENTS - 1) : 0;

	*live = 0;
	for (size_t i = first; i < n; i++) {
		double when = events[i].when;

		if (when <= now - keep || when > now + r->seconds)
			continue;
		if (when > now - r->seconds)
			(*live)++;
		buf_add(out, events[i].line, events[i].len);
	}
}

/* a line of text: what is written from a program, never a newline */
static void
add_what(struct buf *out, const char *what)
{
	for (const char *p = what; *p; p++)
		buf_addc(out, (unsigned char)*p < ' ' ? '?' : *p);
}

static int
take_locked(struct ratefile *r, const char *what)
{
	struct buf text = BUF_INIT, kept = BUF_INIT;
	struct event *events;
	size_t n;
	long long live;
	double now = wall_now();
	int rc = -1;

	if (r->fd >= 0 && read_all(r->fd, &text) < 0)
		goto out;
	if (r->fd < 0)
		buf_add(&text, r->memory.data, r->memory.len);
	events = parse_events(&text, &n);
	keep_events(r, events, n, now, &kept, &live);
	free(events);
	rc = live < r->count;
	if (rc) {
		snprintf(r->taken, sizeof(r->taken), "%.9f", now);
		buf_printf(&kept, "%s ", r->taken);
		add_what(&kept, what);
		buf_addc(&kept, '\n');
	}
	if (r->fd < 0) {
		buf_reset(&r->memory);
		buf_add(&r->memory, kept.data, kept.len);
	} else if (write_all(r->fd, &kept) < 0) {
		rc = -1;
	}
out:
	buf_free(&text);
	buf_free(&kept);
	return rc;
}

int
ratefile_take(struct ratefile *r, const char *what)
{
	int rc, saved;

	if (r->fd >= 0 && lock_file(r->fd, LOCK_EX) < 0)
		return -1;
	rc = take_locked(r, what);
	saved = errno;
	if (r->fd >= 0)
		lock_file(r->fd, LOCK_UN);
	errno = saved;
	return rc;
}

/* the line of this process's last take gets the time now */
static int
restamp_locked(struct ratefile *r)
{
	struct buf text = BUF_INIT, out = BUF_INIT;
	size_t n = strlen(r->taken);
	const char *p, *end;
	int rc = 0;

	if (r->fd >= 0 && read_all(r->fd, &text) < 0) {
		buf_free(&text);
		return -1;
	}
	if (r->fd < 0)
		buf_add(&text, r->memory.data, r->memory.len);
	p = text.data;
	end = text.data + text.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *next = nl ? nl + 1 : end;

		if (n > 0 && (size_t)(next - p) > n &&
		    memcmp(p, r->taken, n) == 0 && p[n] == ' ') {
			snprintf(r->taken, sizeof(r->taken), "%.9f", wall_now());
			buf_adds(&out, r->taken);
			buf_add(&out, p + n, (size_t)(next - p) - n);
			n = 0;	/* one line only */
		} else {
			buf_add(&out, p, (size_t)(next - p));
		}
		p = next;
	}
	if (r->fd < 0) {
		buf_reset(&r->memory);
		buf_add(&r->memory, out.data, out.len);
	} else if (n == 0 && write_all(r->fd, &out) < 0) {
		rc = -1;
	}
	buf_free(&text);
	buf_free(&out);
	return rc;
}

int
ratefile_restamp(struct ratefile *r)
{
	int rc, saved;

	if (r->taken[0] == '\0')
		return 0;
	if (r->fd >= 0 && lock_file(r->fd, LOCK_EX) < 0)
		return -1;
	rc = restamp_locked(r);
	saved = errno;
	if (r->fd >= 0)
		lock_file(r->fd, LOCK_UN);
	errno = saved;
	return rc;
}

static int
compare_times(const void *x, const void *y)
{
	double a = *(const double *)x, b = *(const double *)y;

	return (a > b) - (a < b);
}

/* as keep_events counts: the events of the window, and when one must leave */
static double
wait_locked(struct ratefile *r)
{
	struct buf text = BUF_INIT;
	struct event *events;
	double now = wall_now(), wait = 0, *times;
	size_t n, live = 0, first;

	if (r->fd >= 0 && read_all(r->fd, &text) < 0) {
		buf_free(&text);
		return -1;
	}
	if (r->fd < 0)
		buf_add(&text, r->memory.data, r->memory.len);
	events = parse_events(&text, &n);
	first = n > KEEP_EVENTS - 1 ? n - (KEEP_EVENTS - 1) : 0;
	times = xcalloc(n + 1, sizeof(*times));
	for (size_t i = first; i < n; i++)
		if (events[i].when > now - r->seconds &&
		    events[i].when <= now + r->seconds)
			times[live++] = events[i].when;
	if (r->count > 0 && live >= (size_t)r->count) {
		/* room comes when all but count - 1 of them have left */
		qsort(times, live, sizeof(*times), compare_times);
		wait = times[live - (size_t)r->count] + r->seconds - now;
		if (wait < 0)
			wait = 0;
	}
	free(times);
	free(events);
	buf_free(&text);
	return wait;
}

double
ratefile_wait(struct ratefile *r)
{
	double wait;
	int saved;

	if (r->fd >= 0 && lock_file(r->fd, LOCK_SH) < 0)
		return -1;
	wait = wait_locked(r);
	saved = errno;
	if (r->fd >= 0)
		lock_file(r->fd, LOCK_UN);
	errno = saved;
	return wait;
}
