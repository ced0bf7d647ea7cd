/*
 * pool.h: alerts handed from process to process until one posts them,
 * for a program started once per alert (Falco's program_output with
 * keep_alive: false, a falco-route !CMD sink). Such a process cannot
 * wait for the next slot of a rate limit without holding up whoever
 * started it, and a storm of them must not become one message per
 * alert: so each leaves its alert in a pool, and one process at a time,
 * the poster, empties the pool into as few messages as the rate allows.
 *
 * Processes share a pool when they name the same key (a webhook and the
 * options that shape its messages). Its files are in the state
 * directory (statedir.h), named by a hash of the key, never the key:
 *   PROGRAM.HASH.pool    alerts handed over, one a line as read, each
 *                        appended whole and synced to disk
 *   PROGRAM.HASH.taken   the alerts the poster took and is posting
 *   PROGRAM.HASH.lock    flock(2)ed while the pool is appended to or taken
 *   PROGRAM.HASH.poster  flock(2)ed by the poster for as long as it is
 *                        one; it holds the poster's pid
 *
 * The protocol, and why nothing is stranded: a process puts its alert,
 * then claims the poster's lock without waiting. If another process
 * holds it, that one has not yet made its last look at the pool (it
 * looks again after every release, below), so it will take the alert,
 * and this process may leave. The poster takes what is pooled (the pool
 * file is renamed to the taken file, so puts go on into a new pool
 * meanwhile), posts it, and settles it (the taken file is removed) once
 * it was delivered or kept elsewhere. When the pool is empty, it
 * releases the lock and then looks once more: whatever was put before a
 * failed claim is seen then, and it claims again. A poster that dies
 * (SIGKILL) before it settled leaves the taken file, which the next
 * poster posts before the pool: those alerts may be posted twice, never
 * lost. A line cut short by a process killed while putting it was never
 * handed over; it is cut off at the next put or take.
 */
#ifndef FP_POOL_H
#define FP_POOL_H

#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

struct pool;

/*
 * The pool of key (len bytes), its lock files opened (made with mode
 * 0600, the state directory with them when missing). NULL with errno
 * when they cannot be.
 */
struct pool *pool_open(const char *key, size_t len);
/* the pool file's name, for messages */
const char *pool_path(const struct pool *p);
/*
 * Append one alert (len bytes, no newline: one is added), whole or not
 * at all, synced to disk. 0 once it is there to stay (the pool owns it
 * from then on), -1 with errno when not.
 */
int pool_put(struct pool *p, const char *line, size_t len);
/* become the poster, without waiting: 1, or 0 when another one is, -1 on error (errno) */
int pool_claim(struct pool *p);
/* 1 when alerts wait: a taken file left behind, or a pool not empty */
int pool_pending(struct pool *p);
/*
 * The poster only: the next alerts to post, a taken file left by a
 * poster that died first, else the whole pool. A stream of whole lines
 * at their start, owned by the pool until pool_settle(). NULL when there
 * is nothing (errno 0) or on error (errno set).
 */
FILE *pool_take(struct pool *p);
/* what was taken was delivered or kept elsewhere: forget it. 0, or -1 with errno */
int pool_settle(struct pool *p);
/*
 * Stop being the poster, then look once more: 1 when alerts came in
 * meanwhile and this process is the poster again, else 0.
 */
int pool_release(struct pool *p);
/*
 * Hand the poster's lock to a child process that carries on posting
 * after this one exits: 0 in the child (now the poster, its standard
 * input and output /dev/null, standard error kept), the child's pid in
 * the caller (no longer the poster; it must not wait for the child),
 * -1 with errno when fork(2) failed (the caller is still the poster).
 */
pid_t pool_detach(struct pool *p);
/*
 * Close the files. A poster's lock goes with them, without the last look
 * pool_release makes, unless a detached child holds it.
 */
void pool_close(struct pool *p);

#endif
