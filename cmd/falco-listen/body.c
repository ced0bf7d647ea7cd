/*
 * body.c: a request body as alert lines. Falco posts one JSON object
 * without a newline; Falcosidekick's clients and curl users post the
 * same pretty-printed, or NDJSON. All are a sequence of JSON objects
 * separated by blanks, found here by their braces and validated by the
 * alert model (alert.h), which also keeps every token's bytes.
 */
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "buf.h"
#include "listen.h"

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * The end of the object or array starting at p (just past its closing
 * bracket), or end when it does not close: the alert model then says
 * what is wrong. Strings are skipped whole, so a brace inside one does
 * not count; no JSON string holds a raw newline, so an unterminated one
 * stops at the end of its line rather than swallowing the next alerts.
 * *blanks says whether a blank lies between tokens: Falco's own bodies
 * have none and need no compacting.
 */
static const char *
value_end(const char *p, const char *end, int *blanks)
{
	size_t depth = 0;

	*blanks = 0;
	for (; p < end; p++) {
		switch (*p) {
		case ' ':
		case '\t':
		case '\n':
		case '\r':
			*blanks = 1;
			break;
		case '"':
			for (p++; p < end && *p != '"' && *p != '\n'; p++)
				if (*p == '\\' && p + 1 < end)
					p++;
			if (p >= end || *p == '\n')
				return p;
			break;
		case '{':
		case '[':
			depth++;
			break;
		case '}':
		case ']':
			if (--depth == 0)
				return p + 1;
			break;
		}
	}
	return end;
}

/* a value that does not start with '{': the rest of its line, for the reason */
static const char *
line_end(const char *p, const char *end)
{
	const char *nl = memchr(p, '\n', (size_t)(end - p));

	return nl != NULL ? nl : end;
}

static unsigned long
count_lines(const char *from, const char *to, unsigned long line)
{
	for (; from < to; from++)
		if (*from == '\n')
			line++;
	return line;
}

enum body_verdict
body_split(const char *body, size_t len, size_t max_line, struct alert *a,
    int (*keep)(void *ctx, struct alert *a), void *ctx, struct buf *lines,
    size_t *count, struct buf *why)
{
	const char *p = body, *end = body + len, *seen = body, *stop;
	const char *reason;
	unsigned long line = 1;
	struct json_value v;
	size_t start;
	int blanks;

	*count = 0;
	for (;;) {
		while (p < end && is_blank(*p))
			p++;
		if (p == end)
			break;
		line = count_lines(seen, p, line);
		seen = p;
		blanks = 1;
		stop = *p == '{' || *p == '[' ? value_end(p, end, &blanks) :
		    line_end(p, end);
		if (alert_parse(a, p, (size_t)(stop - p), &reason) < 0) {
			buf_printf(why, "line %lu: %s", line, reason);
			return BODY_BAD;
		}
		start = lines->len;
		v.type = JSON_OBJECT;
		v.raw = p;
		v.raw_len = (size_t)(stop - p);
		if (blanks)
			json_compact(&v, lines);
		else
			buf_add(lines, p, v.raw_len);
		if (lines->len - start > max_line) {
			buf_printf(why, "line %lu: alert longer than %zu bytes",
			    line, max_line);
			return BODY_TOO_LONG;
		}
		/* a selection reads the alert as it will be written */
		if (lines->len - start != v.raw_len)
			(void)alert_parse(a, lines->data + start,
			    lines->len - start, &reason);
		if (keep != NULL && !keep(ctx, a))
			lines->len = start;
		else
			buf_addc(lines, '\n');
		(*count)++;
		p = stop;
	}
	if (*count == 0) {
		buf_adds(why, "empty body: expected a JSON object");
		return BODY_BAD;
	}
	return BODY_OK;
}

void
test_alert(struct buf *out)
{
	char host[256], stamp[64];
	struct timespec now;
	struct tm tm;

	if (gethostname(host, sizeof(host)) < 0)
		host[0] = '\0';
	host[sizeof(host) - 1] = '\0';
	clock_gettime(CLOCK_REALTIME, &now);
	gmtime_r(&now.tv_sec, &tm);
	strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
	buf_adds(out, "{\"hostname\":\"");
	buf_add_json_escaped(out, host, strlen(host));
	buf_printf(out, "\",\"output\":\"This is a test from falco-listen\","
	    "\"priority\":\"Debug\",\"rule\":\"Test rule\","
	    "\"source\":\"internal\",\"tags\":[\"test\",\"example\"],"
	    "\"time\":\"%s.%09ldZ\",\"output_fields\":{"
	    "\"proc.name\":\"falco-listen\",\"user.name\":\"falco-listen\"}}",
	    stamp, now.tv_nsec);
}
