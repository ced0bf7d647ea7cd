#include <err.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat.h"
#include "exitcode.h"
#include "format.h"
#include "shape.h"
#include "xalloc.h"

enum value_kind {
	VALUE_OBJECT,		/* keys nested under this one */
	VALUE_ARRAY,		/* elements nested under this one, by index */
	VALUE_FORMAT,		/* KEY=FORMAT */
	VALUE_SECRET,		/* KEY=@FILE */
	VALUE_FIELD,		/* KEY:=FIELD */
	VALUE_ALERT,		/* KEY:=. */
	VALUE_SECONDS,		/* KEY:=seconds(FIELD) */
	VALUE_JSON		/* KEY:=JSON */
};

struct node {
	char *key;
	enum value_kind kind;
	struct format *format;
	char *text;		/* a field name, a secret, or constant JSON */
	struct node *children;	/* of an object, in order; of an array */
	size_t nchildren, children_cap;
};

struct shape {
	struct node root;
	int given;
	enum shape_defuse defuse;
	size_t max_chars;	/* 0: no limit */
	struct buf rendered, cleaned, scratch;
};

struct shape *
shape_new(void)
{
	struct shape *s = xcalloc(1, sizeof(*s));

	s->root.kind = VALUE_OBJECT;
	return s;
}

void
shape_defuse(struct shape *s, enum shape_defuse defuse)
{
	s->defuse = defuse;
}

void
shape_cut(struct shape *s, size_t max_chars)
{
	s->max_chars = max_chars;
}

int
shape_given(const struct shape *s)
{
	return s->given;
}

/* ---- --json arguments ---- */

/*
 * The key ends at the first "=" or ":=" that is not escaped; "\." and
 * "\=" and "\:" stand for themselves in a key.
 */
static const char *
split_key(const char *arg, struct buf *key, int *raw)
{
	const char *p;

	buf_reset(key);
	for (p = arg; *p != '\0'; p++) {
		if (*p == '\\' && p[1] != '\0' && strchr(".=:\\", p[1])) {
			/* kept escaped: the path splitter reads it */
			buf_add(key, p, 2);
			p++;
			continue;
		}
		if (*p == ':' && p[1] == '=') {
			*raw = 1;
			return p + 2;
		}
		if (*p == '=') {
			*raw = 0;
			return p + 1;
		}
		buf_addc(key, *p);
	}
	return NULL;
}

/* the next key of a dotted path, unescaped; NULL at its end */
static const char *
next_segment(const char *path, struct buf *segment)
{
	buf_reset(segment);
	if (*path == '\0')
		return NULL;
	for (; *path != '\0' && *path != '.'; path++) {
		if (*path == '\\' && path[1] != '\0')
			path++;
		buf_addc(segment, *path);
	}
	return *path == '.' ? path + 1 : path;
}

static struct node *
child(struct node *parent, const char *key)
{
	size_t i;

	for (i = 0; i < parent->nchildren; i++)
		if (strcmp(parent->children[i].key, key) == 0)
			return &parent->children[i];
	return NULL;
}

static struct node *
add_child(struct node *parent, const char *key)
{
	struct node *n;

	parent->children = xgrow(parent->children, &parent->children_cap,
	    parent->nchildren + 1, sizeof(*parent->children));
	n = &parent->children[parent->nchildren++];
	memset(n, 0, sizeof(*n));
	n->key = xstrdup(key);
	n->kind = VALUE_OBJECT;
	return n;
}

/* "0", "1", "12": an array index; "01" is a key */
static int
is_index(const char *s)
{
	return s[0] != '\0' && strspn(s, "0123456789") == strlen(s) &&
	    (s[0] != '0' || s[1] == '\0') && strlen(s) < 7;
}

/*
 * The element an index names: one given before, or the next one. A
 * fresh node becomes an array at its first index.
 */
static struct node *
element(struct node *n, const char *arg, const char *index)
{
	size_t i = (size_t)strtoul(index, NULL, 10);

	if (n->kind == VALUE_OBJECT && n->nchildren == 0)
		n->kind = VALUE_ARRAY;
	if (n->kind != VALUE_ARRAY)
		errx(EXIT_USAGE, "--json: '%s': an index among keys", arg);
	if (i < n->nchildren)
		return &n->children[i];
	if (i > n->nchildren)
		errx(EXIT_USAGE, "--json: '%s': index %zu before index %zu",
		    arg, i, n->nchildren);
	return add_child(n, index);
}

/* the node a dotted key names, made with its parents; exits on a clash */
static struct node *
make_path(struct shape *s, const char *arg, const char *path)
{
	struct buf segment = BUF_INIT;
	struct node *n = &s->root, *next;
	const char *rest = path;

	while ((rest = next_segment(rest, &segment)) != NULL) {
		if (segment.len == 0)
			errx(EXIT_USAGE, "--json: '%s': an empty key", arg);
		if (n->kind != VALUE_OBJECT && n->kind != VALUE_ARRAY)
			errx(EXIT_USAGE, "--json: '%s': a key under a value "
			    "given before", arg);
		if (n != &s->root && is_index(segment.data)) {
			n = element(n, arg, segment.data);
		} else if (n->kind == VALUE_ARRAY) {
			errx(EXIT_USAGE, "--json: '%s': a key among indices",
			    arg);
		} else {
			next = child(n, segment.data);
			n = next != NULL ? next : add_child(n, segment.data);
		}
		if (*rest == '\0')
			break;
	}
	buf_free(&segment);
	if (n == &s->root)
		errx(EXIT_USAGE, "--json: '%s': no key", arg);
	if (n->kind != VALUE_OBJECT || n->nchildren > 0)
		errx(EXIT_USAGE, "--json: '%s': the key is given twice", arg);
	return n;
}

static char *
read_secret(const char *arg, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		err(EXIT_USAGE, "--json: '%s'", path);
	n = getline(&line, &cap, f);
	fclose(f);
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n <= 0)
		errx(EXIT_USAGE, "--json: '%s': '%s' is empty", arg, path);
	line[n] = '\0';
	return line;
}

/* "seconds(FIELD)": the field, or NULL when text is not that form */
static char *
seconds_field(const char *text)
{
	size_t n = strlen(text);

	if (n < 10 || strncmp(text, "seconds(", 8) != 0 || text[n - 1] != ')')
		return NULL;
	return xstrndup(text + 8, n - 9);
}

/*
 * A JSON constant, checked by the alert parser (strict RFC 8259) inside
 * an object made for it, then compacted: a body framed as NDJSON must
 * stay on one line. Its bytes are kept, so a long number is not rounded.
 */
static char *
json_constant(const char *text)
{
	struct buf wrapped = BUF_INIT, out = BUF_INIT;
	struct alert a;
	const char *reason;

	buf_printf(&wrapped, "{\"v\":%s}", text);
	alert_init(&a);
	if (alert_parse(&a, wrapped.data, wrapped.len, &reason) == 0 &&
	    a.ntop == 1)
		json_compact(&a.top[0].value, &out);
	alert_free(&a);
	buf_free(&wrapped);
	return out.data;
}

static int
is_field_name(const char *s)
{
	return *s != '\0' && strspn(s, "abcdefghijklmnopqrstuvwxyz"
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.") == strcspn(s, "[") &&
	    (strchr(s, '[') == NULL || s[strlen(s) - 1] == ']');
}

static void
set_raw(struct node *n, const char *arg, const char *text)
{
	char *field;

	if (strcmp(text, ".") == 0) {
		n->kind = VALUE_ALERT;
	} else if ((field = seconds_field(text)) != NULL) {
		n->kind = VALUE_SECONDS;
		n->text = field;
	} else if ((n->text = json_constant(text)) != NULL) {
		n->kind = VALUE_JSON;
	} else if (is_field_name(text)) {
		n->kind = VALUE_FIELD;
		n->text = xstrdup(text);
	} else {
		errx(EXIT_USAGE, "--json: '%s': after := a field, '.', "
		    "seconds(FIELD) or JSON", arg);
	}
}

static void
set_string(struct node *n, const char *arg, const char *text)
{
	const char *error;

	if (text[0] == '@') {
		n->kind = VALUE_SECRET;
		n->text = read_secret(arg, text + 1);
		return;
	}
	/* "\@" starts a format that starts with "@" */
	if (text[0] == '\\' && text[1] == '@')
		text++;
	n->kind = VALUE_FORMAT;
	/* a leading '*' is the text's, chat Markdown such as **%priority** */
	n->format = format_compile_text(text, &error);
	if (n->format == NULL)
		errx(EXIT_USAGE, "--json: '%s': %s", arg, error);
}

void
shape_add(struct shape *s, const char *arg)
{
	struct buf key = BUF_INIT;
	const char *value;
	struct node *n;
	int raw;

	if ((value = split_key(arg, &key, &raw)) == NULL)
		errx(EXIT_USAGE, "--json: '%s': expected KEY=FORMAT or "
		    "KEY:=FIELD", arg);
	n = make_path(s, arg, buf_str(&key));
	if (raw)
		set_raw(n, arg, value);
	else
		set_string(n, arg, value);
	buf_free(&key);
	s->given = 1;
}

/* ---- rendering ---- */

/*
 * Text from an alert, made valid UTF-8 (a JSON body must be, and a
 * format's width cuts bytes, whatever they encode), made harmless for
 * the chat, then cut: every chat gets its angle brackets broken; Discord
 * and Google Chat their mentions and Markdown links; Teams, which
 * mentions only through entities, its Markdown links.
 */
static void
clean_string(struct shape *s, struct buf *out)
{
	struct buf *in = &s->rendered, *tmp = &s->cleaned;

	buf_reset(tmp);
	chat_utf8(in->data, in->len, tmp);
	buf_reset(in);
	if (s->defuse == DEFUSE_NONE) {
		buf_add(in, tmp->data, tmp->len);
	} else {
		if (s->defuse == DEFUSE_TEAMS)
			chat_defuse_links(tmp->data, tmp->len, in);
		else
			chat_defuse_mentions(tmp->data, tmp->len, in);
		buf_reset(tmp);
		chat_defuse_angle_brackets(in->data, in->len, tmp);
		buf_reset(in);
		if (s->defuse != DEFUSE_TEAMS)
			chat_defuse_links(tmp->data, tmp->len, in);
		else
			buf_add(in, tmp->data, tmp->len);
	}
	if (s->max_chars > 0)
		chat_cut(in, 0, s->max_chars);
	buf_addc(out, '"');
	buf_add_json_escaped(out, in->data, in->len);
	buf_addc(out, '"');
}

/* a field's value as the alert has it; output_fields is a top-level key */
static struct json_value
raw_field(struct alert *a, const char *name)
{
	struct json_value absent = { JSON_ABSENT, NULL, 0 };
	size_t i;

	if (strcmp(name, "output_fields") != 0)
		return alert_field(a, name, strlen(name));
	/* null is left out, as alert_field leaves it out */
	for (i = 0; i < a->ntop; i++)
		if (json_string_equals(&a->top[i].key, name, strlen(name)))
			return a->top[i].value.type == JSON_NULL ? absent :
			    a->top[i].value;
	return absent;
}

/*
 * A time as seconds with nine decimals, exact: nanoseconds (evt.time)
 * or RFC 3339 text (time). Nothing (0) when it is neither.
 */
static int
render_seconds(struct shape *s, struct alert *a, const char *field,
    struct buf *out)
{
	struct json_value v = raw_field(a, field);
	long long ns;
	const char *text;
	size_t len;
	char *end;

	ns = -1;
	if (v.type == JSON_STRING) {
		text = json_string(&v, &s->scratch, &len);
		if (time_parse_ns(text, len, &ns) != 0)
			ns = -1;
	} else if (v.type == JSON_NUMBER && v.raw[0] != '-') {
		errno = 0;
		ns = strtoll(v.raw, &end, 10);
		/* past 64 bits strtoll gives its largest: no time at all */
		if (end != v.raw + v.raw_len || errno == ERANGE)
			ns = -1;
	}
	if (ns < 0)
		return 0;
	buf_printf(out, "%lld.%09lld", ns / 1000000000LL, ns % 1000000000LL);
	return 1;
}

static int render_value(struct shape *s, const struct node *n,
    struct alert *a, const char *line, size_t len, int redact,
    struct buf *out);

/* a key whose field the alert lacks is left out, as Falco leaves it out */
static void
render_object(struct shape *s, const struct node *n, struct alert *a,
    const char *line, size_t len, int redact, struct buf *out)
{
	size_t i, start, first = out->len + 1;

	buf_addc(out, '{');
	for (i = 0; i < n->nchildren; i++) {
		start = out->len;
		if (out->len > first)
			buf_addc(out, ',');
		buf_addc(out, '"');
		buf_add_json_escaped(out, n->children[i].key,
		    strlen(n->children[i].key));
		buf_adds(out, "\":");
		if (!render_value(s, &n->children[i], a, line, len, redact,
		    out))
			out->len = start;
	}
	buf_addc(out, '}');
}

static void
render_array(struct shape *s, const struct node *n, struct alert *a,
    const char *line, size_t len, int redact, struct buf *out)
{
	size_t i;

	/* an element keeps its place: what is absent there is null */
	buf_addc(out, '[');
	for (i = 0; i < n->nchildren; i++) {
		if (i > 0)
			buf_addc(out, ',');
		if (!render_value(s, &n->children[i], a, line, len, redact,
		    out))
			buf_adds(out, "null");
	}
	buf_addc(out, ']');
}

/* 1 when a value was written; 0 when its field is absent */
static int
render_value(struct shape *s, const struct node *n, struct alert *a,
    const char *line, size_t len, int redact, struct buf *out)
{
	struct json_value v;

	switch (n->kind) {
	case VALUE_OBJECT:
		render_object(s, n, a, line, len, redact, out);
		break;
	case VALUE_ARRAY:
		render_array(s, n, a, line, len, redact, out);
		break;
	case VALUE_FORMAT:
		buf_reset(&s->rendered);
		format_render(n->format, a, &s->rendered);
		clean_string(s, out);
		break;
	case VALUE_SECRET:
		buf_addc(out, '"');
		buf_add_json_escaped(out, redact ? "(secret)" : n->text,
		    redact ? 8 : strlen(n->text));
		buf_addc(out, '"');
		break;
	case VALUE_FIELD:
		v = raw_field(a, n->text);
		if (v.type == JSON_ABSENT)
			return 0;
		buf_add(out, v.raw, v.raw_len);
		break;
	case VALUE_ALERT:
		buf_add(out, line, len);
		break;
	case VALUE_SECONDS:
		return render_seconds(s, a, n->text, out);
	case VALUE_JSON:
		buf_adds(out, n->text);
		break;
	}
	return 1;
}

void
shape_render(struct shape *s, struct alert *a, const char *line, size_t len,
    int redact, struct buf *out)
{
	render_object(s, &s->root, a, line, len, redact, out);
}

static void
free_node(struct node *n)
{
	size_t i;

	for (i = 0; i < n->nchildren; i++) {
		free_node(&n->children[i]);
		free(n->children[i].key);
	}
	free(n->children);
	format_free(n->format);
	if (n->kind == VALUE_SECRET)
		explicit_bzero(n->text, strlen(n->text));
	free(n->text);
}

void
shape_free(struct shape *s)
{
	if (s == NULL)
		return;
	free_node(&s->root);
	buf_free(&s->rendered);
	buf_free(&s->cleaned);
	buf_free(&s->scratch);
	free(s);
}
