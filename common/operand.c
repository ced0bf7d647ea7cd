/*
 * operand.c: fields and Falco's transformers, parsed, typed and
 * evaluated for an alert (see operand.h).
 *
 * Grammar (libsinsp filter/parser.h):
 *   operand   = field | transformer
 *   field     = name [ "[" ( quoted | bare ) "]" ]
 *   transformer = tname "(" targ { "," targ } ")" [ "[" arg "]" ]
 *   targ      = transformer | field | quoted | number | "(" [ lelem { "," lelem } ] ")"
 *   lelem     = field | transformer | quoted | number
 * with no blank between a transformer's name and its "(". A top-level key
 * (rule, falco_netpol) is a field too, an extension: Falco's names all
 * hold a dot.
 */
#include <ctype.h>
#include <err.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lex.h"
#include "operand.h"
#include "xalloc.h"

static const struct {
	const char *name;	/* with its "(" */
	enum transformer tr;
} transformers[] = {
	{ "val(", TR_VAL },
	{ "tolower(", TR_TOLOWER },
	{ "toupper(", TR_TOUPPER },
	{ "b64(", TR_B64 },
	{ "basename(", TR_BASENAME },
	{ "len(", TR_LEN },
	{ "join(", TR_JOIN },
	{ "concat(", TR_CONCAT },
	{ "getopt(", TR_GETOPT },
	{ NULL, TR_VAL }
};

static const char *
transformer_name(enum transformer tr)
{
	static const char *const names[] = { "val", "tolower", "toupper", "b64",
	    "basename", "len", "join", "concat", "getopt" };

	return names[tr];
}

void
syntax_fail(struct syntax *sx, const char *where, const char *fmt, ...)
{
	va_list ap;

	if (sx->failed)
		return;
	sx->failed = 1;
	sx->column = (size_t)(where - sx->text) + 1;
	va_start(ap, fmt);
	vsnprintf(sx->message, sizeof(sx->message), fmt, ap);
	va_end(ap);
}

int
operand_transformer_at(const char *p, enum transformer *tr)
{
	size_t i;

	for (i = 0; transformers[i].name != NULL; i++)
		if (strncmp(p, transformers[i].name,
		    strlen(transformers[i].name)) == 0) {
			*tr = transformers[i].tr;
			return 0;
		}
	return -1;
}

static struct operand *
operand_new(enum operand_kind kind)
{
	struct operand *o = xcalloc(1, sizeof(*o));

	o->kind = kind;
	return o;
}

void
operand_free(struct operand *o)
{
	size_t i;

	if (o == NULL)
		return;
	for (i = 0; i < o->nargs; i++)
		operand_free(o->args[i]);
	free(o->args);
	free(o->text);
	free(o);
}

static void
operand_add(struct operand *o, struct operand *arg)
{
	o->args = xrealloc(o->args, (o->nargs + 1) * sizeof(*o->args));
	o->args[o->nargs++] = arg;
}

const char *
operand_name(const struct operand *o)
{
	size_t i;

	if (o->kind == OPERAND_FIELD)
		return o->text;
	for (i = 0; i < o->nargs; i++)
		if (o->args[i]->kind != OPERAND_LITERAL)
			return operand_name(o->args[i]);
	return "INTERNAL";
}

/* ---- fields ---- */

static void
field_type_set(struct operand *o)
{
	o->info = field_lookup(o->text, o->len);
	o->type = FT_NONE;
	o->is_list = -1;
	if (o->info != NULL && !(o->info->flags & FF_PLUGIN)) {
		o->type = o->info->type;
		o->is_list = (o->info->flags & FF_LIST) != 0;
	}
}

struct operand *
operand_field(const char *name, size_t len)
{
	struct operand *o = operand_new(OPERAND_FIELD);

	o->text = xstrndup(name, len);
	o->len = len;
	field_type_set(o);
	return o;
}

/*
 * "[arg]" at sx->p, quoted or bare, appended to key with its brackets;
 * 0 when there is none, 1 when read, -1 on error.
 */
static int
field_arg_parse(struct syntax *sx, struct buf *key)
{
	const char *open = sx->p, *bad;
	char problem[128];
	size_t n;

	if (*sx->p != '[')
		return 0;
	sx->p++;
	buf_addc(key, '[');
	if (*sx->p == '"' || *sx->p == '\'') {
		if (lex_quoted(&sx->p, key, &bad, problem,
		    sizeof(problem)) < 0) {
			syntax_fail(sx, bad, "%s", problem);
			return -1;
		}
	} else if ((n = lex_field_arg(sx->p)) > 0) {
		buf_add(key, sx->p, n);
		sx->p += n;
	} else {
		syntax_fail(sx, sx->p, "expected a field argument in '[...]'");
		return -1;
	}
	if (*sx->p != ']') {
		syntax_fail(sx, open, "unterminated field argument");
		return -1;
	}
	sx->p++;
	buf_addc(key, ']');
	return 1;
}

/* Falco refuses an argument a field does not take, and requires one it needs */
static int
field_check(struct syntax *sx, const char *where, struct operand *o,
    int has_arg)
{
	const struct field_info *f = o->info;
	int dotted_arg;

	if (f == NULL || (f->flags & FF_PLUGIN))
		return 0;
	/* evt.arg.path is evt.arg[path] */
	dotted_arg = strlen(o->text) > strlen(f->name) &&
	    o->text[strlen(f->name)] == '.';
	if ((f->flags & FF_ARG_REQUIRED) && !has_arg && !dotted_arg) {
		syntax_fail(sx, where, "field '%s' requires an argument",
		    f->name);
		return -1;
	}
	if (has_arg && !(f->flags & (FF_ARG_REQUIRED | FF_ARG_ALLOWED))) {
		syntax_fail(sx, where, "field '%s' does not take an argument",
		    f->name);
		return -1;
	}
	return 0;
}

/*
 * A field name at sx->p (dotted, or a top-level key), with its [arg].
 * Inside a transformer only Falco's own top-level keys are names
 * without a dot: join("-", (macro)) is an error there, as in Falco.
 */
static struct operand *
field_parse(struct syntax *sx, int any_key)
{
	const char *start = sx->p;
	size_t n = lex_field_name(sx->p);
	struct buf key = BUF_INIT;
	struct operand *o;
	int has_arg;

	if (n == 0) {
		n = lex_identifier(sx->p);
		if (n > 0 && !any_key && !alert_is_top_level_name(sx->p, n))
			n = 0;
	}
	if (n == 0)
		return NULL;
	buf_add(&key, sx->p, n);
	sx->p += n;
	has_arg = field_arg_parse(sx, &key);
	if (has_arg < 0) {
		buf_free(&key);
		return NULL;
	}
	o = operand_field(buf_str(&key), key.len);
	buf_free(&key);
	if (field_check(sx, start, o, has_arg) < 0) {
		operand_free(o);
		return NULL;
	}
	return o;
}

/* ---- transformers ---- */

static struct operand *transformer_parse(struct syntax *sx, int allow_val);

static struct operand *
literal_new(const char *text, size_t len)
{
	struct operand *o = operand_new(OPERAND_LITERAL);

	o->text = xmalloc(len + 1);
	memcpy(o->text, text, len);
	o->text[len] = '\0';
	o->len = len;
	o->type = FT_STRING;
	o->is_list = 0;
	return o;
}

/* a quoted string or a number at sx->p as a literal; NULL if neither */
static struct operand *
literal_parse(struct syntax *sx)
{
	struct buf text = BUF_INIT;
	struct operand *o;
	const char *bad;
	char problem[128];
	size_t n;

	if (*sx->p == '"' || *sx->p == '\'') {
		if (lex_quoted(&sx->p, &text, &bad, problem,
		    sizeof(problem)) < 0) {
			syntax_fail(sx, bad, "%s", problem);
			buf_free(&text);
			return NULL;
		}
		o = literal_new(text.len > 0 ? text.data : "", text.len);
		buf_free(&text);
		return o;
	}
	n = lex_number(sx->p);
	if (n == 0)
		return NULL;
	o = literal_new(sx->p, n);
	sx->p += n;
	return o;
}

/* an element of a transformer list, or an argument when list_ok */
static struct operand *
transformer_arg_parse(struct syntax *sx, int in_list)
{
	enum transformer tr;
	struct operand *o;

	sx->p = lex_skip_blanks(sx->p);
	if (operand_transformer_at(sx->p, &tr) == 0 && tr != TR_VAL)
		return transformer_parse(sx, 0);
	if ((o = literal_parse(sx)) != NULL || sx->failed)
		return o;
	if (*sx->p == '(' && !in_list) {
		const char *open = sx->p++;

		o = operand_new(OPERAND_LIST);
		o->type = FT_STRING;
		o->is_list = 1;
		sx->p = lex_skip_blanks(sx->p);
		if (*sx->p == ')') {
			sx->p++;
			return o;
		}
		for (;;) {
			struct operand *elem = transformer_arg_parse(sx, 1);

			if (elem == NULL) {
				operand_free(o);
				return NULL;
			}
			operand_add(o, elem);
			sx->p = lex_skip_blanks(sx->p);
			if (*sx->p == ')') {
				sx->p++;
				return o;
			}
			if (*sx->p != ',') {
				syntax_fail(sx, *sx->p == '\0' ? open : sx->p,
				    *sx->p == '\0' ? "unbalanced parenthesis" :
				    "expected ',' or ')' in the list");
				operand_free(o);
				return NULL;
			}
			sx->p++;
		}
	}
	if ((o = field_parse(sx, 0)) != NULL || sx->failed)
		return o;
	syntax_fail(sx, sx->p, in_list ? "expected a field, a transformer, a "
	    "quoted string or a number in the list" : "expected a field, a "
	    "transformer, a quoted string, a number or a list");
	return NULL;
}

static int
is_stringish(const struct operand *o)
{
	return o->type == FT_STRING || o->type == FT_NONE;
}

static int
type_error(struct syntax *sx, const char *where, struct operand *t,
    const struct operand *arg)
{
	const char *ptype = arg->kind == OPERAND_FIELD && arg->info != NULL ?
	    arg->info->ptype : NULL;

	syntax_fail(sx, where, "can't add field transformer: type '%s' is not "
	    "supported by '%s' transformer applied on %sfield '%s'",
	    ptype != NULL ? ptype : arg->type == FT_UINT ? "UINT64" :
	    "CHARBUF", transformer_name(t->tr), arg->is_list == 1 ? "list " :
	    "", operand_name(arg));
	return -1;
}

/* libsinsp's rules on a transformer's arguments, and its result type */
static int
transformer_check(struct syntax *sx, const char *where, struct operand *t)
{
	struct operand *a = t->nargs > 0 ? t->args[0] : NULL;
	size_t i;

	if (t->has_arg && t->tr != TR_GETOPT) {
		syntax_fail(sx, where, "transformer '%s' does not support field "
		    "arguments", transformer_name(t->tr));
		return -1;
	}
	switch (t->tr) {
	case TR_VAL:
		if (t->nargs != 1 || a->kind != OPERAND_FIELD) {
			syntax_fail(sx, where, "val() takes one field");
			return -1;
		}
		t->type = a->type;
		t->is_list = a->is_list;
		return 0;
	case TR_TOLOWER:
	case TR_TOUPPER:
	case TR_B64:
	case TR_BASENAME:
	case TR_LEN:
		if (t->nargs != 1) {
			syntax_fail(sx, where, "%s() takes one argument",
			    transformer_name(t->tr));
			return -1;
		}
		if (a->kind == OPERAND_FIELD && a->info != NULL &&
		    (a->info->flags & FF_NO_TRANSFORMER)) {
			syntax_fail(sx, where, "field '%s' does not support "
			    "transformers", a->info->name);
			return -1;
		}
		if (t->tr == TR_LEN) {
			if (a->is_list != 1 && !is_stringish(a) &&
			    a->type != FT_BYTES)
				return type_error(sx, where, t, a);
			t->type = FT_UINT;
			t->is_list = 0;
			return 0;
		}
		if (!is_stringish(a) && !(t->tr == TR_B64 &&
		    a->type == FT_BYTES))
			return type_error(sx, where, t, a);
		t->type = a->type;
		t->is_list = a->is_list;
		return 0;
	case TR_JOIN:
		if (t->nargs != 2) {
			syntax_fail(sx, where, "join() requires exactly 2 "
			    "arguments: separator and list");
			return -1;
		}
		if (t->args[0]->is_list == 1) {
			syntax_fail(sx, where, "join() first argument (separator) "
			    "must be a single value, not a list");
			return -1;
		}
		if (t->args[1]->is_list == 0) {
			syntax_fail(sx, where, "join() second argument must be a "
			    "list");
			return -1;
		}
		t->type = FT_STRING;
		t->is_list = 0;
		return 0;
	case TR_CONCAT:
		if (t->nargs < 2) {
			syntax_fail(sx, where, "concat() requires at least 2 "
			    "arguments");
			return -1;
		}
		for (i = 0; i < t->nargs; i++)
			if (t->args[i]->is_list == 1 ||
			    !is_stringish(t->args[i])) {
				syntax_fail(sx, where, "concat() arguments must "
				    "be strings");
				return -1;
			}
		t->type = FT_STRING;
		t->is_list = 0;
		return 0;
	case TR_GETOPT:
		if (t->nargs != 2) {
			syntax_fail(sx, where, "getopt() requires exactly 2 "
			    "arguments: args list and optstring");
			return -1;
		}
		if (t->args[0]->is_list == 0) {
			syntax_fail(sx, where, "getopt() first argument must be a "
			    "list");
			return -1;
		}
		if (t->args[1]->is_list == 1) {
			syntax_fail(sx, where, "getopt() second argument "
			    "(optstring) must be a single value");
			return -1;
		}
		if (!is_stringish(t->args[0]) || !is_stringish(t->args[1])) {
			syntax_fail(sx, where, "getopt() arguments must be "
			    "strings");
			return -1;
		}
		t->type = FT_STRING;
		t->is_list = !t->has_arg;
		return 0;
	}
	return 0;
}

/* "name(" at sx->p; with allow_val, val(field) too */
static struct operand *
transformer_parse(struct syntax *sx, int allow_val)
{
	const char *start = sx->p;
	enum transformer tr;
	struct operand *t;
	struct buf arg = BUF_INIT;
	int rc;

	if (operand_transformer_at(sx->p, &tr) < 0)
		return NULL;
	if (tr == TR_VAL && !allow_val) {
		syntax_fail(sx, start, "val() is only allowed on the right of a "
		    "comparison");
		return NULL;
	}
	if (++sx->depth > sx->max_depth) {
		syntax_fail(sx, start, "nested more than %d deep",
		    sx->max_depth);
		return NULL;
	}
	t = operand_new(OPERAND_TRANSFORM);
	t->tr = tr;
	sx->p += strlen(transformer_name(tr)) + 1;
	for (;;) {
		struct operand *a;

		if (tr == TR_VAL) {
			sx->p = lex_skip_blanks(sx->p);
			a = field_parse(sx, 0);
			if (a == NULL && !sx->failed)
				syntax_fail(sx, sx->p, "expected a field within "
				    "'val' transformer");
		} else {
			a = transformer_arg_parse(sx, 0);
		}
		if (a == NULL)
			goto fail;
		operand_add(t, a);
		sx->p = lex_skip_blanks(sx->p);
		if (*sx->p != ',' || tr == TR_VAL)
			break;
		sx->p++;
	}
	if (*sx->p != ')') {
		syntax_fail(sx, *sx->p == '\0' ? start : sx->p,
		    *sx->p == '\0' ? "unbalanced parenthesis" :
		    "expected ')' closing the transformer");
		goto fail;
	}
	sx->p++;
	rc = field_arg_parse(sx, &arg);
	if (rc < 0)
		goto fail;
	if (rc > 0) {
		t->has_arg = 1;
		if (tr == TR_GETOPT && arg.len != 3) {
			syntax_fail(sx, start, "getopt() field argument must be "
			    "a single option character");
			goto fail;
		}
		t->arg = arg.data[1];
	}
	buf_free(&arg);
	if (transformer_check(sx, start, t) < 0)
		goto fail_freed;
	sx->depth--;
	return t;
fail:
	buf_free(&arg);
fail_freed:
	operand_free(t);
	return NULL;
}

struct operand *
operand_parse(struct syntax *sx)
{
	enum transformer tr;

	if (operand_transformer_at(sx->p, &tr) == 0)
		return transformer_parse(sx, 0);
	return field_parse(sx, 1);
}

struct operand *
operand_parse_right(struct syntax *sx)
{
	enum transformer tr;

	if (operand_transformer_at(sx->p, &tr) < 0)
		return NULL;
	return transformer_parse(sx, 1);
}

/* ---- evaluation ---- */

struct block {
	struct block *next;
	size_t size, used;
	max_align_t data[];
};

struct arena {
	struct block *head;
};

static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;

static void
arena_destroy(void *p)
{
	struct arena *ar = p;

	while (ar->head != NULL) {
		struct block *next = ar->head->next;

		free(ar->head);
		ar->head = next;
	}
	free(ar);
}

static void
arena_key_create(void)
{
	if (pthread_key_create(&arena_key, arena_destroy) != 0)
		errx(2, "cannot create a thread key");
}

/* all blocks but the last one made are freed; that one is emptied */
static void
arena_reset(struct arena *ar)
{
	while (ar->head != NULL && ar->head->next != NULL) {
		struct block *next = ar->head->next;

		free(ar->head);
		ar->head = next;
	}
	if (ar->head != NULL)
		ar->head->used = 0;
}

struct arena *
operand_arena(void)
{
	struct arena *ar;

	pthread_once(&arena_once, arena_key_create);
	ar = pthread_getspecific(arena_key);
	if (ar == NULL) {
		ar = xcalloc(1, sizeof(*ar));
		if (pthread_setspecific(arena_key, ar) != 0)
			errx(2, "out of memory");
	}
	arena_reset(ar);
	return ar;
}

static void *
arena_alloc(struct arena *ar, size_t n)
{
	struct block *b = ar->head;
	size_t align = sizeof(max_align_t);
	void *p;

	n = (n + align - 1) / align * align;
	if (b == NULL || b->size - b->used < n) {
		size_t size = n > 8192 ? n : 8192;

		b = xmalloc(sizeof(*b) + size);
		b->size = size;
		b->used = 0;
		b->next = ar->head;
		ar->head = b;
	}
	p = (char *)b->data + b->used;
	b->used += n;
	return p;
}

void *
operand_arena_alloc(struct arena *ar, size_t n)
{
	return arena_alloc(ar, n);
}

static char *
arena_copy(struct arena *ar, const char *s, size_t len)
{
	char *copy = arena_alloc(ar, len + 1);

	memcpy(copy, s, len);
	copy[len] = '\0';
	return copy;
}

static void
items_push(struct arena *ar, struct items *it, const char *s, size_t len,
    enum json_type type)
{
	if (it->n == it->cap) {
		size_t cap = it->cap == 0 ? 8 : it->cap * 2;
		struct item *v = arena_alloc(ar, cap * sizeof(*v));

		if (it->n > 0)
			memcpy(v, it->v, it->n * sizeof(*v));
		it->v = v;
		it->cap = cap;
	}
	it->v[it->n].s = s;
	it->v[it->n].len = len;
	it->v[it->n].type = type;
	it->n++;
}

/* a JSON value as an item whose bytes outlive the alert's scratch */
static void
item_from_json(struct arena *ar, struct alert *a, const struct json_value *v,
    struct items *it)
{
	const char *s;
	size_t len;

	if (v->type != JSON_STRING) {
		items_push(ar, it, v->raw, v->raw_len, v->type);
		return;
	}
	s = json_string(v, &a->scratch, &len);
	if (s == a->scratch.data)
		s = arena_copy(ar, s, len);
	items_push(ar, it, s, len, JSON_STRING);
}

static int
field_eval(const struct operand *o, struct alert *a, struct arena *ar,
    struct items *out)
{
	struct json_value v, elem;
	long long ns = 0;
	size_t pos = 0;

	v = field_value(a, o->text, o->len, &ns);
	if (v.type == JSON_ABSENT)
		return 0;
	if (v.raw == NULL) {
		char text[32];
		int n = snprintf(text, sizeof(text), "%lld", ns);

		items_push(ar, out, arena_copy(ar, text, (size_t)n),
		    (size_t)n, JSON_NUMBER);
		return 1;
	}
	if (v.type != JSON_ARRAY) {
		item_from_json(ar, a, &v, out);
		return 1;
	}
	out->is_list = 1;
	while (json_array_next(&v, &pos, &elem))
		if (elem.type != JSON_NULL)
			item_from_json(ar, a, &elem, out);
	return 1;
}

static void
items_map_case(struct arena *ar, struct items *it, int upper)
{
	size_t i, j;

	for (i = 0; i < it->n; i++) {
		char *s = arena_copy(ar, it->v[i].s, it->v[i].len);

		for (j = 0; j < it->v[i].len; j++)
			s[j] = (char)(upper ? toupper((unsigned char)s[j]) :
			    tolower((unsigned char)s[j]));
		it->v[i].s = s;
		it->v[i].type = JSON_STRING;
	}
}

static int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/*
 * Standard base64, padding optional, as libsinsp decodes it: a value
 * that is not base64 makes the extraction fail.
 */
static int
base64_decode(struct arena *ar, struct item *item)
{
	const unsigned char *in = (const unsigned char *)item->s;
	size_t n = item->len, i, out_len = 0;
	unsigned bits = 0;
	int nbits = 0;
	char *out;

	if (n > 0 && in[n - 1] == '=')
		n--;
	if (n > 0 && in[n - 1] == '=')
		n--;
	if (n % 4 == 1)
		return -1;
	out = arena_alloc(ar, n / 4 * 3 + 3);
	for (i = 0; i < n; i++) {
		int v = base64_value(in[i]);

		if (v < 0)
			return -1;
		bits = (bits << 6) | (unsigned)v;
		nbits += 6;
		if (nbits >= 8) {
			nbits -= 8;
			out[out_len++] = (char)((bits >> nbits) & 0xff);
		}
	}
	/* the bits left over must be zero, as libsinsp checks */
	if ((bits & ((1u << nbits) - 1)) != 0)
		return -1;
	item->s = out;
	item->len = out_len;
	item->type = JSON_STRING;
	return 0;
}

static void
items_basename(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++) {
		const char *slash = NULL, *p;

		for (p = it->v[i].s; p < it->v[i].s + it->v[i].len; p++)
			if (*p == '/')
				slash = p;
		if (slash != NULL) {
			it->v[i].len -= (size_t)(slash + 1 - it->v[i].s);
			it->v[i].s = slash + 1;
		}
		it->v[i].type = JSON_STRING;
	}
}

static void
items_number(struct arena *ar, struct items *out, unsigned long long n)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%llu", n);

	items_push(ar, out, arena_copy(ar, text, (size_t)len), (size_t)len,
	    JSON_NUMBER);
}

/* what getopt(3) makes of argv with optstring (libsinsp's transformer) */
static void
getopt_run(struct arena *ar, const struct items *argv, const struct item *opts,
    int has_selector, char selector, struct items *out)
{
	unsigned char valid[256] = { 0 }, takes_arg[256] = { 0 };
	const char *selected = NULL;
	size_t selected_len = 0, i, k;

	for (i = opts->len > 0 && opts->s[0] == ':'; i < opts->len; i++) {
		unsigned char c = (unsigned char)opts->s[i];

		if (c == ':')
			continue;
		valid[c] = 1;
		if (i + 1 < opts->len && opts->s[i + 1] == ':') {
			takes_arg[c] = 1;
			i++;
		}
	}
	for (i = 0; i < argv->n; i++) {
		const char *arg = argv->v[i].s;
		size_t len = argv->v[i].len;

		if (len == 2 && arg[0] == '-' && arg[1] == '-')
			break;
		if (len > 2 && arg[0] == '-' && arg[1] == '-')
			continue;
		if (len < 2 || arg[0] != '-')
			break;
		for (k = 1; k < len; k++) {
			unsigned char c = (unsigned char)arg[k];
			const char *value = NULL;
			size_t value_len = 0;
			int matches = !has_selector || (char)c == selector;

			if (c == ':' || !valid[c]) {
				if (!has_selector)
					items_push(ar, out, "?", 1, JSON_STRING);
				continue;
			}
			if (!takes_arg[c]) {
				if (!matches)
					continue;
				if (has_selector) {
					selected = arg + k;
					selected_len = 1;
				} else {
					items_push(ar, out, arg + k, 1,
					    JSON_STRING);
				}
				continue;
			}
			if (k + 1 < len) {
				value = arg + k + 1;
				value_len = len - k - 1;
			} else if (i + 1 < argv->n) {
				i++;
				value = argv->v[i].s;
				value_len = argv->v[i].len;
			}
			if (matches && has_selector) {
				selected = value != NULL ? value : "";
				selected_len = value_len;
			} else if (matches) {
				items_push(ar, out, value != NULL ? arg + k : "",
				    value != NULL ? 1 : 0, JSON_STRING);
				if (value != NULL)
					items_push(ar, out, value, value_len,
					    JSON_STRING);
			}
			break;
		}
	}
	out->is_list = !has_selector;
	if (has_selector && selected != NULL)
		items_push(ar, out, selected, selected_len, JSON_STRING);
}

static int transform_eval(const struct operand *o, struct alert *a,
    struct arena *ar, struct items *out);

static int
eval_into(const struct operand *o, struct alert *a, struct arena *ar,
    struct items *out)
{
	size_t i;

	memset(out, 0, sizeof(*out));
	switch (o->kind) {
	case OPERAND_FIELD:
		return field_eval(o, a, ar, out);
	case OPERAND_LITERAL:
		items_push(ar, out, o->text, o->len, JSON_STRING);
		return 1;
	case OPERAND_LIST:
		out->is_list = 1;
		for (i = 0; i < o->nargs; i++) {
			struct items elem;
			size_t j;

			if (!eval_into(o->args[i], a, ar, &elem))
				return 0;
			for (j = 0; j < elem.n; j++)
				items_push(ar, out, elem.v[j].s, elem.v[j].len,
				    elem.v[j].type);
		}
		return 1;
	case OPERAND_TRANSFORM:
		return transform_eval(o, a, ar, out);
	}
	return 0;
}

static void
items_append_joined(struct arena *ar, const struct items *it,
    const struct item *sep, struct items *out)
{
	size_t total = 0, i, at = 0;
	char *s;

	for (i = 0; i < it->n; i++)
		total += it->v[i].len + (i > 0 && sep != NULL ? sep->len : 0);
	s = arena_alloc(ar, total + 1);
	for (i = 0; i < it->n; i++) {
		if (i > 0 && sep != NULL) {
			memcpy(s + at, sep->s, sep->len);
			at += sep->len;
		}
		memcpy(s + at, it->v[i].s, it->v[i].len);
		at += it->v[i].len;
	}
	items_push(ar, out, s, total, JSON_STRING);
}

static int
transform_eval(const struct operand *o, struct alert *a, struct arena *ar,
    struct items *out)
{
	struct items in, second, parts;
	size_t i;

	if (!eval_into(o->args[0], a, ar, &in))
		return 0;
	switch (o->tr) {
	case TR_VAL:
		*out = in;
		return 1;
	case TR_TOLOWER:
	case TR_TOUPPER:
		items_map_case(ar, &in, o->tr == TR_TOUPPER);
		*out = in;
		return 1;
	case TR_B64:
		for (i = 0; i < in.n; i++)
			if (base64_decode(ar, &in.v[i]) < 0)
				return 0;
		*out = in;
		return 1;
	case TR_BASENAME:
		items_basename(&in);
		*out = in;
		return 1;
	case TR_LEN:
		items_number(ar, out, in.is_list ? in.n :
		    in.n > 0 ? in.v[0].len : 0);
		return 1;
	case TR_JOIN:
		if (!eval_into(o->args[1], a, ar, &second) || in.n == 0)
			return 0;
		items_append_joined(ar, &second, &in.v[0], out);
		return 1;
	case TR_CONCAT:
		memset(&parts, 0, sizeof(parts));
		for (i = 0; i < o->nargs; i++) {
			if (i > 0 && !eval_into(o->args[i], a, ar, &in))
				return 0;
			if (in.n == 0)
				return 0;
			items_push(ar, &parts, in.v[0].s, in.v[0].len,
			    JSON_STRING);
		}
		items_append_joined(ar, &parts, NULL, out);
		return 1;
	case TR_GETOPT:
		if (!eval_into(o->args[1], a, ar, &second) || second.n == 0)
			return 0;
		getopt_run(ar, &in, &second.v[0], o->has_arg, o->arg, out);
		return !o->has_arg || out->n > 0;
	}
	return 0;
}

int
operand_eval(const struct operand *o, struct alert *a, struct arena *ar,
    struct items *out)
{
	return eval_into(o, a, ar, out);
}

/* bytes as Falco prints them, a NUL as "\x00" so no line carries one */
static void
add_printable(struct buf *out, const char *s, size_t len)
{
	const char *nul;

	while ((nul = memchr(s, '\0', len)) != NULL) {
		buf_add(out, s, (size_t)(nul - s));
		buf_adds(out, "\\x00");
		len -= (size_t)(nul - s) + 1;
		s = nul + 1;
	}
	buf_add(out, s, len);
}

void
operand_render(const struct operand *o, struct alert *a, struct buf *out)
{
	struct arena *ar;
	struct items it;
	size_t i;

	if (o->kind == OPERAND_FIELD) {
		struct buf text = BUF_INIT;
		struct json_value v;
		long long ns = 0;

		v = field_value(a, o->text, o->len, &ns);
		if (v.type == JSON_ABSENT) {
			buf_adds(out, "<NA>");
			return;
		}
		field_render(o->text, o->len, &v, ns, &text);
		add_printable(out, text.data != NULL ? text.data : "",
		    text.len);
		buf_free(&text);
		return;
	}
	ar = operand_arena();
	if (!eval_into(o, a, ar, &it)) {
		buf_adds(out, "<NA>");
		return;
	}
	if (it.is_list)
		buf_addc(out, '(');
	for (i = 0; i < it.n; i++) {
		if (i > 0)
			buf_addc(out, ',');
		add_printable(out, it.v[i].s, it.v[i].len);
	}
	if (it.is_list)
		buf_addc(out, ')');
}
