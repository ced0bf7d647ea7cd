#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include "alert.h"
#include "xalloc.h"

/*
 * The scanner is a strict RFC 8259 validator that records where each
 * member of the top-level object and of output_fields starts and ends.
 * It never builds a tree, which is what lets falco-filter run at a
 * fraction of grep's speed while still rejecting every malformed line.
 */
struct scan {
	const char *p;
	const char *end;
	const char *start;
	const char *error;
	const char *error_at;
	int depth;
	struct alert *alert;	/* set while scanning the top level */
};

static const char *const top_level_names[] = {
	"rule", "priority", "source", "hostname", "output", "time", "tags",
	"uuid", "message", NULL
};

static const char *const priority_names[] = {
	"Debug", "Informational", "Notice", "Warning", "Error", "Critical",
	"Alert", "Emergency"
};

static int scan_value(struct scan *s, struct json_value *v);

static int
fail(struct scan *s, const char *why)
{
	if (s->error == NULL) {
		s->error = why;
		s->error_at = s->p;
	}
	return -1;
}

static void
skip_space(struct scan *s)
{
	while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' ||
	    *s->p == '\n' || *s->p == '\r'))
		s->p++;
}

static int
is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static int
is_hex4(const char *p)
{
	return is_hex(p[0]) && is_hex(p[1]) && is_hex(p[2]) && is_hex(p[3]);
}

static unsigned hex_value(const char *p);

/*
 * \uXXXX at s->p; a surrogate must come in a high-low pair, as cJSON
 * and RFC 8259 (for valid Unicode) want.
 */
static int
scan_unicode_escape(struct scan *s)
{
	unsigned cp;

	if (s->end - s->p < 6 || !is_hex4(s->p + 2))
		return fail(s, "bad \\u escape");
	cp = hex_value(s->p + 2);
	s->p += 6;
	if (cp >= 0xdc00 && cp <= 0xdfff)
		return fail(s, "lone surrogate");
	if (cp < 0xd800 || cp > 0xdbff)
		return 0;
	if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' ||
	    !is_hex4(s->p + 2))
		return fail(s, "lone surrogate");
	cp = hex_value(s->p + 2);
	if (cp < 0xdc00 || cp > 0xdfff)
		return fail(s, "lone surrogate");
	s->p += 6;
	return 0;
}

/*
 * The first byte at or after p (before end) that a string scan must look
 * at: '"', '\\' or a control character. Alert lines are mostly string
 * bytes, so this loop is where filtering spends its time: 16 bytes a step
 * with SSE2 (always there on x86-64), 8 with plain 64-bit words elsewhere.
 */
#ifdef __SSE2__
static const char *
skip_plain_string_bytes(const char *p, const char *end)
{
	const __m128i quote = _mm_set1_epi8('"');
	const __m128i backslash = _mm_set1_epi8('\\');
	const __m128i bias = _mm_set1_epi8((char)0x80);
	const __m128i below_space = _mm_set1_epi8((char)(0x20 ^ 0x80));

	while (end - p >= 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(const void *)p);
		__m128i hits = _mm_or_si128(
		    _mm_or_si128(_mm_cmpeq_epi8(v, quote),
		    _mm_cmpeq_epi8(v, backslash)),
		    _mm_cmplt_epi8(_mm_xor_si128(v, bias), below_space));
		int mask = _mm_movemask_epi8(hits);

		if (mask != 0)
			return p + __builtin_ctz((unsigned)mask);
		p += 16;
	}
	return p;
}
#else
static const char *
skip_plain_string_bytes(const char *p, const char *end)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;

	while (end - p >= 8) {
		uint64_t w, quote, backslash;

		memcpy(&w, p, 8);
		quote = w ^ (ones * '"');
		backslash = w ^ (ones * '\\');
		if ((((quote - ones) & ~quote) |
		    ((backslash - ones) & ~backslash) |
		    ((w - ones * 0x20) & ~w)) & highs)
			return p;
		p += 8;
	}
	return p;
}
#endif

static int
scan_string(struct scan *s, struct json_value *v)
{
	const char *begin = s->p;

	s->p++;
	for (;;) {
		s->p = skip_plain_string_bytes(s->p, s->end);
		if (s->p >= s->end)
			return fail(s, "unterminated string");
		unsigned char c = (unsigned char)*s->p;
		if (c == '"')
			break;
		if (c < 0x20)
			return fail(s, "control character in string");
		if (c != '\\') {
			s->p++;
			continue;
		}
		if (s->end - s->p < 2)
			return fail(s, "unterminated string");
		switch (s->p[1]) {
		case '"': case '\\': case '/': case 'b': case 'f': case 'n':
		case 'r': case 't':
			s->p += 2;
			break;
		case 'u':
			if (scan_unicode_escape(s) < 0)
				return -1;
			break;
		default:
			s->p++;
			return fail(s, "bad escape");
		}
	}
	s->p++;
	v->type = JSON_STRING;
	v->raw = begin;
	v->raw_len = (size_t)(s->p - begin);
	return 0;
}

static int
scan_digits(struct scan *s)
{
	const char *begin = s->p;

	while (s->p < s->end && *s->p >= '0' && *s->p <= '9')
		s->p++;
	return s->p > begin ? 0 : fail(s, "bad number");
}

static int
scan_number(struct scan *s, struct json_value *v)
{
	const char *begin = s->p;

	if (*s->p == '-')
		s->p++;
	if (s->p < s->end && *s->p == '0')
		s->p++;
	else if (scan_digits(s) < 0)
		return -1;
	if (s->p < s->end && *s->p == '.') {
		s->p++;
		if (scan_digits(s) < 0)
			return -1;
	}
	if (s->p < s->end && (*s->p == 'e' || *s->p == 'E')) {
		s->p++;
		if (s->p < s->end && (*s->p == '+' || *s->p == '-'))
			s->p++;
		if (scan_digits(s) < 0)
			return -1;
	}
	v->type = JSON_NUMBER;
	v->raw = begin;
	v->raw_len = (size_t)(s->p - begin);
	return 0;
}

static int
scan_literal(struct scan *s, struct json_value *v, const char *word,
    enum json_type type)
{
	size_t n = strlen(word);

	if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n) != 0)
		return fail(s, "unexpected character");
	v->type = type;
	v->raw = s->p;
	v->raw_len = n;
	s->p += n;
	return 0;
}

/*
 * output_fields is indexed in the same pass as the top level (the first
 * one only: a duplicate key is validated, never indexed twice).
 */
static int
is_output_fields(const struct scan *s, const struct json_value *key)
{
	return s->alert != NULL && s->depth == 1 && s->p < s->end &&
	    *s->p == '{' && s->alert->nfields == 0 &&
	    key->raw_len == 15 && memcmp(key->raw, "\"output_fields\"", 15) == 0;
}

/*
 * An object; when members is not NULL its members are recorded there
 * (one level only: nested values are validated, not recorded).
 */
static int
scan_object(struct scan *s, struct json_value *v, struct json_member **members,
    size_t *count, size_t *cap)
{
	const char *begin = s->p;

	if (++s->depth > ALERT_MAX_DEPTH)
		return fail(s, "nesting deeper than 512");
	s->p++;
	skip_space(s);
	if (s->p < s->end && *s->p == '}')
		goto done;
	for (;;) {
		struct json_member m;

		skip_space(s);
		if (s->p >= s->end || *s->p != '"')
			return fail(s, "expected a member name");
		if (scan_string(s, &m.key) < 0)
			return -1;
		skip_space(s);
		if (s->p >= s->end || *s->p != ':')
			return fail(s, "expected ':'");
		s->p++;
		skip_space(s);
		if (is_output_fields(s, &m.key)) {
			struct alert *a = s->alert;

			s->alert = NULL;
			if (scan_object(s, &m.value, &a->fields, &a->nfields,
			    &a->fields_cap) < 0)
				return -1;
			s->alert = a;
		} else if (scan_value(s, &m.value) < 0) {
			return -1;
		}
		if (members != NULL) {
			*members = xgrow(*members, cap, *count + 1,
			    sizeof(**members));
			(*members)[(*count)++] = m;
		}
		skip_space(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == '}')
			break;
		return fail(s, "expected ',' or '}'");
	}
done:
	s->p++;
	s->depth--;
	v->type = JSON_OBJECT;
	v->raw = begin;
	v->raw_len = (size_t)(s->p - begin);
	return 0;
}

static int
scan_array(struct scan *s, struct json_value *v)
{
	const char *begin = s->p;

	if (++s->depth > ALERT_MAX_DEPTH)
		return fail(s, "nesting deeper than 512");
	s->p++;
	skip_space(s);
	if (s->p < s->end && *s->p == ']')
		goto done;
	for (;;) {
		struct json_value elem;

		skip_space(s);
		if (scan_value(s, &elem) < 0)
			return -1;
		skip_space(s);
		if (s->p < s->end && *s->p == ',') {
			s->p++;
			continue;
		}
		if (s->p < s->end && *s->p == ']')
			break;
		return fail(s, "expected ',' or ']'");
	}
done:
	s->p++;
	s->depth--;
	v->type = JSON_ARRAY;
	v->raw = begin;
	v->raw_len = (size_t)(s->p - begin);
	return 0;
}

static int
scan_value(struct scan *s, struct json_value *v)
{
	if (s->p >= s->end)
		return fail(s, "unexpected end");
	switch (*s->p) {
	case '{':
		return scan_object(s, v, NULL, NULL, NULL);
	case '[':
		return scan_array(s, v);
	case '"':
		return scan_string(s, v);
	case 't':
		return scan_literal(s, v, "true", JSON_TRUE);
	case 'f':
		return scan_literal(s, v, "false", JSON_FALSE);
	case 'n':
		return scan_literal(s, v, "null", JSON_NULL);
	default:
		if (*s->p == '-' || (*s->p >= '0' && *s->p <= '9'))
			return scan_number(s, v);
		return fail(s, "unexpected character");
	}
}

void
alert_init(struct alert *a)
{
	memset(a, 0, sizeof(*a));
}

void
alert_free(struct alert *a)
{
	free(a->top);
	free(a->fields);
	buf_free(&a->scratch);
	alert_init(a);
}

int
alert_parse(struct alert *a, const char *text, size_t len,
    const char **reason)
{
	struct scan s = { text, text + len, text, NULL, NULL, 0, a };
	struct json_value root;

	a->text = text;
	a->len = len;
	a->ntop = a->nfields = 0;
	skip_space(&s);
	if (s.p < s.end && *s.p != '{') {
		if (scan_value(&s, &root) == 0) {
			skip_space(&s);
			if (s.p == s.end) {
				*reason = "not a JSON object";
				return -1;
			}
		} else if (strcmp(s.error, "nesting deeper than 512") == 0) {
			*reason = s.error;
			return -1;
		}
		s.error = NULL;
		s.p = text;
		skip_space(&s);
	}
	if (s.p >= s.end) {
		fail(&s, "empty");
	} else if (*s.p == '{' &&
	    scan_object(&s, &root, &a->top, &a->ntop, &a->top_cap) == 0) {
		skip_space(&s);
		if (s.p == s.end)
			return 0;
		fail(&s, "trailing characters");
	} else {
		fail(&s, "unexpected character");
	}
	a->ntop = a->nfields = 0;
	if (strcmp(s.error, "nesting deeper than 512") == 0) {
		*reason = s.error;
		return -1;
	}
	snprintf(a->reason, sizeof(a->reason), "invalid JSON at byte %zu",
	    (size_t)(s.error_at - text) + 1);
	*reason = a->reason;
	return -1;
}

int
json_string_equals(const struct json_value *v, const char *s, size_t n)
{
	const char *body;
	size_t len;

	if (v->type != JSON_STRING)
		return 0;
	body = v->raw + 1;
	len = v->raw_len - 2;
	if (memchr(body, '\\', len) == NULL)
		return len == n && memcmp(body, s, n) == 0;
	{
		struct buf scratch = BUF_INIT;
		const char *text = json_string(v, &scratch, &len);
		int equal = len == n && memcmp(text, s, n) == 0;

		buf_free(&scratch);
		return equal;
	}
}

int
alert_is_top_level_name(const char *name, size_t len)
{
	size_t i;

	for (i = 0; top_level_names[i] != NULL; i++)
		if (strlen(top_level_names[i]) == len &&
		    memcmp(top_level_names[i], name, len) == 0)
			return 1;
	return 0;
}

static struct json_value
member_find(const struct json_member *m, size_t n, const char *name,
    size_t name_len)
{
	struct json_value absent = { JSON_ABSENT, NULL, 0 };
	size_t i;

	/* a null member is found, and then reads as absent (alert_field) */
	for (i = 0; i < n; i++)
		if (json_string_equals(&m[i].key, name, name_len))
			return m[i].value;
	return absent;
}

static struct json_value
present(struct json_value v)
{
	if (v.type == JSON_NULL)
		v.type = JSON_ABSENT;
	return v;
}

/*
 * Set s to scan the item of an object or array that starts at byte pos
 * of its text (0: the first), past the comma before it: 0 when there is
 * none left.
 */
static int
scan_next_item(const struct json_value *container, size_t pos,
    struct scan *s)
{
	s->alert = NULL;
	s->start = container->raw;
	s->end = container->raw + container->raw_len - 1;	/* the } or ] */
	s->p = container->raw + (pos == 0 ? 1 : pos);
	s->error = NULL;
	s->depth = 0;
	skip_space(s);
	if (s->p < s->end && *s->p == ',')
		s->p++;
	skip_space(s);
	return s->p < s->end;
}

int
json_object_next(const struct json_value *object, size_t *pos,
    struct json_member *member)
{
	struct scan s;

	if (object->type != JSON_OBJECT || !scan_next_item(object, *pos, &s) ||
	    scan_string(&s, &member->key) < 0)
		return 0;
	skip_space(&s);
	if (s.p >= s.end || *s.p != ':')
		return 0;
	s.p++;
	skip_space(&s);
	if (scan_value(&s, &member->value) < 0)
		return 0;
	*pos = (size_t)(s.p - object->raw);
	return 1;
}

/* the member of an object named key, JSON_ABSENT if none */
static struct json_value
object_member(const struct json_value *object, const char *key, size_t len)
{
	struct json_value absent = { JSON_ABSENT, NULL, 0 };
	struct json_member m;
	size_t pos = 0;

	while (json_object_next(object, &pos, &m))
		if (json_string_equals(&m.key, key, len))
			return m.value;
	return absent;
}

/*
 * A name that is no key of output_fields, read as a path from the top
 * level: "falco_netpol.action" is member "action" of the top-level
 * object "falco_netpol". A bracketed name is never a path.
 */
static struct json_value
path_find(const struct alert *a, const char *name, size_t name_len)
{
	const char *dot = memchr(name, '.', name_len);
	const char *end = name + name_len;
	size_t n = dot != NULL ? (size_t)(dot - name) : name_len;
	struct json_value v;

	if (memchr(name, '[', name_len) != NULL) {
		v.type = JSON_ABSENT;
		v.raw = NULL;
		v.raw_len = 0;
		return v;
	}
	v = member_find(a->top, a->ntop, name, n);
	while (dot != NULL && v.type == JSON_OBJECT) {
		const char *segment = dot + 1;

		dot = memchr(segment, '.', (size_t)(end - segment));
		n = (size_t)((dot != NULL ? dot : end) - segment);
		v = object_member(&v, segment, n);
	}
	if (dot != NULL)
		v.type = JSON_ABSENT;
	return present(v);
}

struct json_value
alert_field(const struct alert *a, const char *name, size_t name_len)
{
	struct json_value v;

	if (alert_is_top_level_name(name, name_len))
		return present(member_find(a->top, a->ntop, name, name_len));
	v = member_find(a->fields, a->nfields, name, name_len);
	if (v.type != JSON_ABSENT)
		return present(v);
	return path_find(a, name, name_len);
}

const char *
alert_field_text(struct alert *a, const char *name, size_t *len)
{
	struct json_value v = alert_field(a, name, strlen(name));

	if (v.type == JSON_ABSENT)
		return NULL;
	if (v.type == JSON_STRING)
		return json_string(&v, &a->scratch, len);
	buf_reset(&a->scratch);
	json_text(&v, &a->scratch);
	*len = a->scratch.len;
	return buf_str(&a->scratch);
}

static unsigned
hex_value(const char *p)
{
	unsigned v = 0;
	int i;

	for (i = 0; i < 4; i++) {
		char c = p[i];

		v <<= 4;
		if (c >= '0' && c <= '9')
			v |= (unsigned)(c - '0');
		else if (c >= 'a' && c <= 'f')
			v |= (unsigned)(c - 'a' + 10);
		else
			v |= (unsigned)(c - 'A' + 10);
	}
	return v;
}

static void
add_utf8(struct buf *out, unsigned cp)
{
	char b[4];

	if (cp < 0x80) {
		buf_addc(out, (char)cp);
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | (cp >> 6));
		b[1] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, b, 2);
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | (cp >> 12));
		b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, b, 3);
	} else {
		b[0] = (char)(0xf0 | (cp >> 18));
		b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[3] = (char)(0x80 | (cp & 0x3f));
		buf_add(out, b, 4);
	}
}

/* append the unescaped content of a scanned (so well-formed) string */
static void
unescape_into(const char *p, size_t len, struct buf *out)
{
	const char *end = p + len;

	while (p < end) {
		const char *bs = memchr(p, '\\', (size_t)(end - p));
		unsigned cp;

		if (bs == NULL) {
			buf_add(out, p, (size_t)(end - p));
			return;
		}
		buf_add(out, p, (size_t)(bs - p));
		p = bs + 2;
		switch (bs[1]) {
		case 'b': buf_addc(out, '\b'); continue;
		case 'f': buf_addc(out, '\f'); continue;
		case 'n': buf_addc(out, '\n'); continue;
		case 'r': buf_addc(out, '\r'); continue;
		case 't': buf_addc(out, '\t'); continue;
		case 'u': break;
		default: buf_addc(out, bs[1]); continue;
		}
		cp = hex_value(bs + 2);
		p = bs + 6;
		/* the scanner let a high surrogate through only with its low one */
		if (cp >= 0xd800 && cp <= 0xdbff) {
			cp = 0x10000 + ((cp - 0xd800) << 10) +
			    (hex_value(p + 2) - 0xdc00);
			p += 6;
		}
		add_utf8(out, cp);
	}
}

const char *
json_string(const struct json_value *v, struct buf *scratch, size_t *len)
{
	const char *body = v->raw + 1;
	size_t n = v->raw_len - 2;

	if (memchr(body, '\\', n) == NULL) {
		*len = n;
		return body;
	}
	buf_reset(scratch);
	unescape_into(body, n, scratch);
	*len = scratch->len;
	return buf_str(scratch);
}

int
json_array_next(const struct json_value *array, size_t *pos,
    struct json_value *elem)
{
	struct scan s;

	if (array->type != JSON_ARRAY || !scan_next_item(array, *pos, &s))
		return 0;
	if (scan_value(&s, elem) < 0)
		return 0;
	*pos = (size_t)(s.p - array->raw);
	return 1;
}

void
json_text(const struct json_value *v, struct buf *out)
{
	struct json_value elem;
	size_t pos = 0;
	int first = 1;

	switch (v->type) {
	case JSON_ABSENT:
	case JSON_NULL:
		return;
	case JSON_STRING:
		unescape_into(v->raw + 1, v->raw_len - 2, out);
		return;
	case JSON_ARRAY:
		while (json_array_next(v, &pos, &elem)) {
			if (!first)
				buf_addc(out, ',');
			first = 0;
			json_text(&elem, out);
		}
		return;
	default:
		buf_add(out, v->raw, v->raw_len);
	}
}

void
json_compact(const struct json_value *v, struct buf *out)
{
	const char *p = v->raw, *end = v->raw + v->raw_len;

	if (v->type != JSON_ARRAY && v->type != JSON_OBJECT) {
		buf_add(out, v->raw, v->raw_len);
		return;
	}
	while (p < end) {
		const char *run = p;

		if (*p == '"') {
			/* copy the string whole; a scanned string is well formed */
			for (p++; *p != '"'; p++)
				if (*p == '\\')
					p++;
			p++;
			buf_add(out, run, (size_t)(p - run));
			continue;
		}
		while (p < end && *p != '"' && *p != ' ' && *p != '\t' &&
		    *p != '\n' && *p != '\r')
			p++;
		buf_add(out, run, (size_t)(p - run));
		while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' ||
		    *p == '\r'))
			p++;
	}
}

int
priority_parse(const char *s, size_t len)
{
	int i;

	if (len == 4 && strncasecmp(s, "info", 4) == 0)
		return 1;
	for (i = 0; i < 8; i++)
		if (strlen(priority_names[i]) == len &&
		    strncasecmp(priority_names[i], s, len) == 0)
			return i;
	return -1;
}

const char *
priority_name(int severity)
{
	if (severity < 0 || severity > 7)
		return NULL;
	return priority_names[severity];
}

int
alert_severity(struct alert *a)
{
	struct json_value v = alert_field(a, "priority", 8);
	const char *s;
	size_t len;

	if (v.type != JSON_STRING)
		return -1;
	s = json_string(&v, &a->scratch, &len);
	return priority_parse(s, len);
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
time_parse_ns(const char *s, size_t len, long long *ns)
{
	int year, mon, day, hour, min, sec, off = 0;
	long long fraction = 0, scale = 1000000000LL, seconds;
	size_t i = 19;
	struct tm tm;

	if (len < 20 || digits(s, 4, &year) || s[4] != '-' ||
	    digits(s + 5, 2, &mon) || s[7] != '-' || digits(s + 8, 2, &day) ||
	    (s[10] != 'T' && s[10] != 't' && s[10] != ' ') ||
	    digits(s + 11, 2, &hour) || s[13] != ':' ||
	    digits(s + 14, 2, &min) || s[16] != ':' || digits(s + 17, 2, &sec))
		return -1;
	if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 ||
	    min > 59 || sec > 60)
		return -1;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (scale > 1) {
				scale /= 10;
				fraction += (s[i] - '0') * scale;
			}
		}
	}
	if (i == len)
		return -1;
	if ((s[i] == 'Z' || s[i] == 'z') && i + 1 == len) {
		off = 0;
	} else if ((s[i] == '+' || s[i] == '-') && i + 6 == len &&
	    s[i + 3] == ':') {
		int oh, om;

		if (digits(s + i + 1, 2, &oh) || digits(s + i + 4, 2, &om))
			return -1;
		off = (oh * 60 + om) * 60 * (s[i] == '-' ? -1 : 1);
	} else {
		return -1;
	}
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = year - 1900;
	tm.tm_mon = mon - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = min;
	tm.tm_sec = sec;
	seconds = (long long)timegm(&tm) - off;
	/* nanoseconds since 1970 fit an int64 only from 1677 to 2262 */
	if (seconds > LLONG_MAX / 1000000000LL - 1 ||
	    seconds < LLONG_MIN / 1000000000LL + 1)
		return -1;
	*ns = seconds * 1000000000LL + fraction;
	return 0;
}

int
alert_time_ns(struct alert *a, long long *ns)
{
	struct json_value v = alert_field(a, "time", 4);
	const char *s;
	size_t len;

	if (v.type != JSON_STRING)
		return -1;
	s = json_string(&v, &a->scratch, &len);
	return time_parse_ns(s, len, ns);
}

void
json_splice_member(const char *line, size_t len, const char *key,
    const char *value_json, struct buf *out)
{
	size_t brace = len, before;

	while (brace > 0 && line[brace - 1] != '}')
		brace--;
	if (brace == 0) {
		buf_add(out, line, len);
		return;
	}
	brace--;
	before = brace;
	while (before > 0 && (line[before - 1] == ' ' ||
	    line[before - 1] == '\t' || line[before - 1] == '\n' ||
	    line[before - 1] == '\r'))
		before--;
	buf_add(out, line, brace);
	if (before > 0 && line[before - 1] != '{')
		buf_addc(out, ',');
	buf_addc(out, '"');
	buf_add_json_escaped(out, key, strlen(key));
	buf_adds(out, "\":");
	buf_adds(out, value_json);
	buf_add(out, line + brace, len - brace);
}
