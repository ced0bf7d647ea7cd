/*
 * listen: falco-listen's request bodies (cmd/falco-listen/body.c, built
 * into this harness), whatever a client posts, with the default
 * --max-line-bytes and a small one. What body_split says is checked
 * against a reading of the body of the harness's own (a strict JSON
 * reader, support/fuzz.c):
 *   - a body of JSON objects, blanks around them, is taken whole: one
 *     line an object, compact (no blank outside a string), every token
 *     kept byte for byte and in order, each line an alert the alert
 *     model reads; a selection drops lines, never changes one, and sees
 *     each alert as it will be written;
 *   - any other body is refused whole, 400 with "line N: reason" naming
 *     the body line where the first bad value starts, or 413 when an
 *     object, compacted, is longer than --max-line-bytes, whichever
 *     comes first; a body of blanks is "empty body".
 */
#include <stdio.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "fuzz.h"
#include "listen.h"

#define MAX_LINE_SMALL 64

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* s (a JSON text) without its blanks outside strings, appended to out */
static void
compact(const char *s, size_t n, struct buf *out)
{
	int in_string = 0;

	for (size_t i = 0; i < n; i++) {
		if (in_string) {
			if (s[i] == '\\') {
				buf_add(out, s + i, 2);
				i++;
				continue;
			}
			if (s[i] == '"')
				in_string = 0;
		} else if (s[i] == '"') {
			in_string = 1;
		} else if (is_blank(s[i])) {
			continue;
		}
		buf_addc(out, s[i]);
	}
}

struct expected {
	enum body_verdict verdict;
	unsigned long line;	/* of the value refused */
	size_t count;		/* values up to and with the one refused */
	struct buf tokens;	/* the body without blanks outside strings */
};

/*
 * What body_split must say: values one after the other, blanks around;
 * the first that is no JSON object, or longer than max_line once
 * compacted, refuses the body.
 */
static void
expect(const char *body, size_t len, size_t max_line, struct expected *e)
{
	const char *p = body, *end = body + len;
	struct buf one = BUF_INIT;
	size_t n;

	e->verdict = BODY_OK;
	e->count = 0;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		e->count++;
		e->line = 1;
		for (const char *q = body; q < p; q++)
			e->line += *q == '\n';
		n = fuzz_json_prefix(p, (size_t)(end - p));
		if (n == 0 || *p != '{') {
			e->verdict = BODY_BAD;
			break;
		}
		buf_reset(&one);
		compact(p, n, &one);
		if (one.len > max_line) {
			e->verdict = BODY_TOO_LONG;
			break;
		}
		buf_add(&e->tokens, one.data, one.len);
		p += n;
	}
	if (e->count == 0)
		e->verdict = BODY_BAD;
	buf_free(&one);
}

/* keep every other alert, checking it reads as the line just written */
struct selection {
	struct buf *lines;
	size_t seen;
};

static int
keep_every_other(void *ctx, struct alert *a)
{
	struct selection *sel = ctx;
	const struct buf *lines = sel->lines;

	FUZZ_ASSERT(a->len <= lines->len && memcmp(a->text,
	    lines->data + lines->len - a->len, a->len) == 0);
	return sel->seen++ % 2 == 0;
}

static void
check_lines(const struct buf *lines, size_t count, size_t max_line,
    const struct buf *tokens)
{
	struct buf joined = BUF_INIT;
	const char *p = buf_str(lines), *end = p + lines->len, *reason;
	struct alert a;
	size_t n = 0;

	alert_init(&a);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len;

		FUZZ_ASSERT(nl != NULL);
		len = (size_t)(nl - p);
		FUZZ_ASSERT(len > 0 && len <= max_line && p[0] == '{');
		FUZZ_ASSERT(fuzz_json_valid(p, len));
		FUZZ_ASSERT(alert_parse(&a, p, len, &reason) == 0);
		/* compact: nothing left to take out */
		buf_reset(&joined);
		compact(p, len, &joined);
		FUZZ_ASSERT(joined.len == len);
		p = nl + 1;
		n++;
	}
	FUZZ_ASSERT(n == count);
	buf_reset(&joined);
	compact(buf_str(lines), lines->len, &joined);
	FUZZ_ASSERT(joined.len == tokens->len &&
	    memcmp(buf_str(&joined), buf_str(tokens), tokens->len) == 0);
	alert_free(&a);
	buf_free(&joined);
}

static void
check_refusal(const struct expected *e, const struct buf *why)
{
	char prefix[48];

	if (e->count == 0) {
		FUZZ_ASSERT(strcmp(buf_str(why),
		    "empty body: expected a JSON object") == 0);
		return;
	}
	snprintf(prefix, sizeof(prefix), "line %lu: ", e->line);
	FUZZ_ASSERT(strncmp(buf_str(why), prefix, strlen(prefix)) == 0);
	FUZZ_ASSERT(why->len > strlen(prefix));
}

static void
run(const char *body, size_t len, size_t max_line)
{
	struct expected e = { 0 };
	struct buf lines = BUF_INIT, why = BUF_INIT, kept = BUF_INIT;
	struct selection sel = { &kept, 0 };
	enum body_verdict v;
	struct alert a;
	size_t count;

	expect(body, len, max_line, &e);
	alert_init(&a);
	v = body_split(body, len, max_line, &a, NULL, NULL, &lines, &count,
	    &why);
	FUZZ_ASSERT(v == e.verdict);
	if (v == BODY_OK) {
		FUZZ_ASSERT(count == e.count && why.len == 0);
		check_lines(&lines, count, max_line, &e.tokens);
		/* a selection keeps the lines it chose, as they were */
		FUZZ_ASSERT(body_split(body, len, max_line, &a,
		    keep_every_other, &sel, &kept, &count, &why) == BODY_OK);
		FUZZ_ASSERT(count == e.count && sel.seen == count);
		for (size_t i = 0, at = 0, from = 0; i < count; i++) {
			const char *nl = memchr(lines.data + at, '\n',
			    lines.len - at);
			size_t n = (size_t)(nl - (lines.data + at)) + 1;

			if (i % 2 == 0) {
				FUZZ_ASSERT(from + n <= kept.len && memcmp(
				    kept.data + from, lines.data + at, n) == 0);
				from += n;
			}
			at += n;
			if (i + 1 == count)
				FUZZ_ASSERT(from == kept.len);
		}
	} else {
		check_refusal(&e, &why);
	}
	alert_free(&a);
	buf_free(&lines);
	buf_free(&why);
	buf_free(&kept);
	buf_free(&e.tokens);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;

	run(body, size, 1 << 20);
	run(body, size, MAX_LINE_SMALL);
	return 0;
}
