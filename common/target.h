/*
 * target.h: the HTTP endpoint a sender posts its batches to, declared
 * once for falco-loki and falco-webhook: where (-u, --url-file or an
 * environment variable), as whom (--header, --header-file,
 * --bearer-token-file, --user with --password-file, --cert and --key),
 * trusting whom (--cacert), how bodies travel (--gzip), how hard to try
 * (--timeout, --retries), how alerts are gathered into requests
 * (--batch-bytes, --batch-wait, --rate: batch.h), and what the relay
 * needs of any sender (--dead-letter, --drain-timeout, --queue-size,
 * --queue-bytes, --max-spool: relay.h).
 *
 * A program puts TARGET_OPTIONS (and TARGET_BATCH_OPTIONS,
 * TARGET_RATE_OPTION where it batches or limits) in its option table,
 * hands every option to target_option(), then calls target_finish().
 *
 * Secrets stay secret: the URL (its path and query often are the key),
 * tokens, passwords and the headers of --header-file are read from files
 * or the environment, so they are not in ps(1); messages name the
 * scheme and host only (http_redact_url), and a dry run prints "(secret)"
 * in their place.
 */
#ifndef FP_TARGET_H
#define FP_TARGET_H

#include <getopt.h>
#include <stddef.h>

#include "batch.h"
#include "buf.h"
#include "http.h"
#include "ratelimit.h"
#include "relay.h"

/* option keys of the long-only options this module owns */
enum {
	OPT_URL_FILE = 0x7e00,
	OPT_HEADER,
	OPT_HEADER_FILE,
	OPT_BEARER_TOKEN_FILE,
	OPT_USER,
	OPT_PASSWORD_FILE,
	OPT_CACERT,
	OPT_CERT,
	OPT_KEY,
	OPT_GZIP,
	OPT_TIMEOUT,
	OPT_RETRIES,
	OPT_BATCH_BYTES,
	OPT_BATCH_WAIT,
	OPT_RATE
};

/* RETRIES: the default of --retries, as a string ("9") */
#define TARGET_OPTIONS(RETRIES) \
	{ "url", 'u', required_argument, "URL", \
	    "the endpoint's URL (visible to other users in ps)" }, \
	{ "url-file", OPT_URL_FILE, required_argument, "FILE", \
	    "read the URL from the first line of FILE" }, \
	{ "header", OPT_HEADER, required_argument, "NAME:VALUE", \
	    "send this header (repeatable; VALUE may hold ':')" }, \
	{ "header-file", OPT_HEADER_FILE, required_argument, "FILE", \
	    "send the secret headers of FILE, one NAME: VALUE a line" }, \
	{ "bearer-token-file", OPT_BEARER_TOKEN_FILE, required_argument, \
	    "FILE", "authenticate with the bearer token in FILE" }, \
	{ "user", OPT_USER, required_argument, "NAME", \
	    "basic authentication as NAME, with --password-file" }, \
	{ "password-file", OPT_PASSWORD_FILE, required_argument, "FILE", \
	    "the basic authentication password, from FILE" }, \
	{ "cacert", OPT_CACERT, required_argument, "FILE", \
	    "trust the CA certificates in FILE (PEM)" }, \
	{ "cert", OPT_CERT, required_argument, "FILE", \
	    "client certificate for mutual TLS (PEM)" }, \
	{ "key", OPT_KEY, required_argument, "FILE", \
	    "private key of the client certificate (PEM)" }, \
	{ "gzip", OPT_GZIP, no_argument, NULL, \
	    "compress request bodies (Content-Encoding: gzip)" }, \
	{ "timeout", OPT_TIMEOUT, required_argument, "DURATION", \
	    "time allowed for one request (default 10s)" }, \
	{ "retries", OPT_RETRIES, required_argument, "N", \
	    "retries after the first try (default " RETRIES ")" }, \
	RELAY_OPTIONS

/* BYTES and WAIT: the defaults, as strings ("1M", "1s") */
#define TARGET_BATCH_OPTIONS(BYTES, WAIT) \
	{ "batch-bytes", OPT_BATCH_BYTES, required_argument, "SIZE", \
	    "no request body larger than SIZE (default " BYTES ")" }, \
	{ "batch-wait", OPT_BATCH_WAIT, required_argument, "DURATION", \
	    "no alert waits longer than DURATION to leave (default " \
	    WAIT ")" }

#define TARGET_RATE_OPTION \
	{ "rate", OPT_RATE, required_argument, "N/DURATION", \
	    "at most N requests per DURATION" }

struct target_header {
	char *name;
	char *value;
	int secret;		/* never printed */
};

/* what differs between the programs */
struct target_defaults {
	const char *url_env;	/* "LOKI_URL": the URL when -u and --url-file are not given */
	int retries;
	double backoff_max;	/* seconds; 0: http.h's default */
	size_t batch_bytes;	/* 0: one alert a request unless --batch-* */
	double batch_wait;
};

struct target {
	char *url;		/* owned; a program may replace it after target_finish */
	const char *url_from;	/* "-u", "--url-file", "$LOKI_URL": for messages */
	const char *url_env;
	struct target_header *headers;	/* in order; names unique */
	size_t nheaders, headers_cap;
	const char *user;
	const char *password_file;
	const char *bearer_token_file;
	const char *cacert;
	const char *cert;
	const char *key;
	const char *method;	/* "POST" unless the program says otherwise */
	int gzip;
	double timeout;
	int retries;
	double backoff_max;
	struct relay_options relay;	/* the program sets select, quiet, dry_run */
	size_t batch_bytes;
	double batch_wait;
	int batch_given;	/* --batch-bytes or --batch-wait was given */
	long long rate_count;	/* --rate; 0: none */
	double rate_seconds;
	struct ratelimit rate;	/* made by target_finish */
	char host[256];		/* scheme and host, for messages */
	struct http_header *request_headers;	/* made by target_finish */
	struct http_client *client;
	struct buf zipped;
};

void target_init(struct target *t, const struct target_defaults *defaults);
/* 1 when key is one of this module's options (then it is taken), else 0 */
int target_option(struct target *t, int key, const char *arg);
/*
 * A header the program sends, after the user's. secret: never printed.
 * A name already there is a usage error, naming the option: a header
 * given twice would be sent twice.
 */
void target_add_header(struct target *t, const char *name, const char *value,
    int secret, const char *option);
/* the header unless the user gave one of that name (Content-Type) */
void target_default_header(struct target *t, const char *name,
    const char *value);
/*
 * After the options and the program's headers: the URL from the
 * environment when no option gave it, the secret files read, everything
 * checked (usage errors exit 2). In a dry run no URL is needed.
 */
void target_finish(struct target *t, int dry_run);
/* the rate of --rate, or NULL when none was given */
const struct ratelimit *target_rate(const struct target *t);
/* the HTTP client, cut short once the relay's drain time is over */
void target_connect(struct target *t, struct relay *relay);
/* one request with the body (compressed with --gzip), retried as http.h does */
int target_send(struct target *t, const char *body, size_t len,
    struct http_response *resp);
/*
 * For a dry run: the request as text, secrets hidden: "METHOD URL" with
 * the URL's scheme and host only, the headers, a blank line, the body
 * (uncompressed) and a newline.
 */
void target_print_request(const struct target *t, const char *body,
    size_t len, struct buf *out);
/* the answer's first line, printable, at most size - 1 bytes; "" when none */
void target_answer_text(const struct http_response *resp, char *out,
    size_t size);
/*
 * On stderr: "PROG: 'HOST': STATUS REASON (N tries): K alerts not
 * delivered", or the transport error in place of STATUS REASON. reason
 * NULL: the answer's first line.
 */
void target_report(const struct target *t, const struct http_response *resp,
    const char *reason, size_t alerts);
void target_free(struct target *t);

#endif
