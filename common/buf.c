#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "xalloc.h"

void
buf_reserve(struct buf *b, size_t extra)
{
	size_t need = b->len + extra + 1;

	if (need > b->cap)
		b->data = xgrow(b->data, &b->cap, need, 1);
}

void
buf_add(struct buf *b, const void *p, size_t n)
{
	buf_reserve(b, n);
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
buf_adds(struct buf *b, const char *s)
{
	buf_add(b, s, strlen(s));
}

void
buf_addc(struct buf *b, char c)
{
	buf_add(b, &c, 1);
}

void
buf_printf(struct buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	buf_reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * Alerts embedded in JSON (a Loki line, an NDJSON body) hold a quote
 * every few bytes: the escapes are written in place, with room made
 * once for the rest of the input, not appended one call at a time.
 */
void
buf_add_json_escaped(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, start = 0;
	char *out;

	buf_reserve(b, n);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		memcpy(b->data + b->len, s + start, i - start);
		b->len += i - start;
		start = i + 1;
		/* the escape, at most 6 bytes, and the rest of the input */
		buf_reserve(b, 6 + n - start);
		out = b->data + b->len;
		out[0] = '\\';
		switch (c) {
		case '"': out[1] = '"'; b->len += 2; break;
		case '\\': out[1] = '\\'; b->len += 2; break;
		case '\n': out[1] = 'n'; b->len += 2; break;
		case '\r': out[1] = 'r'; b->len += 2; break;
		case '\t': out[1] = 't'; b->len += 2; break;
		default:
			out[1] = 'u';
			out[2] = '0';
			out[3] = '0';
			out[4] = hex[c >> 4];
			out[5] = hex[c & 15];
			b->len += 6;
		}
	}
	memcpy(b->data + b->len, s + start, n - start);
	b->len += n - start;
	b->data[b->len] = '\0';
}

void
buf_reset(struct buf *b)
{
	b->len = 0;
	if (b->data != NULL)
		b->data[0] = '\0';
}

const char *
buf_str(const struct buf *b)
{
	return b->data != NULL ? b->data : "";
}

void
buf_free(struct buf *b)
{
	free(b->data);
	b->data = NULL;
	b->len = b->cap = 0;
}
