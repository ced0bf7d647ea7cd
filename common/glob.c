/*
 * glob.c: glob and path-prefix matching on length-counted bytes (see
 * glob.h).
 */
#include <ctype.h>
#include <string.h>

#include "glob.h"

static unsigned char
fold_byte(unsigned char c, int fold)
{
	return fold ? (unsigned char)tolower(c) : c;
}

static int
class_has(const char *name, size_t len, unsigned char c)
{
	static const struct {
		const char *name;
		int (*is)(int);
	} classes[] = {
		{ "alnum", isalnum }, { "alpha", isalpha }, { "blank", isblank },
		{ "cntrl", iscntrl }, { "digit", isdigit }, { "graph", isgraph },
		{ "lower", islower }, { "print", isprint }, { "punct", ispunct },
		{ "space", isspace }, { "upper", isupper },
		{ "xdigit", isxdigit }, { NULL, NULL }
	};
	size_t i;

	for (i = 0; classes[i].name != NULL; i++)
		if (strlen(classes[i].name) == len &&
		    memcmp(classes[i].name, name, len) == 0)
			return classes[i].is(c) != 0;
	return -1;
}

/*
 * A bracket expression at p (just after '['): 1 if c is in it, 0 if not,
 * -1 when it has no closing ']' (then '[' is an ordinary byte). *after is
 * the byte after the ']'.
 */
static int
bracket_match(const char *p, const char *end, unsigned char c, int fold,
    const char **after)
{
	int negate = 0, in = 0, first = 1;

	if (p < end && (*p == '!' || *p == '^')) {
		negate = 1;
		p++;
	}
	c = fold_byte(c, fold);
	while (p < end && (*p != ']' || first)) {
		unsigned char lo, hi;

		first = 0;
		if (*p == '[' && p + 1 < end && p[1] == ':') {
			const char *close = p + 2;
			int has;

			while (close + 1 < end && !(close[0] == ':' &&
			    close[1] == ']'))
				close++;
			if (close + 1 < end) {
				has = class_has(p + 2, (size_t)(close - p - 2), c);
				if (has < 0)
					return -1;
				in |= has;
				p = close + 2;
				continue;
			}
		}
		if (*p == '\\' && p + 1 < end)
			p++;
		lo = fold_byte((unsigned char)*p++, fold);
		hi = lo;
		if (p + 1 < end && *p == '-' && p[1] != ']') {
			p++;
			if (*p == '\\' && p + 1 < end)
				p++;
			hi = fold_byte((unsigned char)*p++, fold);
		}
		if (c >= lo && c <= hi)
			in = 1;
	}
	if (p >= end)
		return -1;
	*after = p + 1;
	return in != negate;
}

int
glob_match(const char *pattern, size_t plen, const char *s, size_t slen,
    int fold)
{
	const char *p = pattern, *pend = pattern + plen;
	const char *c = s, *send = s + slen;
	const char *star = NULL, *resume = NULL;

	/* one star at a time: on a mismatch, the last star takes one more byte */
	while (c < send) {
		const char *after;
		int r;

		if (p < pend && *p == '*') {
			while (p < pend && *p == '*')
				p++;
			star = p;
			resume = c;
			continue;
		}
		if (p < pend && *p == '?') {
			p++;
			c++;
			continue;
		}
		if (p < pend && *p == '[' &&
		    (r = bracket_match(p + 1, pend, (unsigned char)*c, fold,
		    &after)) >= 0) {
			if (r) {
				p = after;
				c++;
				continue;
			}
		} else if (p < pend) {
			const char *literal = p;

			if (*literal == '\\' && literal + 1 < pend)
				literal++;
			if (fold_byte((unsigned char)*literal, fold) ==
			    fold_byte((unsigned char)*c, fold)) {
				p = literal + 1;
				c++;
				continue;
			}
		}
		if (star == NULL)
			return 0;
		p = star;
		c = ++resume;
	}
	while (p < pend && *p == '*')
		p++;
	return p == pend;
}

/* the next component of a path at *p, empty ones skipped; 0 at the end */
static int
component_next(const char **p, const char *end, const char **start,
    size_t *len)
{
	while (*p < end && **p == '/')
		(*p)++;
	if (*p >= end)
		return 0;
	*start = *p;
	while (*p < end && **p != '/')
		(*p)++;
	*len = (size_t)(*p - *start);
	return 1;
}

int
path_prefix_match(const char *prefix, size_t plen, const char *path,
    size_t len)
{
	const char *pp = prefix, *pend = prefix + plen;
	const char *vp = path, *vend = path + len;
	const char *want, *have;
	size_t want_len, have_len;

	while (component_next(&pp, pend, &want, &want_len)) {
		int is_glob = memchr(want, '*', want_len) != NULL ||
		    memchr(want, '?', want_len) != NULL ||
		    memchr(want, '[', want_len) != NULL;

		if (!component_next(&vp, vend, &have, &have_len))
			return 0;
		if (is_glob ? !glob_match(want, want_len, have, have_len, 0) :
		    want_len != have_len || memcmp(want, have, have_len) != 0)
			return 0;
	}
	return 1;
}
