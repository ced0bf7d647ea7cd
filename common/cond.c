/*
 * cond.c: Falco's condition language over alert fields (see cond.h).
 *
 * The text is parsed once into a tree whose leaves ("checks") hold the
 * left operand (a field or Falco's transformers of fields, operand.c),
 * the operator with its modifier, and every value already decoded for
 * the field's type (compare.c): numbers parsed exactly, addresses and
 * networks parsed, priorities turned into severities, regexes compiled.
 * cond_eval only reads that tree, so one struct cond can serve several
 * threads, and a check on a plain field allocates nothing.
 *
 * Grammar (libsinsp filter/parser.h):
 *   or      = and { "or" and }
 *   and     = not { "and" not }
 *   not     = { "not" } check | "not(" or ")"
 *   check   = "(" or ")" | operand condition | macro
 *   condition = "exists" | numop number | strop [modifier list] value
 *             | listop list
 * where a value or list may also be val(field) or a transformer.
 */
#include <err.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "compare.h"
#include "cond.h"
#include "exitcode.h"
#include "fields.h"
#include "lex.h"
#include "operand.h"
#include "xalloc.h"

/* Falco's rule loader allows 1000 levels (libsinsp's own default is 100). */
#define COND_MAX_DEPTH 1000
/* how much of a long condition an error shows around the column */
#define SHOWN_AROUND 60

enum op_class { UNARY, NUMERIC, STRING, LIST };

enum modifier { MOD_NONE, MOD_ONEOF, MOD_ANYOF, MOD_ALLOF };

/* in libsinsp's order of trial: "<=" before "<", "intersects" before "in" */
static const struct {
	const char *name;
	enum op op;
	enum op_class class;
	int word;		/* a blank must follow */
} operators[] = {
	{ "exists", OP_EXISTS, UNARY, 0 },
	{ "<=", OP_LE, NUMERIC, 0 },
	{ "<", OP_LT, NUMERIC, 0 },
	{ ">=", OP_GE, NUMERIC, 0 },
	{ ">", OP_GT, NUMERIC, 0 },
	{ "==", OP_EQ, STRING, 0 },
	{ "=", OP_EQ, STRING, 0 },
	{ "!=", OP_NE, STRING, 0 },
	{ "glob", OP_GLOB, STRING, 1 },
	{ "iglob", OP_IGLOB, STRING, 1 },
	{ "contains", OP_CONTAINS, STRING, 1 },
	{ "icontains", OP_ICONTAINS, STRING, 1 },
	{ "bcontains", OP_BCONTAINS, STRING, 1 },
	{ "startswith", OP_STARTSWITH, STRING, 1 },
	{ "bstartswith", OP_BSTARTSWITH, STRING, 1 },
	{ "endswith", OP_ENDSWITH, STRING, 1 },
	{ "regex", OP_REGEX, STRING, 1 },
	{ "intersects", OP_INTERSECTS, LIST, 0 },
	{ "in", OP_IN, LIST, 0 },
	{ "pmatch", OP_PMATCH, LIST, 0 },
	{ NULL, OP_EQ, UNARY, 0 }
};

struct check {
	struct operand *lhs;
	const char *field;	/* lhs->text when lhs is a plain field */
	size_t field_len;
	int derive_time;	/* an event-time form the alert may lack */
	/* fd.ip, fd.net, fd.port: the client's or the server's */
	const char *either[2];
	struct comparison cmp;
	enum modifier mod;
	struct value *values;
	size_t nvalues, values_cap;
	struct operand *rhs;	/* val(field) or a transformer */
};

enum node_kind { NODE_OR, NODE_AND, NODE_NOT, NODE_CHECK };

struct cond {
	enum node_kind kind;
	struct cond **children;	/* OR, AND: n; NOT: 1 */
	size_t nchildren, children_cap;
	struct check *check;
};

struct parser {
	struct syntax sx;
	const struct lists *lists;
	size_t visible;		/* macros defined before this are visible */
	const char *const *macro_path;	/* for loops */
	size_t macro_depth;
};

static struct cond *parse_or(struct parser *ps);

/* ---- errors ---- */

#define fail_at(ps, where, ...) syntax_fail(&(ps)->sx, where, __VA_ARGS__)

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

static void
put_shown(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		fputc(s[i] == '\n' || s[i] == '\r' ? ' ' : s[i], stderr);
}

/*
 * A long condition (a generated one may be 100 KB) is shown only around
 * the column, with "..." for what is cut, and the caret under it.
 */
static int
is_operator_word(const char *w, size_t n)
{
	static const char *const ops[] = { "=", "==", "!=", "<", "<=", ">",
	    ">=", "contains", "icontains", "bcontains", "startswith",
	    "bstartswith", "endswith", "glob", "iglob", "regex", "pmatch",
	    NULL };
	size_t i;

	for (i = 0; ops[i] != NULL; i++)
		if (strlen(ops[i]) == n && memcmp(ops[i], w, n) == 0)
			return 1;
	return 0;
}

/*
 * "rule = Terminal shell in container" stops after "Terminal": when the
 * word before the error is a value after an operator, the likely fix is
 * quotes around the value up to the next and/or, so say so with the
 * condition as it should read.
 */
static void
suggest_quotes(const char *text, size_t column)
{
	size_t len = strlen(text), pos = column - 1, v, o, end;
	const char *next_and, *next_or;

	if (pos == 0 || pos > len)
		return;
	v = pos;
	while (v > 0 && text[v - 1] == ' ')
		v--;
	while (v > 0 && text[v - 1] != ' ')
		v--;		/* v: the value's first byte */
	o = v;
	while (o > 0 && text[o - 1] == ' ')
		o--;
	end = o;
	while (o > 0 && text[o - 1] != ' ')
		o--;		/* [o, end): the word before the value */
	if (v == o || !is_operator_word(text + o, end - o) ||
	    text[v] == '"' || text[v] == '\'' || text[v] == '(')
		return;
	next_and = strstr(text + pos, " and ");
	next_or = strstr(text + pos, " or ");
	end = len;
	if (next_and != NULL && (size_t)(next_and - text) < end)
		end = (size_t)(next_and - text);
	if (next_or != NULL && (size_t)(next_or - text) < end)
		end = (size_t)(next_or - text);
	if (end - v > 200)
		return;
	fprintf(stderr, "  a value with blanks needs quotes: %.*s\"%.*s\"%s\n",
	    (int)v, v > 200 ? "" : text, (int)(end - v), text + v,
	    end < len ? " ..." : "");
}

void
cond_error_report(const char *text, const struct cond_error *error)
{
	cond_error_report_at("condition", text, error);
}

void
cond_error_report_at(const char *where, const char *text,
    const struct cond_error *error)
{
	size_t len = strlen(text), column = error->column, from = 0, to = len;
	size_t i;

	fprintf(stderr, "%s: %s: column %zu: %s\n",
	    program_invocation_short_name, where, column, error->message);
	if (column > SHOWN_AROUND + 1)
		from = column - 1 - SHOWN_AROUND;
	if (len > column + SHOWN_AROUND)
		to = column + SHOWN_AROUND;
	fputs("  ", stderr);
	if (from > 0)
		fputs("...", stderr);
	put_shown(text + from, to - from);
	if (to < len)
		fputs("...", stderr);
	fputs("\n  ", stderr);
	if (from > 0)
		fputs("   ", stderr);
	/* tabs are repeated so the caret lines up in a terminal */
	for (i = from; i + 1 < column && i < len; i++)
		fputc(text[i] == '\t' ? '\t' : ' ', stderr);
	fputs("^\n", stderr);
	if (strncmp(error->message, "expected 'and', 'or'", 20) == 0)
		suggest_quotes(text, column);
}

/* ---- tree ---- */

static void
check_free(struct check *k)
{
	size_t i;

	if (k == NULL)
		return;
	for (i = 0; i < k->nvalues; i++) {
		free(k->values[i].text);
		regex_free(k->values[i].re);
	}
	free(k->values);
	operand_free(k->lhs);
	operand_free(k->rhs);
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

/* ---- values ---- */

static struct value *
check_add_value(struct check *k, const char *text, size_t len)
{
	struct value *v;

	k->values = xgrow(k->values, &k->values_cap, k->nvalues + 1,
	    sizeof(*k->values));
	v = &k->values[k->nvalues++];
	memset(v, 0, sizeof(*v));
	v->text = xmalloc(len + 1);
	memcpy(v->text, text, len);
	v->text[len] = '\0';
	v->len = len;
	return v;
}

/* ---- evaluation ---- */

/* a scalar subject against every value, with the modifier */
static int
scalar_matches(const struct check *k, const struct subject *sub,
    const struct value *values, size_t n)
{
	size_t i, hits = 0;

	if (k->mod == MOD_NONE) {
		if (k->cmp.op != OP_IN && k->cmp.op != OP_INTERSECTS &&
		    k->cmp.op != OP_PMATCH)
			return n > 0 && value_matches(&k->cmp, k->cmp.op, sub, values);
		for (i = 0; i < n; i++)
			if (value_matches(&k->cmp, k->cmp.op, sub, &values[i]))
				return 1;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!value_matches(&k->cmp, k->cmp.op, sub, &values[i])) {
			if (k->mod == MOD_ALLOF)
				return 0;
			continue;
		}
		if (++hits > 1 && k->mod == MOD_ONEOF)
			return 0;
		if (k->mod == MOD_ANYOF)
			return 1;
	}
	return k->mod == MOD_ONEOF ? hits == 1 : k->mod == MOD_ALLOF && n > 0;
}

/*
 * The elements of a list: a JSON array of the alert (decoded one at a
 * time into the alert's scratch) or values a transformer gave.
 */
struct elements {
	const struct check *k;
	struct alert *a;
	const struct json_value *array;
	const struct subject *subs;
	size_t n;
};

/* the next element from *pos on, prepared for the check; 0 at the end */
static int
element_next(const struct elements *e, size_t *pos, struct subject *sub)
{
	struct json_value elem;

	if (e->array == NULL) {
		if (*pos >= e->n)
			return 0;
		*sub = e->subs[(*pos)++];
		return 1;
	}
	do {
		if (!json_array_next(e->array, pos, &elem))
			return 0;
	} while (elem.type == JSON_NULL);
	sub->type = elem.type;
	if (elem.type == JSON_STRING) {
		sub->s = json_string(&elem, &e->a->scratch, &sub->len);
	} else {
		sub->s = elem.raw;
		sub->len = elem.raw_len;
	}
	subject_prepare(&e->k->cmp, sub);
	return 1;
}

/* some element satisfies op against v */
static int
element_holds(const struct elements *e, enum op op, const struct value *v)
{
	struct subject sub;
	size_t pos = 0;

	while (element_next(e, &pos, &sub))
		if (value_matches(&e->k->cmp, op, &sub, v))
			return 1;
	return 0;
}

/*
 * A list (a JSON array, a list field, a transformer's list), as in
 * Falco: "in" holds when every element is in the set, "intersects" when
 * one is, "contains X" when an element is X; any other operator holds
 * when an element satisfies it; with a modifier, that value by value.
 * An empty list satisfies nothing.
 */
static int
list_matches(const struct elements *e, const struct value *values, size_t n)
{
	const struct check *k = e->k;
	enum op op = k->cmp.op == OP_CONTAINS ? OP_EQ : k->cmp.op;
	struct subject sub;
	size_t pos = 0, i, hits = 0;
	int seen = 0;

	if (k->cmp.op == OP_IN) {
		while (element_next(e, &pos, &sub)) {
			seen = 1;
			for (i = 0; i < n; i++)
				if (subject_equals(&k->cmp, &sub, &values[i]))
					break;
			if (i == n)
				return 0;
		}
		return seen;
	}
	if (k->mod == MOD_NONE && op != OP_INTERSECTS && op != OP_PMATCH)
		return n > 0 && element_holds(e, op, values);
	if (k->mod == MOD_NONE) {
		/* one pass over the list, each element against the set */
		while (element_next(e, &pos, &sub))
			for (i = 0; i < n; i++)
				if (value_matches(&k->cmp, op, &sub, &values[i]))
					return 1;
		return 0;
	}
	for (i = 0; i < n; i++) {
		if (!element_holds(e, op, &values[i])) {
			if (k->mod == MOD_ALLOF)
				return 0;
			continue;
		}
		if (++hits > 1 && k->mod == MOD_ONEOF)
			return 0;
		if (k->mod == MOD_ANYOF)
			return 1;
	}
	return k->mod == MOD_ONEOF ? hits == 1 : k->mod == MOD_ALLOF && n > 0;
}

static int
json_matches(const struct check *k, struct alert *a,
    const struct json_value *v)
{
	struct subject sub;

	if (k->cmp.op == OP_EXISTS)
		return 1;
	if (v->type == JSON_ARRAY) {
		struct elements e = { k, a, v, NULL, 0 };

		return list_matches(&e, k->values, k->nvalues);
	}
	sub.type = v->type;
	if (v->type == JSON_STRING) {
		sub.s = json_string(v, &a->scratch, &sub.len);
	} else {
		sub.s = v->raw;
		sub.len = v->raw_len;
	}
	subject_prepare(&k->cmp, &sub);
	return scalar_matches(k, &sub, k->values, k->nvalues);
}

/* a derived event time: a number of nanoseconds */
static int
time_matches(const struct check *k, long long ns)
{
	char text[32];
	struct json_value v;

	v.type = JSON_NUMBER;
	v.raw = text;
	v.raw_len = (size_t)snprintf(text, sizeof(text), "%lld", ns);
	return k->cmp.op == OP_EXISTS || json_matches(k, NULL, &v);
}

/*
 * fd.ip, fd.net, fd.port hold for the client's or the server's value; a
 * negation (!=) for both, as libsinsp's compare_ip and compare_port.
 */
static int
either_matches(const struct check *k, struct alert *a)
{
	int seen = 0, hits = 0, i;

	for (i = 0; i < 2; i++) {
		struct json_value v = alert_field(a, k->either[i],
		    strlen(k->either[i]));

		if (v.type == JSON_ABSENT)
			continue;
		seen++;
		hits += json_matches(k, a, &v);
	}
	if (seen == 0)
		return 0;
	return k->cmp.op == OP_NE && k->mod == MOD_NONE ? hits == seen : hits > 0;
}

/* the field a check compares; NULL for a transformer's value */
static const struct field_info *
lhs_info(const struct check *k)
{
	return k->lhs->kind == OPERAND_FIELD ? k->lhs->info : NULL;
}

/* values of val(field) or a transformer, decoded for the check */
static size_t
values_from_items(const struct check *k, const struct items *it,
    struct value *out)
{
	char problem[160], text[64];
	size_t i, n = 0;

	for (i = 0; i < it->n; i++) {
		struct value *v = &out[n];

		memset(v, 0, sizeof(*v));
		v->text = (char *)(uintptr_t)it->v[i].s;
		v->len = it->v[i].len;
		v->severity = -1;
		if (k->cmp.kind == K_TEXT || k->cmp.kind == K_BYTES) {
			v->is_number = k->cmp.kind == K_TEXT &&
			    (it->v[i].type == JSON_NUMBER ||
			    it->v[i].type == JSON_STRING) &&
			    number_text(v->text, v->len, &v->number);
			n++;
			continue;
		}
		/* typed decoding reads a C string; longer ones are no number */
		if (v->len >= sizeof(text))
			continue;
		memcpy(text, v->text, v->len);
		text[v->len] = '\0';
		v->text = text;
		if (value_decode(&k->cmp, lhs_info(k), v, problem,
		    sizeof(problem)) == 0)
			n++;
		v->text = NULL;
	}
	return n;
}

/* a check whose left side is transformed or whose right side is a field */
static int
general_matches(const struct check *k, struct alert *a)
{
	struct arena *ar = operand_arena();
	struct items left, right;
	const struct value *values = k->values;
	struct value *decoded;
	struct subject *subs;
	struct elements e = { k, a, NULL, NULL, 0 };
	size_t nvalues = k->nvalues, i;

	if (!operand_eval(k->lhs, a, ar, &left))
		return 0;
	if (k->cmp.op == OP_EXISTS)
		return 1;
	if (k->rhs != NULL) {
		if (!operand_eval(k->rhs, a, ar, &right))
			return 0;
		decoded = operand_arena_alloc(ar, (right.n + 1) *
		    sizeof(*decoded));
		nvalues = values_from_items(k, &right, decoded);
		values = decoded;
	}
	subs = operand_arena_alloc(ar, (left.n + 1) * sizeof(*subs));
	for (i = 0; i < left.n; i++) {
		subs[i].s = left.v[i].s;
		subs[i].len = left.v[i].len;
		subs[i].type = left.v[i].type;
		subject_prepare(&k->cmp, &subs[i]);
	}
	if (left.is_list) {
		e.subs = subs;
		e.n = left.n;
		return list_matches(&e, values, nvalues);
	}
	return left.n > 0 && scalar_matches(k, &subs[0], values, nvalues);
}

static int
check_eval(const struct check *k, struct alert *a)
{
	struct json_value v;
	long long ns;

	if (k->field == NULL || k->rhs != NULL)
		return general_matches(k, a);
	v = alert_field(a, k->field, k->field_len);
	if (v.type != JSON_ABSENT)
		return json_matches(k, a, &v);
	if (k->either[0] != NULL)
		return either_matches(k, a);
	if (k->derive_time) {
		v = field_value(a, k->field, k->field_len, &ns);
		if (v.type != JSON_ABSENT)
			return time_matches(k, ns);
	}
	return 0;
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

/* ---- values in the text ---- */

/*
 * A value at ps->sx.p, quoted or bare, appended to k. Returns 0, or -1
 * when there is none (nothing consumed) or on a bad string (error set).
 */
static int
value_parse(struct parser *ps, struct check *k, const char **where)
{
	struct buf text = BUF_INIT;
	const char *bad;
	char problem[128];
	size_t n;

	*where = ps->sx.p;
	if (*ps->sx.p == '"' || *ps->sx.p == '\'') {
		if (lex_quoted(&ps->sx.p, &text, &bad, problem,
		    sizeof(problem)) < 0) {
			fail_at(ps, bad, "%s", problem);
			buf_free(&text);
			return -1;
		}
		check_add_value(k, text.len > 0 ? text.data : "", text.len);
		buf_free(&text);
		return 0;
	}
	n = lex_bare_string(ps->sx.p);
	if (n == 0)
		return -1;
	check_add_value(k, ps->sx.p, n);
	ps->sx.p += n;
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
	rc = lex_quoted(&p, &text, &bad, problem, sizeof(problem));
	while (rc == 0 && lex_is_blank(*p))
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
	check_add_value(k, text.len > 0 ? text.data : "", text.len);
	buf_free(&text);
	return 0;
}

/*
 * An identifier at ps->sx.p naming a list from the rules files: its
 * items are added to k. 1 when expanded, 0 when the word is no list
 * name, -1 on error.
 */
static int
named_list_expand(struct parser *ps, struct check *k)
{
	const char *start = ps->sx.p;
	const char *const *items;
	size_t i, n, count;

	n = lex_identifier(start);
	if (n == 0 || ps->lists == NULL || lex_bare_string(start) > n)
		return 0;
	items = lists_find(ps->lists, start, n, &count);
	if (items == NULL)
		return 0;
	for (i = 0; i < count; i++)
		if (list_item_add(ps, k, start, start, n, items[i]) < 0)
			return -1;
	ps->sx.p = start + n;
	return 1;
}

/* "(a, b, list_name, 'c d')" or a list name alone */
static int
set_parse(struct parser *ps, struct check *k, const char *op)
{
	const char *open, *where;
	size_t n;
	int r;

	ps->sx.p = lex_skip_blanks(ps->sx.p);
	if (*ps->sx.p != '(') {
		r = named_list_expand(ps, k);
		if (r != 0)
			return r > 0 ? 0 : -1;
		if ((n = lex_identifier(ps->sx.p)) > 0)
			fail_at(ps, ps->sx.p, "undefined list '%.*s'",
			    shown_len(n), ps->sx.p);
		else
			fail_at(ps, ps->sx.p, "expected '(' after '%s'", op);
		return -1;
	}
	open = ps->sx.p++;
	ps->sx.p = lex_skip_blanks(ps->sx.p);
	if (*ps->sx.p == ')') {
		ps->sx.p++;
		return 0;
	}
	for (;;) {
		ps->sx.p = lex_skip_blanks(ps->sx.p);
		r = named_list_expand(ps, k);
		if (r < 0)
			return -1;
		if (r == 0 && value_parse(ps, k, &where) < 0) {
			if (ps->sx.failed)
				return -1;
			if (*ps->sx.p == '\0')
				fail_at(ps, open, "unbalanced parenthesis");
			else
				fail_at(ps, ps->sx.p, "expected a value in the "
				    "list after '%s'", op);
			return -1;
		}
		ps->sx.p = lex_skip_blanks(ps->sx.p);
		if (*ps->sx.p == ')') {
			ps->sx.p++;
			return 0;
		}
		if (*ps->sx.p == '\0') {
			fail_at(ps, open, "unbalanced parenthesis");
			return -1;
		}
		if (*ps->sx.p != ',') {
			fail_at(ps, ps->sx.p, "expected ',' or ')' in the list");
			return -1;
		}
		ps->sx.p++;
	}
}

/* ---- checks ---- */

/* the operator at p, as libsinsp lexes it; its index, or -1 */
static int
operator_at(const char *p, size_t *len)
{
	size_t i, n;

	for (i = 0; operators[i].name != NULL; i++) {
		n = strlen(operators[i].name);
		if (strncmp(p, operators[i].name, n) != 0)
			continue;
		if (operators[i].word && !lex_is_blank(p[n]))
			continue;
		*len = n;
		return (int)i;
	}
	return -1;
}

/* libsinsp's flt_is_comparable: the operators each type takes */
static int
type_allows(const struct check *k, const struct operand *lhs, char *problem,
    size_t size)
{
	enum op op = k->cmp.op;
	const char *what;
	int ok;

	if (op == OP_EXISTS || lhs->type == FT_NONE)
		return 0;
	if (lhs->is_list == 1) {
		if (op == OP_IN || op == OP_INTERSECTS)
			return 0;
		snprintf(problem, size, "'%s' operator not supported list "
		    "filters", op_name(op));
		return -1;
	}
	switch (lhs->type) {
	case FT_STRING:
		ok = op != OP_BCONTAINS && op != OP_BSTARTSWITH;
		what = "string";
		break;
	case FT_BYTES:
		ok = op == OP_EQ || op == OP_NE || op == OP_CONTAINS ||
		    op == OP_IN || op == OP_STARTSWITH || op == OP_ENDSWITH ||
		    op == OP_INTERSECTS || op == OP_BCONTAINS ||
		    op == OP_BSTARTSWITH;
		what = "buffer";
		break;
	case FT_BOOL:
		ok = op == OP_EQ || op == OP_NE || op == OP_IN ||
		    op == OP_INTERSECTS;
		what = "numeric";
		break;
	case FT_IPADDR:
	case FT_IPNET:
		ok = op == OP_EQ || op == OP_NE || op == OP_IN ||
		    op == OP_INTERSECTS;
		if (!ok && k->mod != MOD_NONE) {
			snprintf(problem, size, "'%s' with modifier not "
			    "supported for ip address and network filters",
			    op_name(op));
			return -1;
		}
		what = "ip address and network";
		break;
	default:
		ok = op <= OP_INTERSECTS;
		what = "numeric";
		break;
	}
	if (ok)
		return 0;
	snprintf(problem, size, "'%s' operator not supported for %s filters",
	    op_name(op), what);
	return -1;
}

static enum kind
kind_of(const struct check *k, const struct operand *lhs, enum op_class class)
{
	if (lhs->kind == OPERAND_FIELD && lhs->len == 8 &&
	    memcmp(lhs->text, "priority", 8) == 0 && k->cmp.op <= OP_INTERSECTS)
		return K_SEVERITY;
	if (lhs->kind == OPERAND_FIELD && class == NUMERIC &&
	    field_is_event_time(lhs->text, lhs->len))
		return K_TIME;
	switch (lhs->type) {
	case FT_INT:
	case FT_UINT:
	case FT_ABSTIME:
	case FT_RELTIME:
	case FT_PORT:
	case FT_DOUBLE:
		return K_NUMBER;
	case FT_BOOL:
		return K_BOOL;
	case FT_IPADDR:
		return K_IPADDR;
	case FT_IPNET:
		return K_IPNET;
	case FT_BYTES:
		return K_BYTES;
	default:
		return K_TEXT;
	}
}

/* a value for a numeric operator: a number, or what the field allows */
static int
number_value_parse(struct parser *ps, struct check *k, const char **where)
{
	size_t n;

	*where = ps->sx.p;
	if (k->cmp.kind == K_SEVERITY || k->cmp.kind == K_TIME)
		return value_parse(ps, k, where);
	n = lex_number(ps->sx.p);
	if (n == 0)
		return -1;
	check_add_value(k, ps->sx.p, n);
	ps->sx.p += n;
	return 0;
}

/* what follows "oneof " and the rest can be a list: "(" or a name */
static int
modifier_at(struct parser *ps, enum modifier *mod)
{
	static const char *const names[] = { "oneof", "anyof", "allof" };
	const char *p = ps->sx.p, *after;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (strncmp(p, names[i], 5) != 0 || !lex_is_blank(p[5]))
			continue;
		after = lex_skip_blanks(p + 5);
		if (*after != '(' && lex_identifier(after) == 0)
			return 0;
		/* "== anyof and x" compares with the word anyof */
		if (strncmp(after, "and", 3) == 0 || strncmp(after, "or", 2) == 0 ||
		    strncmp(after, "not", 3) == 0) {
			size_t kw = after[0] == 'o' ? 2 : 3;

			if (!((after[kw] >= 'a' && after[kw] <= 'z') ||
			    (after[kw] >= 'A' && after[kw] <= 'Z') ||
			    (after[kw] >= '0' && after[kw] <= '9')))
				return 0;
		}
		*mod = (enum modifier)(i + 1);
		ps->sx.p = after;
		return 1;
	}
	return 0;
}

static int
rhs_operand_check(struct parser *ps, struct check *k, const char *where)
{
	const struct operand *l = k->lhs, *r = k->rhs;
	const char *ln = operand_name(l), *rn = operand_name(r);

	if (k->cmp.op == OP_PMATCH || k->cmp.op == OP_REGEX) {
		fail_at(ps, where, "operator '%s' doesn't support right-hand "
		    "side fields", k->cmp.op == OP_PMATCH ? "PMATCH" : "REGEX");
		return -1;
	}
	if (l->type == FT_IPNET) {
		fail_at(ps, where, "field type 'IPNET' doesn't support "
		    "right-hand side fields");
		return -1;
	}
	if (l->kind == OPERAND_FIELD && l->info != NULL &&
	    (l->info->flags & FF_NO_RHS)) {
		fail_at(ps, where, "field '%s' doesn't support right-hand side "
		    "fields", ln);
		return -1;
	}
	if (r->kind == OPERAND_TRANSFORM && r->args[0]->kind == OPERAND_FIELD &&
	    r->args[0]->info != NULL && (r->args[0]->info->flags & FF_NO_RHS)) {
		fail_at(ps, where, "field '%s' can't be used as a right-hand "
		    "side field", rn);
		return -1;
	}
	if (l->type != FT_NONE && r->type != FT_NONE && (l->type != r->type ||
	    (l->is_list == 1) != (r->is_list == 1))) {
		fail_at(ps, where, "field '%s' has type '%s%s' while the "
		    "right-hand side field '%s' has incompatible type '%s%s'",
		    ln, l->kind == OPERAND_FIELD && l->info != NULL ?
		    l->info->ptype : "CHARBUF", l->is_list == 1 ? " (list)" : "",
		    rn, r->args[0]->kind == OPERAND_FIELD &&
		    r->args[0]->info != NULL ? r->args[0]->info->ptype :
		    "CHARBUF", r->is_list == 1 ? " (list)" : "");
		return -1;
	}
	return 0;
}

/*
 * The values after the operator at op_where. As libsinsp's compiler, the
 * field's type is checked against the operator (and modifier) first.
 */
static int
check_values_parse(struct parser *ps, struct check *k, int index,
    const char *op_where)
{
	enum op_class class = operators[index].class;
	const char *op = operators[index].name, *where;
	char problem[200];
	int had_blank, modifier;
	size_t i;

	/* a word operator took its blank; "==" needs one before a modifier */
	had_blank = operators[index].word || lex_is_blank(*ps->sx.p);
	if (class != UNARY)
		ps->sx.p = lex_skip_blanks(ps->sx.p);
	where = ps->sx.p;
	modifier = class == STRING && had_blank && modifier_at(ps, &k->mod);
	if (type_allows(k, k->lhs, problem, sizeof(problem)) < 0) {
		fail_at(ps, op_where, "%s", problem);
		return -1;
	}
	if (class == UNARY)
		return 0;
	if (modifier) {
		where = ps->sx.p;
		if (set_parse(ps, k, op) < 0)
			return -1;
	} else {
		k->rhs = operand_parse_right(&ps->sx);
		if (ps->sx.failed)
			return -1;
		if (k->rhs != NULL)
			return rhs_operand_check(ps, k, where);
		if (class == LIST) {
			if (set_parse(ps, k, op) < 0)
				return -1;
		} else if ((class == NUMERIC ?
		    number_value_parse(ps, k, &where) :
		    value_parse(ps, k, &where)) < 0) {
			if (!ps->sx.failed)
				fail_at(ps, ps->sx.p, class == NUMERIC ?
				    "expected a number after '%s'" :
				    "expected a value after '%s'", op);
			return -1;
		}
	}
	for (i = 0; i < k->nvalues; i++) {
		struct value *v = &k->values[i];

		if (value_decode(&k->cmp, lhs_info(k), v, problem,
		    sizeof(problem)) < 0) {
			fail_at(ps, where, "%s", problem);
			return -1;
		}
		if (v->is_number)
			k->cmp.any_number = 1;
		if (k->cmp.op == OP_REGEX) {
			v->re = regex_compile(v->text, v->len, problem,
			    sizeof(problem));
			if (v->re == NULL) {
				fail_at(ps, where, "invalid regex: %s", problem);
				return -1;
			}
		}
	}
	return 0;
}

/* the client and server fields a filter-only fd field stands for */
static void
either_set(struct check *k)
{
	static const char *const pairs[][3] = {
		{ "fd.ip", "fd.cip", "fd.sip" },
		{ "fd.net", "fd.cip", "fd.sip" },
		{ "fd.port", "fd.cport", "fd.sport" },
		{ "fd.cnet", "fd.cip", NULL },
		{ "fd.snet", "fd.sip", NULL },
		{ "fd.lnet", "fd.lip", NULL },
		{ "fd.rnet", "fd.rip", NULL },
		{ NULL, NULL, NULL }
	};
	size_t i;

	for (i = 0; pairs[i][0] != NULL; i++)
		if (strcmp(k->field, pairs[i][0]) == 0) {
			k->either[0] = pairs[i][1];
			k->either[1] = pairs[i][2] != NULL ? pairs[i][2] :
			    pairs[i][1];
			return;
		}
}

/* the rest of a check, after its left operand */
static struct cond *
check_finish(struct parser *ps, struct operand *lhs, const char *start)
{
	struct check *k = xcalloc(1, sizeof(*k));
	const char *op_where;
	struct cond *c;
	size_t n;
	int index;

	k->lhs = lhs;
	ps->sx.p = lex_skip_blanks(ps->sx.p);
	op_where = ps->sx.p;
	index = operator_at(ps->sx.p, &n);
	if (index < 0) {
		n = lex_identifier(ps->sx.p);
		if (n > 0 && !lex_keyword(ps->sx.p, "and") &&
		    !lex_keyword(ps->sx.p, "or"))
			fail_at(ps, ps->sx.p, "unknown operator '%.*s'",
			    shown_len(n), ps->sx.p);
		else if (*ps->sx.p != '\0' && strchr("=!<>", *ps->sx.p) != NULL)
			fail_at(ps, ps->sx.p, "unknown operator '%c'",
			    *ps->sx.p);
		else
			fail_at(ps, ps->sx.p, "expected an operator after "
			    "'%.*s'", shown_len((size_t)(ps->sx.p - start)),
			    start);
		goto fail;
	}
	ps->sx.p += n;
	k->cmp.op = operators[index].op;
	if (lhs->kind == OPERAND_FIELD) {
		k->field = lhs->text;
		k->field_len = lhs->len;
		k->derive_time = field_is_event_time(lhs->text, lhs->len) &&
		    strcmp(lhs->text, "time") != 0;
		either_set(k);
	}
	k->cmp.kind = kind_of(k, lhs, operators[index].class);
	k->cmp.type = lhs->type;
	if (check_values_parse(ps, k, index, op_where) < 0)
		goto fail;
	c = node_new(NODE_CHECK);
	c->check = k;
	return c;
fail:
	check_free(k);
	return NULL;
}

/* ---- macros ---- */

static int
macro_on_path(const struct parser *ps, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < ps->macro_depth; i++)
		if (strlen(ps->macro_path[i]) == len &&
		    memcmp(ps->macro_path[i], name, len) == 0)
			return 1;
	return 0;
}

/*
 * A macro of the rules files: its condition, parsed where the name
 * stands. As in Falco, a macro sees the macros defined before it.
 */
static struct cond *
macro_expand(struct parser *ps, const char *name, size_t len,
    const char *condition, size_t visibility)
{
	const char **path;
	struct parser sub;
	struct cond *c;
	char *own = xstrndup(name, len);

	if (macro_on_path(ps, name, len)) {
		fail_at(ps, name, "reference loop in macro '%s'", own);
		free(own);
		return NULL;
	}
	path = xmalloc((ps->macro_depth + 1) * sizeof(*path));
	if (ps->macro_depth > 0)
		memcpy(path, ps->macro_path, ps->macro_depth * sizeof(*path));
	path[ps->macro_depth] = own;
	memset(&sub, 0, sizeof(sub));
	sub.sx.text = sub.sx.p = condition;
	sub.sx.depth = ps->sx.depth;
	sub.sx.max_depth = ps->sx.max_depth;
	sub.lists = ps->lists;
	sub.visible = visibility;
	sub.macro_path = path;
	sub.macro_depth = ps->macro_depth + 1;
	c = parse_or(&sub);
	if (c != NULL) {
		sub.sx.p = lex_skip_blanks(sub.sx.p);
		if (*sub.sx.p != '\0') {
			syntax_fail(&sub.sx, sub.sx.p, "expected 'and', 'or' or "
			    "the end of the condition");
			cond_free(c);
			c = NULL;
		}
	}
	if (c == NULL)
		fail_at(ps, name, "macro '%s': column %zu: %s", own,
		    sub.sx.column, sub.sx.message);
	free(path);
	free(own);
	return c;
}

/*
 * A name alone: a macro; or, followed by an operator, a top-level key of
 * the alert (rule, priority, falco_netpol ...).
 */
static struct cond *
identifier_parse(struct parser *ps)
{
	const char *start = ps->sx.p, *after;
	size_t n = lex_identifier(start), visibility, oplen;
	const char *condition = ps->lists == NULL ? NULL :
	    lists_macro(ps->lists, start, n, ps->visible, &visibility);
	struct operand *lhs;

	if (condition != NULL) {
		ps->sx.p = start + n;
		return macro_expand(ps, start, n, condition, visibility);
	}
	after = lex_skip_blanks(start + n);
	if (operator_at(after, &oplen) < 0) {
		fail_at(ps, start, "undefined list or macro '%.*s'",
		    shown_len(n), start);
		return NULL;
	}
	lhs = operand_parse(&ps->sx);
	if (lhs == NULL)
		return NULL;
	return check_finish(ps, lhs, start);
}

/* ---- expressions ---- */

static struct cond *
parse_primary(struct parser *ps)
{
	struct cond *c;
	const char *open, *start;
	enum transformer tr;
	struct operand *lhs;

	ps->sx.p = lex_skip_blanks(ps->sx.p);
	start = ps->sx.p;
	if (*ps->sx.p == '(') {
		open = ps->sx.p++;
		c = parse_or(ps);
		if (c == NULL)
			return NULL;
		ps->sx.p = lex_skip_blanks(ps->sx.p);
		if (*ps->sx.p != ')') {
			if (*ps->sx.p == '\0')
				fail_at(ps, open, "unbalanced parenthesis");
			else
				fail_at(ps, ps->sx.p, "expected 'and', 'or' or "
				    "')'");
			cond_free(c);
			return NULL;
		}
		ps->sx.p++;
		return c;
	}
	if (lex_keyword(ps->sx.p, "and") || lex_keyword(ps->sx.p, "or")) {
		fail_at(ps, ps->sx.p, "expected a condition before '%s'",
		    ps->sx.p[0] == 'a' ? "and" : "or");
		return NULL;
	}
	if (lex_field_name(ps->sx.p) > 0 ||
	    operand_transformer_at(ps->sx.p, &tr) == 0) {
		lhs = operand_parse(&ps->sx);
		if (lhs == NULL)
			return NULL;
		return check_finish(ps, lhs, start);
	}
	if (lex_identifier(ps->sx.p) > 0)
		return identifier_parse(ps);
	if (*ps->sx.p == '\0')
		fail_at(ps, ps->sx.p, ps->sx.p == ps->sx.text ?
		    "empty condition" : "expected a condition");
	else if (*ps->sx.p == ')')
		fail_at(ps, ps->sx.p, "unbalanced parenthesis");
	else
		fail_at(ps, ps->sx.p, "expected a field name");
	return NULL;
}

static struct cond *
parse_not(struct parser *ps)
{
	struct cond *c, *inner;

	ps->sx.p = lex_skip_blanks(ps->sx.p);
	if (!lex_keyword(ps->sx.p, "not"))
		return parse_primary(ps);
	if (++ps->sx.depth > ps->sx.max_depth) {
		fail_at(ps, ps->sx.p, "nested more than %d deep",
		    ps->sx.max_depth);
		return NULL;
	}
	ps->sx.p += 3;
	inner = parse_not(ps);
	ps->sx.depth--;
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
	ps->sx.p = lex_skip_blanks(ps->sx.p);
	if (!lex_keyword(ps->sx.p, keyword))
		return first;
	chain = node_new(kind);
	node_add(chain, first);
	while (ps->sx.p = lex_skip_blanks(ps->sx.p),
	    lex_keyword(ps->sx.p, keyword)) {
		ps->sx.p += strlen(keyword);
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

	if (++ps->sx.depth > ps->sx.max_depth) {
		fail_at(ps, ps->sx.p, "nested more than %d deep",
		    ps->sx.max_depth);
		return NULL;
	}
	c = parse_chain(ps, "or", NODE_OR, parse_and);
	ps->sx.depth--;
	return c;
}

struct cond *
cond_parse(const char *text, const struct lists *lists,
    struct cond_error *error)
{
	struct parser ps;
	struct cond *c;

	memset(&ps, 0, sizeof(ps));
	ps.sx.text = ps.sx.p = text;
	ps.sx.max_depth = COND_MAX_DEPTH;
	ps.lists = lists;
	ps.visible = SIZE_MAX;
	error->column = 0;
	error->message[0] = '\0';
	c = parse_or(&ps);
	if (c != NULL) {
		ps.sx.p = lex_skip_blanks(ps.sx.p);
		if (*ps.sx.p == '\0')
			return c;
		if (*ps.sx.p == ')')
			fail_at(&ps, ps.sx.p, "unbalanced parenthesis");
		else
			fail_at(&ps, ps.sx.p, "expected 'and', 'or' or the end "
			    "of the condition");
		cond_free(c);
	} else if (!ps.sx.failed) {
		fail_at(&ps, ps.sx.p, "invalid condition");
	}
	error->column = ps.sx.column;
	snprintf(error->message, sizeof(error->message), "%s", ps.sx.message);
	return NULL;
}

/* ---- names the condition reads ---- */

static int
name_is_known(const char *name)
{
	static const char *const prefixes[] = {
		/* Falco's own alerts (metrics, drops) and falco-netpol's */
		"falco.", "scap.", "falco_netpol", NULL
	};
	size_t i;

	if (strchr(name, '.') == NULL || field_lookup(name, strlen(name)))
		return 1;
	for (i = 0; prefixes[i] != NULL; i++)
		if (strncmp(name, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return 0;
}

static void
operand_unknown(const struct operand *o)
{
	size_t i;

	if (o == NULL)
		return;
	if (o->kind == OPERAND_FIELD && !name_is_known(o->text))
		warnx("'%s' is not a field of Falco or of its plugins: it is "
		    "compared only if the alert carries that key", o->text);
	for (i = 0; i < o->nargs; i++)
		operand_unknown(o->args[i]);
}

void
cond_warn_unknown_fields(const struct cond *c)
{
	size_t i;

	if (c->kind == NODE_CHECK) {
		operand_unknown(c->check->lhs);
		operand_unknown(c->check->rhs);
	}
	for (i = 0; i < c->nchildren; i++)
		cond_warn_unknown_fields(c->children[i]);
}
