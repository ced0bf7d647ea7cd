/*
 * http.c: the one libcurl helper every sender uses. A client owns one
 * easy handle, so consecutive requests reuse the connection. Retries
 * follow the common ground of mature shippers (curl's --retry, Promtail):
 * 408, 429 after Retry-After, 5xx, timeouts and connection errors,
 * with capped exponential backoff and jitter; anything else is the
 * caller's to judge.
 */
#include <curl/curl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "http.h"
#include "ratelimit.h"
#include "version.h"
#include "xalloc.h"

/* a Retry-After beyond this is taken as this: a server cannot park us for a day */
#define RETRY_AFTER_MAX 300.0
/* how often a wait asks options->cancelled */
#define WAIT_STEP 0.05

struct http_client {
	CURL *curl;
	struct http_options options;
	char user_agent[64];
	uint64_t random_state;
	CURLcode last_error;	/* of the last try, for retry decisions */
};

void
http_global_init(void)
{
	CURLcode rc = curl_global_init(CURL_GLOBAL_DEFAULT);

	if (rc != CURLE_OK) {
		fprintf(stderr, "libcurl: %s\n", curl_easy_strerror(rc));
		exit(2);
	}
}

static double
positive_or(double value, double fallback)
{
	return value > 0 ? value : fallback;
}

static long
milliseconds(double seconds)
{
	return (long)(seconds * 1000.0 + 0.5);
}

static void
set_blob(CURL *curl, CURLoption option, const char *data, size_t len)
{
	struct curl_blob blob;

	blob.data = (void *)(uintptr_t)data;	/* libcurl copies it */
	blob.len = len;
	blob.flags = CURL_BLOB_COPY;
	curl_easy_setopt(curl, option, &blob);
}

static void
set_tls(CURL *curl, const struct http_options *o)
{
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, o->insecure ? 0L : 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, o->insecure ? 0L : 2L);
	if (o->cacert_blob != NULL)
		set_blob(curl, CURLOPT_CAINFO_BLOB, o->cacert_blob,
		    o->cacert_blob_len);
	else if (o->cacert != NULL)
		curl_easy_setopt(curl, CURLOPT_CAINFO, o->cacert);
	if (o->client_cert_blob != NULL)
		set_blob(curl, CURLOPT_SSLCERT_BLOB, o->client_cert_blob,
		    o->client_cert_blob_len);
	else if (o->client_cert != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLCERT, o->client_cert);
	if (o->client_key_blob != NULL)
		set_blob(curl, CURLOPT_SSLKEY_BLOB, o->client_key_blob,
		    o->client_key_blob_len);
	else if (o->client_key != NULL)
		curl_easy_setopt(curl, CURLOPT_SSLKEY, o->client_key);
	curl_easy_setopt(curl, CURLOPT_SSLCERTTYPE, "PEM");
	curl_easy_setopt(curl, CURLOPT_SSLKEYTYPE, "PEM");
}

/* where an answer's body goes while it arrives */
struct body_sink {
	struct http_response *resp;
	size_t max;		/* http_options.max_answer */
};

static size_t
collect_body(char *data, size_t size, size_t count, void *ctx)
{
	struct body_sink *sink = ctx;
	struct http_response *resp = sink->resp;
	size_t n = size * count;
	size_t room = sink->max - resp->body_len;
	size_t take = n < room ? n : room;

	/*
	 * The server may be hostile or broken: past the cap the rest is
	 * read and dropped, so memory stays bounded and the connection
	 * usable; --timeout ends a body that never does.
	 */
	if (take < n)
		resp->truncated = 1;
	if (take > 0) {
		resp->body = xrealloc(resp->body, resp->body_len + take + 1);
		memcpy(resp->body + resp->body_len, data, take);
		resp->body_len += take;
		resp->body[resp->body_len] = '\0';
	}
	return n;
}

static int
abort_when_cancelled(void *options, curl_off_t dltotal, curl_off_t dlnow,
    curl_off_t ultotal, curl_off_t ulnow)
{
	const struct http_options *o = options;

	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return o->cancelled(o->cancelled_ctx) != 0;
}

struct http_client *
http_client_new(const struct http_options *options)
{
	struct http_client *c = xcalloc(1, sizeof(*c));
	struct http_options *o = &c->options;
	double connect_default;

	*o = *options;
	o->timeout = positive_or(o->timeout, 10);
	connect_default = o->timeout < 10 ? o->timeout : 10;
	o->connect_timeout = positive_or(o->connect_timeout, connect_default);
	o->backoff_initial = positive_or(o->backoff_initial, 0.5);
	o->backoff_max = positive_or(o->backoff_max, 30);
	if (o->max_answer == 0)
		o->max_answer = HTTP_ANSWER_MAX;
	if (o->retries < 0)
		o->retries = 0;
	snprintf(c->user_agent, sizeof(c->user_agent), "%s",
	    o->user_agent != NULL ? o->user_agent :
	    "falco-pipes/" FALCO_PIPES_VERSION);
	c->random_state = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^
	    (uint64_t)(uintptr_t)c;
	if (c->random_state == 0)
		c->random_state = 1;

	c->curl = curl_easy_init();
	if (c->curl == NULL) {
		fprintf(stderr, "libcurl: cannot create a handle\n");
		exit(2);
	}
	/* threads: libcurl must not touch signals; out_init ignores SIGPIPE */
	curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS, milliseconds(o->timeout));
	curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
	    milliseconds(o->connect_timeout));
	curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	/* a redirect could carry a secret URL or a body to another host */
	curl_easy_setopt(c->curl, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(c->curl, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(c->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, collect_body);
	if (o->cancelled != NULL) {
		/* a drain deadline also ends a request under way, not only waits */
		curl_easy_setopt(c->curl, CURLOPT_NOPROGRESS, 0L);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFOFUNCTION,
		    abort_when_cancelled);
		curl_easy_setopt(c->curl, CURLOPT_XFERINFODATA, &c->options);
	}
	set_tls(c->curl, o);
	return c;
}

void
http_client_free(struct http_client *c)
{
	if (c == NULL)
		return;
	curl_easy_cleanup(c->curl);
	free(c);
}

void
http_response_free(struct http_response *resp)
{
	free(resp->body);
	resp->body = NULL;
	resp->body_len = 0;
}

static void
set_method_and_body(CURL *curl, const struct http_request *req)
{
	const char *method = req->method != NULL ? req->method : "GET";
	int is_head = strcmp(method, "HEAD") == 0;
	int has_body = req->body != NULL || strcmp(method, "POST") == 0 ||
	    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;

	/* the handle is reused: undo what the previous request set */
	curl_easy_setopt(curl, CURLOPT_NOBODY, is_head ? 1L : 0L);
	if (has_body) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)(req->body != NULL ? req->body_len : 0));
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "");
	} else if (!is_head) {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	if (strcmp(method, "GET") == 0 || strcmp(method, "POST") == 0 ||
	    is_head)
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, (char *)NULL);
	else
		curl_easy_setopt(curl, CURLOPT_CUSTOMREQUEST, method);
}

static struct curl_slist *
make_headers(const struct http_request *req)
{
	struct curl_slist *list = NULL, *grown;
	const struct http_header *h;
	char *line;
	size_t size;

	/* no "Expect: 100-continue" round trip for large bodies */
	list = curl_slist_append(list, "Expect:");
	for (h = req->headers; h != NULL && h->name != NULL; h++) {
		/* bearer tokens can be kilobytes long: size the line to fit */
		size = strlen(h->name) + strlen(h->value) + 3;
		line = xmalloc(size);
		snprintf(line, size, "%s: %s", h->name, h->value);
		grown = curl_slist_append(list, line);
		free(line);
		if (grown == NULL) {
			fprintf(stderr, "libcurl: out of memory\n");
			exit(2);
		}
		list = grown;
	}
	return list;
}

static double
read_retry_after(CURL *curl)
{
	curl_off_t seconds = 0;

	if (curl_easy_getinfo(curl, CURLINFO_RETRY_AFTER, &seconds) != CURLE_OK)
		return 0;
	if (seconds <= 0)
		return 0;
	if (seconds > (curl_off_t)RETRY_AFTER_MAX)
		return RETRY_AFTER_MAX;
	return (double)seconds;
}

int
http_send_once(struct http_client *c, const struct http_request *req,
    struct http_response *resp)
{
	char errbuf[CURL_ERROR_SIZE];
	struct curl_slist *headers;
	struct body_sink sink;
	CURLcode rc;
	long status = 0;

	memset(resp, 0, sizeof(*resp));
	resp->tries = 1;
	errbuf[0] = '\0';
	headers = make_headers(req);
	curl_easy_setopt(c->curl, CURLOPT_URL, req->url);
	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, headers);
	sink.resp = resp;
	sink.max = c->options.max_answer;
	curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, errbuf);
	set_method_and_body(c->curl, req);

	rc = curl_easy_perform(c->curl);
	c->last_error = rc;

	curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, (struct curl_slist *)NULL);
	curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, (char *)NULL);
	curl_slist_free_all(headers);
	if (rc != CURLE_OK) {
		/* libcurl's messages name the host at most, never the path */
		snprintf(resp->error, sizeof(resp->error), "%s",
		    errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc));
		resp->status = 0;
		return -1;
	}
	curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
	resp->status = status;
	resp->retry_after = read_retry_after(c->curl);
	if (resp->body == NULL) {
		resp->body = xstrdup("");
		resp->body_len = 0;
	}
	return 0;
}

int
http_status_retryable(long status)
{
	return status == 408 || status == 429 ||
	    (status >= 500 && status <= 599);
}

/*
 * Transport errors worth another try: the peer may be reachable later.
 * A bad URL, a refused certificate or a local set-up problem is not.
 */
static int
transport_error_retryable(CURLcode code)
{
	switch (code) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_WEIRD_SERVER_REPLY:
	case CURLE_AGAIN:
		return 1;
	default:
		return 0;
	}
}

static double
random_unit(struct http_client *c)
{
	uint64_t x = c->random_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	c->random_state = x;
	return (double)(x >> 11) / (double)(1ULL << 53);
}

/* the retry'th wait (0-based): initial doubling to max, the upper half jittered */
static double
backoff_delay(struct http_client *c, int retry)
{
	double delay = c->options.backoff_initial;
	int i;

	for (i = 0; i < retry && delay < c->options.backoff_max; i++)
		delay *= 2;
	/*
	 * Jitter on top of the step, never below it: "from 0.5 s, doubling"
	 * stays a floor, and clients that failed together spread out.
	 */
	delay += random_unit(c) * delay / 4;
	return delay < c->options.backoff_max ? delay : c->options.backoff_max;
}

static int
stop_requested(const struct http_client *c)
{
	return c->options.cancelled != NULL &&
	    c->options.cancelled(c->options.cancelled_ctx);
}

/* 0 after the whole wait, -1 when the caller cancelled */
static int
wait_seconds(const struct http_client *c, double seconds)
{
	double end = clock_now() + seconds, left;

	for (;;) {
		if (stop_requested(c))
			return -1;
		left = end - clock_now();
		if (left <= 0)
			return 0;
		/* a step at a time, so a cancel is seen soon */
		clock_sleep(left > WAIT_STEP ? WAIT_STEP : left);
	}
}

/* 0 when a slot of --rate is ours, -1 when the caller cancelled first */
static int
wait_for_rate(const struct http_client *c)
{
	struct ratelimit *rate = c->options.rate;
	double wait;

	if (rate == NULL)
		return 0;
	/* one step, so that no other process sharing the window slips in */
	while ((wait = ratelimit_try(rate)) > 0)
		if (wait_seconds(c, wait) != 0)
			return -1;
	return 0;
}

static int
answer_retryable(const struct http_client *c, const struct http_response *resp,
    int rc)
{
	if (rc != 0)
		return transport_error_retryable(c->last_error);
	return http_status_retryable(resp->status);
}

int
http_send(struct http_client *c, const struct http_request *req,
    struct http_response *resp)
{
	int tries = 0, rc;
	double delay;

	memset(resp, 0, sizeof(*resp));
	for (;;) {
		if (wait_for_rate(c) != 0) {
			resp->tries = tries;
			snprintf(resp->error, sizeof(resp->error),
			    "cancelled: the drain time is over");
			return -1;
		}
		rc = http_send_once(c, req, resp);
		if (c->options.rate != NULL)
			ratelimit_restamp(c->options.rate);
		resp->tries = ++tries;
		if (rc == 0 && resp->status >= 200 && resp->status <= 299) {
			resp->retryable = 0;
			return 0;
		}
		resp->retryable = answer_retryable(c, resp, rc);
		if (!resp->retryable || tries > c->options.retries)
			return -1;
		delay = backoff_delay(c, tries - 1);
		/* Retry-After is the server's word: never retry earlier */
		if (rc == 0 && resp->retry_after > delay)
			delay = resp->retry_after;
		if (wait_seconds(c, delay) != 0)
			return -1;
		http_response_free(resp);
	}
}

int
http_check_url(const char *url, char *why, size_t size)
{
	CURLU *u;
	CURLUcode rc;
	char *host = NULL;

	if (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
		snprintf(why, size, "must start with https:// or http://");
		return -1;
	}
	if ((u = curl_url()) == NULL) {
		snprintf(why, size, "cannot be checked: out of memory");
		return -1;
	}
	rc = curl_url_set(u, CURLUPART_URL, url, 0);
	if (rc == CURLUE_OK)
		rc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (rc == CURLUE_BAD_PORT_NUMBER)
		snprintf(why, size, "has an invalid port (1 to 65535)");
	else if (rc != CURLUE_OK || host == NULL || host[0] == '\0')
		snprintf(why, size, "is not a valid URL: %s", curl_url_strerror(rc));
	curl_free(host);
	curl_url_cleanup(u);
	return rc == CURLUE_OK ? 0 : -1;
}

void
http_redact_url(const char *url, char *out, size_t out_size)
{
	const char *scheme_end, *authority, *end, *at, *p;
	int scheme_len, host_len;

	if (out_size == 0)
		return;
	scheme_end = url != NULL ? strstr(url, "://") : NULL;
	if (scheme_end == NULL) {
		snprintf(out, out_size, "(unparsable URL)");
		return;
	}
	for (p = url; p < scheme_end; p++)
		if (strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "0123456789+-.", *p) == NULL) {
			snprintf(out, out_size, "(unparsable URL)");
			return;
		}
	authority = scheme_end + 3;
	end = authority + strcspn(authority, "/?#");
	/* user:password@ is a secret too */
	at = NULL;
	for (p = authority; p < end; p++)
		if (*p == '@')
			at = p;
	if (at != NULL)
		authority = at + 1;
	scheme_len = (int)(scheme_end - url);
	host_len = (int)(end - authority);
	snprintf(out, out_size, "%.*s://%.*s", scheme_len, url, host_len,
	    authority);
}
