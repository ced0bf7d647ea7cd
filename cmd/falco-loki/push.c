#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "labels.h"
#include "push.h"
#include "xalloc.h"

/*
 * The pieces of the body and their sizes; the size of a body follows
 * from them, so it is known before the body is made.
 */
#define BODY_OPEN "{\"streams\":["
#define BODY_CLOSE "]}"
#define STREAM_OPEN "{\"stream\":"
#define STREAM_VALUES ",\"values\":["
#define STREAM_CLOSE "]}"
#define BODY_EMPTY_SIZE (sizeof(BODY_OPEN) - 1 + sizeof(BODY_CLOSE) - 1)
#define STREAM_SIZE (sizeof(STREAM_OPEN) - 1 + sizeof(STREAM_VALUES) - 1 + \
	sizeof(STREAM_CLOSE) - 1)

struct entry {
	long long ns;
	size_t stream;
	size_t offset;		/* of its value text in values */
	size_t len;
};

struct stream {
	char *labels;		/* the stream object, as sent: the key */
	size_t len;
	size_t nentries;
};

struct push {
	const struct loki_style *style;
	struct entry *entries;	/* in the order taken */
	size_t nentries, entries_cap;
	struct stream *streams;	/* in the order first seen */
	size_t nstreams, streams_cap;
	size_t *slots;		/* hash of labels -> stream index + 1 */
	size_t nslots;		/* a power of 2, at least twice nstreams */
	/* every entry's value text, the prepared one's last: made in
	 * place, since it is most of the body */
	struct buf values;
	size_t taken;		/* bytes of values of the entries taken */
	size_t size;		/* of the body */
	/* the prepared entry */
	struct buf labels, scratch, utf8;
	long long ns;
	size_t stream;		/* its stream; nstreams when new */
	size_t slot;
};

struct push *
push_new(const struct loki_style *style)
{
	struct push *p = xcalloc(1, sizeof(*p));

	p->style = style;
	p->nslots = 64;
	p->slots = xcalloc(p->nslots, sizeof(*p->slots));
	p->size = BODY_EMPTY_SIZE;
	return p;
}

/* FNV-1a: label sets are short and few */
static uint64_t
hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL;
	size_t i;

	for (i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* the slot of these labels: empty, or holding their stream */
static size_t
find_slot(const struct push *p, const char *labels, size_t len)
{
	size_t mask = p->nslots - 1, i = (size_t)hash(labels, len) & mask;

	for (;; i = (i + 1) & mask) {
		const struct stream *s;

		if (p->slots[i] == 0)
			return i;
		s = &p->streams[p->slots[i] - 1];
		if (s->len == len && memcmp(s->labels, labels, len) == 0)
			return i;
	}
}

static void
grow_slots(struct push *p)
{
	size_t i;

	free(p->slots);
	p->nslots *= 2;
	p->slots = xcalloc(p->nslots, sizeof(*p->slots));
	for (i = 0; i < p->nstreams; i++)
		p->slots[find_slot(p, p->streams[i].labels,
		    p->streams[i].len)] = i + 1;
}

/* the text of a field as a label or metadata value; NULL when absent */
static const char *
field_text(struct push *p, struct alert *a, const char *field, size_t *len)
{
	struct json_value v = alert_field(a, field, strlen(field));

	if (v.type == JSON_ABSENT)
		return NULL;
	buf_reset(&p->scratch);
	json_text(&v, &p->scratch);
	*len = p->scratch.len;
	return p->scratch.data;
}

static void
add_pair(struct buf *out, const char *name, const char *value, size_t len)
{
	buf_addc(out, out->len > 1 ? ',' : '{');
	buf_addc(out, '"');
	buf_adds(out, name);
	buf_adds(out, "\":\"");
	buf_add_json_escaped(out, value, len);
	buf_addc(out, '"');
}

/*
 * A label or metadata value as Loki takes it: valid UTF-8, each byte of
 * an invalid sequence U+FFFD (labels.h); Loki refuses the whole push
 * otherwise. The line is left as read: it is the evidence.
 */
static const char *
utf8_value(struct push *p, const char *value, size_t *len)
{
	size_t i;

	for (i = 0; i < *len; i++)
		if ((unsigned char)value[i] >= 0x80)
			break;
	if (i == *len)
		return value;
	buf_reset(&p->utf8);
	*len = label_value_utf8(value, *len, 0, &p->utf8);
	return p->utf8.data;
}

/*
 * The stream object. A label whose field is absent or empty is left
 * out: to Loki, as to Prometheus, an empty label is no label.
 */
static int
make_labels(struct push *p, struct alert *a, const char **why)
{
	const struct loki_style *st = p->style;
	size_t i, len;
	const char *value;

	buf_reset(&p->labels);
	for (i = 0; i < st->nlabels; i++) {
		const struct loki_label *l = &st->labels[i];

		if (l->field == NULL) {
			value = l->value;
			len = strlen(value);
		} else {
			value = field_text(p, a, l->field, &len);
		}
		if (value == NULL || len == 0)
			continue;
		value = utf8_value(p, value, &len);
		if (len > LOKI_LABEL_VALUE_MAX) {
			*why = "a label value longer than Loki's 2048 bytes";
			return -1;
		}
		add_pair(&p->labels, l->name, value, len);
	}
	if (p->labels.len == 0) {
		*why = "no label: Loki needs at least one";
		return -1;
	}
	buf_addc(&p->labels, '}');
	return 0;
}

/* the value text, after those taken: a value prepared before is dropped */
static void
make_value(struct push *p, struct alert *a, const char *line, size_t len)
{
	const struct loki_style *st = p->style;
	struct buf *out = &p->values;
	const char *text;
	size_t i, n, start;

	out->len = p->taken;
	buf_printf(out, "[\"%lld\",\"", p->ns);
	text = st->line_output ? field_text(p, a, "output", &n) : NULL;
	/* without an output text the alert itself is the line: never nothing */
	if (text != NULL)
		buf_add_json_escaped(out, text, n);
	else
		buf_add_json_escaped(out, line, len);
	buf_addc(out, '"');
	start = out->len;
	for (i = 0; i < st->nmetadata; i++) {
		text = field_text(p, a, st->metadata[i].field, &n);
		if (text == NULL || n == 0)
			continue;
		/* Loki keeps structured metadata as labels */
		text = utf8_value(p, text, &n);
		buf_adds(out, out->len == start ? ",{\"" : ",\"");
		buf_adds(out, st->metadata[i].name);
		buf_adds(out, "\":\"");
		buf_add_json_escaped(out, text, n);
		buf_addc(out, '"');
	}
	if (out->len > start)
		buf_addc(out, '}');
	buf_addc(out, ']');
}

int
push_prepare(struct push *p, struct alert *a, const char *line, size_t len,
    long long ns, const char **why)
{
	size_t slot;

	if (make_labels(p, a, why) != 0)
		return -1;
	p->ns = ns;
	make_value(p, a, line, len);
	slot = find_slot(p, p->labels.data, p->labels.len);
	p->slot = slot;
	p->stream = p->slots[slot] != 0 ? p->slots[slot] - 1 : p->nstreams;
	return 0;
}

/* the prepared value's length */
static size_t
value_len(const struct push *p)
{
	return p->values.len - p->taken;
}

size_t
push_size_with(const struct push *p)
{
	if (p->stream < p->nstreams)
		return p->size + (p->streams[p->stream].nentries > 0) +
		    value_len(p);
	return p->size + (p->nstreams > 0) + STREAM_SIZE + p->labels.len +
	    value_len(p);
}

void
push_take(struct push *p)
{
	struct entry *e;
	struct stream *s;

	p->size = push_size_with(p);
	if (p->stream == p->nstreams) {
		p->streams = xgrow(p->streams, &p->streams_cap,
		    p->nstreams + 1, sizeof(*p->streams));
		s = &p->streams[p->nstreams++];
		s->labels = xstrndup(p->labels.data, p->labels.len);
		s->len = p->labels.len;
		s->nentries = 0;
		p->slots[p->slot] = p->nstreams;
		if (p->nstreams * 2 > p->nslots)
			grow_slots(p);
	}
	p->streams[p->stream].nentries++;
	p->entries = xgrow(p->entries, &p->entries_cap, p->nentries + 1,
	    sizeof(*p->entries));
	e = &p->entries[p->nentries++];
	e->ns = p->ns;
	e->stream = p->stream;
	e->offset = p->taken;
	e->len = value_len(p);
	p->taken = p->values.len;
}

size_t
push_entries(const struct push *p)
{
	return p->nentries;
}

/* by time; qsort is not stable, so the order taken breaks ties */
static int
entry_order(const void *x, const void *y)
{
	const struct entry *a = *(const struct entry *const *)x;
	const struct entry *b = *(const struct entry *const *)y;

	if (a->ns != b->ns)
		return a->ns < b->ns ? -1 : 1;
	return a < b ? -1 : a > b;
}

void
push_body(struct push *p, struct buf *out)
{
	const struct entry **order;
	size_t *start, i, j, n;

	buf_reserve(out, p->size);
	/* each stream's entries, gathered in one array, then sorted */
	start = xcalloc(p->nstreams + 1, sizeof(*start));
	for (i = 0; i < p->nstreams; i++)
		start[i + 1] = start[i] + p->streams[i].nentries;
	order = xcalloc(p->nentries + 1, sizeof(*order));
	for (i = 0; i < p->nentries; i++)
		order[start[p->entries[i].stream]++] = &p->entries[i];
	buf_adds(out, BODY_OPEN);
	for (i = 0, j = 0; i < p->nstreams; i++) {
		const struct stream *s = &p->streams[i];

		n = s->nentries;
		qsort(order + j, n, sizeof(*order), entry_order);
		if (i > 0)
			buf_addc(out, ',');
		buf_adds(out, STREAM_OPEN);
		buf_add(out, s->labels, s->len);
		buf_adds(out, STREAM_VALUES);
		for (; n > 0; n--, j++) {
			if (n != s->nentries)
				buf_addc(out, ',');
			buf_add(out, p->values.data + order[j]->offset,
			    order[j]->len);
		}
		buf_adds(out, STREAM_CLOSE);
	}
	buf_adds(out, BODY_CLOSE);
	free(order);
	free(start);
}

void
push_reset(struct push *p)
{
	size_t i;

	for (i = 0; i < p->nstreams; i++)
		free(p->streams[i].labels);
	p->nstreams = 0;
	p->nentries = 0;
	memset(p->slots, 0, p->nslots * sizeof(*p->slots));
	buf_reset(&p->values);
	p->taken = 0;
	p->size = BODY_EMPTY_SIZE;
}

void
push_free(struct push *p)
{
	if (p == NULL)
		return;
	push_reset(p);
	free(p->streams);
	free(p->entries);
	free(p->slots);
	buf_free(&p->values);
	buf_free(&p->labels);
	buf_free(&p->scratch);
	buf_free(&p->utf8);
	free(p);
}
