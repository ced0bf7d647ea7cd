/*
 * spool.h: alerts kept on disk, in order, one alert a line byte for
 * byte, so a file left behind can be replayed by hand (falco-route <
 * FILE). Two uses, one format:
 *   - an overflow file that a consumer reads back once it catches up
 *     (falco-route's full sink queues, a relay's or falco-listen's queue
 *     that the reader outpaces), removed when closed empty;
 *   - a dead-letter file that is only appended to, for alerts that could
 *     not be delivered; --dead-letter names it, else the state directory
 *     (statedir.h) holds PROGRAM.dead-letter.ndjson.
 * A record is written whole or not at all: a failed write (ENOSPC) is
 * cut back, so no torn line is left, and the caller learns the alert was
 * not kept. Nothing is reported as kept before spool_sync() succeeded.
 * Safe to use from several threads.
 */
#ifndef FP_SPOOL_H
#define FP_SPOOL_H

#include <stddef.h>

struct spool;

/* a dead-letter file at path (NULL: the default in the state directory); opened at the first alert */
struct spool *spool_dead_letter(const char *path);
/* an overflow file dir/PROGRAM.tag.XXXXXX, made at the first alert (dir NULL: the state directory, made then too) */
struct spool *spool_overflow(const char *dir, const char *tag);

/*
 * Append one alert (len bytes, no newline: one is added). 0 kept, -1
 * not (the error is reported once per run of failures, naming the file;
 * errno says why).
 */
int spool_append(struct spool *sp, const char *line, size_t len);
/*
 * Overflow files only: the oldest record, without its newline, copied
 * into a new allocation the caller frees. 1, or 0 when empty.
 */
int spool_take(struct spool *sp, char **line, size_t *len);
/* records appended and not yet taken, and their bytes (newlines included) */
size_t spool_records(struct spool *sp);
size_t spool_bytes(struct spool *sp);
/* fsync what was appended: 0, or -1 reported */
int spool_sync(struct spool *sp);
/* alerts appended (and not taken back) over the whole run, and alerts that could not be */
unsigned long spool_kept(struct spool *sp);
unsigned long spool_failed(struct spool *sp);
/* the file's name; NULL before an overflow file is made */
const char *spool_path(struct spool *sp);
/*
 * Dead letters, at the end: sync, then one line on stderr,
 * "N alerts not delivered, kept in 'FILE'" or, when they could not all be
 * kept, "N alerts not delivered, M of them not kept: 'FILE': REASON".
 * Nothing when none. Returns 0 when every alert it was given is kept.
 */
int spool_report(struct spool *sp);
/* SIGHUP: a dead-letter file is closed and opened again (logrotate moved it) */
void spool_reopen(struct spool *sp);
/* keep: leave the file (it holds alerts); else an overflow file is removed */
void spool_close(struct spool *sp, int keep);

#endif
