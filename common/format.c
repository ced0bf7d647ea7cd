#include <stdlib.h>
#include <string.h>

#include "format.h"
#include "xalloc.h"

/* A format is a sequence of literal texts and field references. */
struct piece {
	int is_field;
	char *text;		/* literal text, or the field name */
	size_t len;
};

struct format {
	struct piece *pieces;
	size_t count, cap;
};

static void
add_piece(struct format *f, int is_field, const char *text, size_t len)
{
	struct piece *p;

	if (len == 0)
		return;
	f->pieces = xgrow(f->pieces, &f->cap, f->count + 1, sizeof(*f->pieces));
	p = &f->pieces[f->count++];
	p->is_field = is_field;
	p->text = xstrndup(text, len);
	p->len = len;
}

static int
is_field_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/* length of the field name at s, 0 if none; a name never ends in '.' */
static size_t
field_name_length(const char *s, const char **error)
{
	size_t n = 0;

	while (is_field_char(s[n]))
		n++;
	while (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return 0;
	if (s[n] == '[') {
		const char *close = strchr(s + n, ']');

		if (close == NULL) {
			*error = "unterminated '[' in a field name";
			return 0;
		}
		n = (size_t)(close - s) + 1;
	}
	return n;
}

struct format *
format_compile(const char *spec, const char **error)
{
	struct format *f = xcalloc(1, sizeof(*f));
	const char *literal = spec, *p = spec;

	*error = NULL;
	while ((p = strchr(p, '%')) != NULL) {
		size_t n;

		add_piece(f, 0, literal, (size_t)(p - literal));
		if (p[1] == '%') {
			add_piece(f, 0, "%", 1);
			literal = p += 2;
			continue;
		}
		n = field_name_length(p + 1, error);
		if (n == 0) {
			if (*error == NULL)
				*error = "'%' must be followed by a field name or '%'";
			format_free(f);
			return NULL;
		}
		add_piece(f, 1, p + 1, n);
		literal = p += 1 + n;
	}
	add_piece(f, 0, literal, strlen(literal));
	return f;
}

void
format_render(const struct format *f, struct alert *a, struct buf *out)
{
	size_t i;

	for (i = 0; i < f->count; i++) {
		const struct piece *p = &f->pieces[i];
		struct json_value v;

		if (!p->is_field) {
			buf_add(out, p->text, p->len);
			continue;
		}
		v = alert_field(a, p->text, p->len);
		if (v.type == JSON_ABSENT) {
			buf_add(out, "<NA>", 4);
			continue;
		}
		json_text(&v, out);
	}
}

void
format_free(struct format *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->count; i++)
		free(f->pieces[i].text);
	free(f->pieces);
	free(f);
}
