/*
 * oneshot.c: a falco-slack started for one alert. Falco's program_output
 * with keep_alive: false starts one per alert and waits for each to end
 * (a falco-route !CMD sink is started the same way), so such a process
 * can neither wait for --rate's next slot nor gather a digest on its
 * own. Instead it hands its alert to a pool (common/pool.h) shared by
 * every falco-slack that posts to the same webhook the same way; the one
 * holding the pool's poster lock posts digests of the pool as --rate
 * allows, the window counted in a file that every falco-slack posting
 * to that webhook shares.
 *
 * A poster that was itself started for one alert makes one try when a
 * slot is free now, and leaves any waiting (for a slot, for a retry) to
 * a child that outlives it: no falco-slack holds Falco up for longer
 * than one request, and none strands an alert.
 */
#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clock.h"
#include "exitcode.h"
#include "pool.h"
#include "signals.h"
#include "slack.h"
#include "spool.h"
#include "statedir.h"
#include "xalloc.h"

/*
 * Seconds before the child tries again after a try that failed without a
 * Retry-After: the first backoff step of common/http.c.
 */
#define RETRY_PAUSE 0.5
/* once a stop is asked for, the longest nap between looks at the deadline */
#define NAP_MAX 0.1

struct oneshot {
	struct pool *pool;
	struct spool *dead;	/* the alerts this process kept */
	unsigned long not_in_time;
	int child;		/* the detached child that carries on */
	int patient;		/* may wait: the child, or a process that cannot leave one */
	int leave;		/* a try failed: the rest is for the child */
	int stuck;		/* the pool could not be taken or settled */
	double retry_at;	/* clock_now() before which no try is made */
};

int
oneshot_possible(const struct config *cf, char *const *files, int nfiles)
{
	struct stat st;

	if (cf->relay.dry_run || cf->select.follow)
		return 0;
	for (int i = 0; i < nfiles; i++)
		if (strcmp(files[i], "-") != 0)
			return 0;
	/* Falco's popen(3) and falco-route's sinks feed a pipe; a file is a reader's own */
	if (fstat(STDIN_FILENO, &st) < 0)
		return 0;
	return S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode);
}

static void
key_text(struct buf *key, const char *text)
{
	if (text == NULL)
		buf_adds(key, "-\n");
	else
		buf_printf(key, "+%zu:%s\n", strlen(text), text);
}

/*
 * Everything that decides where a message goes and how it looks: only
 * falco-slacks that agree on all of it may post each other's alerts.
 */
static void
pool_key(const struct config *cf, struct buf *key)
{
	const struct slack_style *style = &cf->style;

	key_text(key, cf->webhook_url);
	key_text(key, style->channel);
	key_text(key, style->username);
	key_text(key, style->icon_emoji);
	key_text(key, style->icon_url);
	key_text(key, style->footer);
	key_text(key, cf->message_text);
	key_text(key, cf->cacert);
	key_text(key, cf->relay.dead_letter);
	buf_printf(key, "%d %d %zu %lld %.9g %d %.9g\n", (int)style->format,
	    style->mattermost, cf->digest_max, cf->rate_count, cf->rate_seconds,
	    cf->retries, cf->timeout);
}

/* the pool, and --rate counted with every falco-slack posting to the webhook */
static struct pool *
open_shared(struct sender *s)
{
	const char *url = s->cf->webhook_url;
	struct buf key = BUF_INIT;
	struct pool *pool;
	char *rate_path;
	int saved;

	pool_key(s->cf, &key);
	pool = pool_open(key.data, key.len);
	saved = errno;
	buf_free(&key);
	if (pool == NULL) {
		warnx("state directory '%s': %s: the alert is posted by this "
		    "process alone", state_dir_name(), strerror(saved));
		return NULL;
	}
	rate_path = state_file_for(url, strlen(url), "rate");
	if (ratelimit_share(&s->rate, rate_path) < 0) {
		warnx("--rate: '%s': %s: the alert is posted by this process "
		    "alone", rate_path, strerror(errno));
		free(rate_path);
		pool_close(pool);
		return NULL;
	}
	free(rate_path);
	return pool;
}

int
oneshot_hand_over(struct sender *s, const char *line, size_t len)
{
	struct pool *pool = open_shared(s);

	if (pool == NULL)
		return -1;
	if (pool_put(pool, line, len) < 0) {
		warnx("'%s': %s: the alert is posted by this process alone",
		    pool_path(pool), strerror(errno));
		pool_close(pool);
		return -1;
	}
	s->oneshot = xcalloc(1, sizeof(*s->oneshot));
	s->oneshot->pool = pool;
	return 0;
}

/* ---- the poster ---- */

static int
poster_cancelled(void *ctx)
{
	struct sender *s = ctx;

	if (!s->oneshot->child)
		return relay_cancelled(s->relay);
	/* the child has no input to end: only a signal gives it a deadline */
	return stop_requested() && clock_now() >= stop_deadline();
}

/* 0 when kept, -1 when not (the spool said why) */
static int
keep(struct sender *s, const char *line, size_t len, int late)
{
	struct oneshot *o = s->oneshot;

	if (o->dead == NULL)
		o->dead = spool_dead_letter(s->cf->relay.dead_letter);
	/* logrotate moved the file: the next alert starts a new one */
	if (signals_take() & SIGNAL_HUP)
		spool_reopen(o->dead);
	if (late)
		o->not_in_time++;
	return spool_append(o->dead, line, len);
}

/* a taken file that cannot be read whole is left for the next poster */
static int
read_failed(struct sender *s, FILE *taken)
{
	if (!ferror(taken))
		return 0;
	warnx("'%s': %s: what the pool held is left for the next "
	    "falco-slack", pool_path(s->oneshot->pool), strerror(errno));
	s->oneshot->stuck = 1;
	return -1;
}

/* the taken alerts into the digest; one that cannot be read is kept as it is */
static int
gather_taken(struct sender *s, FILE *taken)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	const char *reason;
	int rc = 0;

	while ((n = getline(&line, &cap, taken)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		if (alert_parse(&s->alert, line, (size_t)n, &reason) == 0)
			digest_add(&s->digest, &s->alert, line, (size_t)n);
		else if (keep(s, line, (size_t)n, 0) < 0)
			rc = -1;
	}
	free(line);
	return read_failed(s, taken) < 0 ? -1 : rc;
}

/* every taken alert into the dead-letter file: 0, or -1 when one is not there */
static int
keep_taken(struct sender *s, FILE *taken, int late)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	rewind(taken);
	while ((n = getline(&line, &cap, taken)) > 0) {
		if (line[n - 1] == '\n')
			n--;
		if (keep(s, line, (size_t)n, late) < 0)
			rc = -1;
	}
	free(line);
	if (read_failed(s, taken) < 0)
		return -1;
	if (rc < 0) {
		/* on disk in the pool is better than nowhere */
		warnx("'%s': what could not be kept is left for the next "
		    "falco-slack", pool_path(s->oneshot->pool));
		s->oneshot->stuck = 1;
	}
	return rc;
}

static int
settle(struct sender *s)
{
	struct oneshot *o = s->oneshot;

	if (pool_settle(o->pool) == 0)
		return 0;
	/* left as it is, the next poster posts these again: say so, and stop */
	warnx("'%s': %s: alerts already posted or kept stay taken, and "
	    "will be posted again", pool_path(o->pool), strerror(errno));
	o->stuck = 1;
	return -1;
}

static FILE *
take(struct sender *s)
{
	struct oneshot *o = s->oneshot;
	FILE *taken;

	errno = 0;
	if ((taken = pool_take(o->pool)) == NULL && errno != 0) {
		warnx("'%s': %s: its alerts wait there for the next "
		    "falco-slack", pool_path(o->pool), strerror(errno));
		o->stuck = 1;
	}
	return taken;
}

/* the drain time is over: what waits is kept, not posted */
static int
keep_pending(struct sender *s)
{
	FILE *taken = take(s);

	if (taken == NULL)
		return s->oneshot->stuck ? -1 : 0;
	if (keep_taken(s, taken, 1) < 0)
		return -1;
	return settle(s);
}

/* take the pool and post it as one message: 0, or -1 when the pool fails */
static int
post_taken(struct sender *s)
{
	struct oneshot *o = s->oneshot;
	struct buf payload = BUF_INIT;
	enum post_result result;
	double retry_after;
	FILE *taken;

	if ((taken = take(s)) == NULL)
		return o->stuck ? -1 : 0;
	if (gather_taken(s, taken) < 0) {
		digest_reset(&s->digest);
		return -1;
	}
	if (s->digest.count == 0)
		return settle(s);
	sender_payload(s, &payload);
	result = webhook_post(s, &payload, !o->patient, &retry_after);
	buf_free(&payload);
	digest_reset(&s->digest);
	switch (result) {
	case POST_DELIVERED:
		break;
	case POST_RETRYABLE:
		if (!o->patient) {
			/* left taken: the child tries again, not before the webhook asked */
			o->leave = 1;
			o->retry_at = clock_now() +
			    (retry_after > 0 ? retry_after : RETRY_PAUSE);
			return 0;
		}
		/* FALLTHROUGH */
	case POST_REFUSED:
		if (keep_taken(s, taken, 0) < 0)
			return -1;
		break;
	case POST_CANCELLED:
		if (keep_taken(s, taken, 1) < 0)
			return -1;
		break;
	}
	return settle(s);
}

/*
 * Leave the waiting to a child: 1 in the parent, whose part is done; 0
 * in the child, or when there can be no child (a stop was asked for, or
 * fork failed) and this process waits itself.
 */
static int
leave_to_child(struct sender *s)
{
	struct oneshot *o = s->oneshot;
	pid_t pid = 0;

	/* the connection stays with neither: each side closes its own */
	http_client_free(s->client);
	s->client = NULL;
	if (!stop_requested()) {
		pid = pool_detach(o->pool);
		if (pid > 0)
			return 1;
		if (pid < 0)
			warn("fork: this process posts the pool itself");
	}
	if (pid == 0 && !stop_requested()) {
		/* what the parent kept, the parent reports */
		o->child = 1;
		spool_close(o->dead, 1);
		o->dead = NULL;
		o->not_in_time = 0;
	}
	o->patient = 1;
	o->leave = 0;
	s->client = webhook_client(s, s->cf->retries, poster_cancelled, s);
	return 0;
}

static double
slot_wait(struct sender *s)
{
	double wait = ratelimit_wait(&s->rate);
	double later = s->oneshot->retry_at - clock_now();

	return later > wait ? later : wait;
}

/* post until the pool stays empty, or leave that to a child: 1 */
static int
post_pool(struct sender *s)
{
	struct oneshot *o = s->oneshot;
	double wait;

	do {
		while (pool_pending(o->pool)) {
			if (poster_cancelled(s)) {
				if (keep_pending(s) < 0)
					return 0;
				continue;
			}
			wait = slot_wait(s);
			if (wait > 0 || o->leave) {
				if (!o->patient && leave_to_child(s) > 0)
					return 1;
				/* a signal cuts a nap short; after one, mind the deadline */
				if (stop_requested() && wait > NAP_MAX)
					wait = NAP_MAX;
				clock_sleep(wait);
				continue;
			}
			if (post_taken(s) < 0)
				return 0;
		}
	} while (pool_release(o->pool));
	return 0;
}

static int
report(struct oneshot *o)
{
	int status = EXIT_OK;

	if (o->not_in_time > 0)
		warnx("--drain-timeout: %lu %s not sent in time", o->not_in_time,
		    o->not_in_time == 1 ? "alert" : "alerts");
	if (o->dead != NULL && spool_kept(o->dead) + spool_failed(o->dead) > 0) {
		spool_report(o->dead);
		status = EXIT_FAILED;
	}
	if (o->stuck)
		status = EXIT_FAILED;
	return status;
}

int
oneshot_finish(struct sender *s)
{
	struct oneshot *o = s->oneshot;

	switch (pool_claim(o->pool)) {
	case 0:
		/* another falco-slack is the poster: it will take the alert */
		return EXIT_OK;
	case 1:
		break;
	default:
		warnx("'%s': %s: the alert waits there for the next "
		    "falco-slack", pool_path(o->pool), strerror(errno));
		return EXIT_FAILED;
	}
	/* one try of its own: a retry would hold up whoever started it */
	http_client_free(s->client);
	s->client = webhook_client(s, 0, poster_cancelled, s);
	/* when a child posts the rest, this one's alert is handed over */
	post_pool(s);
	return report(o);
}

void
oneshot_free(struct oneshot *o)
{
	if (o == NULL)
		return;
	spool_close(o->dead, 1);
	pool_close(o->pool);
	free(o);
}
