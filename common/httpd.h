/*
 * httpd.h: a small HTTP server over libmicrohttpd for the programs that
 * are spoken to (falco-listen's alerts, falco-prom's /metrics): bind one
 * or more ADDR:PORT (loopback unless the user names another address),
 * TLS and mutual TLS, a limit on body size and connections, timeouts,
 * and a graceful stop that finishes the requests under way. The body is
 * gathered whole (up to the limit; 413 past it) before the handler runs,
 * so a handler sees one complete request and answers it at once.
 */
#ifndef FP_HTTPD_H
#define FP_HTTPD_H

#include <stddef.h>

#include "buf.h"

struct httpd_request {
	const char *method;	/* "GET", "POST", ... */
	const char *path;	/* without the query */
	const char *body;	/* NUL-terminated; "" when none */
	size_t body_len;
	void *connection;	/* for httpd_header() */
};

struct httpd_response {
	int status;		/* 200 unless the handler says otherwise */
	const char *content_type;	/* NULL: text/plain; charset=utf-8 */
	struct buf body;
	double retry_after;	/* > 0: a Retry-After header, in seconds */
	const char *allow;	/* for 405: the Allow header */
	const char *www_authenticate;	/* for 401 */
};

typedef void (*httpd_handler)(void *ctx, const struct httpd_request *req,
    struct httpd_response *resp);

struct httpd_options {
	const char *const *listen;	/* "ADDR:PORT", "[V6]:PORT"; port 0: any */
	size_t nlisten;
	const char *tls_cert;	/* PEM files; both or neither */
	const char *tls_key;
	const char *client_ca;	/* require a client certificate signed by it */
	size_t max_body;	/* bytes; 413 past it */
	unsigned max_connections;
	double timeout;		/* seconds a connection may idle */
	const char *port_file;	/* when set, the bound ports are written there */
};

struct httpd;

/*
 * Every address bound and the TLS files read and checked, but no thread
 * started and nothing served yet: a program enters its sandbox between
 * httpd_open and httpd_serve (sandbox.h). A problem is a message naming
 * the address or file, and exit 2. The strings of options must last
 * until httpd_stop.
 */
struct httpd *httpd_open(const struct httpd_options *options,
    httpd_handler handler, void *ctx);
/* serve on MHD's threads, then write the port file; exit 2 when it cannot */
void httpd_serve(struct httpd *h);
/* httpd_open, then httpd_serve */
struct httpd *httpd_start(const struct httpd_options *options,
    httpd_handler handler, void *ctx);
/* a request header's value, or NULL */
const char *httpd_header(const struct httpd_request *req, const char *name);
/* the port bound for listen[i] (useful when it was 0) */
unsigned httpd_port(const struct httpd *h, size_t i);
/* stop accepting, let requests under way finish, free */
void httpd_stop(struct httpd *h);

#endif
