#include <err.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "http.h"
#include "push.h"
#include "xalloc.h"

struct pusher {
	struct http_client *client;
	int (*cancelled)(void *ctx);
	void *cancelled_ctx;
	char *url;
	char host[256];		/* the URL for messages: scheme and host */
	int failing;		/* the last push failed and was reported */
	struct buf reported;	/* why, as reported */
};

static int
plain_segment(const char *s)
{
	size_t i;

	/* "." and ".." would be taken as path steps on the way */
	if (s[0] == '\0' || strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
		return 0;
	for (i = 0; s[i] != '\0'; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~'))
			return 0;
	}
	return 1;
}

/* RFC 4648 section 5, without padding; "=" alone for the empty string */
static void
add_base64url(struct buf *out, const char *s)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s), i;

	if (n == 0) {
		buf_addc(out, '=');
		return;
	}
	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned)p[i] << 16 | (unsigned)p[i + 1] << 8 |
		    p[i + 2];

		buf_addc(out, digits[v >> 18]);
		buf_addc(out, digits[(v >> 12) & 63]);
		buf_addc(out, digits[(v >> 6) & 63]);
		buf_addc(out, digits[v & 63]);
	}
	if (n - i == 1) {
		buf_addc(out, digits[p[i] >> 2]);
		buf_addc(out, digits[(p[i] & 3) << 4]);
	} else if (n - i == 2) {
		unsigned v = (unsigned)p[i] << 8 | p[i + 1];

		buf_addc(out, digits[v >> 10]);
		buf_addc(out, digits[(v >> 4) & 63]);
		buf_addc(out, digits[(v & 15) << 2]);
	}
}

static void
add_pair(struct buf *out, const char *name, const char *value)
{
	buf_addc(out, '/');
	buf_adds(out, name);
	if (plain_segment(value)) {
		buf_addc(out, '/');
		buf_adds(out, value);
		return;
	}
	buf_adds(out, "@base64/");
	add_base64url(out, value);
}

void
push_url(const char *base, const char *job, const struct grouping *g,
    size_t ng, struct buf *out)
{
	size_t len = strlen(base), i;

	while (len > 0 && base[len - 1] == '/')
		len--;
	buf_add(out, base, len);
	buf_adds(out, "/metrics");
	add_pair(out, "job", job);
	for (i = 0; i < ng; i++)
		add_pair(out, g[i].name, g[i].value);
}

struct pusher *
pusher_new(const char *url, const struct http_options *http)
{
	struct pusher *p = xcalloc(1, sizeof(*p));

	p->client = http_client_new(http);
	p->cancelled = http->cancelled;
	p->cancelled_ctx = http->cancelled_ctx;
	p->url = xstrdup(url);
	http_redact_url(url, p->host, sizeof(p->host));
	return p;
}

void
pusher_free(struct pusher *p)
{
	if (p == NULL)
		return;
	http_client_free(p->client);
	free(p->url);
	buf_free(&p->reported);
	free(p);
}

/* the first line of an answer, without what a terminal would act on */
static void
add_answer(struct buf *out, const char *body)
{
	size_t i;

	for (i = 0; body != NULL && body[i] != '\0' && body[i] != '\n' &&
	    i < 200; i++)
		buf_addc(out, (unsigned char)body[i] < 0x20 ? ' ' : body[i]);
}

int
pusher_send(struct pusher *p, const char *text, size_t len, int last)
{
	static const struct http_header headers[] = {
		{ "Content-Type", "text/plain; version=0.0.4; charset=utf-8" },
		{ NULL, NULL }
	};
	struct http_request req = { "PUT", p->url, headers, text, len };
	struct http_response resp;
	struct buf why = BUF_INIT;
	int ok;

	ok = http_send(p->client, &req, &resp) == 0;
	if (ok) {
		if (p->failing)
			warnx("'%s': pushed again", p->host);
		p->failing = 0;
		http_response_free(&resp);
		return 0;
	}
	if (p->cancelled != NULL && p->cancelled(p->cancelled_ctx)) {
		if (last)
			warnx("'%s': the last push was cut short: the "
			    "--drain-timeout was over", p->host);
		http_response_free(&resp);
		return -1;
	}
	if (resp.status == 0) {
		buf_adds(&why, resp.error);
	} else {
		buf_printf(&why, "%ld", resp.status);
		if (resp.body_len > 0)
			buf_addc(&why, ' ');
		add_answer(&why, resp.body);
	}
	if (!p->failing || strcmp(buf_str(&why), buf_str(&p->reported)) != 0)
		warnx("'%s': %s (%d %s)", p->host, buf_str(&why), resp.tries,
		    resp.tries == 1 ? "try" : "tries");
	p->failing = 1;
	buf_reset(&p->reported);
	buf_adds(&p->reported, buf_str(&why));
	buf_free(&why);
	http_response_free(&resp);
	return -1;
}
