/*
 * format.c: Falco's output formats (see format.h), read as libsinsp's
 * formatter reads them (eventformatter.cpp): a leading '*', "%N" widths,
 * the longest known field name, transformers; printed as it prints them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "format.h"
#include "lex.h"
#include "operand.h"
#include "xalloc.h"

/* wider would be a typo, and costs memory per alert */
#define FORMAT_WIDTH_MAX 100000

/* A format is a sequence of literal texts and fields. */
struct piece {
	char *text;		/* literal text; NULL for a field */
	size_t len;
	struct operand *operand;
	int width;		/* 0: as long as the value */
};

struct format {
	struct piece *pieces;
	size_t count, cap;
};

/* errors are built at compile time, before any thread starts */
static char message[320];

static struct piece *
piece_add(struct format *f)
{
	struct piece *p;

	f->pieces = xgrow(f->pieces, &f->cap, f->count + 1, sizeof(*f->pieces));
	p = &f->pieces[f->count++];
	memset(p, 0, sizeof(*p));
	return p;
}

static void
literal_add(struct format *f, const char *text, size_t len)
{
	struct piece *p;

	if (len == 0)
		return;
	p = piece_add(f);
	p->text = xstrndup(text, len);
	p->len = len;
}

static int
is_field_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c == '_' || c == '.';
}

/*
 * The field name at s: the longest run of name characters (not ending in
 * '.'), cut to the longest known field it starts with when it is not one
 * itself, as Falco reads "%proc.nameand"; then an optional [argument].
 * 0 if there is none, with *error set on a bad argument.
 */
static size_t
field_name_length(const char *s, const char **error)
{
	size_t n = 0, known;

	while (is_field_char(s[n]))
		n++;
	while (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return 0;
	if (field_lookup(s, n) == NULL) {
		known = field_known_prefix(s, n);
		if (known > 0)
			return known;
	}
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

/* the field or transformer after '%' (and its width) at *pp */
static int
field_add(struct format *f, const char *spec, const char **pp, int width,
    const char **error)
{
	const char *p = *pp;
	struct piece *piece;
	struct operand *o;
	enum transformer tr;
	size_t n;

	if (operand_transformer_at(p, &tr) == 0) {
		struct syntax sx;

		memset(&sx, 0, sizeof(sx));
		sx.text = spec;
		sx.p = p;
		sx.max_depth = 1000;
		o = operand_parse(&sx);
		if (o == NULL) {
			snprintf(message, sizeof(message), "column %zu: %s",
			    sx.column, sx.message);
			*error = message;
			return -1;
		}
		p = sx.p;
	} else {
		n = field_name_length(p, error);
		/* "%name(" with no transformer of that name: not a key then "(" */
		if (n > 0 && p[n] == '(' && memchr(p, '.', n) == NULL) {
			snprintf(message, sizeof(message), "unknown transformer "
			    "'%.*s'", (int)(n > 64 ? 64 : n), p);
			*error = message;
			return -1;
		}
		if (n == 0) {
			if (*error == NULL)
				*error = "'%' must be followed by a field name "
				    "or '%'";
			return -1;
		}
		o = operand_field(p, n);
		p += n;
		if (o->info != NULL && (o->info->flags & FF_FILTER_ONLY)) {
			snprintf(message, sizeof(message), "%s is filter only "
			    "and cannot be used as a display field", o->text);
			*error = message;
			operand_free(o);
			return -1;
		}
	}
	piece = piece_add(f);
	piece->operand = o;
	piece->width = width;
	*pp = p;
	return 0;
}

static struct format *
compile(const char *spec, int falco_mark, const char **error)
{
	struct format *f = xcalloc(1, sizeof(*f));
	const char *literal, *p;

	*error = NULL;
	/* Falco's "print even when a field is missing": ours always does */
	if (falco_mark && *spec == '*')
		spec++;
	literal = p = spec;
	while ((p = strchr(p, '%')) != NULL) {
		int width = 0;

		literal_add(f, literal, (size_t)(p - literal));
		if (p[1] == '%') {
			literal_add(f, "%", 1);
			literal = p += 2;
			continue;
		}
		if (p[1] == '\0') {
			*error = "'%' must be followed by a field name or '%'";
			goto fail;
		}
		for (p++; *p >= '0' && *p <= '9'; p++)
			if ((width = width * 10 + (*p - '0')) > FORMAT_WIDTH_MAX) {
				*error = "a width is at most 100000";
				goto fail;
			}
		if (*p == '\0') {
			*error = "a width must be followed by a field name";
			goto fail;
		}
		if (field_add(f, spec, &p, width, error) < 0)
			goto fail;
		literal = p;
	}
	literal_add(f, literal, strlen(literal));
	return f;
fail:
	format_free(f);
	return NULL;
}

struct format *
format_compile(const char *spec, const char **error)
{
	return compile(spec, 1, error);
}

struct format *
format_compile_text(const char *spec, const char **error)
{
	return compile(spec, 0, error);
}

void
format_render(const struct format *f, struct alert *a, struct buf *out)
{
	size_t i, start;

	for (i = 0; i < f->count; i++) {
		const struct piece *p = &f->pieces[i];

		if (p->operand == NULL) {
			buf_add(out, p->text, p->len);
			continue;
		}
		start = out->len;
		operand_render(p->operand, a, out);
		if (p->width == 0)
			continue;
		/* Falco's width cuts or pads the bytes, whatever they encode */
		if (out->len - start > (size_t)p->width) {
			out->len = start + (size_t)p->width;
			out->data[out->len] = '\0';
		}
		while (out->len - start < (size_t)p->width)
			buf_addc(out, ' ');
	}
}

void
format_free(struct format *f)
{
	size_t i;

	if (f == NULL)
		return;
	for (i = 0; i < f->count; i++) {
		free(f->pieces[i].text);
		operand_free(f->pieces[i].operand);
	}
	free(f->pieces);
	free(f);
}
