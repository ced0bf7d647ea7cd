/*
 * route.h: what the files of falco-route share. main.c reads the
 * options and runs the loop, routes.c turns route text (options or a
 * routes file) into conditions and sink names, sink.c moves alerts into
 * files, descriptors and commands; what a full queue cannot hold, and
 * what cannot be delivered, is kept by common/spool.h.
 */
#ifndef FALCO_ROUTE_H
#define FALCO_ROUTE_H

#include <stddef.h>
#include <poll.h>
#include <sys/types.h>

#include "alert.h"
#include "buf.h"
#include "cond.h"
#include "lists.h"
#include "select.h"

enum on_full { ON_FULL_SPOOL, ON_FULL_BLOCK, ON_FULL_DROP };

enum sink_kind {
	SINK_FILE,		/* PATH: appended, reopened on SIGHUP */
	SINK_FD,		/* "-" (descriptor 1) and "&N" */
	SINK_PIPE,		/* "|CMD": one long-lived /bin/sh -c CMD */
	SINK_EXEC		/* "!CMD": /bin/sh -c CMD once per alert */
};

/* The options; nothing here changes once the loop has started. */
struct config {
	const char *default_name;	/* --default */
	int first_only;		/* --first */
	size_t max_line;	/* --max-line-bytes */
	size_t queue_max;	/* --queue: alerts waiting per sink before on_full */
	size_t queue_bytes;	/* --queue-bytes: what they may hold in memory */
	enum on_full on_full;
	const char *spool_dir;
	int restart_max;	/* restarts of a |CMD without progress */
	int max_procs;		/* !CMD runs at once, over all sinks */
	double exec_timeout;	/* seconds; 0: no limit */
	double drain_timeout;
	int verbose;
	int no_sandbox;		/* --no-sandbox */
};

/* One alert line as a sink keeps it: the bytes read plus '\n'. */
struct item {
	char *data;
	size_t len;
};

/* A FIFO of items; the first "sent" items are in a |CMD's pipe. */
struct item_ring {
	struct item *items;
	size_t cap;		/* a power of two, or 0 */
	size_t head;
	size_t count;
	size_t sent;
	size_t sent_bytes;
	size_t bytes;		/* of all its items, sent or not */
};

struct sink {
	char *name;		/* as the user wrote it */
	char *identity;		/* PATH: the file itself, however named */
	enum sink_kind kind;
	char *target;		/* path or command (in name), or NULL */
	int fd;			/* write end; -1 when closed */
	int orig_fd;		/* "&N", "-": the inherited descriptor, or -1 */
	int broken;		/* a write failed: wait for the child to go */
	int fifo;		/* PATH, "-" or "&N" that is a pipe: written alerts
				 * count as delivered only once read (FIONREAD) */
	int waiting_for_space;	/* PATH whose disk is full: tried again later */
	int discards;		/* /dev/null: a write cannot fail, none is made */
	int spool_blocked;	/* the spool failed once: said, not again */
	int space_said;		/* a full disk was said, and nothing written since */
	size_t write_off;	/* bytes of the first pending item already written */
	/* PATH and descriptors that are not pipes: alerts taken with nothing
	 * queued, written together (sink_flush) before the next read */
	struct buf batch;
	size_t batch_alerts;
	struct item_ring queue;
	struct spool *spool;		/* what a full queue cannot hold */
	struct spool *dead_letters;	/* undeliverable alerts, kept for the user */
	unsigned long last_seq;	/* the last alert given, so routes never double it */
	/* |CMD */
	pid_t pid;
	size_t pipe_capacity;
	int tries;		/* starts since the last progress */
	int progressed;		/* the running command consumed something */
	double restart_at;	/* 0: none scheduled */
	int closing;		/* its stdin was closed on purpose */
	int dead;		/* gave up: everything goes to the dead letters */
	/* PATH that was a FIFO with no reader yet, or could not be opened */
	double reopen_at;
	int reopen_errno;	/* the last open error, reported once */
	int finished;
	unsigned long delivered, spooled, dropped, failed;
};

struct route {
	char *text;		/* the condition */
	struct cond *cond;
	const char *file;	/* routes file, or NULL for --when */
	unsigned long lineno;
	struct sink **sinks;
	size_t nsinks;
};

struct reader;
struct run;			/* one run of a !CMD, private to sink.c */

/*
 * Everything one run of falco-route holds, passed to whatever needs it:
 * the options, the routes and sinks they made, the children under way,
 * and what the loop in main.c keeps between alerts.
 */
struct router {
	struct config config;
	int draining;		/* the input ended, or SIGTERM/SIGINT came */
	struct route *routes;
	size_t nroutes, routes_cap;
	struct sink **sinks;	/* each sink once, however many routes name it */
	size_t nsinks, sinks_cap;
	struct run *runs;
	size_t nruns, runs_cap;
	/* main.c */
	struct sink *default_sink;
	struct selection select;	/* -l and --max-line-bytes */
	struct reader *reader;
	struct alert alert;
	unsigned long sequence;	/* alerts read, so no sink gets one twice */
	int argc;		/* the command line, read again on SIGHUP */
	char **argv;
	int routes_files;	/* how many -f: SIGHUP reads them again */
};

/* routes.c */
struct sink *sink_named(struct router *r, const char *name);
void route_add(struct router *r, const char *condition, const char *file,
    unsigned long lineno);
void route_add_sink(struct router *r, const char *sink_name);
void routes_read_file(struct router *r, const char *path);
void routes_compile(struct router *r);
void routes_forget(struct router *r);
void routes_free(struct router *r);

/* sink.c */
void sink_start(struct router *r, struct sink *s);
/* 0 taken (delivered, queued or kept); -1 not now: service, then again */
int sink_give(struct router *r, struct sink *s, const char *line,
    size_t len);
int sink_full(const struct router *r, const struct sink *s);
int sink_lost(const struct sink *s);
void sinks_service(struct router *r);
size_t sinks_poll_max(const struct router *r);
int sinks_poll_fds(struct router *r, struct pollfd *fds, int max,
    double *timeout);
void sinks_reap(struct router *r);
void sinks_reopen_files(struct router *r);
int sinks_try_finish(struct router *r);
void sinks_abandon(struct router *r);
void sinks_summary(struct router *r);
int sinks_report_kept(struct router *r);
void sinks_free(struct router *r);

#endif
