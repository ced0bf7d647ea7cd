#include <stdint.h>
#include <string.h>

#include "labels.h"

static const char replacement[] = "\xef\xbf\xbd";	/* U+FFFD */

static int
is_name_char(char c, int first)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_')
		return 1;
	return !first && c >= '0' && c <= '9';
}

int
label_name(const char *field, size_t len, struct buf *out)
{
	size_t start = out->len, i;

	for (i = 0; i < len; i++) {
		char c = field[i];

		if (c == '[' || c == ']')
			continue;
		if (out->len == start && c >= '0' && c <= '9')
			buf_addc(out, '_');
		buf_addc(out, is_name_char(c, out->len == start) ? c : '_');
	}
	if (out->len == start || (out->len - start >= 2 &&
	    out->data[start] == '_' && out->data[start + 1] == '_')) {
		out->len = start;
		if (out->data != NULL)
			out->data[start] = '\0';
		return -1;
	}
	return 0;
}

/*
 * The length of the well-formed UTF-8 character at s (n > 0 bytes
 * left), or 0 when the byte there does not begin one (RFC 3629, Table 3
 * of the Unicode standard's chapter 3).
 */
static size_t
utf8_char_len(const unsigned char *s, size_t n)
{
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4;
	else
		return 0;
	if (n < len)
		return 0;
	/* the second byte's range rules out overlongs and surrogates */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	if (s[1] < lo || s[1] > hi)
		return 0;
	for (i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf)
			return 0;
	return len;
}

size_t
label_value_utf8(const char *value, size_t len, size_t max, struct buf *out)
{
	const unsigned char *s = (const unsigned char *)value;
	size_t i = 0, run = 0, used = 0;	/* used: appended, or due from run */

	if (max == 0)
		max = SIZE_MAX;
	while (i < len) {
		size_t n = utf8_char_len(s + i, len - i);

		if (used + (n > 0 ? n : sizeof(replacement) - 1) > max)
			break;
		if (n > 0) {
			used += n;
			i += n;
			continue;
		}
		buf_add(out, value + run, i - run);
		buf_add(out, replacement, sizeof(replacement) - 1);
		used += sizeof(replacement) - 1;
		run = ++i;
	}
	buf_add(out, value + run, i - run);
	return used;
}

void
prom_label_value(const char *value, size_t len, struct buf *out)
{
	struct buf valid = BUF_INIT;
	size_t i, run = 0;

	for (i = 0; i < len; i++) {
		if ((unsigned char)value[i] >= 0x80) {
			label_value_utf8(value, len, 0, &valid);
			value = valid.data;
			len = valid.len;
			break;
		}
	}
	for (i = 0; i < len; i++) {
		const char *escape = value[i] == '\\' ? "\\\\" :
		    value[i] == '"' ? "\\\"" : value[i] == '\n' ? "\\n" : NULL;

		if (escape == NULL)
			continue;
		buf_add(out, value + run, i - run);
		buf_adds(out, escape);
		run = i + 1;
	}
	buf_add(out, value + run, len - run);
	buf_free(&valid);
}
