/*
 * spool.c: see spool.h. An overflow file is written with pwrite(2) at
 * our own offset and read back from another, so it is a FIFO on disk;
 * it is emptied (truncated) whenever everything was read back, so it
 * never grows beyond one backlog. A dead-letter file is opened O_APPEND,
 * so other writers (another run, a logrotate copy) never tear a line.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include "buf.h"
#include "exitcode.h"
#include "spool.h"
#include "statedir.h"
#include "xalloc.h"

#define READ_CHUNK 65536

struct spool {
	pthread_mutex_t lock;
	int overflow;
	char *dir, *tag;	/* overflow: where the file is made */
	char *path;		/* NULL until known */
	int fd;			/* -1 until the first alert */
	off_t write_pos;	/* overflow: where the next record goes */
	off_t read_pos;		/* overflow: file offset of readbuf[0] */
	size_t records, bytes;	/* overflow: appended, not yet taken */
	char *readbuf;
	size_t read_len, read_cap;
	unsigned long kept, failed;
	int said;		/* errno of the last failure said: each cause once */
	int error;		/* errno of the last failure */
};

static struct spool *
spool_new(void)
{
	struct spool *sp = xcalloc(1, sizeof(*sp));

	pthread_mutex_init(&sp->lock, NULL);
	sp->fd = -1;
	return sp;
}

static int
open_dead_letter(struct spool *sp)
{
	sp->fd = open(sp->path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC,
	    0600);
	return sp->fd < 0 ? -1 : 0;
}

struct spool *
spool_dead_letter(const char *path)
{
	struct spool *sp = spool_new();
	struct buf name = BUF_INIT;

	if (path != NULL) {
		sp->path = xstrdup(path);
		/* found out now, not when the first alert needs keeping */
		if (open_dead_letter(sp) < 0)
			err(EXIT_USAGE, "'%s'", path);
		return sp;
	}
	buf_printf(&name, "%s/%s.dead-letter.ndjson", state_dir_name(),
	    program_invocation_short_name);
	sp->path = name.data;
	return sp;
}

struct spool *
spool_overflow(const char *dir, const char *tag)
{
	struct spool *sp = spool_new();

	sp->overflow = 1;
	sp->dir = dir != NULL ? xstrdup(dir) : NULL;
	sp->tag = xstrdup(tag);
	return sp;
}

static int
create_overflow(struct spool *sp)
{
	struct buf path = BUF_INIT;

	if (sp->dir == NULL && state_dir_make() < 0)
		return -1;
	buf_printf(&path, "%s/%s.%s.XXXXXX",
	    sp->dir != NULL ? sp->dir : state_dir_name(),
	    program_invocation_short_name, sp->tag);
	sp->fd = mkostemp(path.data, O_CLOEXEC);
	if (sp->fd < 0) {
		sp->path = path.data;
		return -1;
	}
	free(sp->path);
	sp->path = path.data;
	return 0;
}

static int
ensure_open(struct spool *sp)
{
	if (sp->fd >= 0)
		return 0;
	if (sp->overflow)
		return create_overflow(sp);
	/* the default place is made only once something must be kept */
	if (state_dir_make() < 0)
		return -1;
	return open_dead_letter(sp);
}

/* one record at pos (overflow) or at the end (dead letter); whole or none */
static int
write_record(struct spool *sp, const char *line, size_t len)
{
	struct iovec iov[2] = {
		{ .iov_base = (void *)(uintptr_t)line, .iov_len = len },
		{ .iov_base = "\n", .iov_len = 1 },
	};
	size_t total = len + 1, done = 0;
	off_t start;
	ssize_t n;

	start = sp->overflow ? sp->write_pos : lseek(sp->fd, 0, SEEK_END);
	while (done < total) {
		if (sp->overflow)
			n = pwritev(sp->fd, iov, 2, start + (off_t)done);
		else
			n = writev(sp->fd, iov, 2);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			int saved = n < 0 ? errno : ENOSPC;

			/* no torn line: a replay would read it as two bad ones */
			if (start >= 0 && ftruncate(sp->fd, start) < 0)
				(void)0;
			errno = saved;
			return -1;
		}
		done += (size_t)n;
		/* advance the iovecs past what was written */
		if ((size_t)n >= iov[0].iov_len) {
			n -= (ssize_t)iov[0].iov_len;
			iov[0].iov_len = 0;
			iov[1].iov_base = (char *)iov[1].iov_base + n;
			iov[1].iov_len -= (size_t)n;
		} else {
			iov[0].iov_base = (char *)iov[0].iov_base + n;
			iov[0].iov_len -= (size_t)n;
		}
	}
	if (sp->overflow)
		sp->write_pos += (off_t)total;
	return 0;
}

int
spool_append(struct spool *sp, const char *line, size_t len)
{
	int rc;

	pthread_mutex_lock(&sp->lock);
	rc = ensure_open(sp);
	if (rc == 0)
		rc = write_record(sp, line, len);
	if (rc < 0) {
		sp->error = errno;
		sp->failed++;
		if (sp->said != sp->error)
			warnx("'%s': %s", sp->path, strerror(sp->error));
		sp->said = sp->error;
		pthread_mutex_unlock(&sp->lock);
		errno = sp->error;
		return -1;
	}
	sp->kept++;
	if (sp->overflow) {
		sp->records++;
		sp->bytes += len + 1;
	}
	pthread_mutex_unlock(&sp->lock);
	return 0;
}

/* read until readbuf holds a whole record: its length with '\n', or 0 */
static size_t
next_record(struct spool *sp)
{
	char *newline;
	off_t from;
	size_t want;
	ssize_t n;

	for (;;) {
		newline = sp->read_len > 0 ?
		    memchr(sp->readbuf, '\n', sp->read_len) : NULL;
		if (newline != NULL)
			return (size_t)(newline - sp->readbuf) + 1;
		from = sp->read_pos + (off_t)sp->read_len;
		want = (size_t)(sp->write_pos - from);
		if (want > READ_CHUNK)
			want = READ_CHUNK;
		if (sp->read_len + want > sp->read_cap) {
			sp->read_cap = sp->read_len + want;
			sp->readbuf = xrealloc(sp->readbuf, sp->read_cap);
		}
		n = want > 0 ? pread(sp->fd, sp->readbuf + sp->read_len, want,
		    from) : 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			warnx("'%s': spool file shorter than written", sp->path);
			return 0;
		}
		sp->read_len += (size_t)n;
	}
}

int
spool_take(struct spool *sp, char **line, size_t *len)
{
	size_t n;

	pthread_mutex_lock(&sp->lock);
	if (sp->records == 0 || (n = next_record(sp)) == 0) {
		pthread_mutex_unlock(&sp->lock);
		return 0;
	}
	*line = xmalloc(n);
	memcpy(*line, sp->readbuf, n - 1);
	(*line)[n - 1] = '\0';
	*len = n - 1;
	memmove(sp->readbuf, sp->readbuf + n, sp->read_len - n);
	sp->read_len -= n;
	sp->read_pos += (off_t)n;
	sp->records--;
	sp->bytes -= n;
	sp->kept--;
	if (sp->records == 0) {
		/* all read back: start again at the top */
		if (ftruncate(sp->fd, 0) < 0)
			warn("'%s'", sp->path);
		sp->write_pos = sp->read_pos = 0;
		sp->read_len = 0;
	}
	pthread_mutex_unlock(&sp->lock);
	return 1;
}

size_t
spool_records(struct spool *sp)
{
	size_t n;

	pthread_mutex_lock(&sp->lock);
	n = sp->records;
	pthread_mutex_unlock(&sp->lock);
	return n;
}

size_t
spool_bytes(struct spool *sp)
{
	size_t n;

	pthread_mutex_lock(&sp->lock);
	n = sp->bytes;
	pthread_mutex_unlock(&sp->lock);
	return n;
}

int
spool_sync(struct spool *sp)
{
	int rc = 0;

	pthread_mutex_lock(&sp->lock);
	if (sp->fd >= 0 && fsync(sp->fd) < 0) {
		sp->error = errno;
		warn("'%s'", sp->path);
		rc = -1;
	}
	pthread_mutex_unlock(&sp->lock);
	return rc;
}

unsigned long
spool_kept(struct spool *sp)
{
	unsigned long n;

	pthread_mutex_lock(&sp->lock);
	n = sp->kept;
	pthread_mutex_unlock(&sp->lock);
	return n;
}

unsigned long
spool_failed(struct spool *sp)
{
	unsigned long n;

	pthread_mutex_lock(&sp->lock);
	n = sp->failed;
	pthread_mutex_unlock(&sp->lock);
	return n;
}

const char *
spool_path(struct spool *sp)
{
	return sp->path;
}

int
spool_report(struct spool *sp)
{
	unsigned long total = sp->kept + sp->failed, lost = sp->failed;

	if (total == 0)
		return 0;
	/* kept means on the disk, not in the page cache */
	if (sp->kept > 0 && spool_sync(sp) < 0)
		lost = total;
	if (lost == 0) {
		warnx("%lu %s not delivered, kept in '%s'", total,
		    total == 1 ? "alert" : "alerts", sp->path);
		return 0;
	}
	warnx("%lu %s not delivered, %lu of them not kept: '%s': %s", total,
	    total == 1 ? "alert" : "alerts", lost, sp->path,
	    strerror(sp->error));
	return -1;
}

void
spool_reopen(struct spool *sp)
{
	pthread_mutex_lock(&sp->lock);
	if (!sp->overflow && sp->fd >= 0) {
		close(sp->fd);
		if (open_dead_letter(sp) < 0) {
			sp->error = errno;
			warn("'%s'", sp->path);
		}
	}
	pthread_mutex_unlock(&sp->lock);
}

void
spool_close(struct spool *sp, int keep)
{
	if (sp == NULL)
		return;
	if (sp->fd >= 0) {
		if (sp->overflow && !keep && unlink(sp->path) < 0)
			warn("'%s'", sp->path);
		if (close(sp->fd) < 0)
			warn("'%s'", sp->path);
	}
	pthread_mutex_destroy(&sp->lock);
	free(sp->dir);
	free(sp->tag);
	free(sp->path);
	free(sp->readbuf);
	free(sp);
}
