/*
 * spool.c: alerts that a sink's full queue cannot hold, kept in order
 * in a file of the spool directory and read back once the sink drains.
 * The file is a plain NDJSON stream, so a spool left behind (a sink that
 * never recovered) can be replayed by hand: falco-route < SPOOL.
 *
 * It is an overflow buffer, not a crash journal: nothing is fsync'ed,
 * because a router that dies loses its in-memory queues anyway.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "xalloc.h"

#include "route.h"

#define SPOOL_CHUNK 65536

static int
spool_create(struct spool *sp, const char *dir, const char *tag)
{
	struct buf path = BUF_INIT;
	int fd;

	buf_printf(&path, "%s/falco-route.%s.XXXXXX", dir, tag);
	fd = mkostemp(path.data, O_CLOEXEC);
	if (fd < 0) {
		warn("'%s'", path.data);
		buf_free(&path);
		return -1;
	}
	sp->fd = fd;
	sp->path = path.data;
	sp->write_pos = sp->read_pos = 0;
	sp->records = 0;
	sp->read_len = 0;
	return 0;
}

static int
write_all_at(int fd, const char *data, size_t len, off_t pos)
{
	ssize_t n;

	while (len > 0) {
		n = pwrite(fd, data, len, pos);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		data += n;
		len -= (size_t)n;
		pos += n;
	}
	return 0;
}

/*
 * data ends with '\n'; 0, or -1 (reported) when it could not be kept.
 * The file is made in dir on first use.
 */
int
spool_append(struct spool *sp, const char *dir, const char *tag,
    const char *data, size_t len)
{
	if (sp->fd < 0 && spool_create(sp, dir, tag) < 0)
		return -1;
	if (write_all_at(sp->fd, data, len, sp->write_pos) < 0) {
		warn("'%s'", sp->path);
		return -1;
	}
	sp->write_pos += (off_t)len;
	sp->records++;
	return 0;
}

/*
 * The next record, '\n' included, valid until spool_consume: 1, or 0
 * when nothing is left. Records were written whole by spool_append, so
 * a record always ends before write_pos.
 */
static int
spool_next(struct spool *sp, const char **data, size_t *len)
{
	char *newline;
	off_t from;
	size_t want;
	ssize_t n;

	if (sp->records == 0)
		return 0;
	for (;;) {
		newline = sp->read_len ? memchr(sp->readbuf, '\n', sp->read_len) : NULL;
		if (newline != NULL)
			break;
		from = sp->read_pos + (off_t)sp->read_len;
		want = (size_t)(sp->write_pos - from);
		if (want > SPOOL_CHUNK)
			want = SPOOL_CHUNK;
		if (sp->read_len + want > sp->read_cap) {
			sp->read_cap = sp->read_len + want;
			sp->readbuf = xrealloc(sp->readbuf, sp->read_cap);
		}
		n = pread(sp->fd, sp->readbuf + sp->read_len, want, from);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			warnx("'%s': spool file shorter than written", sp->path);
			sp->records = 0;
			return 0;
		}
		sp->read_len += (size_t)n;
	}
	*data = sp->readbuf;
	*len = (size_t)(newline - sp->readbuf) + 1;
	return 1;
}

/* after the caller copied the record spool_next gave */
static void
spool_consume(struct spool *sp, size_t len)
{
	memmove(sp->readbuf, sp->readbuf + len, sp->read_len - len);
	sp->read_len -= len;
	sp->read_pos += (off_t)len;
	sp->records--;
}

/* the next record, copied out and removed from the spool: 1, or 0 */
int
spool_take(struct spool *sp, struct item *item)
{
	const char *data;
	size_t len;

	if (!spool_next(sp, &data, &len))
		return 0;
	item->data = xmalloc(len);
	memcpy(item->data, data, len);
	item->len = len;
	spool_consume(sp, len);
	return 1;
}

/* the file is emptied once everything was read back, so it never grows
 * beyond one backlog */
void
spool_reset_if_empty(struct spool *sp)
{
	if (sp->fd < 0 || sp->records > 0 || sp->write_pos == 0)
		return;
	if (ftruncate(sp->fd, 0) < 0)
		warn("'%s'", sp->path);
	sp->write_pos = sp->read_pos = 0;
	sp->read_len = 0;
}

/* keep: leave the file for the user (it holds undelivered alerts) */
void
spool_close(struct spool *sp, int keep)
{
	if (sp->fd >= 0) {
		if (!keep && unlink(sp->path) < 0)
			warn("'%s'", sp->path);
		if (close(sp->fd) < 0)
			warn("'%s'", sp->path);
	}
	sp->fd = -1;
	free(sp->path);
	sp->path = NULL;
	free(sp->readbuf);
	sp->readbuf = NULL;
	sp->read_len = sp->read_cap = 0;
}
