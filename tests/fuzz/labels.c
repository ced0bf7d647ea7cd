/*
 * labels: Prometheus label names and values (common/labels.c). A name
 * made must match [a-zA-Z_][a-zA-Z0-9_]* without a "__" prefix, and
 * nothing is appended when none can be made. A value made UTF-8 is
 * well-formed, the input itself when that was, and cut to a maximum it
 * is a beginning of the uncut one, as long as fits. An escaped value
 * holds no line feed nor unescaped quote, and unescapes back to the
 * value made UTF-8.
 */
#include <string.h>

#include "buf.h"
#include "fuzz.h"
#include "labels.h"

static int
is_label_name(const char *s, size_t n)
{
	if (n == 0 || (n >= 2 && s[0] == '_' && s[1] == '_'))
		return 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (i > 0 && c >= '0' && c <= '9')))
			return 0;
	}
	return 1;
}

static void
check_value(const char *s, size_t n)
{
	struct buf out = BUF_INIT, back = BUF_INIT, valid = BUF_INIT;

	buf_adds(&out, "x=\"");
	prom_label_value(s, n, &out);
	for (size_t i = 3; i < out.len; i++) {
		FUZZ_ASSERT(out.data[i] != '\n' && out.data[i] != '"');
		if (out.data[i] != '\\') {
			buf_addc(&back, out.data[i]);
			continue;
		}
		i++;
		FUZZ_ASSERT(i < out.len);
		FUZZ_ASSERT(out.data[i] == '\\' || out.data[i] == '"' ||
		    out.data[i] == 'n');
		buf_addc(&back, out.data[i] == 'n' ? '\n' : out.data[i]);
	}
	label_value_utf8(s, n, 0, &valid);
	FUZZ_ASSERT(back.len == valid.len &&
	    memcmp(buf_str(&back), buf_str(&valid), valid.len) == 0);
	buf_free(&valid);
	buf_free(&back);
	buf_free(&out);
}

static void
check_utf8(const char *s, size_t n)
{
	static const size_t maxima[] = { 1, 2, 3, 4, 5, 7, 64 };
	struct buf whole = BUF_INIT, cut = BUF_INIT;
	size_t len;

	buf_adds(&whole, "x");
	len = label_value_utf8(s, n, 0, &whole);
	FUZZ_ASSERT(len == whole.len - 1);
	FUZZ_ASSERT(fuzz_utf8_valid(whole.data + 1, len, NULL));
	if (fuzz_utf8_valid(s, n, NULL))
		FUZZ_ASSERT(len == n && memcmp(whole.data + 1, s, n) == 0);
	for (size_t i = 0; i < sizeof(maxima) / sizeof(maxima[0]); i++) {
		buf_reset(&cut);
		len = label_value_utf8(s, n, maxima[i], &cut);
		FUZZ_ASSERT(len == cut.len && len <= maxima[i]);
		FUZZ_ASSERT(len <= whole.len - 1 &&
		    memcmp(buf_str(&cut), whole.data + 1, len) == 0);
		/* it stops only where the next character would not fit */
		if (len < whole.len - 1)
			FUZZ_ASSERT(len + 4 > maxima[i]);
	}
	buf_free(&whole);
	buf_free(&cut);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	struct buf name = BUF_INIT;

	/* what is there already must be kept, and nothing added on failure */
	buf_adds(&name, "prefix");
	if (label_name(s, size, &name) == 0)
		FUZZ_ASSERT(is_label_name(name.data + 6, name.len - 6));
	else
		FUZZ_ASSERT(name.len == 6 && strcmp(name.data, "prefix") == 0);
	FUZZ_ASSERT(memcmp(name.data, "prefix", 6) == 0);
	buf_reset(&name);
	if (label_name(s, size, &name) < 0)
		FUZZ_ASSERT(name.len == 0);
	buf_free(&name);
	check_value(s, size);
	check_utf8(s, size);
	return 0;
}
