/*
 * http.h: one libcurl easy handle per client (so the connection is
 * reused), with a per-request timeout, verified TLS, and a retry loop
 * that retries only what can succeed later: 408, 429 (after Retry-After),
 * 5xx, timeouts and connection errors, with capped exponential backoff
 * and jitter. Every other answer is returned to the caller to judge.
 * The URL's path and query are never printed: http_redact_url() gives
 * the scheme and host only, for messages.
 */
#ifndef FP_HTTP_H
#define FP_HTTP_H

#include <stddef.h>

struct ratelimit;

/* bytes of an answer's body kept unless http_options.max_answer says otherwise */
#define HTTP_ANSWER_MAX (1024 * 1024)

struct http_options {
	double timeout;		/* seconds for a whole request; 0: 10 */
	double connect_timeout;	/* 0: min(timeout, 10) */
	int retries;		/* retries after the first try */
	double backoff_initial;	/* seconds before the first retry; 0: 0.5 */
	double backoff_max;	/* cap on one wait; 0: 30 */
	const char *cacert;	/* PEM file of trusted CAs, or NULL */
	const char *cacert_blob;	/* PEM text of trusted CAs, or NULL */
	size_t cacert_blob_len;
	const char *client_cert;	/* PEM file, or NULL */
	const char *client_key;
	const char *client_cert_blob;	/* PEM text, or NULL */
	size_t client_cert_blob_len;
	const char *client_key_blob;
	size_t client_key_blob_len;
	int insecure;		/* skip TLS verification (kubeconfig's option only) */
	const char *user_agent;	/* NULL: "falco-pipes/VERSION" */
	/* when non-NULL and it answers 1, a request under way is aborted,
	 * a wait between retries ends early and no further try is made */
	int (*cancelled)(void *ctx);
	void *cancelled_ctx;
	/* when non-NULL, every try (retries too) waits for a slot of it */
	struct ratelimit *rate;
	size_t max_answer;	/* bytes of an answer's body kept; 0: HTTP_ANSWER_MAX */
};

struct http_header {
	const char *name;
	const char *value;
};

struct http_request {
	const char *method;	/* "GET", "POST", "PATCH", ... */
	const char *url;
	const struct http_header *headers;	/* ends with a NULL name; may be NULL */
	const char *body;	/* may be NULL */
	size_t body_len;
};

struct http_response {
	long status;		/* 0 when no answer was received */
	char *body;		/* NUL-terminated, owned; at most max_answer bytes */
	size_t body_len;
	int truncated;		/* the body was longer: the rest was read and dropped */
	double retry_after;	/* seconds from Retry-After, 0 when absent */
	int tries;		/* how many requests were made */
	int retryable;		/* http_send failed on an answer that a
				 * later try might change (408, 429, 5xx,
				 * a timeout, a connection error) */
	char error[256];	/* transport error text when status == 0 */
};

struct http_client;

struct http_client *http_client_new(const struct http_options *options);
void http_client_free(struct http_client *c);
/* one try; 0 when an answer (any status) arrived, -1 on transport error */
int http_send_once(struct http_client *c, const struct http_request *req,
    struct http_response *resp);
/*
 * Tries until an answer that is not retryable, or retries run out.
 * 0 when the final answer is 2xx, -1 otherwise (resp says why).
 */
int http_send(struct http_client *c, const struct http_request *req,
    struct http_response *resp);
void http_response_free(struct http_response *resp);
int http_status_retryable(long status);
/* "https://hooks.slack.com" for "https://hooks.slack.com/services/T/B/X" */
void http_redact_url(const char *url, char *out, size_t out_size);
/*
 * 0 when url is an http:// or https:// URL with a host and a valid port;
 * else -1 and why ("must start with https:// or http://", "has an
 * invalid port"), worded to follow "the URL", never quoting the URL
 * (it may be a secret).
 */
int http_check_url(const char *url, char *why, size_t size);
/* global libcurl set-up; call once at start-up, before any thread */
void http_global_init(void);

#endif
