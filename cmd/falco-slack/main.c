/*
 * falco-slack: post Falco alerts to a Slack (or Mattermost, Rocket.Chat,
 * Discord /slack) incoming webhook and pass every alert through to
 * standard output byte for byte.
 *
 * The relay (common/relay.h) reads, passes through and queues; what is
 * Slack's own is here: at most --rate messages a period, the alerts that
 * arrive in between gathered into one digest message (webhook.c posts
 * it), and, for a falco-slack started for one alert, the pool that
 * stands in for the wait (oneshot.c).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "exitcode.h"
#include "num.h"
#include "opts.h"
#include "out.h"
#include "reader.h"
#include "sandbox.h"
#include "signals.h"
#include "slack.h"
#include "xalloc.h"

static const char synopsis[] =
    "falco-slack [-nqV] [-l FILE] [-p PRIORITY] [-u URL] [-w CONDITION]\n"
    "[OPTIONS] [FILE ...]";
static const char summary[] =
    "Post Falco alerts to a Slack incoming webhook (also Mattermost,\n"
    "Rocket.Chat and Discord's /slack endpoint) and pass every alert\n"
    "through to standard output. The webhook URL is read from\n"
    "--webhook-url-file, $SLACK_WEBHOOK_URL or -u (visible in ps).";

enum {
	OPT_CACERT = 256,
	OPT_CHANNEL,
	OPT_DIGEST_MAX,
	OPT_FOOTER,
	OPT_FORMAT,
	OPT_ICON_EMOJI,
	OPT_ICON_URL,
	OPT_MATTERMOST,
	OPT_MESSAGE,
	OPT_NO_SANDBOX,
	OPT_RATE,
	OPT_RETRIES,
	OPT_TIMEOUT,
	OPT_USERNAME,
	OPT_WEBHOOK_URL_FILE
};

static const struct opt_spec options[] = {
	{ "webhook-url", 'u', required_argument, "URL",
	  "webhook URL (visible to other users in ps)" },
	{ "webhook-url-file", OPT_WEBHOOK_URL_FILE, required_argument, "FILE",
	  "read the webhook URL from FILE" },
	{ "channel", OPT_CHANNEL, required_argument, "CHANNEL",
	  "post to CHANNEL instead of the webhook's own" },
	{ "username", OPT_USERNAME, required_argument, "NAME",
	  "post as NAME" },
	{ "icon-emoji", OPT_ICON_EMOJI, required_argument, "EMOJI",
	  "icon of the poster, as :emoji:" },
	{ "icon-url", OPT_ICON_URL, required_argument, "URL",
	  "icon of the poster, as an image URL" },
	{ "footer", OPT_FOOTER, required_argument, "TEXT",
	  "footer of each alert's attachment" },
	{ "format", OPT_FORMAT, required_argument, "FORMAT",
	  "attachment content: all (default), text or fields" },
	{ "message", OPT_MESSAGE, required_argument, "TEMPLATE",
	  "top-level text from a %field template" },
	SELECT_OPTIONS,
	{ "mattermost", OPT_MATTERMOST, no_argument, NULL,
	  "no effect: every chat's mentions are always defused" },
	{ "dry-run", 'n', no_argument, NULL,
	  "print the payloads instead of the alerts; post nothing" },
	{ "quiet", 'q', no_argument, NULL,
	  "do not pass alerts through to standard output" },
	{ "rate", OPT_RATE, required_argument, "N/DURATION",
	  "at most N messages per DURATION (default 1/1s)" },
	{ "digest-max", OPT_DIGEST_MAX, required_argument, "N",
	  "alerts shown in full in a digest (default 5, at most 99)" },
	{ "retries", OPT_RETRIES, required_argument, "N",
	  "retries after the first try (default 5)" },
	{ "timeout", OPT_TIMEOUT, required_argument, "DURATION",
	  "time allowed for one request (default 10s)" },
	RELAY_OPTIONS,
	{ "cacert", OPT_CACERT, required_argument, "FILE",
	  "trust the CA certificates in FILE (PEM)" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL,
	  "do not confine the program with seccomp (for debugging)" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

/* ---- options ---- */

static char *
read_url_file(const char *path)
{
	char line[4096];
	FILE *f = fopen(path, "re");
	size_t len;

	if (f == NULL)
		err(EXIT_USAGE, "--webhook-url-file: '%s'", path);
	if (fgets(line, sizeof(line), f) == NULL)
		errx(EXIT_USAGE, "--webhook-url-file: '%s': no webhook URL in "
		    "the file", path);
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
	struct format *f = format_compile_text(text, &error);

	if (f == NULL)
		errx(EXIT_USAGE, "--message: %s", error);
	return f;
}

static void
set_url(struct config *cf, char *url, const char *from)
{
	if (cf->webhook_url != NULL) {
		/* LeakSanitizer counts what errx leaves behind */
		free(url);
		errx(EXIT_USAGE, "%s: only one of -u and --webhook-url-file",
		    from);
	}
	cf->webhook_url = url;
}

static void
parse_option(void *ctx, int key, const char *arg)
{
	struct config *cf = ctx;

	if (select_option(&cf->select, key, arg) ||
	    relay_option(&cf->relay, key, arg))
		return;
	switch (key) {
	case 'n':
		cf->relay.dry_run = 1;
		break;
	case 'q':
		cf->relay.quiet = 1;
		break;
	case 'u':
		set_url(cf, xstrdup(arg), "-u");
		break;
	case OPT_CACERT:
		cf->cacert = arg;
		break;
	case OPT_CHANNEL:
		cf->style.channel = arg;
		break;
	case OPT_DIGEST_MAX:
		cf->digest_max = (size_t)num_parse(arg, 1, DIGEST_SHOWN_MAX,
		    "--digest-max");
		break;
	case OPT_FOOTER:
		cf->style.footer = arg;
		break;
	case OPT_FORMAT:
		cf->style.format = (enum slack_format)opts_choice("--format",
		    arg, format_names);
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
	case OPT_MESSAGE:
		format_free(cf->message);
		cf->message = message_parse(arg);
		cf->message_text = arg;
		break;
	case OPT_NO_SANDBOX:
		cf->no_sandbox = 1;
		break;
	case OPT_RATE:
		rate_parse(arg, &cf->rate_count, &cf->rate_seconds, "--rate");
		break;
	case OPT_RETRIES:
		cf->retries = (int)num_parse(arg, 0, 1000, "--retries");
		break;
	case OPT_TIMEOUT:
		cf->timeout = duration_parse(arg, 0.001, 3600, "--timeout");
		break;
	case OPT_USERNAME:
		cf->style.username = arg;
		break;
	case OPT_WEBHOOK_URL_FILE:
		set_url(cf, read_url_file(arg), "--webhook-url-file");
		break;
	default:
		opts_usage(synopsis);
	}
}

static void
check_url(struct config *cf)
{
	const char *env = getenv("SLACK_WEBHOOK_URL");
	char why[256];

	if (cf->webhook_url == NULL && env != NULL && env[0] != '\0')
		cf->webhook_url = xstrdup(env);
	if (cf->webhook_url == NULL) {
		if (cf->relay.dry_run)
			return;
		warnx("no webhook URL: use --webhook-url-file, "
		    "$SLACK_WEBHOOK_URL or -u");
		opts_usage(synopsis);
	}
	/* the URL is a secret: say what is wrong without printing it */
	if (http_check_url(cf->webhook_url, why, sizeof(why)) != 0)
		errx(EXIT_USAGE, "the webhook URL %s", why);
}

static int
parse_options(struct config *cf, int argc, char **argv)
{
	int first;

	memset(cf, 0, sizeof(*cf));
	select_init(&cf->select);
	cf->rate_count = 1;
	cf->rate_seconds = 1;
	cf->digest_max = 5;
	cf->retries = 5;
	cf->timeout = 10;
	relay_options_init(&cf->relay);
	first = opts_parse(argc, argv, options, synopsis, summary,
	    parse_option, cf);
	select_compile(&cf->select);
	cf->relay.select = &cf->select;
	cf->style.message = cf->message;
	check_url(cf);
	return first;
}

/* ---- the sender ---- */

/*
 * How long the first alert from a pipe waits to learn whether the input
 * ends there (a falco-slack started for one alert, oneshot.c) or goes on
 * (one that reads a stream): Falco closes the pipe right after the line.
 * Only that first alert, and only when the input pauses after it, waits.
 */
#define ONESHOT_GRACE 0.5

static int
gather(void *ctx, struct alert *a, const char *line, size_t len)
{
	struct sender *s = ctx;

	if (s->mode == MODE_UNDECIDED) {
		/* a second alert: a stream; the first leaves alone, as it would have */
		if (s->digest.count > 0) {
			s->mode = MODE_STREAM;
			return 1;
		}
		s->first_at = clock_now();
	}
	/* a digest holds any number of alerts: counts for all, a few in full */
	digest_add(&s->digest, a, line, len);
	return 0;
}

/* as soon as --rate has a slot: what came meanwhile goes as one digest */
static double
due(void *ctx, int ending)
{
	struct sender *s = ctx;
	double left;

	if (s->mode == MODE_UNDECIDED) {
		/* one alert and the end: started for it, it goes to the pool */
		if (ending) {
			s->mode = MODE_ONESHOT;
			return 0;
		}
		left = s->first_at + ONESHOT_GRACE - clock_now();
		if (left > 0)
			return left;
		s->mode = MODE_STREAM;
	}
	return ratelimit_wait(&s->rate);
}

static enum relay_outcome
send_message(void *ctx, struct relay *relay)
{
	struct sender *s = ctx;
	struct buf payload = BUF_INIT;
	enum relay_outcome outcome = RELAY_SENT;
	double retry_after;

	if (s->mode == MODE_ONESHOT && oneshot_hand_over(s, s->digest.shown[0],
	    s->digest.shown_len[0]) == 0) {
		digest_reset(&s->digest);
		return RELAY_SENT;
	}
	sender_payload(s, &payload);
	if (s->cf->relay.dry_run) {
		ratelimit_take(&s->rate);
		relay_print(relay, payload.data, payload.len);
	} else {
		switch (webhook_post(s, &payload, 0, &retry_after)) {
		case POST_DELIVERED:
			break;
		case POST_CANCELLED:
			outcome = RELAY_CANCELLED;
			break;
		default:
			outcome = RELAY_FAILED;
		}
	}
	buf_free(&payload);
	digest_reset(&s->digest);
	return outcome;
}

static const struct relay_ops slack_ops = { gather, due, send_message };

static void
sender_init(struct sender *s, const struct config *cf, struct relay *relay,
    int oneshot)
{
	memset(s, 0, sizeof(*s));
	s->cf = cf;
	s->relay = relay;
	s->mode = oneshot ? MODE_UNDECIDED : MODE_STREAM;
	alert_init(&s->alert);
	digest_init(&s->digest, cf->digest_max);
	ratelimit_init(&s->rate, cf->rate_count, cf->rate_seconds);
	if (cf->relay.dry_run)
		return;
	http_redact_url(cf->webhook_url, s->host, sizeof(s->host));
	s->client = webhook_client(s, cf->retries, relay_cancelled, relay);
}

static void
sender_free(struct sender *s)
{
	http_client_free(s->client);
	oneshot_free(s->oneshot);
	alert_free(&s->alert);
	digest_reset(&s->digest);
	ratelimit_free(&s->rate);
}

/* the contract's rule: the higher status wins, 141 only if nothing else went wrong */
static int
worse(int a, int b)
{
	if (a == EXIT_PIPE && b == EXIT_OK)
		return a;
	if (b == EXIT_PIPE && a == EXIT_OK)
		return b;
	if (a == EXIT_PIPE)
		return b;
	if (b == EXIT_PIPE)
		return a;
	return a > b ? a : b;
}

int
main(int argc, char **argv)
{
	struct config cf;
	struct sender sender;
	struct relay *relay;
	struct reader *in;
	int first, oneshot, status;

	out_init();
	first = parse_options(&cf, argc, argv);
	signals_init(SIGNAL_HUP, cf.relay.drain_timeout);
	http_global_init();
	in = select_open_input(&cf.select, argv + first, argc - first);
	relay = relay_new(&cf.relay, &slack_ops, &sender);
	oneshot = oneshot_possible(&cf, argv + first, argc - first);
	sender_init(&sender, &cf, relay, oneshot);
	/*
	 * Before relay_run starts the sender thread, which the filter must
	 * bind too. Started for one alert, the poster may leave a child to
	 * post what waits (oneshot.c): fork, but still no exec.
	 */
	if (!cf.no_sandbox)
		sandbox_enter_or_exit(oneshot ? SANDBOX_NETWORK_FORK :
		    SANDBOX_NETWORK);

	status = relay_run(relay, in);
	if (sender.oneshot != NULL)
		status = worse(status, oneshot_finish(&sender));

	relay_free(relay);
	sender_free(&sender);
	reader_close(in);
	select_free(&cf.select);
	format_free(cf.message);
	free(cf.webhook_url);
	out_finish();
	return status;
}
