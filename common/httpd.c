#include <arpa/inet.h>
#include <err.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "exitcode.h"
#include "httpd.h"
#include "signals.h"
#include "xalloc.h"

/*
 * Threads that poll the connections. Handlers may block briefly (a
 * spill to disk); more threads than cores keeps one such wait from
 * holding every connection, and more than a few buys nothing.
 */
#define HTTPD_MIN_THREADS 2
#define HTTPD_MAX_THREADS 4

struct listener {
	struct MHD_Daemon *daemon;
	int fd;			/* ours: closed only after MHD_stop_daemon */
	unsigned port;
};

struct httpd {
	struct listener *listeners;
	size_t nlisteners;
	httpd_handler handler;
	void *ctx;
	size_t max_body;
	double timeout;
	int client_ca;
	char *cert_pem, *key_pem, *ca_pem;	/* MHD reads them at start */
	atomic_int starting;	/* MHD's messages are shown only then */
	atomic_int stopping;	/* answers say Connection: close */
	pthread_mutex_t lock;
	pthread_cond_t idle;
	unsigned in_flight;	/* requests whose headers are in */
	struct httpd_options options;	/* for httpd_serve: the caller's strings */
};

/* one request, from its headers to its completion */
struct request_state {
	struct buf body;
	int too_large;
};

static char *
read_pem(const char *path)
{
	struct buf b = BUF_INIT;
	char chunk[8192];
	FILE *f;
	size_t n;

	if ((f = fopen(path, "re")) == NULL)
		err(EXIT_USAGE, "'%s'", path);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_add(&b, chunk, n);
	if (ferror(f))
		err(EXIT_USAGE, "'%s'", path);
	fclose(f);
	buf_addc(&b, '\0');	/* a file that is empty still gets a buffer */
	return b.data;
}

/* GnuTLS's sentence as a diagnostic: lowercase, no full stop */
static const char *
tls_error(int rc, char *out, size_t size)
{
	size_t len;

	snprintf(out, size, "%s", gnutls_strerror(rc));
	len = strlen(out);
	if (len > 0 && out[len - 1] == '.')
		out[len - 1] = '\0';
	if (out[0] >= 'A' && out[0] <= 'Z' && !(out[1] >= 'A' && out[1] <= 'Z'))
		out[0] = (char)(out[0] - 'A' + 'a');
	return out;
}

/*
 * MHD would only say "failed to set up TLS"; GnuTLS names the problem,
 * so the files are tried here first.
 */
static void
check_tls(const struct httpd_options *o, struct httpd *h)
{
	gnutls_certificate_credentials_t cred;
	gnutls_datum_t cert, key, ca;
	char why[256];
	int rc;

	h->cert_pem = read_pem(o->tls_cert);
	h->key_pem = read_pem(o->tls_key);
	if (gnutls_certificate_allocate_credentials(&cred) < 0)
		errx(EXIT_USAGE, "TLS: out of memory");
	cert.data = (unsigned char *)h->cert_pem;
	cert.size = (unsigned)strlen(h->cert_pem);
	key.data = (unsigned char *)h->key_pem;
	key.size = (unsigned)strlen(h->key_pem);
	rc = gnutls_certificate_set_x509_key_mem(cred, &cert, &key,
	    GNUTLS_X509_FMT_PEM);
	if (rc < 0)
		errx(EXIT_USAGE, "'%s', '%s': %s", o->tls_cert, o->tls_key,
		    tls_error(rc, why, sizeof(why)));
	if (o->client_ca != NULL) {
		h->ca_pem = read_pem(o->client_ca);
		ca.data = (unsigned char *)h->ca_pem;
		ca.size = (unsigned)strlen(h->ca_pem);
		rc = gnutls_certificate_set_x509_trust_mem(cred, &ca,
		    GNUTLS_X509_FMT_PEM);
		if (rc < 0)
			errx(EXIT_USAGE, "'%s': %s", o->client_ca,
			    tls_error(rc, why, sizeof(why)));
		if (rc == 0)
			errx(EXIT_USAGE, "'%s': no certificate in the file",
			    o->client_ca);
		h->client_ca = 1;
	}
	gnutls_certificate_free_credentials(cred);
}

/*
 * "127.0.0.1:2801", "[::1]:2801", "0.0.0.0:0". The address is numeric
 * and in its usual form (inet_pton), so what is bound is exactly what
 * the user wrote, never what a name happens to resolve to first.
 */
static int
parse_listen(const char *text, struct sockaddr_storage *ss, socklen_t *len)
{
	struct sockaddr_in *v4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)ss;
	const char *colon = strrchr(text, ':'), *port;
	char host[INET6_ADDRSTRLEN];
	size_t hlen;
	int bracketed;
	long n;

	if (colon == NULL)
		return -1;
	port = colon + 1;
	if (port[0] == '\0' || strlen(port) > 5 ||
	    strspn(port, "0123456789") != strlen(port) ||
	    (n = atol(port)) > 65535)
		return -1;
	hlen = (size_t)(colon - text);
	if ((bracketed = text[0] == '[')) {
		if (hlen < 2 || text[hlen - 1] != ']')
			return -1;
		text++;
		hlen -= 2;
	}
	if (hlen == 0 || hlen >= sizeof(host))
		return -1;
	memcpy(host, text, hlen);
	host[hlen] = '\0';
	memset(ss, 0, sizeof(*ss));
	if (!bracketed && inet_pton(AF_INET, host, &v4->sin_addr) == 1) {
		v4->sin_family = AF_INET;
		v4->sin_port = htons((unsigned short)n);
		*len = sizeof(*v4);
		return 0;
	}
	if (bracketed && inet_pton(AF_INET6, host, &v6->sin6_addr) == 1) {
		v6->sin6_family = AF_INET6;
		v6->sin6_port = htons((unsigned short)n);
		*len = sizeof(*v6);
		return 0;
	}
	return -1;
}

static int
open_listener(const char *text, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sslen = sizeof(ss);
	int fd, one = 1;

	if (parse_listen(text, &ss, &sslen) < 0)
		errx(EXIT_USAGE, "'%s': expected ADDR:PORT with a numeric "
		    "address, such as 127.0.0.1:2801 or [::1]:2801", text);
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		err(EXIT_USAGE, "'%s'", text);
	/* a restart must not wait for the old connections' TIME_WAIT */
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* [::]:PORT means IPv6 only; 0.0.0.0:PORT is said separately */
	if (ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sslen) < 0 ||
	    listen(fd, SOMAXCONN) < 0)
		err(EXIT_USAGE, "'%s'", text);
	sslen = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sslen) < 0)
		err(EXIT_USAGE, "'%s'", text);
	*port = ntohs(ss.ss_family == AF_INET6 ?
	    ((struct sockaddr_in6 *)&ss)->sin6_port :
	    ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}
static void
write_port_file(const char *path, const struct httpd *h)
{
	struct buf tmp = BUF_INIT;
	FILE *f;
	size_t i;

	/* renamed into place, so a reader never sees half of it */
	buf_printf(&tmp, "%s.tmp", path);
	if ((f = fopen(tmp.data, "we")) == NULL)
		err(EXIT_USAGE, "'%s'", tmp.data);
	for (i = 0; i < h->nlisteners; i++)
		fprintf(f, "%u\n", h->listeners[i].port);
	if (fclose(f) != 0 || rename(tmp.data, path) < 0)
		err(EXIT_USAGE, "'%s'", path);
	buf_free(&tmp);
}

__attribute__((format(printf, 2, 0))) static void
log_mhd(void *ctx, const char *fmt, va_list ap)
{
	struct httpd *h = ctx;
	char text[512];
	size_t len;

	/* once serving, MHD would speak of every bad client: not ours to tell */
	if (!atomic_load(&h->starting))
		return;
	vsnprintf(text, sizeof(text), fmt, ap);
	len = strcspn(text, "\n");
	while (len > 0 && text[len - 1] == '.')
		len--;
	warnx("HTTP server: %.*s", (int)len, text);
}

/*
 * Mutual TLS: MHD only asks for a client certificate and leaves it
 * unchecked. Requiring one, verified against --client-ca's trust list
 * (which MHD gave the session's credentials), makes the handshake
 * itself fail for a client without one, before any request is read.
 */
static void
on_connection(void *ctx, struct MHD_Connection *c, void **socket_ctx,
    enum MHD_ConnectionNotificationCode code)
{
	struct httpd *h = ctx;
	const union MHD_ConnectionInfo *info;
	gnutls_session_t session;

	(void)socket_ctx;
	if (code != MHD_CONNECTION_NOTIFY_STARTED || !h->client_ca)
		return;
	info = MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
	if (info == NULL || info->tls_session == NULL)
		return;
	session = (gnutls_session_t)info->tls_session;
	gnutls_certificate_server_set_request(session, GNUTLS_CERT_REQUIRE);
	gnutls_session_set_verify_cert(session, NULL, 0);
}

static void
finish_request(struct httpd *h)
{
	pthread_mutex_lock(&h->lock);
	if (--h->in_flight == 0)
		pthread_cond_broadcast(&h->idle);
	pthread_mutex_unlock(&h->lock);
}

static void
on_completed(void *ctx, struct MHD_Connection *c, void **req_ctx,
    enum MHD_RequestTerminationCode code)
{
	struct httpd *h = ctx;
	struct request_state *rs = *req_ctx;

	(void)c;
	(void)code;
	if (rs == NULL)
		return;
	buf_free(&rs->body);
	free(rs);
	*req_ctx = NULL;
	finish_request(h);
}

static enum MHD_Result
answer(struct httpd *h, struct MHD_Connection *c, struct httpd_response *r)
{
	struct MHD_Response *m;
	enum MHD_Result rc;
	char seconds[32];
	long whole;

	if (r->body.len == 0) {
		buf_free(&r->body);
		m = MHD_create_response_from_buffer(0, NULL,
		    MHD_RESPMEM_PERSISTENT);
	} else {
		/* the buffer is malloc'd: MHD frees it once sent */
		m = MHD_create_response_from_buffer(r->body.len, r->body.data,
		    MHD_RESPMEM_MUST_FREE);
		r->body.data = NULL;
	}
	if (m == NULL)
		return MHD_NO;
	MHD_add_response_header(m, MHD_HTTP_HEADER_CONTENT_TYPE,
	    r->content_type != NULL ? r->content_type :
	    "text/plain; charset=utf-8");
	if (r->retry_after > 0) {
		/* delta-seconds is an integer (RFC 9110, 10.2.3): round up */
		whole = (long)r->retry_after;
		if (whole < r->retry_after)
			whole++;
		snprintf(seconds, sizeof(seconds), "%ld", whole);
		MHD_add_response_header(m, MHD_HTTP_HEADER_RETRY_AFTER,
		    seconds);
	}
	if (r->allow != NULL)
		MHD_add_response_header(m, MHD_HTTP_HEADER_ALLOW, r->allow);
	if (r->www_authenticate != NULL)
		MHD_add_response_header(m, MHD_HTTP_HEADER_WWW_AUTHENTICATE,
		    r->www_authenticate);
	/* a keep-alive client must not send its next alert to a closing door */
	if (atomic_load(&h->stopping))
		MHD_add_response_header(m, MHD_HTTP_HEADER_CONNECTION,
		    "close");
	rc = MHD_queue_response(c, (unsigned)r->status, m);
	MHD_destroy_response(m);
	return rc;
}

static int
declared_too_large(const struct httpd *h, struct MHD_Connection *c)
{
	const char *v = MHD_lookup_connection_value(c, MHD_HEADER_KIND,
	    MHD_HTTP_HEADER_CONTENT_LENGTH);
	unsigned long long n;
	char *end;

	if (v == NULL)
		return 0;
	errno = 0;
	n = strtoull(v, &end, 10);
	/* MHD itself refuses a malformed length */
	return end != v && (errno == ERANGE || n > h->max_body);
}

static void
too_large_text(const struct httpd *h, struct buf *out)
{
	buf_printf(out, "request body larger than %zu bytes\n", h->max_body);
}

static enum MHD_Result
on_request(void *ctx, struct MHD_Connection *c, const char *url,
    const char *method, const char *version, const char *upload,
    size_t *upload_size, void **req_ctx)
{
	struct httpd *h = ctx;
	struct request_state *rs = *req_ctx;
	struct httpd_request req;
	struct httpd_response resp;

	(void)version;
	if (rs == NULL) {
		/* the headers are in: from now on this request is under way */
		rs = xcalloc(1, sizeof(*rs));
		*req_ctx = rs;
		pthread_mutex_lock(&h->lock);
		h->in_flight++;
		pthread_mutex_unlock(&h->lock);
		if (declared_too_large(h, c)) {
			/* answered before the body is sent (Expect: 100-continue) */
			memset(&resp, 0, sizeof(resp));
			resp.status = MHD_HTTP_CONTENT_TOO_LARGE;
			too_large_text(h, &resp.body);
			return answer(h, c, &resp);
		}
		return MHD_YES;
	}
	if (*upload_size > 0) {
		/*
		 * A chunked body has no declared length: past the limit it is
		 * read and dropped, since MHD answers only once it is all in.
		 */
		if (!rs->too_large && rs->body.len + *upload_size > h->max_body) {
			rs->too_large = 1;
			buf_free(&rs->body);
		}
		if (!rs->too_large)
			buf_add(&rs->body, upload, *upload_size);
		*upload_size = 0;
		return MHD_YES;
	}
	memset(&resp, 0, sizeof(resp));
	if (rs->too_large) {
		resp.status = MHD_HTTP_CONTENT_TOO_LARGE;
		too_large_text(h, &resp.body);
		return answer(h, c, &resp);
	}
	memset(&req, 0, sizeof(req));
	req.method = method;
	req.path = url;
	req.body = buf_str(&rs->body);
	req.body_len = rs->body.len;
	req.connection = c;
	resp.status = MHD_HTTP_OK;
	h->handler(h->ctx, &req, &resp);
	return answer(h, c, &resp);
}

const char *
httpd_header(const struct httpd_request *req, const char *name)
{
	return MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
	    name);
}

static unsigned
thread_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	if (n < HTTPD_MIN_THREADS)
		return HTTPD_MIN_THREADS;
	return n > HTTPD_MAX_THREADS ? HTTPD_MAX_THREADS : (unsigned)n;
}

static struct MHD_Daemon *
start_daemon(struct httpd *h, const struct httpd_options *o, int fd)
{
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO |
	    MHD_USE_ITC | MHD_USE_ERROR_LOG;
	struct MHD_OptionItem tls[4];
	size_t n = 0;

	memset(tls, 0, sizeof(tls));
	if (h->cert_pem != NULL) {
		flags |= MHD_USE_TLS;
		tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_CERT,
		    0, h->cert_pem };
		tls[n++] = (struct MHD_OptionItem){ MHD_OPTION_HTTPS_MEM_KEY,
		    0, h->key_pem };
		if (h->ca_pem != NULL)
			tls[n++] = (struct MHD_OptionItem){
			    MHD_OPTION_HTTPS_MEM_TRUST, 0, h->ca_pem };
	}
	tls[n] = (struct MHD_OptionItem){ MHD_OPTION_END, 0, NULL };
	return MHD_start_daemon(flags, 0, NULL, NULL, on_request, h,
	    MHD_OPTION_EXTERNAL_LOGGER, log_mhd, h,
	    MHD_OPTION_LISTEN_SOCKET, fd,
	    MHD_OPTION_THREAD_POOL_SIZE, thread_count(),
	    MHD_OPTION_CONNECTION_LIMIT,
	    o->max_connections > 0 ? o->max_connections : 64u,
	    MHD_OPTION_CONNECTION_TIMEOUT,
	    (unsigned)(o->timeout >= 1 ? o->timeout + 0.5 : 1),
	    MHD_OPTION_NOTIFY_CONNECTION, on_connection, h,
	    MHD_OPTION_NOTIFY_COMPLETED, on_completed, h,
	    MHD_OPTION_ARRAY, tls,
	    MHD_OPTION_END);
}

struct httpd *
httpd_open(const struct httpd_options *o, httpd_handler handler, void *ctx)
{
	struct httpd *h = xcalloc(1, sizeof(*h));
	size_t i;

	h->handler = handler;
	h->ctx = ctx;
	h->max_body = o->max_body;
	h->timeout = o->timeout > 0 ? o->timeout : 1;
	atomic_init(&h->starting, 1);
	atomic_init(&h->stopping, 0);
	pthread_mutex_init(&h->lock, NULL);
	pthread_cond_init(&h->idle, NULL);
	if ((o->tls_cert == NULL) != (o->tls_key == NULL))
		errx(EXIT_USAGE, "a TLS certificate needs its key, and a key "
		    "its certificate");
	if (o->client_ca != NULL && o->tls_cert == NULL)
		errx(EXIT_USAGE, "a client CA needs TLS: a certificate and key");
	if (o->tls_cert != NULL)
		check_tls(o, h);
	h->nlisteners = o->nlisten;
	h->listeners = xcalloc(o->nlisten, sizeof(*h->listeners));
	/* every address bound before any is served: all or nothing */
	for (i = 0; i < o->nlisten; i++)
		h->listeners[i].fd = open_listener(o->listen[i],
		    &h->listeners[i].port);
	h->options = *o;
	return h;
}

void
httpd_serve(struct httpd *h)
{
	const struct httpd_options *o = &h->options;
	size_t i;

	for (i = 0; i < h->nlisteners; i++) {
		h->listeners[i].daemon = start_daemon(h, o,
		    h->listeners[i].fd);
		if (h->listeners[i].daemon == NULL)
			errx(EXIT_USAGE, "'%s': cannot start the HTTP server",
			    o->listen[i]);
	}
	atomic_store(&h->starting, 0);
	if (o->port_file != NULL)
		write_port_file(o->port_file, h);
}

struct httpd *
httpd_start(const struct httpd_options *o, httpd_handler handler, void *ctx)
{
	struct httpd *h = httpd_open(o, handler, ctx);

	httpd_serve(h);
	return h;
}

unsigned
httpd_port(const struct httpd *h, size_t i)
{
	return i < h->nlisteners ? h->listeners[i].port : 0;
}

/*
 * How long requests under way may take to finish: the connection
 * timeout, since a client that idles longer is cut anyway, and never
 * past the drain deadline of a stop that was asked for.
 */
static double
stop_wait_until(const struct httpd *h)
{
	double until = clock_now() + h->timeout;
	double deadline = stop_deadline();

	return deadline > 0 && deadline < until ? deadline : until;
}

void
httpd_stop(struct httpd *h)
{
	struct timespec ts;
	double until;
	size_t i;

	atomic_store(&h->stopping, 1);
	for (i = 0; i < h->nlisteners; i++) {
		MHD_quiesce_daemon(h->listeners[i].daemon);
		/*
		 * MHD's threads may still hold the descriptor, so it is closed
		 * only after they end; shut down now, it refuses new
		 * connections at once instead of leaving them in the backlog.
		 */
		shutdown(h->listeners[i].fd, SHUT_RDWR);
	}
	until = stop_wait_until(h);
	pthread_mutex_lock(&h->lock);
	while (h->in_flight > 0 && clock_now() < until) {
		/* the condition variable runs on CLOCK_REALTIME: a short step */
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 50 * 1000 * 1000;
		if (ts.tv_nsec >= 1000000000) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000;
		}
		pthread_cond_timedwait(&h->idle, &h->lock, &ts);
	}
	pthread_mutex_unlock(&h->lock);
	for (i = 0; i < h->nlisteners; i++) {
		MHD_stop_daemon(h->listeners[i].daemon);
		close(h->listeners[i].fd);
	}
	pthread_cond_destroy(&h->idle);
	pthread_mutex_destroy(&h->lock);
	free(h->listeners);
	free(h->cert_pem);
	free(h->key_pem);
	free(h->ca_pem);
	free(h);
}
