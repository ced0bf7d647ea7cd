/*
 * ratefile.h: "at most N events per DURATION" counted in a file that
 * every process sees, so the cap holds when a program is started once
 * per alert (Falco's program_output with keep_alive: false, a
 * falco-route !CMD sink) as well as when it runs for the whole stream.
 *
 * The file is text, one event a line: wall-clock seconds with a
 * fraction, a blank, what the event was ("1764161234.500000000
 * demo/web-1"), so an operator can read what was counted. Every take
 * holds flock(2) on the file while it reads, decides and rewrites it.
 * Wall-clock time, since a monotonic clock restarts at boot and the
 * file outlives it; an event more than one window in the future (the
 * clock was set back) no longer counts.
 */
#ifndef FP_RATEFILE_H
#define FP_RATEFILE_H

struct ratefile;

/*
 * The count kept in path, created (mode 0600) when missing. A path that
 * cannot be opened for reading and writing, or that is not a regular
 * file, ends the program with a message naming it, status 2.
 */
struct ratefile *ratefile_open(const char *path, long long count,
    double seconds);
/* the same, but NULL with errno set when path will not do */
struct ratefile *ratefile_try_open(const char *path, long long count,
    double seconds);
/* the same count kept in this process's memory only (dry runs) */
struct ratefile *ratefile_memory(long long count, double seconds);
/*
 * 1 when the window has room: the event is recorded as taken now, with
 * what (one line of text) beside it. 0 when count events were already
 * taken in the last window: nothing is recorded. -1 when the file could
 * not be locked, read or written (errno set): nothing can be promised.
 */
int ratefile_take(struct ratefile *r, const char *what);
/*
 * The event this process took last ended now: its time moves here, so
 * a request is counted from its answer and the receiver never sees more
 * than count in a window however long the request took. 0, or -1 with
 * errno when the file could not be locked, read or written; an event
 * already gone from the file is left gone.
 */
int ratefile_restamp(struct ratefile *r);
/*
 * Seconds until the window has room for one more event: 0 now, else
 * when the oldest event that fills it leaves. -1 when the file could
 * not be locked or read (errno set).
 */
double ratefile_wait(struct ratefile *r);
const char *ratefile_path(const struct ratefile *r);
void ratefile_close(struct ratefile *r);

#endif
