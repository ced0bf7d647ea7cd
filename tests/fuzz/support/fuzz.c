/*
 * fuzz.c: the helpers of fuzz.h. Files live in a directory made under
 * $TMPDIR (run.sh points it into build/fuzz/ so a crashed run leaves
 * nothing in /tmp).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "xalloc.h"

#define MAX_FILES 4

static char *directory;
static char *files[MAX_FILES];
static size_t nfiles;

static void
remove_files(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	if (directory != NULL)
		rmdir(directory);
	free(directory);
}

char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

const char *
fuzz_file(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	for (size_t i = 0; i < nfiles; i++)
		if (strcmp(strrchr(files[i], '/') + 1, name) == 0)
			return files[i];
	if (nfiles == MAX_FILES)
		errx(2, "fuzz_file: more than %d files", MAX_FILES);
	if (directory == NULL) {
		if (asprintf(&directory, "%s/falco-pipes-fuzz.XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp") < 0)
			err(2, "asprintf");
		if (mkdtemp(directory) == NULL)
			err(2, "'%s'", directory);
		atexit(remove_files);
	}
	if (asprintf(&path, "%s/%s", directory, name) < 0)
		err(2, "asprintf");
	files[nfiles++] = path;
	return path;
}

void
fuzz_file_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		err(2, "'%s'", path);
	if (size > 0 && fwrite(data, 1, size, f) != size)
		err(2, "'%s'", path);
	if (fclose(f) != 0)
		err(2, "'%s'", path);
}

int
fuzz_utf8_valid(const char *s, size_t n, size_t *runes)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t i = 0, count = 0, len, k;
	unsigned long cp;

	while (i < n) {
		if (u[i] < 0x80)
			len = 1, cp = u[i];
		else if ((u[i] & 0xe0) == 0xc0)
			len = 2, cp = u[i] & 0x1f;
		else if ((u[i] & 0xf0) == 0xe0)
			len = 3, cp = u[i] & 0x0f;
		else if ((u[i] & 0xf8) == 0xf0)
			len = 4, cp = u[i] & 0x07;
		else
			return 0;
		if (n - i < len)
			return 0;
		for (k = 1; k < len; k++) {
			if ((u[i + k] & 0xc0) != 0x80)
				return 0;
			cp = cp << 6 | (u[i + k] & 0x3f);
		}
		if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) ||
		    (len == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return 0;
		i += len;
		count++;
	}
	if (runes != NULL)
		*runes = count;
	return 1;
}

/* ---- a strict JSON reader: c->p moves past what it accepts ---- */

struct json_cursor {
	const char *p, *end;
};

static void
json_blanks(struct json_cursor *c)
{
	while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' ||
	    *c->p == '\n' || *c->p == '\r'))
		c->p++;
}

static int
json_literal(struct json_cursor *c, const char *word)
{
	size_t n = strlen(word);

	if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0)
		return 0;
	c->p += n;
	return 1;
}

static int
json_digits(struct json_cursor *c)
{
	const char *start = c->p;

	while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
		c->p++;
	return c->p > start;
}

static int
json_number(struct json_cursor *c)
{
	if (c->p < c->end && *c->p == '-')
		c->p++;
	if (c->p < c->end && *c->p == '0')
		c->p++;
	else if (!(c->p < c->end && *c->p >= '1' && *c->p <= '9') ||
	    !json_digits(c))
		return 0;
	if (c->p < c->end && *c->p == '.') {
		c->p++;
		if (!json_digits(c))
			return 0;
	}
	if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
		c->p++;
		if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
			c->p++;
		if (!json_digits(c))
			return 0;
	}
	return 1;
}

/*
 * The value of the four hex digits after the 'u' at c->p, which is left
 * on the last; past 0xffff when they are not four hex digits.
 */
static unsigned long
json_hex4(struct json_cursor *c)
{
	static const char hex[] = "0123456789abcdef0123456789ABCDEF";
	unsigned long cp = 0;
	const char *d;

	for (int k = 0; k < 4; k++) {
		if (++c->p >= c->end || *c->p == '\0' ||
		    (d = strchr(hex, *c->p)) == NULL)
			return 0x110000;
		cp = cp << 4 | (unsigned long)((d - hex) % 16);
	}
	return cp;
}

static int
json_string_token(struct json_cursor *c)
{
	if (c->p >= c->end || *c->p != '"')
		return 0;
	for (c->p++; c->p < c->end; c->p++) {
		unsigned char ch = (unsigned char)*c->p;

		if (ch == '"') {
			c->p++;
			return 1;
		}
		if (ch < 0x20)
			return 0;
		if (ch != '\\')
			continue;
		if (++c->p >= c->end)
			return 0;
		if (*c->p == 'u') {
			unsigned long cp = json_hex4(c);

			if (cp > 0xffff)
				return 0;
			/* surrogates in pairs only (RFC 7493, I-JSON) */
			if (cp >= 0xdc00 && cp <= 0xdfff)
				return 0;
			if (cp >= 0xd800 && cp <= 0xdbff) {
				if (c->end - c->p < 3 || c->p[1] != '\\' ||
				    c->p[2] != 'u')
					return 0;
				c->p += 2;
				cp = json_hex4(c);
				if (cp < 0xdc00 || cp > 0xdfff)
					return 0;
			}
		} else if (strchr("\"\\/bfnrt", *c->p) == NULL ||
		    *c->p == '\0') {
			return 0;
		}
	}
	return 0;
}

static int json_value_token(struct json_cursor *c, int depth);

/* depth: the containers around this one's members, itself included */
static int
json_container(struct json_cursor *c, int depth, char close)
{
	if (depth > FUZZ_JSON_DEPTH)
		return 0;
	c->p++;
	json_blanks(c);
	if (c->p < c->end && *c->p == close) {
		c->p++;
		return 1;
	}
	for (;;) {
		if (close == '}') {
			if (!json_string_token(c))
				return 0;
			json_blanks(c);
			if (c->p >= c->end || *c->p++ != ':')
				return 0;
			json_blanks(c);
		}
		if (!json_value_token(c, depth))
			return 0;
		json_blanks(c);
		if (c->p >= c->end)
			return 0;
		if (*c->p == close) {
			c->p++;
			return 1;
		}
		if (*c->p++ != ',')
			return 0;
		json_blanks(c);
	}
}

/* depth: the containers around the value */
static int
json_value_token(struct json_cursor *c, int depth)
{
	if (c->p >= c->end)
		return 0;
	switch (*c->p) {
	case '{':
		return json_container(c, depth + 1, '}');
	case '[':
		return json_container(c, depth + 1, ']');
	case '"':
		return json_string_token(c);
	case 't':
		return json_literal(c, "true");
	case 'f':
		return json_literal(c, "false");
	case 'n':
		return json_literal(c, "null");
	default:
		return json_number(c);
	}
}

size_t
fuzz_json_prefix(const char *s, size_t n)
{
	struct json_cursor c = { s, s + n };

	return json_value_token(&c, 0) ? (size_t)(c.p - s) : 0;
}

int
fuzz_json_valid(const char *s, size_t n)
{
	struct json_cursor c = { s, s + n };

	json_blanks(&c);
	if (!json_value_token(&c, 0))
		return 0;
	json_blanks(&c);
	return c.p == c.end;
}

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property broken: %s\n", file, line, what);
	abort();
}
