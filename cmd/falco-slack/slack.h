/*
 * slack.h: what falco-slack's files share. main.c reads the options and
 * gives the relay its ops; webhook.c posts a message and judges the
 * answer; oneshot.c is what a falco-slack started for one alert does
 * instead of waiting for --rate: it hands the alert to a pool that
 * falco-slack processes posting the same way share (common/pool.h).
 */
#ifndef FALCO_SLACK_SLACK_H
#define FALCO_SLACK_SLACK_H

#include <stdio.h>

#include "alert.h"
#include "buf.h"
#include "format.h"
#include "http.h"
#include "payload.h"
#include "ratelimit.h"
#include "relay.h"
#include "select.h"

struct config {
	struct slack_style style;
	struct selection select;
	struct relay_options relay;
	char *webhook_url;
	const char *cacert;
	const char *message_text;	/* --message as given */
	struct format *message;
	long long rate_count;
	double rate_seconds;
	size_t digest_max;
	int retries;
	double timeout;
	int no_sandbox;
};

enum sender_mode {
	MODE_UNDECIDED,	/* one alert read from a pipe: does the input end? */
	MODE_STREAM,	/* posts as the relay says, --rate kept in memory */
	MODE_ONESHOT	/* started for one alert: it goes to the pool */
};

struct oneshot;

struct sender {
	const struct config *cf;
	struct relay *relay;
	struct http_client *client;
	char host[256];		/* the URL without its secret path, for messages */
	struct ratelimit rate;
	struct digest digest;
	struct alert alert;
	enum sender_mode mode;
	double first_at;	/* clock_now() when the first alert came */
	struct oneshot *oneshot;	/* once the alert went to the pool */
};

enum post_result {
	POST_DELIVERED,
	POST_REFUSED,		/* final: reported */
	POST_RETRYABLE,		/* failed on what a later try might change */
	POST_CANCELLED		/* not tried, or cut short: the drain is over */
};

/* the digest's message: the alert alone when it holds one */
void sender_payload(struct sender *s, struct buf *payload);
/*
 * Post the payload of the digest's alerts. A failure is reported on
 * standard error, except a retryable one when quiet_retryable is set
 * (someone will try again); *retry_after is then the webhook's
 * Retry-After in seconds, or 0.
 */
enum post_result webhook_post(struct sender *s, const struct buf *payload,
    int quiet_retryable, double *retry_after);
/* an HTTP client for the webhook with this many retries */
struct http_client *webhook_client(struct sender *s, int retries,
    int (*cancelled)(void *), void *cancelled_ctx);

/*
 * 1 when this falco-slack may have been started for one alert: what
 * feeds it is a pipe (or socket) on standard input, not files
 */
int oneshot_possible(const struct config *cf, char *const *files,
    int nfiles);
/*
 * Hand the alert over to the pool: 0 once it is there to stay; -1 when
 * it cannot be (reported), and the caller posts it itself.
 */
int oneshot_hand_over(struct sender *s, const char *line, size_t len);
/*
 * After the relay ended, when the alert was handed over: post the pool
 * if no other falco-slack is posting it, leaving a child behind to
 * post what --rate does not allow now. Returns the exit status.
 */
int oneshot_finish(struct sender *s);
void oneshot_free(struct oneshot *o);

#endif
