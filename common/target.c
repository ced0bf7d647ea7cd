#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "exitcode.h"
#include "gzip.h"
#include "num.h"
#include "target.h"
#include "xalloc.h"

void
target_init(struct target *t, const struct target_defaults *d)
{
	memset(t, 0, sizeof(*t));
	t->url_env = d->url_env;
	t->method = "POST";
	t->timeout = 10;
	t->retries = d->retries;
	t->backoff_max = d->backoff_max;
	relay_options_init(&t->relay);
	t->batch_bytes = d->batch_bytes;
	t->batch_wait = d->batch_wait;
}

/* RFC 9110 token characters: what a header name may hold */
static int
is_token(const char *s, size_t n)
{
	size_t i;

	if (n == 0)
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || strchr("!#$%&'*+-.^_`|~", c) != NULL)
			continue;
		return 0;
	}
	return 1;
}

/* a value with a CR or LF would smuggle a header or end the request */
static int
has_control(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 && *s != '\t')
			return 1;
	return 0;
}

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static struct target_header *
find_header(const struct target *t, const char *name)
{
	size_t i;

	for (i = 0; i < t->nheaders; i++)
		if (strcasecmp(t->headers[i].name, name) == 0)
			return &t->headers[i];
	return NULL;
}

static void
push_header(struct target *t, const char *name, size_t name_len,
    const char *value, size_t value_len, int secret)
{
	struct target_header *h;

	t->headers = xgrow(t->headers, &t->headers_cap, t->nheaders + 1,
	    sizeof(*t->headers));
	h = &t->headers[t->nheaders++];
	h->name = xstrndup(name, name_len);
	h->value = xstrndup(value, value_len);
	h->secret = secret;
}

/*
 * Headers this module or libcurl owns: a length or an encoding given by
 * hand would describe a body other than the one sent.
 */
static const char *
reserved_header(const char *name)
{
	if (strcasecmp(name, "Content-Length") == 0 ||
	    strcasecmp(name, "Transfer-Encoding") == 0)
		return "set by the HTTP client";
	if (strcasecmp(name, "Content-Encoding") == 0)
		return "use --gzip";
	return NULL;
}

/*
 * "Name: value" or "Name:value", split at the first colon, so a value
 * may hold colons (a URL, a time). where names the source in messages;
 * with a secret source the line itself is never quoted.
 */
static void
parse_header(struct target *t, const char *text, int secret,
    const char *where)
{
	const char *colon = strchr(text, ':');
	const char *value, *why;
	size_t name_len, value_len;
	char name[256];

	if (colon == NULL || !is_token(text, (size_t)(colon - text))) {
		if (secret)
			errx(EXIT_USAGE, "%s: not a header (NAME: VALUE)", where);
		errx(EXIT_USAGE, "%s: '%s': not a header (NAME:VALUE)", where,
		    text);
	}
	name_len = (size_t)(colon - text);
	if (name_len >= sizeof(name))
		errx(EXIT_USAGE, "%s: a header name longer than %zu bytes",
		    where, sizeof(name) - 1);
	memcpy(name, text, name_len);
	name[name_len] = '\0';
	value = colon + 1;
	while (*value == ' ' || *value == '\t')
		value++;
	value_len = strlen(value);
	while (value_len > 0 && is_blank(value[value_len - 1]))
		value_len--;
	if (value_len == 0)
		errx(EXIT_USAGE, "%s: '%s': empty value", where, name);
	if (has_control(value))
		errx(EXIT_USAGE, "%s: '%s': a control character in the value",
		    where, name);
	if ((why = reserved_header(name)) != NULL)
		errx(EXIT_USAGE, "%s: '%s': %s", where, name, why);
	if (find_header(t, name) != NULL)
		errx(EXIT_USAGE, "%s: '%s' given twice", where, name);
	push_header(t, name, name_len, value, value_len, secret);
}

/*
 * The first line of a secret file, without its line end and trailing
 * blanks. The text is never printed, whatever is wrong with it.
 */
static char *
read_secret_line(const char *path, const char *option)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		err(EXIT_USAGE, "%s: '%s'", option, path);
	n = getline(&line, &cap, f);
	fclose(f);
	if (n < 0)
		n = 0;
	while (n > 0 && is_blank(line[n - 1]))
		n--;
	if (n == 0)
		errx(EXIT_USAGE, "%s: '%s': empty", option, path);
	line[n] = '\0';
	if (has_control(line))
		errx(EXIT_USAGE, "%s: '%s': a control character in the first "
		    "line", option, path);
	return line;
}

static void
read_header_file(struct target *t, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL, where[4200];
	size_t cap = 0;
	unsigned long lineno = 0;
	ssize_t n;
	const char *p;

	if (f == NULL)
		err(EXIT_USAGE, "--header-file: '%s'", path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && is_blank(line[n - 1]))
			line[--n] = '\0';
		for (p = line; *p == ' ' || *p == '\t'; p++)
			continue;
		if (*p == '\0' || *p == '#')
			continue;
		snprintf(where, sizeof(where), "--header-file: '%s':%lu", path,
		    lineno);
		parse_header(t, p, 1, where);
	}
	free(line);
	fclose(f);
}

static void
check_one_url(const struct target *t, const char *from)
{
	if (t->url != NULL)
		errx(EXIT_USAGE, "%s: only one of -u and --url-file", from);
}

static void
set_url(struct target *t, char *url, const char *from)
{
	t->url = url;
	t->url_from = from;
}

static size_t
batch_size_option(const char *arg)
{
	return size_parse(arg, 1024, (size_t)1 << 30, "--batch-bytes");
}

int
target_option(struct target *t, int key, const char *arg)
{
	if (relay_option(&t->relay, key, arg))
		return 1;
	switch (key) {
	case 'u':
		check_one_url(t, "-u");
		set_url(t, xstrdup(arg), "-u");
		return 1;
	case OPT_URL_FILE:
		check_one_url(t, "--url-file");
		set_url(t, read_secret_line(arg, "--url-file"), "--url-file");
		return 1;
	case OPT_HEADER:
		parse_header(t, arg, 0, "--header");
		return 1;
	case OPT_HEADER_FILE:
		read_header_file(t, arg);
		return 1;
	case OPT_BEARER_TOKEN_FILE:
		t->bearer_token_file = arg;
		return 1;
	case OPT_USER:
		t->user = arg;
		return 1;
	case OPT_PASSWORD_FILE:
		t->password_file = arg;
		return 1;
	case OPT_CACERT:
		t->cacert = arg;
		return 1;
	case OPT_CERT:
		t->cert = arg;
		return 1;
	case OPT_KEY:
		t->key = arg;
		return 1;
	case OPT_GZIP:
		t->gzip = 1;
		return 1;
	case OPT_TIMEOUT:
		t->timeout = duration_parse(arg, 0.001, 3600, "--timeout");
		return 1;
	case OPT_RETRIES:
		t->retries = (int)num_parse(arg, 0, 1000, "--retries");
		return 1;
	case OPT_BATCH_BYTES:
		t->batch_bytes = batch_size_option(arg);
		t->batch_given = 1;
		return 1;
	case OPT_BATCH_WAIT:
		t->batch_wait = duration_parse(arg, 0, 3600, "--batch-wait");
		t->batch_given = 1;
		return 1;
	case OPT_RATE:
		rate_parse(arg, &t->rate_count, &t->rate_seconds, "--rate");
		return 1;
	default:
		return 0;
	}
}

void
target_add_header(struct target *t, const char *name, const char *value,
    int secret, const char *option)
{
	if (find_header(t, name) != NULL)
		errx(EXIT_USAGE, "%s: '%s' is also given by --header or "
		    "--header-file", option, name);
	if (has_control(value))
		errx(EXIT_USAGE, "%s: a control character in the value", option);
	push_header(t, name, strlen(name), value, strlen(value), secret);
}

void
target_default_header(struct target *t, const char *name, const char *value)
{
	if (find_header(t, name) == NULL)
		push_header(t, name, strlen(name), value, strlen(value), 0);
}

static void
base64(const char *s, size_t n, struct buf *out)
{
	static const char digits[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		unsigned v = (unsigned char)s[i] << 16 |
		    (unsigned char)s[i + 1] << 8 | (unsigned char)s[i + 2];

		buf_addc(out, digits[v >> 18 & 63]);
		buf_addc(out, digits[v >> 12 & 63]);
		buf_addc(out, digits[v >> 6 & 63]);
		buf_addc(out, digits[v & 63]);
	}
	if (n - i == 1) {
		unsigned v = (unsigned char)s[i] << 16;

		buf_addc(out, digits[v >> 18 & 63]);
		buf_addc(out, digits[v >> 12 & 63]);
		buf_adds(out, "==");
	} else if (n - i == 2) {
		unsigned v = (unsigned char)s[i] << 16 |
		    (unsigned char)s[i + 1] << 8;

		buf_addc(out, digits[v >> 18 & 63]);
		buf_addc(out, digits[v >> 12 & 63]);
		buf_addc(out, digits[v >> 6 & 63]);
		buf_addc(out, '=');
	}
}

static void
add_authorization(struct target *t)
{
	struct buf value = BUF_INIT, pair = BUF_INIT;
	char *secret;

	if (t->user == NULL && t->password_file != NULL)
		errx(EXIT_USAGE, "--password-file: needs --user");
	if (t->user != NULL && t->password_file == NULL)
		errx(EXIT_USAGE, "--user: needs --password-file");
	if (t->user != NULL && t->bearer_token_file != NULL)
		errx(EXIT_USAGE, "--user: only one of --user and "
		    "--bearer-token-file");
	if (t->user == NULL && t->bearer_token_file == NULL)
		return;
	if (find_header(t, "Authorization") != NULL)
		errx(EXIT_USAGE, "%s: Authorization is also given by --header "
		    "or --header-file", t->user != NULL ? "--user" :
		    "--bearer-token-file");
	if (t->user != NULL) {
		/* RFC 7617: the user-id of basic authentication holds no colon */
		if (strchr(t->user, ':') != NULL || has_control(t->user))
			errx(EXIT_USAGE, "--user: a name cannot hold ':' or a "
			    "control character");
		secret = read_secret_line(t->password_file, "--password-file");
		buf_printf(&pair, "%s:%s", t->user, secret);
		buf_adds(&value, "Basic ");
		base64(pair.data, pair.len, &value);
		explicit_bzero(pair.data, pair.len);
		buf_free(&pair);
	} else {
		secret = read_secret_line(t->bearer_token_file,
		    "--bearer-token-file");
		buf_printf(&value, "Bearer %s", secret);
	}
	explicit_bzero(secret, strlen(secret));
	free(secret);
	push_header(t, "Authorization", 13, value.data, value.len, 1);
	explicit_bzero(value.data, value.len);
	buf_free(&value);
}

static void
check_readable(const char *path, const char *option)
{
	if (path != NULL && access(path, R_OK) != 0)
		err(EXIT_USAGE, "%s: '%s'", option, path);
}

/* the URL is a secret: say what is wrong with it without printing it */
static void
check_url(struct target *t)
{
	char why[256];
	const char *p;

	for (p = t->url; *p != '\0'; p++)
		if ((unsigned char)*p <= 0x20 || *p == 0x7f)
			errx(EXIT_USAGE, "%s: the URL holds a blank or a "
			    "control character", t->url_from);
	if (http_check_url(t->url, why, sizeof(why)) != 0)
		errx(EXIT_USAGE, "%s: the URL %s", t->url_from, why);
	http_redact_url(t->url, t->host, sizeof(t->host));
}

static void
make_request_headers(struct target *t)
{
	size_t i, n = 0;

	t->request_headers = xcalloc(t->nheaders + 2,
	    sizeof(*t->request_headers));
	for (i = 0; i < t->nheaders; i++) {
		t->request_headers[n].name = t->headers[i].name;
		t->request_headers[n++].value = t->headers[i].value;
	}
	if (t->gzip) {
		t->request_headers[n].name = "Content-Encoding";
		t->request_headers[n++].value = "gzip";
	}
}

void
target_finish(struct target *t, int dry_run)
{
	const char *env = t->url_env != NULL ? getenv(t->url_env) : NULL;
	static char env_from[64];

	if (t->url == NULL && env != NULL && env[0] != '\0') {
		snprintf(env_from, sizeof(env_from), "$%s", t->url_env);
		set_url(t, xstrdup(env), env_from);
	}
	if (t->url == NULL && !dry_run)
		errx(EXIT_USAGE, "no URL: use -u, --url-file or $%s",
		    t->url_env);
	if (t->url != NULL)
		check_url(t);
	else
		snprintf(t->host, sizeof(t->host), "(no URL)");
	if (t->key != NULL && t->cert == NULL)
		errx(EXIT_USAGE, "--key: needs --cert");
	check_readable(t->cacert, "--cacert");
	check_readable(t->cert, "--cert");
	check_readable(t->key, "--key");
	add_authorization(t);
	make_request_headers(t);
	ratelimit_init(&t->rate, t->rate_count, t->rate_seconds);
}

const struct ratelimit *
target_rate(const struct target *t)
{
	return t->rate_count > 0 ? &t->rate : NULL;
}

void
target_connect(struct target *t, struct relay *relay)
{
	struct http_options ho;

	memset(&ho, 0, sizeof(ho));
	ho.timeout = t->timeout;
	ho.retries = t->retries;
	ho.backoff_max = t->backoff_max;
	ho.cacert = t->cacert;
	ho.client_cert = t->cert;
	ho.client_key = t->key;
	ho.cancelled = relay_cancelled;
	ho.cancelled_ctx = relay;
	/* every try takes a slot of --rate, retries too */
	ho.rate = t->rate_count > 0 ? &t->rate : NULL;
	t->client = http_client_new(&ho);
}

int
target_send(struct target *t, const char *body, size_t len,
    struct http_response *resp)
{
	struct http_request req;

	req.method = t->method;
	req.url = t->url;
	req.headers = t->request_headers;
	req.body = body;
	req.body_len = len;
	if (t->gzip) {
		gzip_compress(body, len, &t->zipped);
		req.body = t->zipped.data;
		req.body_len = t->zipped.len;
	}
	return http_send(t->client, &req, resp);
}

void
target_print_request(const struct target *t, const char *body, size_t len,
    struct buf *out)
{
	size_t i;

	buf_printf(out, "%s %s\n", t->method, t->host);
	for (i = 0; t->request_headers[i].name != NULL; i++) {
		const struct target_header *h = find_header(t,
		    t->request_headers[i].name);

		buf_printf(out, "%s: %s\n", t->request_headers[i].name,
		    h != NULL && h->secret ? "(secret)" :
		    t->request_headers[i].value);
	}
	buf_addc(out, '\n');
	buf_add(out, body, len);
	if (len == 0 || body[len - 1] != '\n')
		buf_addc(out, '\n');
}

void
target_answer_text(const struct http_response *resp, char *out, size_t size)
{
	const char *p = resp->body != NULL ? resp->body : "";
	size_t n = resp->body != NULL ? resp->body_len : 0, i, o = 0;

	while (n > 0 && is_blank(*p)) {
		p++;
		n--;
	}
	for (i = 0; i < n && o + 1 < size; i++) {
		unsigned char c = (unsigned char)p[i];

		if (c == '\n' || c == '\r')
			break;
		out[o++] = c < 0x20 || c == 0x7f ? '?' : (char)c;
	}
	while (o > 0 && is_blank(out[o - 1]))
		o--;
	out[o] = '\0';
}

void
target_report(const struct target *t, const struct http_response *resp,
    const char *reason, size_t alerts)
{
	char text[256];
	const char *tries = resp->tries == 1 ? "try" : "tries";
	const char *noun = alerts == 1 ? "alert" : "alerts";

	if (resp->status == 0) {
		warnx("'%s': %s (%d %s): %zu %s not delivered", t->host,
		    resp->error, resp->tries, tries, alerts, noun);
		return;
	}
	if (reason == NULL) {
		target_answer_text(resp, text, sizeof(text));
		reason = text[0] != '\0' ? text : "(no reason given)";
	}
	warnx("'%s': %ld %s (%d %s): %zu %s not delivered", t->host,
	    resp->status, reason, resp->tries, tries, alerts, noun);
}

void
target_free(struct target *t)
{
	size_t i;

	for (i = 0; i < t->nheaders; i++) {
		if (t->headers[i].secret)
			explicit_bzero(t->headers[i].value,
			    strlen(t->headers[i].value));
		free(t->headers[i].name);
		free(t->headers[i].value);
	}
	free(t->headers);
	free(t->request_headers);
	http_client_free(t->client);
	ratelimit_free(&t->rate);
	buf_free(&t->zipped);
	free(t->url);
	memset(t, 0, sizeof(*t));
}
