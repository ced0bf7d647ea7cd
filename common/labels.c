#include "labels.h"

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

void
prom_label_value(const char *value, size_t len, struct buf *out)
{
	size_t i, run = 0;

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
}
