/*
 * labels: Prometheus label names and values (common/labels.c). A name
 * made must match [a-zA-Z_][a-zA-Z0-9_]* without a "__" prefix, and
 * nothing is appended when none can be made; an escaped value holds no
 * line feed nor unescaped quote, and unescapes back to the input.
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
	struct buf out = BUF_INIT, back = BUF_INIT;

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
	FUZZ_ASSERT(back.len == n && memcmp(buf_str(&back), s, n) == 0);
	buf_free(&back);
	buf_free(&out);
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
	return 0;
}
