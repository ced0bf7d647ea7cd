/*
 * falco-slack: post Falco alerts to a Slack (or Mattermost, Rocket.Chat,
 * Discord /slack) incoming webhook and pass every alert through to
 * standard output byte for byte.
 *
 * The reading thread writes alerts out and queues those to be posted;
 * a sender thread posts them, at most --rate messages a period, and
 * gathers what arrives in between into one digest message. The queue is
 * bounded: a slow Slack slows the reader, it never loses an alert. What
 * cannot be delivered is appended to the --dead-letter file.
 */
#include <cjson/cJSON.h>
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "cond.h"
#include "exitcode.h"
#include "format.h"
#include "http.h"
#include "lists.h"
#include "num.h"
#include "opts.h"
#include "out.h"
#include "payload.h"
#include "queue.h"
#include "reader.h"
#include "version.h"
#include "xalloc.h"

static const char synopsis[] =
    "falco-slack [-nqV] [-c CHANNEL] [-f FORMAT] [-m TEMPLATE] [-p PRIORITY]\n"
    "[-r N/SECONDS] [-t SECONDS] [-u URL] [-w CONDITION] [OPTIONS] [FILE ...]";
static const char summary[] =
    "Post Falco alerts to a Slack incoming webhook (also Mattermost,\n"
    "Rocket.Chat and Discord's /slack endpoint) and pass every alert\n"
    "through to standard output. The webhook URL is read from\n"
    "--webhook-url-file, $SLACK_WEBHOOK_URL or -u (visible in ps).";

enum {
	OPT_CACERT = 256,
	OPT_DEAD_LETTER,
	OPT_DIGEST_MAX,
	OPT_DRAIN_TIMEOUT,
	OPT_FOOTER,
	OPT_ICON_EMOJI,
	OPT_ICON_URL,
	OPT_MATTERMOST,
	OPT_MAX_LINE_BYTES,
	OPT_QUEUE_SIZE,
	OPT_RETRIES,
	OPT_USERNAME,
	OPT_WEBHOOK_URL_FILE
};

static const struct opt_spec options[] = {
	{ "webhook-url", 'u', required_argument, "URL",
	  "webhook URL (visible to other users in ps)" },
	{ "webhook-url-file", OPT_WEBHOOK_URL_FILE, required_argument, "FILE",
	  "read the webhook URL from FILE" },
	{ "channel", 'c', required_argument, "CHANNEL",
	  "post to CHANNEL instead of the webhook's own" },
	{ "username", OPT_USERNAME, required_argument, "NAME",
	  "post as NAME" },
	{ "icon-emoji", OPT_ICON_EMOJI, required_argument, "EMOJI",
	  "icon of the poster, as :emoji:" },
	{ "icon-url", OPT_ICON_URL, required_argument, "URL",
	  "icon of the poster, as an image URL" },
	{ "footer", OPT_FOOTER, required_argument, "TEXT",
	  "footer of each alert's attachment" },
	{ "format", 'f', required_argument, "FORMAT",
	  "attachment content: all (default), text or fields" },
	{ "message", 'm', required_argument, "TEMPLATE",
	  "top-level text from a %field template" },
	{ "min-priority", 'p', required_argument, "PRIORITY",
	  "post only alerts of PRIORITY or worse" },
	{ "when", 'w', required_argument, "COND",
	  "post only alerts that satisfy the condition COND" },
	{ "lists", 'l', required_argument, "FILE",
	  "load the '- list:' items of a Falco rules file (repeatable)" },
	{ "mattermost", OPT_MATTERMOST, no_argument, NULL,
	  "also neutralise plain @channel, @here and @all" },
	{ "dry-run", 'n', no_argument, NULL,
	  "print the payloads instead of the alerts; post nothing" },
	{ "quiet", 'q', no_argument, NULL,
	  "do not pass alerts through to standard output" },
	{ "rate", 'r', required_argument, "N/SECONDS",
	  "at most N messages per period (default 1/1)" },
	{ "digest-max", OPT_DIGEST_MAX, required_argument, "N",
	  "alerts shown in full in a digest (default 5, at most 99)" },
	{ "retries", OPT_RETRIES, required_argument, "N",
	  "retries after the first try (default 5)" },
	{ "timeout", 't', required_argument, "SECONDS",
	  "time allowed for one request (default 10)" },
	{ "dead-letter", OPT_DEAD_LETTER, required_argument, "FILE",
	  "append alerts that could not be delivered to FILE" },
	{ "drain-timeout", OPT_DRAIN_TIMEOUT, required_argument, "SECONDS",
	  "time to post what is queued at the end (default 30)" },
	{ "queue-size", OPT_QUEUE_SIZE, required_argument, "N",
	  "alerts waiting to be posted before reading pauses (default 10000)" },
	{ "max-line-bytes", OPT_MAX_LINE_BYTES, required_argument, "N",
	  "skip longer lines with a warning (default 1M)" },
	{ "cacert", OPT_CACERT, required_argument, "FILE",
	  "trust the CA certificates in FILE (PEM)" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

struct config {
	struct slack_style style;
	char *webhook_url;
	const char *webhook_url_file;
	const char *dead_letter;
	const char *cacert;
	const char *when_text;
	struct cond *when;
	struct lists *lists;
	size_t max_line;
	struct format *message;
	int min_severity;	/* -1: all */
	int dry_run;
	int quiet;
	long long rate_count;
	double rate_seconds;
	size_t digest_max;
	int retries;
	double timeout;
	double drain_timeout;
	size_t queue_size;
};

/* ---- options ---- */

static char *
read_url_file(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	size_t len;

	if (f == NULL)
		err(EXIT_USAGE, "'%s'", path);
	if (fgets(line, sizeof(line), f) == NULL)
		errx(EXIT_USAGE, "'%s': no webhook URL in the file", path);
	fclose(f);
	len = strcspn(line, "\r\n");
	while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
		len--;
	return xstrndup(line, len);
}

/* in the order of enum slack_format */
static const char *const format_names[] = { "all", "text", "fields", NULL };

static struct format *
message_parse(const char *text)
{
	const char *error;
	struct format *f = format_compile(text, &error);

	if (f == NULL)
		errx(EXIT_USAGE, "--message: %s", error);
	return f;
}

static void
set_url(struct config *cf, const char *url, const char *from)
{
	if (cf->webhook_url != NULL)
		errx(EXIT_USAGE, "%s: only one of -u and --webhook-url-file",
		    from);
	cf->webhook_url = xstrdup(url);
}

static void
parse_option(struct config *cf, int key, const char *arg)
{
	switch (key) {
	case 'c':
		cf->style.channel = arg;
		break;
	case 'f':
		cf->style.format = (enum slack_format)opts_choice("--format",
		    arg, format_names);
		break;
	case 'h':
		opts_help(stdout, synopsis, summary, options);
		exit(EXIT_OK);
	case 'l':
		lists_load_or_exit(cf->lists, arg);
		break;
	case 'm':
		cf->message = message_parse(arg);
		break;
	case 'n':
		cf->dry_run = 1;
		break;
	case 'p':
		cf->min_severity = opts_priority("--min-priority", arg);
		break;
	case 'q':
		cf->quiet = 1;
		break;
	case 'r':
		rate_parse(arg, &cf->rate_count, &cf->rate_seconds, "--rate");
		break;
	case 't':
		cf->timeout = duration_parse(arg, 0.001, 3600, "--timeout");
		break;
	case 'u':
		set_url(cf, arg, "-u");
		break;
	case 'V':
		printf("falco-slack %s\n", FALCO_PIPES_VERSION);
		exit(EXIT_OK);
	case 'w':
		/* parsed once every --lists file is loaded */
		cf->when_text = arg;
		break;
	case OPT_CACERT:
		cf->cacert = arg;
		break;
	case OPT_DEAD_LETTER:
		cf->dead_letter = arg;
		break;
	case OPT_DIGEST_MAX:
		cf->digest_max = (size_t)num_parse(arg, 1, DIGEST_SHOWN_MAX,
		    "--digest-max");
		break;
	case OPT_DRAIN_TIMEOUT:
		cf->drain_timeout = duration_parse(arg, 0, 86400,
		    "--drain-timeout");
		break;
	case OPT_FOOTER:
		cf->style.footer = arg;
		break;
	case OPT_ICON_EMOJI:
		cf->style.icon_emoji = arg;
		break;
	case OPT_ICON_URL:
		cf->style.icon_url = arg;
		break;
	case OPT_MATTERMOST:
		cf->style.mattermost = 1;
		break;
	case OPT_MAX_LINE_BYTES:
		cf->max_line = reader_max_line_option(arg);
		break;
	case OPT_QUEUE_SIZE:
		cf->queue_size = (size_t)num_parse(arg, 1, 10000000,
		    "--queue-size");
		break;
	case OPT_RETRIES:
		cf->retries = (int)num_parse(arg, 0, 1000, "--retries");
		break;
	case OPT_USERNAME:
		cf->style.username = arg;
		break;
	case OPT_WEBHOOK_URL_FILE:
		if (cf->webhook_url != NULL)
			errx(EXIT_USAGE, "--webhook-url-file: only one of -u and "
			    "--webhook-url-file");
		cf->webhook_url = read_url_file(arg);
		break;
	default:
		opts_usage(synopsis);
	}
}

static void
check_url(struct config *cf)
{
	const char *env = getenv("SLACK_WEBHOOK_URL");

	if (cf->webhook_url == NULL && env != NULL && env[0] != '\0')
		cf->webhook_url = xstrdup(env);
	if (cf->webhook_url == NULL) {
		if (cf->dry_run)
			return;
		warnx("no webhook URL: use --webhook-url-file, "
		    "$SLACK_WEBHOOK_URL or -u");
		opts_usage(synopsis);
	}
	/* the URL is a secret: say what is wrong without printing it */
	if (strncmp(cf->webhook_url, "https://", 8) != 0 &&
	    strncmp(cf->webhook_url, "http://", 7) != 0)
		errx(EXIT_USAGE, "the webhook URL must start with https:// "
		    "or http://");
}

static int
parse_options(struct config *cf, int argc, char **argv)
{
	struct opt_parser parser;
	int key;

	memset(cf, 0, sizeof(*cf));
	cf->min_severity = -1;
	cf->rate_count = 1;
	cf->rate_seconds = 1;
	cf->digest_max = 5;
	cf->retries = 5;
	cf->timeout = 10;
	cf->drain_timeout = 30;
	cf->queue_size = 10000;
	cf->max_line = READER_DEFAULT_MAX_LINE;
	cf->lists = lists_new();
	opts_build(options, &parser);
	while ((key = getopt_long(argc, argv, parser.shortopts,
	    parser.longopts, NULL)) != -1)
		parse_option(cf, key, optarg);
	opts_free(&parser);
	if (cf->when_text != NULL)
		cf->when = cond_compile(cf->when_text, cf->lists);
	cf->style.message = cf->message;
	check_url(cf);
	return optind;
}

/* ---- undeliverable alerts ---- */

struct dead_letter {
	/* the reader adds too, when a signal closed the queue under it */
	pthread_mutex_t lock;
	int fd;			/* -1: no file */
	const char *path;
	unsigned long count;	/* alerts not delivered */
	int write_failed;
};

static void
dead_letter_open(struct dead_letter *dl, const char *path)
{
	pthread_mutex_init(&dl->lock, NULL);
	dl->fd = -1;
	dl->path = path;
	dl->count = 0;
	dl->write_failed = 0;
	if (path == NULL)
		return;
	/* O_APPEND and one write per line keep lines whole with other writers */
	dl->fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (dl->fd < 0)
		err(EXIT_USAGE, "'%s'", path);
}

static void
write_all(struct dead_letter *dl, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(dl->fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			if (!dl->write_failed)
				warn("'%s'", dl->path);
			dl->write_failed = 1;
			return;
		}
		p += w;
		n -= (size_t)w;
	}
}

static void
dead_letter_add(struct dead_letter *dl, const char *line, size_t len)
{
	char *copy;

	pthread_mutex_lock(&dl->lock);
	dl->count++;
	if (dl->fd >= 0) {
		copy = xmalloc(len + 1);
		memcpy(copy, line, len);
		copy[len] = '\n';
		write_all(dl, copy, len + 1);
		free(copy);
	}
	pthread_mutex_unlock(&dl->lock);
}

/* ---- the sender thread ---- */

struct sender {
	const struct config *cf;
	struct http_client *client;
	char host[256];		/* the URL without its secret path, for messages */
	struct digest digest;
	/* every line of the pending message, for the dead-letter file */
	FILE *pending;
	struct dead_letter dead;
	struct alert alert;
	unsigned long drain_expired;	/* alerts not tried: drain time was over */
	double tokens;
	struct timespec refilled;
	/*
	 * Set by finish() when --drain-timeout is over: no more tries.
	 * A sig_atomic_t because http_options.stop is one.
	 */
	volatile sig_atomic_t give_up;
};

static double
seconds_since(const struct timespec *then)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (double)(now.tv_sec - then->tv_sec) +
	    (double)(now.tv_nsec - then->tv_nsec) / 1e9;
}

/* a token bucket: --rate N/SECONDS lets N messages go at once, then N a period */
static void
refill(struct sender *s)
{
	double per_second = (double)s->cf->rate_count / s->cf->rate_seconds;

	s->tokens += seconds_since(&s->refilled) * per_second;
	if (s->tokens > (double)s->cf->rate_count)
		s->tokens = (double)s->cf->rate_count;
	clock_gettime(CLOCK_MONOTONIC, &s->refilled);
}

static double
seconds_to_next_token(struct sender *s)
{
	double per_second = (double)s->cf->rate_count / s->cf->rate_seconds;

	refill(s);
	if (s->tokens >= 1)
		return 0;
	return (1 - s->tokens) / per_second;
}

static void
pending_add(struct sender *s, const char *line, size_t len)
{
	if (s->pending == NULL)
		return;
	if (fwrite(line, 1, len, s->pending) != len ||
	    putc('\n', s->pending) == EOF)
		warn("temporary file");
}

/* the pending message's lines go to the dead-letter file */
static void
pending_to_dead_letter(struct sender *s)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (s->pending == NULL) {
		pthread_mutex_lock(&s->dead.lock);
		s->dead.count += s->digest.count;
		pthread_mutex_unlock(&s->dead.lock);
		return;
	}
	rewind(s->pending);
	while ((n = getline(&line, &cap, s->pending)) > 0)
		dead_letter_add(&s->dead, line, (size_t)n - 1);
	free(line);
}

static void
pending_reset(struct sender *s)
{
	if (s->pending != NULL) {
		rewind(s->pending);
		if (ftruncate(fileno(s->pending), 0) != 0)
			warn("temporary file");
	}
	digest_reset(&s->digest);
}

static void
build_message(struct sender *s, struct buf *payload)
{
	const char *reason;

	if (s->digest.count == 1 && alert_parse(&s->alert, s->digest.shown[0],
	    s->digest.shown_len[0], &reason) == 0)
		slack_payload(&s->cf->style, &s->alert, payload);
	else
		slack_digest_payload(&s->cf->style, &s->digest, payload);
}

/* the answer's body without the blanks around it */
static const char *
answer_body(const struct http_response *resp, size_t *len)
{
	const char *p = resp->body != NULL ? resp->body : "";
	size_t n = resp->body != NULL ? resp->body_len : 0;

	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	*len = n;
	return p;
}

/*
 * Slack says "ok" to a good post, and a 200 alone is no proof: Slack
 * has answered errors with 200, so Alertmanager checks the body too
 * (prometheus/alertmanager PR #3121). Mattermost says "ok" as well,
 * Discord's /slack endpoint "ok" or nothing, Rocket.Chat
 * {"success":true}; JSON is taken as a yes unless it says "ok": false
 * (Slack's Web API errors) or "success": false (Rocket.Chat's).
 */
static int
answer_accepted(const struct http_response *resp)
{
	size_t len;
	const char *body = answer_body(resp, &len);
	cJSON *json;
	int accepted;

	if (len == 0 || (len == 2 && memcmp(body, "ok", 2) == 0))
		return 1;
	if (body[0] != '{')
		return 0;
	json = cJSON_ParseWithLength(body, len);
	accepted = cJSON_IsObject(json) &&
	    !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(json, "ok")) &&
	    !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(json, "success"));
	cJSON_Delete(json);
	return accepted;
}

/* the first word of text, printable, for one line on stderr */
static void
first_word(const char *text, size_t len, char *word, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			break;
		word[n++] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	word[n] = '\0';
}

/*
 * Slack's answer is one word ("channel_not_found"); a JSON answer names
 * its error in "error" ({"ok":false,"error":"invalid_auth"})
 */
static void
answer_word(const struct http_response *resp, char *word, size_t size)
{
	size_t len;
	const char *body = answer_body(resp, &len);
	const cJSON *error;
	cJSON *json;

	first_word(body, len, word, size);
	if (len == 0 || body[0] != '{')
		return;
	json = cJSON_ParseWithLength(body, len);
	error = cJSON_GetObjectItemCaseSensitive(json, "error");
	if (cJSON_IsString(error) && error->valuestring[0] != '\0')
		first_word(error->valuestring, strlen(error->valuestring),
		    word, size);
	cJSON_Delete(json);
}

static void
report_failure(struct sender *s, const struct http_response *resp)
{
	char word[128];
	unsigned long n = (unsigned long)s->digest.count;
	const char *noun = n == 1 ? "alert" : "alerts";

	/* once the drain time is over, one line at the end says how many */
	if (s->give_up && resp->tries == 0) {
		s->drain_expired += n;
		return;
	}
	if (resp->status == 0) {
		warnx("'%s': %s (%d %s): %lu %s not delivered", s->host,
		    resp->error, resp->tries, resp->tries == 1 ? "try" : "tries",
		    n, noun);
		return;
	}
	answer_word(resp, word, sizeof(word));
	warnx("'%s': %ld %s (%d %s): %lu %s not delivered", s->host,
	    resp->status, word[0] != '\0' ? word : "(no reason given)",
	    resp->tries, resp->tries == 1 ? "try" : "tries", n, noun);
}

static void
post(struct sender *s, const struct buf *payload)
{
	static const struct http_header headers[] = {
		{ "Content-Type", "application/json; charset=utf-8" },
		{ NULL, NULL }
	};
	struct http_request req;
	struct http_response resp;

	memset(&resp, 0, sizeof(resp));
	if (!s->give_up) {
		req.method = "POST";
		req.url = s->cf->webhook_url;
		req.headers = headers;
		req.body = payload->data;
		req.body_len = payload->len;
		/* a 2xx that says no is final: resending cannot change the answer */
		if (http_send(s->client, &req, &resp) == 0 &&
		    answer_accepted(&resp)) {
			http_response_free(&resp);
			return;
		}
	}
	report_failure(s, &resp);
	http_response_free(&resp);
	pending_to_dead_letter(s);
}

/* with --dry-run only this thread writes to standard output */
static void
print_payload(const struct buf *payload)
{
	out_line(payload->data, payload->len);
	out_flush();
}

/* one message for everything gathered since the last one */
static void
deliver(struct sender *s)
{
	struct buf payload = BUF_INIT;

	if (s->digest.count == 0)
		return;
	build_message(s, &payload);
	if (s->cf->dry_run)
		print_payload(&payload);
	else
		post(s, &payload);
	buf_free(&payload);
	pending_reset(s);
}

static void
gather(struct sender *s, struct queue_item *item)
{
	const char *reason;

	/* the reader queued only alerts that parsed */
	if (alert_parse(&s->alert, item->line, item->len, &reason) == 0) {
		digest_add(&s->digest, &s->alert, item->line, item->len);
		pending_add(s, item->line, item->len);
	}
	free(item->line);
}

static void
sender_init(struct sender *s, const struct config *cf)
{
	struct http_options ho;

	memset(s, 0, sizeof(*s));
	s->cf = cf;
	alert_init(&s->alert);
	digest_init(&s->digest, cf->digest_max);
	dead_letter_open(&s->dead, cf->dead_letter);
	/* a digest may stand for thousands of alerts: their lines wait on disk */
	if (cf->dead_letter != NULL && (s->pending = tmpfile()) == NULL)
		err(EXIT_USAGE, "temporary file");
	s->tokens = (double)cf->rate_count;
	clock_gettime(CLOCK_MONOTONIC, &s->refilled);
	if (cf->dry_run)
		return;
	http_redact_url(cf->webhook_url, s->host, sizeof(s->host));
	memset(&ho, 0, sizeof(ho));
	ho.timeout = cf->timeout;
	ho.retries = cf->retries;
	ho.cacert = cf->cacert;
	ho.stop = &s->give_up;
	s->client = http_client_new(&ho);
}

static void
sender_free(struct sender *s)
{
	http_client_free(s->client);
	alert_free(&s->alert);
	digest_reset(&s->digest);
	if (s->pending != NULL)
		fclose(s->pending);
	if (s->dead.fd >= 0 && close(s->dead.fd) != 0) {
		warn("'%s'", s->dead.path);
		s->dead.write_failed = 1;
	}
}

/* ---- what the threads share ---- */

/*
 * Nothing here is file-scope: main() owns one, every thread is handed
 * it. There are no signal handlers (a thread takes SIGINT and SIGTERM
 * with sigwait), so no flag has to live where a handler could reach it.
 */
struct run {
	const struct config *cf;
	struct reader *in;		/* the input, polled before a flush */
	struct queue *alerts;		/* reader -> sender */
	struct sender sender;
	pthread_t sender_thread;
	/*
	 * Closed queues as one-shot events that can be waited for with a
	 * timeout: nothing is ever pushed into them.
	 */
	struct queue *sender_done;	/* closed by the sender as it ends */
	struct queue *drain_over;	/* closed when --drain-timeout is over */
	/* held by the reader while it handles one alert */
	pthread_mutex_t output_lock;
	sigset_t signals;		/* what the watcher thread waits for */
	volatile sig_atomic_t stopping;	/* a signal asked us to end */
};

/* 1 when event happened within seconds, 0 when the time ran out */
static int
event_wait(struct queue *event, double seconds)
{
	struct queue_item item;

	return queue_pop(event, &item, seconds) < 0;
}

static void *
sender_main(void *arg)
{
	struct run *run = arg;
	struct sender *s = &run->sender;
	struct queue_item item;
	double wait;
	int rc;

	for (;;) {
		/* past the drain time, failing fast beats waiting for a slot */
		if (s->digest.count > 0 &&
		    (s->give_up || seconds_to_next_token(s) == 0)) {
			s->tokens -= 1;
			deliver(s);
			continue;
		}
		wait = s->digest.count > 0 ? seconds_to_next_token(s) : -1;
		rc = queue_pop(run->alerts, &item, wait);
		if (rc == 1)
			gather(s, &item);
		else if (rc < 0 && s->digest.count == 0)
			break;
		else if (rc < 0)
			/* the end of input: the last message waits for its
			 * slot too, unless the drain time ends first */
			event_wait(run->drain_over, wait);
	}
	queue_close(run->sender_done);
	return NULL;
}

/* ---- the end: drain, report, exit ---- */

static void
join_within(struct run *run, double seconds)
{
	if (!event_wait(run->sender_done, seconds)) {
		/* what is still queued is dead-lettered without another try */
		run->sender.give_up = 1;
		queue_close(run->drain_over);
	}
	pthread_join(run->sender_thread, NULL);
}

static void
report_undelivered(const struct config *cf, const struct sender *s)
{
	if (s->drain_expired > 0)
		warnx("--drain-timeout: %lu %s not posted in time",
		    s->drain_expired, s->drain_expired == 1 ? "alert" : "alerts");
	if (s->dead.count == 0)
		return;
	if (cf->dead_letter != NULL)
		warnx("%lu %s not delivered, appended to '%s'", s->dead.count,
		    s->dead.count == 1 ? "alert" : "alerts", cf->dead_letter);
	else
		warnx("%lu %s not delivered", s->dead.count,
		    s->dead.count == 1 ? "alert" : "alerts");
}

/* called with output_lock held, by whichever comes first: EOF or a signal */
static void __attribute__((noreturn))
finish(struct run *run, int status)
{
	struct sender *s = &run->sender;

	queue_close(run->alerts);
	join_within(run, run->cf->drain_timeout);
	sender_free(s);
	report_undelivered(run->cf, s);
	if (s->dead.count > 0 || s->dead.write_failed)
		status = EXIT_FAILED;
	out_finish();
	exit(status);
}

static void *
signal_main(void *arg)
{
	struct run *run = arg;
	int sig;

	while (sigwait(&run->signals, &sig) != 0)
		continue;
	run->stopping = 1;
	/* a reader blocked on a full queue lets go */
	queue_close(run->alerts);
	/* wait until the reader is between alerts, then end from here */
	pthread_mutex_lock(&run->output_lock);
	finish(run, EXIT_OK);
}

/*
 * The reader of our standard output went away: the pipeline is over, but
 * what is queued is still posted (or dead-lettered) before we go. Called
 * with output_lock held, like every output.
 */
static void
output_gone(void *arg)
{
	finish(arg, EXIT_PIPE);
}

static void
flush_before_wait(void *arg)
{
	struct run *run = arg;

	pthread_mutex_lock(&run->output_lock);
	out_flush_if_idle(reader_fd(run->in));
	pthread_mutex_unlock(&run->output_lock);
}

/* ---- the reading thread ---- */

static int
wanted(const struct config *cf, struct alert *a)
{
	if (cf->min_severity >= 0 && alert_severity(a) < cf->min_severity)
		return 0;
	if (cf->when != NULL && !cond_eval(cf->when, a))
		return 0;
	return 1;
}

static void
queue_alert(struct run *run, const struct reader_line *line)
{
	if (queue_push(run->alerts, line->text, line->len, 0) == 0)
		return;
	/* the queue is full: what was read leaves before we wait */
	out_flush();
	if (queue_push(run->alerts, line->text, line->len, 1) == 0)
		return;
	/* closed by a signal: this one is kept, not posted */
	dead_letter_add(&run->sender.dead, line->text, line->len);
}

static void
handle_line(struct run *run, struct alert *a, const struct reader_line *line)
{
	const struct config *cf = run->cf;
	const char *reason;

	/* queued before it is passed on: if the output is gone, still posted */
	if (alert_parse(a, line->text, line->len, &reason) != 0)
		warnx("%s:%lu: %s", line->file, line->lineno, reason);
	else if (wanted(cf, a))
		queue_alert(run, line);
	if (!cf->quiet && !cf->dry_run)
		out_line(line->text, line->raw_len);
}

static void
run_init(struct run *run, const struct config *cf)
{
	memset(run, 0, sizeof(*run));
	run->cf = cf;
	sender_init(&run->sender, cf);
	run->alerts = queue_new(cf->queue_size);
	run->sender_done = queue_new(1);
	run->drain_over = queue_new(1);
	pthread_mutex_init(&run->output_lock, NULL);
}

static void
start_threads(struct run *run)
{
	pthread_t watcher;

	/* every thread inherits the mask; only the watcher takes the signals */
	sigemptyset(&run->signals);
	sigaddset(&run->signals, SIGINT);
	sigaddset(&run->signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &run->signals, NULL);
	if (pthread_create(&run->sender_thread, NULL, sender_main, run) != 0 ||
	    pthread_create(&watcher, NULL, signal_main, run) != 0)
		errx(EXIT_USAGE, "cannot start a thread");
	pthread_detach(watcher);
}

int
main(int argc, char **argv)
{
	struct config cf;
	struct run run;
	struct reader *in;
	struct reader_line line;
	struct alert a;
	int first;

	out_init();
	first = parse_options(&cf, argc, argv);
	http_global_init();
	run_init(&run, &cf);
	in = reader_open(argv + first, argc - first, cf.max_line);
	run.in = in;
	if (!cf.dry_run) {
		reader_on_wait(in, flush_before_wait, &run);
		/* in a dry run the sender thread writes: let EPIPE end us there */
		out_on_broken_pipe(output_gone, &run);
	}
	alert_init(&a);
	start_threads(&run);

	while (reader_next(in, &line)) {
		pthread_mutex_lock(&run.output_lock);
		if (run.stopping) {
			pthread_mutex_unlock(&run.output_lock);
			break;
		}
		handle_line(&run, &a, &line);
		pthread_mutex_unlock(&run.output_lock);
	}

	pthread_mutex_lock(&run.output_lock);
	if (run.stopping) {
		/* the signal watcher ends the program */
		pthread_mutex_unlock(&run.output_lock);
		for (;;)
			pause();
	}
	alert_free(&a);
	finish(&run, reader_failed_files(in) > 0 ? EXIT_USAGE : EXIT_OK);
}
