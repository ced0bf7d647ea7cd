/*
 * cond.c: Falco's condition language over alert fields (see cond.h).
 *
 * The text is parsed once into a tree whose leaves ("checks") hold the
 * field name, the operator and every value already decoded: numbers
 * parsed, priorities turned into severities, regexes compiled, globs
 * NUL-terminated. cond_eval only reads that tree, so one struct cond can
 * serve several threads, and the common paths allocate nothing.
 *
 * Grammar (libsinsp filter/parser.h, reference §2.1):
 *   or    = and { "or" and }
 *   and   = not { "and" not }
 *   not   = "not" not | primary
 *   primary = "(" or ")" | field operator [value | list]
 */
#include <ctype.h>
#include <err.h>
#include <errno.h>
#include <fnmatch.h>
#include <inttypes.h>
#include <math.h>
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "cond.h"
#include "exitcode.h"
#include "xalloc.h"

/* Falco's rule loader allows 1000 levels (libsinsp's own default is 100). */
#define COND_MAX_DEPTH 1000

enum op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_IN, OP_INTERSECTS, OP_PMATCH,
	OP_CONTAINS, OP_ICONTAINS, OP_STARTSWITH, OP_ENDSWITH,
	OP_GLOB, OP_IGLOB, OP_REGEX, OP_EXISTS
};

enum arity { UNARY, SCALAR, SET };

static const struct {
	const char *name;
	enum op op;
	enum arity arity;
} operators[] = {
	{ "==", OP_EQ, SCALAR },
	{ "=", OP_EQ, SCALAR },
	{ "!=", OP_NE, SCALAR },
	{ "<=", OP_LE, SCALAR },
	{ "<", OP_LT, SCALAR },
	{ ">=", OP_GE, SCALAR },
	{ ">", OP_GT, SCALAR },
	{ "in", OP_IN, SET },
	{ "intersects", OP_INTERSECTS, SET },
	{ "pmatch", OP_PMATCH, SET },
	{ "contains", OP_CONTAINS, SCALAR },
	{ "icontains", OP_ICONTAINS, SCALAR },
	{ "startswith", OP_STARTSWITH, SCALAR },
	{ "endswith", OP_ENDSWITH, SCALAR },
	{ "glob", OP_GLOB, SCALAR },
	{ "iglob", OP_IGLOB, SCALAR },
	{ "regex", OP_REGEX, SCALAR },
	{ "exists", OP_EXISTS, UNARY },
	{ NULL, OP_EQ, UNARY }
};

/* Keys Falco writes at the top level of an alert, fields without a dot. */
static const char *const top_level_fields[] = {
	"rule", "priority", "source", "hostname", "output", "time", "tags",
	"uuid", "message", NULL
};

enum number_kind { NOT_NUMBER, NUMBER_INT, NUMBER_DOUBLE };

struct number {
	enum number_kind kind;
	int64_t i;
	double d;
};

struct value {
	char *text;		/* NUL-terminated; may hold a \x00 */
	size_t len;
	struct number number;
	int severity;		/* when the field is priority */
};

struct check {
	char *field;
	size_t field_len;
	enum op op;
	int by_severity;	/* field "priority" under a comparison */
	struct value *values;
	size_t nvalues, values_cap;
	regex_t regex;		/* OP_REGEX only */
};

enum node_kind { NODE_OR, NODE_AND, NODE_NOT, NODE_CHECK };

struct cond {
	enum node_kind kind;
	struct cond **children;	/* OR, AND: n; NOT: 1 */
	size_t nchildren, children_cap;
	struct check *check;
};

struct parser {
	const char *text;
	const char *p;
	const struct lists *lists;
	struct cond_error *error;
	int depth;
	int failed;
};

static struct cond *parse_or(struct parser *ps);

/* ---- errors ---- */

static void __attribute__((format(printf, 3, 4)))
fail_at(struct parser *ps, const char *where, const char *fmt, ...)
{
	va_list ap;

	if (ps->failed)
		return;
	ps->failed = 1;
	ps->error->column = (size_t)(where - ps->text) + 1;
	va_start(ap, fmt);
	vsnprintf(ps->error->message, sizeof(ps->error->message), fmt, ap);
	va_end(ap);
}

/* a token quoted for a message, shortened so the message stays readable */
static int
shown_len(size_t len)
{
	return len > 64 ? 64 : (int)len;
}

struct cond *
cond_compile(const char *text, const struct lists *lists)
{
	struct cond_error error;
	struct cond *c = cond_parse(text, lists, &error);

	if (c == NULL) {
		cond_error_report(text, &error);
		exit(EXIT_USAGE);
	}
	return c;
}

void
cond_error_report(const char *text, const struct cond_error *error)
{
	size_t i, len = strlen(text);

	fprintf(stderr, "%s: condition: column %zu: %s\n",
	    program_invocation_short_name, error->column, error->message);
	fputs("  ", stderr);
	for (i = 0; i < len; i++)
		fputc(text[i] == '\n' || text[i] == '\r' ? ' ' : text[i],
		    stderr);
	fputs("\n  ", stderr);
	/* tabs are repeated so the caret lines up in a terminal */
	for (i = 0; i + 1 < error->column && i < len; i++)
		fputc(text[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
}

/* ---- tree ---- */

static void
check_free(struct check *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->nvalues; i++)
		free(k->values[i].text);
	free(k->values);
	if (k->op == OP_REGEX && k->nvalues == 1)
		regfree(&k->regex);
	free(k->field);
	free(k);
}

void
cond_free(struct cond *c)
{
	size_t i;

	if (c == NULL)
		return;
	for (i = 0; i < c->nchildren; i++)
		cond_free(c->children[i]);
	free(c->children);
	check_free(c->check);
	free(c);
}

static struct cond *
node_new(enum node_kind kind)
{
	struct cond *c = xcalloc(1, sizeof(*c));

	c->kind = kind;
	return c;
}

static void
node_add(struct cond *c, struct cond *child)
{
	c->children = xgrow(c->children, &c->children_cap, c->nchildren + 1,
	    sizeof(*c->children));
	c->children[c->nchildren++] = child;
}

/* ---- numbers ---- */

/*
 * Falco's number token: [+-]?[0-9]+[.]?[0-9]*([eE][+-]?[0-9]+)?. Exact
 * as int64 when it is an integer in range, else a double, so evt.time
 * (nanoseconds, beyond 2^53) compares exactly.
 */
static struct number
number_parse(const char *s, size_t len)
{
	struct number n = { NOT_NUMBER, 0, 0 };
	char copy[64];
	size_t i = 0, digits = 0;
	int integer = 1, negative = 0;
	uint64_t magnitude = 0;

	if (i < len && (s[i] == '+' || s[i] == '-'))
		negative = s[i++] == '-';
	for (; i < len && isdigit((unsigned char)s[i]); i++, digits++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (magnitude > (UINT64_MAX - d) / 10)
			integer = 0;
		else
			magnitude = magnitude * 10 + d;
	}
	if (digits == 0)
		return n;
	if (i < len && s[i] == '.') {
		integer = 0;
		for (i++; i < len && isdigit((unsigned char)s[i]); i++)
			;
	}
	if (i < len && (s[i] == 'e' || s[i] == 'E')) {
		size_t exponent_digits = 0;

		integer = 0;
		i++;
		if (i < len && (s[i] == '+' || s[i] == '-'))
			i++;
		for (; i < len && isdigit((unsigned char)s[i]); i++)
			exponent_digits++;
		if (exponent_digits == 0)
			return n;
	}
	if (i != len)
		return n;
	if (integer && !negative && magnitude <= INT64_MAX) {
		n.kind = NUMBER_INT;
		n.i = (int64_t)magnitude;
		return n;
	}
	if (integer && negative && magnitude <= (uint64_t)INT64_MAX + 1) {
		n.kind = NUMBER_INT;
		n.i = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)magnitude;
		return n;
	}
	if (len >= sizeof(copy))
		return n;
	memcpy(copy, s, len);
	copy[len] = '\0';
	n.d = strtod(copy, NULL);
	n.kind = NUMBER_DOUBLE;
	return n;
}

static double
number_double(const struct number *n)
{
	return n->kind == NUMBER_INT ? (double)n->i : n->d;
}

/* <0, 0, >0; both are numbers */
static int
number_compare(const struct number *a, const struct number *b)
{
	double x, y;

	if (a->kind == NUMBER_INT && b->kind == NUMBER_INT)
		return (a->i > b->i) - (a->i < b->i);
	x = number_double(a);
	y = number_double(b);
	return (x > y) - (x < y);
}

/* ---- evaluation ---- */

/*
 * One extracted value as text: a string unescaped, any other JSON
 * token (number, true, false, object) as its bytes.
 */
struct subject {
	const char *s;
	size_t len;
	enum json_type type;
};

static struct subject
subject_of(const struct json_value *v, struct buf *scratch)
{
	struct subject sub;

	sub.type = v->type;
	if (v->type == JSON_STRING) {
		sub.s = json_string(v, scratch, &sub.len);
		return sub;
	}
	sub.s = v->raw;
	sub.len = v->raw_len;
	return sub;
}

static int
bytes_compare(const char *a, size_t alen, const char *b, size_t blen)
{
	int r = memcmp(a, b, alen < blen ? alen : blen);

	if (r != 0)
		return r;
	return (alen > blen) - (alen < blen);
}

/*
 * Compare a subject with a value: by severity for priority, as numbers
 * when both sides are numbers, else byte-wise (strcmp order). *ok is 0
 * when the two cannot be ordered (an unknown priority in the alert).
 */
static int
subject_compare(const struct check *k, const struct subject *sub,
    const struct value *v, int *ok)
{
	*ok = 1;
	if (k->by_severity) {
		int severity = sub->type == JSON_STRING ?
		    priority_parse(sub->s, sub->len) : -1;

		if (severity < 0) {
			*ok = 0;
			return 0;
		}
		return (severity > v->severity) - (severity < v->severity);
	}
	if (v->number.kind != NOT_NUMBER &&
	    (sub->type == JSON_NUMBER || sub->type == JSON_STRING)) {
		struct number n = number_parse(sub->s, sub->len);

		if (n.kind != NOT_NUMBER)
			return number_compare(&n, &v->number);
	}
	return bytes_compare(sub->s, sub->len, v->text, v->len);
}

static int
subject_equals(const struct check *k, const struct subject *sub,
    const struct value *v)
{
	int ok, r = subject_compare(k, sub, v, &ok);

	return ok && r == 0;
}

static int
in_set(const struct check *k, const struct subject *sub)
{
	size_t i;

	for (i = 0; i < k->nvalues; i++)
		if (subject_equals(k, sub, &k->values[i]))
			return 1;
	return 0;
}

static const char *
memcasemem(const char *hay, size_t hlen, const char *needle, size_t nlen)
{
	size_t i, j;

	if (nlen == 0)
		return hay;
	for (i = 0; i + nlen <= hlen; i++) {
		for (j = 0; j < nlen; j++)
			if (tolower((unsigned char)hay[i + j]) !=
			    tolower((unsigned char)needle[j]))
				break;
		if (j == nlen)
			return hay + i;
	}
	return NULL;
}

/*
 * fnmatch and regexec want a C string; values up to this size are
 * copied on the stack so that evaluation does not allocate.
 */
#define STACK_COPY 1024

static char *
cstring(const struct subject *sub, char *local)
{
	char *copy = sub->len < STACK_COPY ? local : xmalloc(sub->len + 1);

	memcpy(copy, sub->s, sub->len);
	copy[sub->len] = '\0';
	return copy;
}

static void
cstring_free(char *copy, char *local)
{
	if (copy != local)
		free(copy);
}

static int
glob_matches(const struct check *k, const struct subject *sub)
{
	char local[STACK_COPY], *s = cstring(sub, local);
	int flags = k->op == OP_IGLOB ? FNM_CASEFOLD : 0;
	int matched = fnmatch(k->values[0].text, s, flags) == 0;

	cstring_free(s, local);
	return matched;
}

static int
regex_matches(const struct check *k, const struct subject *sub)
{
	char local[STACK_COPY], *s = cstring(sub, local);
	regmatch_t range[1];
	int matched;

	/* REG_STARTEND: a value holding a NUL byte is matched whole */
	range[0].rm_so = 0;
	range[0].rm_eo = (regoff_t)sub->len;
	matched = regexec(&k->regex, s, 1, range, REG_STARTEND) == 0;
	cstring_free(s, local);
	return matched;
}

/*
 * pmatch: the value is one of the paths or below it, on whole
 * components (/tmp/hello matches /tmp/hello/x, not /tmp/hello_world).
 * FNM_LEADING_DIR is exactly that; FNM_PATHNAME keeps a glob inside its
 * component.
 */
static int
pmatch_matches(const struct check *k, const struct subject *sub)
{
	char local[STACK_COPY], *s = cstring(sub, local);
	size_t i;
	int matched = 0;

	for (i = 0; i < k->nvalues && !matched; i++) {
		const char *prefix = k->values[i].text;

		if (prefix[0] == '/' && prefix[1] == '\0')
			matched = s[0] == '/';
		else
			matched = fnmatch(prefix, s,
			    FNM_PATHNAME | FNM_LEADING_DIR) == 0;
	}
	cstring_free(s, local);
	return matched;
}

/* one scalar subject against the check */
static int
subject_matches(const struct check *k, const struct subject *sub)
{
	const struct value *v = k->values;
	int ok, r;

	switch (k->op) {
	case OP_EQ:
		return subject_equals(k, sub, v);
	case OP_NE:
		r = subject_compare(k, sub, v, &ok);
		return ok && r != 0;
	case OP_LT:
		r = subject_compare(k, sub, v, &ok);
		return ok && r < 0;
	case OP_LE:
		r = subject_compare(k, sub, v, &ok);
		return ok && r <= 0;
	case OP_GT:
		r = subject_compare(k, sub, v, &ok);
		return ok && r > 0;
	case OP_GE:
		r = subject_compare(k, sub, v, &ok);
		return ok && r >= 0;
	case OP_IN:
	case OP_INTERSECTS:
		return in_set(k, sub);
	case OP_PMATCH:
		return pmatch_matches(k, sub);
	case OP_CONTAINS:
		return memmem(sub->s, sub->len, v->text, v->len) != NULL;
	case OP_ICONTAINS:
		return memcasemem(sub->s, sub->len, v->text, v->len) != NULL;
	case OP_STARTSWITH:
		return sub->len >= v->len && memcmp(sub->s, v->text,
		    v->len) == 0;
	case OP_ENDSWITH:
		return sub->len >= v->len && memcmp(sub->s + sub->len -
		    v->len, v->text, v->len) == 0;
	case OP_GLOB:
	case OP_IGLOB:
		return glob_matches(k, sub);
	case OP_REGEX:
		return regex_matches(k, sub);
	case OP_EXISTS:
		return 1;
	}
	return 0;
}

/*
 * A list field (tags, any JSON array), as in Falco: "contains X" holds
 * when an element is X, "in (...)" when every element is in the set,
 * "intersects (...)" when one is; every other operator holds when any
 * element satisfies it (so "tags != x" means some tag is not x). An
 * empty list extracts no value: false, as a missing field.
 */
static int
list_matches(const struct check *k, const struct json_value *array,
    struct buf *scratch)
{
	struct json_value elem;
	struct subject sub;
	size_t pos = 0;
	int any = 0, all = 1, seen = 0;

	while (json_array_next(array, &pos, &elem)) {
		int hit;

		if (elem.type == JSON_NULL)
			continue;
		seen = 1;
		sub = subject_of(&elem, scratch);
		if (k->op == OP_CONTAINS)
			hit = subject_equals(k, &sub, k->values);
		else
			hit = subject_matches(k, &sub);
		if (hit)
			any = 1;
		else
			all = 0;
		if (k->op == OP_IN ? !all : any)
			break;
	}
	if (!seen)
		return 0;
	return k->op == OP_IN ? all : any;
}

static int
check_eval(const struct check *k, struct alert *a)
{
	struct json_value v = alert_field(a, k->field, k->field_len);
	struct subject sub;

	/* absent or null: false whatever the operator (reference §2.4) */
	if (v.type == JSON_ABSENT || v.type == JSON_NULL)
		return 0;
	if (k->op == OP_EXISTS)
		return 1;
	if (v.type == JSON_ARRAY)
		return list_matches(k, &v, &a->scratch);
	sub = subject_of(&v, &a->scratch);
	return subject_matches(k, &sub);
}

int
cond_eval(const struct cond *c, struct alert *a)
{
	size_t i;

	switch (c->kind) {
	case NODE_CHECK:
		return check_eval(c->check, a);
	case NODE_NOT:
		return !cond_eval(c->children[0], a);
	case NODE_AND:
		for (i = 0; i < c->nchildren; i++)
			if (!cond_eval(c->children[i], a))
				return 0;
		return 1;
	case NODE_OR:
		for (i = 0; i < c->nchildren; i++)
			if (cond_eval(c->children[i], a))
				return 1;
		return 0;
	}
	return 0;
}

/* ---- lexing ---- */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\b' ||
	    c == '\f' || c == '\v';
}

static void
skip_blanks(struct parser *ps)
{
	while (is_blank(*ps->p))
		ps->p++;
}

static int
is_identifier_start(char c)
{
	return isalpha((unsigned char)c);
}

static int
is_identifier_char(char c)
{
	return isalnum((unsigned char)c) || c == '_';
}

/* [^ \b\t\n\r(),="']: the characters of a bare value */
static int
is_bare_char(char c)
{
	return c != '\0' && !is_blank(c) && strchr("(),=\"'", c) == NULL;
}

/* length of an identifier at s, 0 if none */
static size_t
identifier_length(const char *s)
{
	size_t n = 0;

	if (!is_identifier_start(s[0]))
		return 0;
	while (is_identifier_char(s[n]))
		n++;
	return n;
}

/* the keyword at p, followed by a blank, '(' or the end (not a field) */
static int
at_keyword(const char *p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(p, word, n) != 0)
		return 0;
	return p[n] == '\0' || p[n] == '(' || is_blank(p[n]);
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A quoted string at *pp (its opening quote), Falco's escapes:
 * \b \f \n \r \t \\ \/, the string's own quote, \xHH. Decoded into out;
 * on error, -1 with *bad at the offending character and the reason in
 * problem.
 */
static int
quoted_parse(const char **pp, struct buf *out, const char **bad,
    char *problem, size_t size)
{
	const char *p = *pp, *start = p;
	char quote = *p++;
	int hi, lo;

	for (; *p != quote; p++) {
		if (*p == '\0' || (*p == '\\' && p[1] == '\0')) {
			*bad = start;
			snprintf(problem, size, "unterminated string");
			return -1;
		}
		if (*p != '\\') {
			buf_addc(out, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'b': buf_addc(out, '\b'); continue;
		case 'f': buf_addc(out, '\f'); continue;
		case 'n': buf_addc(out, '\n'); continue;
		case 'r': buf_addc(out, '\r'); continue;
		case 't': buf_addc(out, '\t'); continue;
		case '\\': buf_addc(out, '\\'); continue;
		case '/': buf_addc(out, '/'); continue;
		case 'x':
			hi = hex_digit(p[1]);
			lo = hi < 0 ? -1 : hex_digit(p[2]);
			if (lo < 0) {
				*bad = p - 1;
				snprintf(problem, size, "invalid escape '\\x': "
				    "two hex digits expected");
				return -1;
			}
			buf_addc(out, (char)(hi * 16 + lo));
			p += 2;
			continue;
		default:
			if (*p == quote) {
				buf_addc(out, quote);
				continue;
			}
			*bad = p - 1;
			snprintf(problem, size, "invalid escape '\\%c'", *p);
			return -1;
		}
	}
	*pp = p + 1;
	return 0;
}

/* ---- values ---- */

static void
value_init(struct value *v, const char *text, size_t len)
{
	v->text = xmalloc(len + 1);
	memcpy(v->text, text, len);
	v->text[len] = '\0';
	v->len = len;
	v->number = number_parse(text, len);
	v->severity = -1;
}

static void
check_add_value(struct check *k, const char *text, size_t len)
{
	k->values = xgrow(k->values, &k->values_cap, k->nvalues + 1,
	    sizeof(*k->values));
	value_init(&k->values[k->nvalues++], text, len);
}

/*
 * A value at ps->p: quoted, or bare. Appended to k. Returns 0, or -1
 * when there is none (nothing consumed) or on a bad string (error set).
 */
static int
value_parse(struct parser *ps, struct check *k)
{
	struct buf text = BUF_INIT;
	const char *bad;
	char problem[128];

	if (*ps->p == '"' || *ps->p == '\'') {
		if (quoted_parse(&ps->p, &text, &bad, problem,
		    sizeof(problem)) < 0) {
			fail_at(ps, bad, "%s", problem);
			buf_free(&text);
			return -1;
		}
		check_add_value(k, buf_str(&text), text.len);
		buf_free(&text);
		return 0;
	}
	if (!is_bare_char(*ps->p))
		return -1;
	{
		const char *start = ps->p;

		while (is_bare_char(*ps->p))
			ps->p++;
		check_add_value(k, start, (size_t)(ps->p - start));
	}
	return 0;
}

/*
 * One item of a rules-file list, tokenised as Falco's textual
 * substitution would: a quoted item is a quoted condition token
 * (YAML '"10.0.0.0/8"' is 10.0.0.0/8), anything else is taken as written
 * (Falco quotes items holding a space; runc:[0:PARENT] stays bare).
 */
static int
list_item_add(struct parser *ps, struct check *k, const char *where,
    const char *list, size_t list_len, const char *item)
{
	struct buf text = BUF_INIT;
	const char *p = item, *bad;
	char problem[128];
	int rc;

	if (*item != '"' && *item != '\'') {
		check_add_value(k, item, strlen(item));
		return 0;
	}
	rc = quoted_parse(&p, &text, &bad, problem, sizeof(problem));
	while (rc == 0 && is_blank(*p))
		p++;
	if (rc == 0 && *p != '\0') {
		snprintf(problem, sizeof(problem),
		    "text after the closing quote");
		rc = -1;
	}
	if (rc < 0) {
		fail_at(ps, where, "list '%.*s': item %s: %s",
		    (int)list_len, list, item, problem);
		buf_free(&text);
		return -1;
	}
	check_add_value(k, buf_str(&text), text.len);
	buf_free(&text);
	return 0;
}

/*
 * An identifier at ps->p naming a list from the rules files: its items
 * are added to k. 1 when expanded, 0 when the word is no list name,
 * -1 on error.
 */
static int
named_list_expand(struct parser *ps, struct check *k)
{
	const char *start = ps->p;
	const char *const *items;
	size_t i, n, count;

	n = identifier_length(start);
	if (n == 0 || ps->lists == NULL || is_bare_char(start[n]))
		return 0;
	items = lists_find(ps->lists, start, n, &count);
	if (items == NULL)
		return 0;
	for (i = 0; i < count; i++)
		if (list_item_add(ps, k, start, start, n, items[i]) < 0)
			return -1;
	ps->p = start + n;
	return 1;
}

/* "(a, b, list_name, 'c d')" or a list name alone */
static int
set_parse(struct parser *ps, struct check *k, const char *op, size_t op_len)
{
	const char *open;
	int r;

	skip_blanks(ps);
	if (*ps->p != '(') {
		r = named_list_expand(ps, k);
		if (r != 0)
			return r > 0 ? 0 : -1;
		if (identifier_length(ps->p) > 0) {
			size_t n = identifier_length(ps->p);

			fail_at(ps, ps->p, "undefined list '%.*s'",
			    shown_len(n), ps->p);
		} else {
			fail_at(ps, ps->p, "expected '(' after '%.*s'",
			    (int)op_len, op);
		}
		return -1;
	}
	open = ps->p++;
	skip_blanks(ps);
	if (*ps->p == ')') {
		ps->p++;
		return 0;
	}
	for (;;) {
		skip_blanks(ps);
		r = named_list_expand(ps, k);
		if (r < 0)
			return -1;
		if (r == 0 && value_parse(ps, k) < 0) {
			if (*ps->p == '\0')
				fail_at(ps, open, "unbalanced parenthesis");
			else
				fail_at(ps, ps->p, "expected a value in the "
				    "list after '%.*s'", (int)op_len, op);
			return -1;
		}
		skip_blanks(ps);
		if (*ps->p == ')') {
			ps->p++;
			return 0;
		}
		if (*ps->p == '\0') {
			fail_at(ps, open, "unbalanced parenthesis");
			return -1;
		}
		if (*ps->p != ',') {
			fail_at(ps, ps->p, "expected ',' or ')' in the list");
			return -1;
		}
		ps->p++;
	}
}

/* ---- checks ---- */

static int
is_top_level_field(const char *s, size_t n)
{
	size_t i;

	for (i = 0; top_level_fields[i] != NULL; i++)
		if (strlen(top_level_fields[i]) == n &&
		    memcmp(top_level_fields[i], s, n) == 0)
			return 1;
	return 0;
}

/*
 * A field name at ps->p: a top-level name, or dotted identifiers with
 * an optional [argument], bare or quoted (ka.uri.param[command],
 * proc.aname[2]). The key looked up is the name with a bare argument.
 */
static int
field_parse(struct parser *ps, struct check *k)
{
	const char *start = ps->p, *p = ps->p;
	struct buf key = BUF_INIT;
	size_t n = identifier_length(p);
	int dotted = 0;

	p += n;
	while (*p == '.' && identifier_length(p + 1) > 0) {
		p += 1 + identifier_length(p + 1);
		dotted = 1;
	}
	if (!dotted && !is_top_level_field(start, n)) {
		fail_at(ps, start, "undefined list or macro '%.*s'",
		    shown_len(n), start);
		return -1;
	}
	buf_add(&key, start, (size_t)(p - start));
	if (dotted && *p == '[') {
		const char *open = p++;

		buf_addc(&key, '[');
		if (*p == '"' || *p == '\'') {
			const char *bad;
			char problem[128];

			if (quoted_parse(&p, &key, &bad, problem,
			    sizeof(problem)) < 0) {
				fail_at(ps, bad, "%s", problem);
				buf_free(&key);
				return -1;
			}
		} else {
			const char *arg = p;

			while (*p != '\0' && !is_blank(*p) &&
			    strchr("[]\"'", *p) == NULL)
				p++;
			buf_add(&key, arg, (size_t)(p - arg));
		}
		if (*p != ']') {
			fail_at(ps, open, "unterminated field argument");
			buf_free(&key);
			return -1;
		}
		buf_addc(&key, ']');
		p++;
	}
	k->field_len = key.len;
	k->field = xstrndup(buf_str(&key), key.len);
	buf_free(&key);
	ps->p = p;
	return 0;
}

/* the operator at ps->p; its index in operators[], -1 on error */
static int
operator_parse(struct parser *ps, const struct check *k)
{
	const char *start = ps->p;
	size_t i, n;

	if (*start != '\0' && strchr("=!<>", *start) != NULL) {
		for (i = 0; operators[i].name != NULL; i++) {
			n = strlen(operators[i].name);
			if (!isalpha((unsigned char)operators[i].name[0]) &&
			    strncmp(start, operators[i].name, n) == 0) {
				ps->p += n;
				return (int)i;
			}
		}
		fail_at(ps, start, "unknown operator '%c'", *start);
		return -1;
	}
	n = identifier_length(start);
	if (n == 0 || at_keyword(start, "and") || at_keyword(start, "or")) {
		fail_at(ps, start, "expected an operator after '%.*s'",
		    shown_len(k->field_len), k->field);
		return -1;
	}
	for (i = 0; operators[i].name != NULL; i++)
		if (strlen(operators[i].name) == n &&
		    memcmp(operators[i].name, start, n) == 0)
			break;
	if (operators[i].name == NULL) {
		fail_at(ps, start, "unknown operator '%.*s'", shown_len(n),
		    start);
		return -1;
	}
	/* word operators end at a blank; a set may open at once: in(a) */
	if (start[n] != '\0' && !is_blank(start[n]) &&
	    !(operators[i].arity == SET && start[n] == '(') &&
	    !(operators[i].arity == UNARY && start[n] == ')')) {
		n += strcspn(start + n, " \t\n\r()");
		fail_at(ps, start, "unknown operator '%.*s'", shown_len(n),
		    start);
		return -1;
	}
	ps->p += n;
	return (int)i;
}

static int
regex_compile(struct parser *ps, struct check *k, const char *where)
{
	struct buf pattern = BUF_INIT;
	char reason[128];
	int rc;

	/* a whole-value match, as Falco's RE2 FullMatch */
	buf_adds(&pattern, "^(");
	buf_add(&pattern, k->values[0].text, k->values[0].len);
	buf_adds(&pattern, ")$");
	rc = regcomp(&k->regex, buf_str(&pattern), REG_EXTENDED | REG_NOSUB);
	buf_free(&pattern);
	if (rc == 0)
		return 0;
	regerror(rc, &k->regex, reason, sizeof(reason));
	for (char *c = reason; *c != '\0'; c++)
		*c = (char)tolower((unsigned char)*c);
	fail_at(ps, where, "invalid regex: %s", reason);
	k->nvalues = 1;		/* check_free must not regfree */
	k->op = OP_EQ;
	return -1;
}

/* priority compares by severity: "priority >= warning" */
static int
severities_parse(struct parser *ps, struct check *k, const char *where)
{
	size_t i;

	for (i = 0; i < k->nvalues; i++) {
		struct value *v = &k->values[i];

		v->severity = priority_parse(v->text, v->len);
		if (v->severity < 0) {
			fail_at(ps, where, "unknown priority '%.*s'",
			    shown_len(v->len), v->text);
			return -1;
		}
	}
	k->by_severity = 1;
	return 0;
}

static int
compares_by_severity(enum op op)
{
	return op == OP_EQ || op == OP_NE || op == OP_LT || op == OP_LE ||
	    op == OP_GT || op == OP_GE || op == OP_IN || op == OP_INTERSECTS;
}

static int
check_values_parse(struct parser *ps, struct check *k, int index)
{
	const char *op = operators[index].name, *where = ps->p;
	size_t op_len = strlen(op);

	switch (operators[index].arity) {
	case UNARY:
		return 0;
	case SET:
		skip_blanks(ps);
		where = ps->p;
		if (set_parse(ps, k, op, op_len) < 0)
			return -1;
		break;
	case SCALAR:
		skip_blanks(ps);
		where = ps->p;
		if (value_parse(ps, k) < 0) {
			fail_at(ps, ps->p, "expected a value after '%s'", op);
			return -1;
		}
		break;
	}
	if (k->op == OP_REGEX && regex_compile(ps, k, where) < 0)
		return -1;
	if (k->op == OP_PMATCH)
		for (size_t i = 0; i < k->nvalues; i++)
			while (k->values[i].len > 1 &&
			    k->values[i].text[k->values[i].len - 1] == '/')
				k->values[i].text[--k->values[i].len] = '\0';
	if (strcmp(k->field, "priority") == 0 && compares_by_severity(k->op))
		return severities_parse(ps, k, where);
	return 0;
}

static struct cond *
check_parse(struct parser *ps)
{
	struct check *k = xcalloc(1, sizeof(*k));
	struct cond *c;
	int index;

	if (field_parse(ps, k) < 0)
		goto fail;
	skip_blanks(ps);
	index = operator_parse(ps, k);
	if (index < 0)
		goto fail;
	k->op = operators[index].op;
	if (check_values_parse(ps, k, index) < 0)
		goto fail;
	c = node_new(NODE_CHECK);
	c->check = k;
	return c;
fail:
	check_free(k);
	return NULL;
}

/* ---- expressions ---- */

static struct cond *
parse_primary(struct parser *ps)
{
	struct cond *c;
	const char *open;

	skip_blanks(ps);
	if (*ps->p == '(') {
		open = ps->p++;
		c = parse_or(ps);
		if (c == NULL)
			return NULL;
		skip_blanks(ps);
		if (*ps->p != ')') {
			if (*ps->p == '\0')
				fail_at(ps, open, "unbalanced parenthesis");
			else
				fail_at(ps, ps->p, "expected 'and', 'or' or "
				    "')'");
			cond_free(c);
			return NULL;
		}
		ps->p++;
		return c;
	}
	if (at_keyword(ps->p, "and") || at_keyword(ps->p, "or")) {
		fail_at(ps, ps->p, "expected a condition before '%s'",
		    ps->p[0] == 'a' ? "and" : "or");
		return NULL;
	}
	if (identifier_length(ps->p) > 0)
		return check_parse(ps);
	if (*ps->p == '\0')
		fail_at(ps, ps->p, ps->p == ps->text ? "empty condition" :
		    "expected a condition");
	else if (*ps->p == ')')
		fail_at(ps, ps->p, "unbalanced parenthesis");
	else
		fail_at(ps, ps->p, "expected a field name");
	return NULL;
}

static struct cond *
parse_not(struct parser *ps)
{
	struct cond *c, *inner;

	skip_blanks(ps);
	if (!at_keyword(ps->p, "not"))
		return parse_primary(ps);
	if (++ps->depth > COND_MAX_DEPTH) {
		fail_at(ps, ps->p, "nested more than %d deep", COND_MAX_DEPTH);
		return NULL;
	}
	ps->p += 3;
	inner = parse_not(ps);
	ps->depth--;
	if (inner == NULL)
		return NULL;
	c = node_new(NODE_NOT);
	node_add(c, inner);
	return c;
}

/* an and-chain or an or-chain: one node with every operand */
static struct cond *
parse_chain(struct parser *ps, const char *keyword, enum node_kind kind,
    struct cond *(*operand)(struct parser *))
{
	struct cond *first, *chain, *next;

	first = operand(ps);
	if (first == NULL)
		return NULL;
	skip_blanks(ps);
	if (!at_keyword(ps->p, keyword))
		return first;
	chain = node_new(kind);
	node_add(chain, first);
	while (skip_blanks(ps), at_keyword(ps->p, keyword)) {
		ps->p += strlen(keyword);
		next = operand(ps);
		if (next == NULL) {
			cond_free(chain);
			return NULL;
		}
		node_add(chain, next);
	}
	return chain;
}

static struct cond *
parse_and(struct parser *ps)
{
	return parse_chain(ps, "and", NODE_AND, parse_not);
}

static struct cond *
parse_or(struct parser *ps)
{
	struct cond *c;

	if (++ps->depth > COND_MAX_DEPTH) {
		fail_at(ps, ps->p, "nested more than %d deep", COND_MAX_DEPTH);
		return NULL;
	}
	c = parse_chain(ps, "or", NODE_OR, parse_and);
	ps->depth--;
	return c;
}

struct cond *
cond_parse(const char *text, const struct lists *lists,
    struct cond_error *error)
{
	struct parser ps = { text, text, lists, error, 0, 0 };
	struct cond *c;

	error->column = 0;
	error->message[0] = '\0';
	c = parse_or(&ps);
	if (c == NULL) {
		if (!ps.failed)
			fail_at(&ps, ps.p, "invalid condition");
		return NULL;
	}
	skip_blanks(&ps);
	if (*ps.p == '\0')
		return c;
	if (*ps.p == ')')
		fail_at(&ps, ps.p, "unbalanced parenthesis");
	else
		fail_at(&ps, ps.p, "expected 'and', 'or' or the end of the "
		    "condition");
	cond_free(c);
	return NULL;
}
