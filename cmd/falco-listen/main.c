/*
 * falco-listen: receive Falco's http_output (and Falcosidekick's
 * clients) over HTTP and write every alert as one line on standard
 * output, so that falco-listen | falco-route ... takes Falcosidekick's
 * place.
 *
 * Acceptance means kept: Falco counts any HTTP answer as delivered, so a
 * request is answered 2xx only once its alerts are in the queue that the
 * writer thread (writer.c) empties to standard output in order, or in
 * the overflow spool behind it, synced to disk. Only when that spool is
 * full (--max-spool) is the answer 503, and every such alert is counted
 * and reported.
 */
#include <err.h>
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "exitcode.h"
#include "httpd.h"
#include "listen.h"
#include "num.h"
#include "opts.h"
#include "queue.h"
#include "sandbox.h"
#include "select.h"
#include "signals.h"
#include "spool.h"
#include "xalloc.h"

static const char synopsis[] =
    "falco-listen [-hV] [-l FILE] [-p PRIORITY] [-w CONDITION]\n"
    "[--listen ADDR:PORT] [--tls-cert FILE --tls-key FILE [--client-ca FILE]]\n"
    "[--token-file FILE] [OPTIONS]";
static const char summary[] =
    "Receive Falco alerts over HTTP (Falco's http_output, Falcosidekick's\n"
    "clients: POST / with one JSON object or NDJSON) and write each alert\n"
    "as one line on standard output. A request is answered 200 only once\n"
    "its alerts are queued for standard output or spooled to disk; 503\n"
    "only when the spool is full.";

#define DEFAULT_LISTEN "127.0.0.1:2801"
/* seconds a refused client is asked to wait: a full spool drains slowly */
#define RETRY_AFTER 5

enum {
	OPT_CLIENT_CA = 256,
	OPT_DEAD_LETTER,
	OPT_DRAIN_TIMEOUT,
	OPT_LISTEN,
	OPT_MAX_BODY,
	OPT_MAX_CONNECTIONS,
	OPT_MAX_SPOOL,
	OPT_NO_SANDBOX,
	OPT_PORT_FILE,
	OPT_QUEUE_BYTES,
	OPT_QUEUE_SIZE,
	OPT_TIMEOUT,
	OPT_TLS_CERT,
	OPT_TLS_KEY,
	OPT_TOKEN_FILE
};

static const struct opt_spec options[] = {
	{ "listen", OPT_LISTEN, required_argument, "ADDR:PORT",
	  "listen there (repeatable; default " DEFAULT_LISTEN ")" },
	{ "port-file", OPT_PORT_FILE, required_argument, "FILE",
	  "write the ports listened on to FILE, one a line" },
	{ "tls-cert", OPT_TLS_CERT, required_argument, "FILE",
	  "serve HTTPS with this certificate (PEM)" },
	{ "tls-key", OPT_TLS_KEY, required_argument, "FILE",
	  "the certificate's private key (PEM)" },
	{ "client-ca", OPT_CLIENT_CA, required_argument, "FILE",
	  "require a client certificate signed by a CA in FILE (PEM)" },
	{ "token-file", OPT_TOKEN_FILE, required_argument, "FILE",
	  "require 'Authorization: Bearer TOKEN', the token read from FILE" },
	/*
	 * SELECT_OPTIONS but --follow, which is about input files: the
	 * same keys, so select_option() takes them; --max-line-bytes says
	 * what it does here.
	 */
	{ "when", 'w', required_argument, "CONDITION",
	  "only alerts where CONDITION holds (repeatable: all must)" },
	{ "min-priority", 'p', required_argument, "PRIORITY",
	  "only alerts of PRIORITY or more severe" },
	{ "lists", 'l', required_argument, "FILE",
	  "load the lists and macros of a Falco rules file (repeatable)" },
	{ "max-line-bytes", OPT_MAX_LINE_BYTES, required_argument, "SIZE",
	  "answer 413 to a body with a longer alert (default 1M)" },
	{ "max-body", OPT_MAX_BODY, required_argument, "SIZE",
	  "answer 413 to a larger request body (default 1M)" },
	{ "max-connections", OPT_MAX_CONNECTIONS, required_argument, "N",
	  "connections served at once (default 256)" },
	{ "timeout", OPT_TIMEOUT, required_argument, "DURATION",
	  "close a connection idle that long (default 60s)" },
	{ "queue-size", OPT_QUEUE_SIZE, required_argument, "N",
	  "alerts held in memory for standard output (default 10000)" },
	{ "queue-bytes", OPT_QUEUE_BYTES, required_argument, "SIZE",
	  "their bytes at most (default 16M)" },
	{ "max-spool", OPT_MAX_SPOOL, required_argument, "SIZE",
	  "bytes spooled to disk beyond that before 503 (default 1G)" },
	{ "drain-timeout", OPT_DRAIN_TIMEOUT, required_argument, "DURATION",
	  "time to write what is held after SIGTERM (default 30s)" },
	{ "dead-letter", OPT_DEAD_LETTER, required_argument, "FILE",
	  "keep there what could not be written at the end" },
	{ "no-sandbox", OPT_NO_SANDBOX, no_argument, NULL,
	  "do not confine the program with seccomp (for debugging)" },
	{ "help", 'h', no_argument, NULL, "print this help and exit" },
	{ "version", 'V', no_argument, NULL, "print the version and exit" },
	{ NULL, 0, 0, NULL, NULL }
};

struct config {
	struct selection select;
	const char **listen;
	size_t nlisten;
	const char *port_file;
	const char *tls_cert, *tls_key, *client_ca;
	const char *token_file;
	const char *dead_letter;
	size_t max_body;
	unsigned max_connections;
	double timeout;
	size_t queue_size, queue_bytes, max_spool;
	double drain_timeout;
	int no_sandbox;
};

struct listener {
	struct config cf;
	char *token;		/* NULL: no authentication */
	size_t token_len;
	struct queue *queue;
	struct spool *overflow;
	struct writer *writer;
	atomic_int spooling;	/* "spooled" said for this backlog */
	atomic_int refusing;	/* "refused" said for this run of refusals */
	atomic_ulong refused;	/* alerts answered 503 */
};

/* ---- options ---- */

static void
add_listen(struct config *cf, const char *addr)
{
	size_t cap = cf->nlisten;

	cf->listen = xgrow(cf->listen, &cap, cf->nlisten + 1,
	    sizeof(*cf->listen));
	cf->listen[cf->nlisten++] = addr;
}

static void
parse_option(void *ctx, int key, const char *arg)
{
	struct config *cf = ctx;

	if (select_option(&cf->select, key, arg))
		return;
	switch (key) {
	case OPT_CLIENT_CA:
		cf->client_ca = arg;
		break;
	case OPT_DEAD_LETTER:
		cf->dead_letter = arg;
		break;
	case OPT_DRAIN_TIMEOUT:
		cf->drain_timeout = duration_parse(arg, 0, 86400,
		    "--drain-timeout");
		break;
	case OPT_LISTEN:
		add_listen(cf, arg);
		break;
	case OPT_MAX_BODY:
		cf->max_body = size_parse(arg, 1, (size_t)1 << 30, "--max-body");
		break;
	case OPT_MAX_CONNECTIONS:
		cf->max_connections = (unsigned)num_parse(arg, 1, 65536,
		    "--max-connections");
		break;
	case OPT_MAX_SPOOL:
		cf->max_spool = size_parse(arg, 1, (size_t)1 << 40,
		    "--max-spool");
		break;
	case OPT_NO_SANDBOX:
		cf->no_sandbox = 1;
		break;
	case OPT_PORT_FILE:
		cf->port_file = arg;
		break;
	case OPT_QUEUE_BYTES:
		cf->queue_bytes = size_parse(arg, 1, (size_t)1 << 34,
		    "--queue-bytes");
		break;
	case OPT_QUEUE_SIZE:
		cf->queue_size = (size_t)num_parse(arg, 1, 10000000,
		    "--queue-size");
		break;
	case OPT_TIMEOUT:
		cf->timeout = duration_parse(arg, 1, 86400, "--timeout");
		break;
	case OPT_TLS_CERT:
		cf->tls_cert = arg;
		break;
	case OPT_TLS_KEY:
		cf->tls_key = arg;
		break;
	case OPT_TOKEN_FILE:
		cf->token_file = arg;
		break;
	default:
		opts_usage(synopsis);
	}
}

static void
parse_options(struct config *cf, int argc, char **argv)
{
	int first;

	select_init(&cf->select);
	cf->max_body = 1024 * 1024;
	cf->max_connections = 256;
	cf->timeout = 60;
	cf->queue_size = 10000;
	cf->queue_bytes = 16 * 1024 * 1024;
	cf->max_spool = (size_t)1 << 30;
	cf->drain_timeout = 30;
	first = opts_parse(argc, argv, options, synopsis, summary,
	    parse_option, cf);
	if (first < argc) {
		warnx("'%s': no operands: alerts come over HTTP", argv[first]);
		opts_usage(synopsis);
	}
	if ((cf->tls_cert == NULL) != (cf->tls_key == NULL)) {
		warnx("--tls-cert and --tls-key go together");
		opts_usage(synopsis);
	}
	if (cf->client_ca != NULL && cf->tls_cert == NULL) {
		warnx("--client-ca needs --tls-cert and --tls-key");
		opts_usage(synopsis);
	}
	if (cf->nlisten == 0)
		add_listen(cf, DEFAULT_LISTEN);
	select_compile(&cf->select);
}

/* the first line of the file, without its end of line and trailing blanks */
static char *
read_token(const char *path, size_t *len)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	FILE *f;

	if ((f = fopen(path, "re")) == NULL)
		err(EXIT_USAGE, "'%s'", path);
	n = getline(&line, &cap, f);
	if (n < 0 && ferror(f))
		err(EXIT_USAGE, "'%s'", path);
	fclose(f);
	while (n > 0 && strchr(" \t\r\n", line[n - 1]) != NULL)
		n--;
	if (n <= 0)
		errx(EXIT_USAGE, "'%s': no token in the file", path);
	*len = (size_t)n;
	return line;
}

/* ---- requests ---- */

static void
answer_text(struct httpd_response *r, int status, const char *text)
{
	r->status = status;
	buf_adds(&r->body, text);
}

/* the token compared in constant time, so its bytes cannot be guessed one by one */
static int
authorized(const struct listener *l, const struct httpd_request *req)
{
	const char *v;
	unsigned char diff = 0;
	size_t i;

	if (l->token == NULL)
		return 1;
	v = httpd_header(req, "Authorization");
	if (v == NULL || strncasecmp(v, "Bearer ", 7) != 0)
		return 0;
	v += 7;
	if (strlen(v) != l->token_len)
		return 0;
	for (i = 0; i < l->token_len; i++)
		diff |= (unsigned char)(v[i] ^ l->token[i]);
	return diff == 0;
}

static int
wanted(void *ctx, struct alert *a)
{
	const struct listener *l = ctx;

	return select_wants(&l->cf.select, a);
}

/* 1 when the spool holds alerts: said once each time it starts to */
static int
say_spooling(struct listener *l)
{
	int was = 0;

	if (spool_records(l->overflow) == 0) {
		atomic_store(&l->spooling, 0);
		return 0;
	}
	if (atomic_compare_exchange_strong(&l->spooling, &was, 1))
		warnx("standard output is not keeping up: alerts are kept in "
		    "'%s' until it does", spool_path(l->overflow));
	return 1;
}

static void
refuse(struct listener *l, struct httpd_response *r, size_t kept,
    size_t total)
{
	int was = 0;

	atomic_fetch_add(&l->refused, (unsigned long)(total - kept));
	if (atomic_compare_exchange_strong(&l->refusing, &was, 1))
		warnx("the spool is full (--max-spool %zu bytes): alerts are "
		    "refused with 503", l->cf.max_spool);
	r->status = 503;
	r->retry_after = RETRY_AFTER;
	buf_printf(&r->body, "%zu of %zu alerts kept; the rest refused: "
	    "the spool is full, retry later\n", kept, total);
}

/* push every line of lines; 2xx only once all are queued or synced to disk */
static void
accept_lines(struct listener *l, const struct buf *lines,
    struct httpd_response *r)
{
	const char *p = lines->data, *end = lines->data + lines->len, *nl;
	size_t total = 0, kept = 0;

	for (nl = p; nl < end; nl++)
		total += *nl == '\n';
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (queue_push(l->queue, p, (size_t)(nl - p), 0) < 0)
			break;
		kept++;
	}
	/* spooled means on the disk, not in the page cache */
	if (say_spooling(l) && spool_sync(l->overflow) < 0)
		kept = 0;
	if (kept < total) {
		refuse(l, r, kept, total);
		return;
	}
	atomic_store(&l->refusing, 0);
}

static void
post_alerts(struct listener *l, const struct httpd_request *req,
    struct httpd_response *r)
{
	struct buf lines = BUF_INIT, why = BUF_INIT;
	struct alert a;
	size_t count;

	alert_init(&a);
	switch (body_split(req->body, req->body_len,
	    l->cf.select.max_line_bytes, &a,
	    select_all(&l->cf.select) ? NULL : wanted, l, &lines, &count,
	    &why)) {
	case BODY_OK:
		accept_lines(l, &lines, r);
		break;
	case BODY_BAD:
		warnx("POST %s: %s", req->path, why.data);
		r->status = 400;
		buf_printf(&r->body, "%s\n", why.data);
		break;
	case BODY_TOO_LONG:
		warnx("POST %s: %s", req->path, why.data);
		r->status = 413;
		buf_printf(&r->body, "%s\n", why.data);
		break;
	}
	alert_free(&a);
	buf_free(&lines);
	buf_free(&why);
}

static void
post_test(struct listener *l, struct httpd_response *r)
{
	struct buf line = BUF_INIT;

	/* as Falcosidekick's: past any selection, it tests the pipe */
	test_alert(&line);
	buf_addc(&line, '\n');
	accept_lines(l, &line, r);
	buf_free(&line);
}

/* allow: the methods as the Allow header lists them, "GET, HEAD" */
static int
method_allowed(const struct httpd_request *req, const char *allow,
    struct httpd_response *r)
{
	size_t n = strlen(req->method);
	const char *p;

	for (p = allow; p != NULL; p = strchr(p, ',')) {
		p += strspn(p, ", ");
		if (strncmp(p, req->method, n) == 0 &&
		    (p[n] == '\0' || p[n] == ','))
			return 1;
	}
	r->allow = allow;
	answer_text(r, 405, "method not allowed\n");
	return 0;
}

static void
handle(void *ctx, const struct httpd_request *req, struct httpd_response *r)
{
	struct listener *l = ctx;

	/* probes carry no token: they say the process serves, nothing more */
	if (strcmp(req->path, "/healthz") == 0) {
		if (method_allowed(req, "GET, HEAD", r)) {
			r->content_type = "application/json";
			answer_text(r, 200, "{\"status\": \"ok\"}");
		}
		return;
	}
	if (strcmp(req->path, "/ping") == 0) {
		if (method_allowed(req, "GET, HEAD", r))
			answer_text(r, 200, "pong\n");
		return;
	}
	if (strcmp(req->path, "/") != 0 && strcmp(req->path, "/test") != 0) {
		answer_text(r, 404, "not found: alerts go to POST /\n");
		return;
	}
	if (!method_allowed(req, "POST", r))
		return;
	if (!authorized(l, req)) {
		r->www_authenticate = "Bearer realm=\"falco-listen\"";
		answer_text(r, 401, "a valid bearer token is required\n");
		return;
	}
	if (strcmp(req->path, "/test") == 0)
		post_test(l, r);
	else
		post_alerts(l, req, r);
}

/* ---- main ---- */

static void
wait_for_stop(void)
{
	struct pollfd pfd = { .fd = stop_fd(), .events = POLLIN };

	while (!stop_requested())
		if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
			err(EXIT_USAGE, "poll");
}

static int
report(struct listener *l, struct spool *dead)
{
	unsigned long refused = atomic_load(&l->refused);
	int status = EXIT_OK;

	if (refused > 0) {
		warnx("%lu %s refused with 503: the spool was full", refused,
		    refused == 1 ? "alert" : "alerts");
		status = EXIT_FAILED;
	}
	if (spool_report(dead) < 0)
		status = EXIT_FAILED;
	return status;
}

int
main(int argc, char **argv)
{
	static struct listener l;
	struct httpd_options ho;
	struct spool *dead;
	struct httpd *server;
	int status, written;

	parse_options(&l.cf, argc, argv);
	if (l.cf.token_file != NULL)
		l.token = read_token(l.cf.token_file, &l.token_len);
	/* EPIPE from write(2), not a signal: the writer keeps what is left */
	signal(SIGPIPE, SIG_IGN);
	signals_init(0, l.cf.drain_timeout);

	dead = spool_dead_letter(l.cf.dead_letter);
	l.overflow = spool_overflow(NULL, "queue");
	l.queue = queue_new(l.cf.queue_size, l.cf.queue_bytes);
	queue_spill(l.queue, l.overflow, l.cf.max_spool);

	memset(&ho, 0, sizeof(ho));
	ho.listen = l.cf.listen;
	ho.nlisten = l.cf.nlisten;
	ho.tls_cert = l.cf.tls_cert;
	ho.tls_key = l.cf.tls_key;
	ho.client_ca = l.cf.client_ca;
	ho.max_body = l.cf.max_body;
	ho.max_connections = l.cf.max_connections;
	ho.timeout = l.cf.timeout;
	ho.port_file = l.cf.port_file;
	server = httpd_open(&ho, handle, &l);
	/* before the writer's and MHD's threads, which the filter must bind too */
	if (!l.cf.no_sandbox)
		sandbox_enter_or_exit(SANDBOX_NETWORK);
	l.writer = writer_start(l.queue, dead);
	httpd_serve(server);

	wait_for_stop();
	/* what was answered 2xx is in the queue once no request is under way */
	httpd_stop(server);
	queue_close(l.queue);
	written = writer_finish(l.writer);
	status = report(&l, dead);
	if (written != EXIT_OK && written != EXIT_PIPE && written > status)
		status = written;
	if (written == EXIT_PIPE && status == EXIT_OK)
		status = EXIT_PIPE;
	queue_free(l.queue);
	spool_close(l.overflow, spool_records(l.overflow) > 0);
	spool_close(dead, 1);
	select_free(&l.cf.select);
	free(l.cf.listen);
	free(l.token);
	return status;
}
