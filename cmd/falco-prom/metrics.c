#include <err.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "exitcode.h"
#include "labels.h"
#include "metrics.h"
#include "xalloc.h"

/*
 * Series are numbered in the order they were made; the numbering lives
 * in chunks of pointers that never move, so a rendering reads the
 * series its copy names without holding the lock while the counting
 * thread adds more.
 */
#define CHUNK_SERIES 1024

/*
 * In a key, each label value is followed by this byte, which valid
 * UTF-8 never holds: the key is the value tuple, unambiguously.
 */
#define VALUE_END '\xff'

/* one allocation: a lookup that hits touches the slot and this, no more */
struct series {
	unsigned long long count;	/* under the lock */
	uint64_t hash;
	size_t key_len;
	char key[];			/* the values, each ending in VALUE_END */
};

/*
 * Half a cache line holds eight slots: the table of 10,000 series takes
 * 256 KiB, which a core's cache can keep, and a lookup that misses (the
 * most common one once --max-series is reached) reads nothing else.
 */
struct slot {
	uint32_t tag;			/* the hash's high half */
	uint32_t number;		/* the series' number + 1; 0: empty */
};

/* the labels whose fields are in one list of members */
struct field_group {
	size_t *labels;			/* indexes into metrics.labels */
	size_t n;
};

/* a label, as the counting loop uses it */
struct label {
	char *name;
	char *field;
	size_t field_len;
	int top_level;			/* a key of the alert, not of output_fields */
	size_t head_len;		/* of the field's name up to its first dot */
	enum label_kind kind;
	const char *if_empty;
};

struct metrics {
	/* fixed from the start */
	char *metric, *help;
	struct label *labels;
	size_t nlabels;
	struct field_group top_fields, output_fields;
	size_t max_series;
	double start_time;
	uint64_t seed;
	struct series ***chunks;	/* enough for max_series; filled in order */

	/* the counting thread's own */
	struct slot *index;
	size_t index_size;		/* a power of two, at least twice the series */
	struct json_value *values;	/* the labels' fields in the alert at hand */
	char *key;			/* room for the longest key */
	struct buf scratch;
	int warned;

	pthread_mutex_t lock;
	size_t nseries;
	unsigned long long lines, bad_lines, dropped;
};

/* a rendering's copy: which series, and their counts at that moment */
struct copy {
	struct series **series;
	unsigned long long *counts;
	size_t n, cap;
	unsigned long long lines, bad_lines, dropped;
};

/* the longest a severity's text can be: "informational" */
#define SEVERITY_TEXT_MAX 16

static uint64_t
hash_bytes(uint64_t seed, const char *p, size_t n)
{
	uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ULL), w;

	while (n >= 8) {
		memcpy(&w, p, 8);
		h = (h ^ w) * 0xbf58476d1ce4e5b9ULL;
		h ^= h >> 31;
		p += 8;
		n -= 8;
	}
	w = 0;
	memcpy(&w, p, n);
	h = (h ^ w) * 0x94d049bb133111ebULL;
	return h ^ (h >> 29);
}

static uint64_t
random_seed(void)
{
	uint64_t seed;

	/*
	 * Label values come from the alerts: a seed they cannot know keeps
	 * crafted values from piling into one chain of the table.
	 */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) != sizeof(seed))
		seed = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)&seed;
	return seed;
}

/* the most bytes a label's value can take in a key, VALUE_END included */
static size_t
value_room(const struct label *l)
{
	size_t room = l->field != NULL ? LABEL_VALUE_MAX : SEVERITY_TEXT_MAX;

	if (l->if_empty != NULL && strlen(l->if_empty) > room)
		room = strlen(l->if_empty);
	return room + 1;
}

static struct label *
copy_labels(const struct label_spec *specs, size_t n, size_t *key_room)
{
	struct label *labels = xcalloc(n + 1, sizeof(*labels));
	size_t i;

	*key_room = 0;
	for (i = 0; i < n; i++) {
		struct label *l = &labels[i];

		l->name = xstrdup(specs[i].name);
		l->kind = specs[i].kind;
		l->if_empty = specs[i].if_empty;
		if (specs[i].field != NULL) {
			l->field = xstrdup(specs[i].field);
			l->field_len = strlen(l->field);
			l->top_level = alert_is_top_level_name(l->field,
			    l->field_len);
			l->head_len = strcspn(l->field, ".");
		}
		*key_room += value_room(l);
	}
	return labels;
}

static void
group_fields(struct metrics *m)
{
	size_t j;

	m->top_fields.labels = xcalloc(m->nlabels + 1, sizeof(size_t));
	m->output_fields.labels = xcalloc(m->nlabels + 1, sizeof(size_t));
	for (j = 0; j < m->nlabels; j++) {
		struct field_group *g = m->labels[j].top_level ?
		    &m->top_fields : &m->output_fields;

		if (m->labels[j].field != NULL)
			g->labels[g->n++] = j;
	}
}

struct metrics *
metrics_new(const struct metrics_options *o)
{
	struct metrics *m = xcalloc(1, sizeof(*m));
	struct timespec now;
	size_t key_room;

	m->metric = xstrdup(o->metric);
	m->help = xstrdup(o->help);
	m->labels = copy_labels(o->labels, o->nlabels, &key_room);
	m->nlabels = o->nlabels;
	group_fields(m);
	m->values = xcalloc(o->nlabels + 1, sizeof(*m->values));
	m->key = xmalloc(key_room + 1);
	m->max_series = o->max_series;
	clock_gettime(CLOCK_REALTIME, &now);
	m->start_time = (double)now.tv_sec + now.tv_nsec / 1e9;
	m->seed = random_seed();
	m->chunks = xcalloc(o->max_series / CHUNK_SERIES + 1,
	    sizeof(*m->chunks));
	m->index_size = 64;
	m->index = xcalloc(m->index_size, sizeof(*m->index));
	pthread_mutex_init(&m->lock, NULL);
	return m;
}

static struct series *
series_at(const struct metrics *m, size_t i)
{
	return m->chunks[i / CHUNK_SERIES][i % CHUNK_SERIES];
}

void
metrics_free(struct metrics *m)
{
	size_t i;

	if (m == NULL)
		return;
	for (i = 0; i < m->nseries; i++)
		free(series_at(m, i));
	for (i = 0; i * CHUNK_SERIES < m->nseries; i++)
		free(m->chunks[i]);
	for (i = 0; i < m->nlabels; i++) {
		free(m->labels[i].name);
		free(m->labels[i].field);
	}
	free(m->labels);
	free(m->top_fields.labels);
	free(m->output_fields.labels);
	free(m->values);
	free(m->key);
	free(m->chunks);
	free(m->index);
	buf_free(&m->scratch);
	pthread_mutex_destroy(&m->lock);
	free(m->metric);
	free(m->help);
	free(m);
}

void
metrics_bad_line(struct metrics *m)
{
	pthread_mutex_lock(&m->lock);
	m->lines++;
	m->bad_lines++;
	pthread_mutex_unlock(&m->lock);
}

void
metrics_other_line(struct metrics *m)
{
	pthread_mutex_lock(&m->lock);
	m->lines++;
	pthread_mutex_unlock(&m->lock);
}

/* take members[i] for label j: the first of that name stands, even null */
static void
take_member(struct metrics *m, size_t j, const struct json_member *member)
{
	m->values[j] = member->value;
	if (m->values[j].type == JSON_ABSENT)
		m->values[j].type = JSON_NULL;
}

/*
 * Find the fields of the labels in group in one pass over the members,
 * the way alert_field() does (the first member of that name, unescaped),
 * but without unescaping a key unless the plain comparison found nothing:
 * an escaped key is rare, and it can only be longer than its name.
 */
static void
find_fields(struct metrics *m, const struct json_member *members, size_t n,
    const struct field_group *group)
{
	size_t i, k, missing = group->n;

	for (i = 0; i < n && missing > 0; i++) {
		const char *key = members[i].key.raw + 1;
		size_t len = members[i].key.raw_len - 2;

		for (k = 0; k < group->n; k++) {
			size_t j = group->labels[k];
			const struct label *l = &m->labels[j];

			if (l->field_len != len || key[0] != l->field[0] ||
			    m->values[j].type != JSON_ABSENT ||
			    memcmp(key, l->field, len) != 0)
				continue;
			take_member(m, j, &members[i]);
			missing--;
		}
	}
	for (i = 0; i < n && missing > 0; i++) {
		const struct json_value *key = &members[i].key;

		if (memchr(key->raw + 1, '\\', key->raw_len - 2) == NULL)
			continue;
		for (k = 0; k < group->n; k++) {
			size_t j = group->labels[k];
			const struct label *l = &m->labels[j];

			if (m->values[j].type != JSON_ABSENT ||
			    !json_string_equals(key, l->field, l->field_len))
				continue;
			take_member(m, j, &members[i]);
			missing--;
		}
	}
}

/*
 * A field that output_fields lacks is a path from the top level, as
 * alert_field() reads it (alert.h): falco_netpol.action is "action" of
 * the object falco-netpol adds. Asked only when the top level has an
 * object named as the path's head, which most alerts do not: counting
 * stays one pass over the members.
 */
static void
find_paths(struct metrics *m, struct alert *a)
{
	const struct field_group *g = &m->output_fields;
	size_t k, i;

	for (k = 0; k < g->n; k++) {
		const struct label *l = &m->labels[g->labels[k]];

		if (m->values[g->labels[k]].type != JSON_ABSENT ||
		    l->head_len == l->field_len)
			continue;
		for (i = 0; i < a->ntop; i++)
			if (a->top[i].value.type == JSON_OBJECT &&
			    json_string_equals(&a->top[i].key, l->field,
			    l->head_len))
				break;
		if (i < a->ntop)
			m->values[g->labels[k]] = alert_field(a, l->field,
			    l->field_len);
	}
}

/* 1 when the n bytes at p hold neither a backslash nor a non-ASCII byte */
static int
plain_ascii(const char *p, size_t n)
{
	const uint64_t ones = 0x0101010101010101ULL;
	const uint64_t highs = 0x8080808080808080ULL;
	uint64_t w, bs;
	size_t i;

	for (i = 0; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		bs = w ^ (ones * '\\');
		if (((bs - ones) & ~bs & highs) | (w & highs))
			return 0;
	}
	for (; i < n; i++)
		if (p[i] == '\\' || (unsigned char)p[i] >= 0x80)
			return 0;
	return 1;
}

/* the value of a string field at k in the key; returns the new end */
static char *
put_string(struct metrics *m, char *k, const struct json_value *v,
    struct alert *a)
{
	const char *s;
	size_t len;

	if (v->type != JSON_STRING)
		return k;
	s = v->raw + 1;
	len = v->raw_len - 2;
	if (len <= LABEL_VALUE_MAX && plain_ascii(s, len)) {
		memcpy(k, s, len);
		return k + len;
	}
	s = json_string(v, &a->scratch, &len);
	buf_reset(&m->scratch);
	label_value_utf8(s, len, LABEL_VALUE_MAX, &m->scratch);
	memcpy(k, m->scratch.data, m->scratch.len);
	return k + m->scratch.len;
}

static char *
put_severity(char *k, int severity, int as_number)
{
	const char *name = priority_name(severity);

	if (as_number) {
		*k++ = (char)('1' + severity);
		return k;
	}
	for (; name != NULL && *name != '\0'; name++)
		*k++ = (char)(*name | 0x20);
	return k;
}

/* a priority Falco knows by its long name, any other string as it is */
static char *
put_priority(struct metrics *m, char *k, const struct json_value *v,
    struct alert *a)
{
	const char *s, *name;
	size_t len;

	if (v->type != JSON_STRING)
		return k;
	s = json_string(v, &a->scratch, &len);
	name = priority_name(priority_parse(s, len));
	if (name == NULL)
		return put_string(m, k, v, a);
	memcpy(k, name, strlen(name));
	return k + strlen(name);
}

/* the alert's key into m->key: its length */
static size_t
make_key(struct metrics *m, struct alert *a)
{
	char *k = m->key;
	int severity = -2;	/* not asked yet */
	size_t i;

	for (i = 0; i < m->nlabels; i++)
		m->values[i].type = JSON_ABSENT;
	find_fields(m, a->top, a->ntop, &m->top_fields);
	find_fields(m, a->fields, a->nfields, &m->output_fields);
	find_paths(m, a);
	for (i = 0; i < m->nlabels; i++) {
		const struct label *l = &m->labels[i];
		char *start = k;

		if (l->kind == LABEL_FIELD) {
			k = put_string(m, k, &m->values[i], a);
		} else if (l->kind == LABEL_PRIORITY) {
			k = put_priority(m, k, &m->values[i], a);
		} else {
			if (severity == -2)
				severity = alert_severity(a);
			k = put_severity(k, severity,
			    l->kind == LABEL_SEVERITY_NUMBER);
		}
		if (k == start && l->if_empty != NULL) {
			memcpy(k, l->if_empty, strlen(l->if_empty));
			k += strlen(l->if_empty);
		}
		*k++ = VALUE_END;
	}
	return (size_t)(k - m->key);
}

/* the slot of the series with this key, or the empty slot it would take */
static struct slot *
index_slot(struct metrics *m, uint64_t hash, const char *key, size_t len)
{
	size_t mask = m->index_size - 1, i = (size_t)hash & mask;
	uint32_t tag = (uint32_t)(hash >> 32);

	for (;; i = (i + 1) & mask) {
		struct slot *slot = &m->index[i];
		const struct series *s;

		if (slot->number == 0)
			return slot;
		if (slot->tag != tag)
			continue;
		s = series_at(m, slot->number - 1);
		if (s->hash == hash && s->key_len == len &&
		    memcmp(s->key, key, len) == 0)
			return slot;
	}
}

static void
index_grow(struct metrics *m)
{
	struct slot *old = m->index;
	size_t old_size = m->index_size, mask, i, j;

	m->index_size *= 2;
	mask = m->index_size - 1;
	m->index = xcalloc(m->index_size, sizeof(*m->index));
	for (i = 0; i < old_size; i++) {
		if (old[i].number == 0)
			continue;
		j = (size_t)series_at(m, old[i].number - 1)->hash & mask;
		while (m->index[j].number != 0)
			j = (j + 1) & mask;
		m->index[j] = old[i];
	}
	free(old);
}

/*
 * A new series for the key in m->key, numbered m->nseries but not yet
 * counted in it: only the caller, under the lock, makes it visible.
 */
static struct series *
series_new(struct metrics *m, uint64_t hash, size_t key_len,
    struct slot *slot)
{
	size_t n = m->nseries;
	struct series *s = xmalloc(sizeof(*s) + key_len);

	if (m->chunks[n / CHUNK_SERIES] == NULL)
		m->chunks[n / CHUNK_SERIES] = xcalloc(CHUNK_SERIES,
		    sizeof(struct series *));
	s->count = 0;
	s->hash = hash;
	s->key_len = key_len;
	memcpy(s->key, m->key, key_len);
	m->chunks[n / CHUNK_SERIES][n % CHUNK_SERIES] = s;
	slot->tag = (uint32_t)(hash >> 32);
	slot->number = (uint32_t)(n + 1);
	return s;
}

void
metrics_alert(struct metrics *m, struct alert *a)
{
	struct series *s = NULL;
	struct slot *slot;
	uint64_t hash;
	size_t len;
	int fresh = 0;

	len = make_key(m, a);
	hash = hash_bytes(m->seed, m->key, len);
	slot = index_slot(m, hash, m->key, len);
	if (slot->number != 0) {
		s = series_at(m, slot->number - 1);
	} else if (m->nseries < m->max_series) {
		s = series_new(m, hash, len, slot);
		fresh = 1;
	} else if (!m->warned) {
		m->warned = 1;
		warnx("--max-series %zu reached: alerts of new label sets are "
		    "counted in falco_prom_series_dropped_total", m->max_series);
	}

	pthread_mutex_lock(&m->lock);
	m->lines++;
	if (s == NULL)
		m->dropped++;
	else
		s->count++;
	if (fresh)
		m->nseries++;
	pthread_mutex_unlock(&m->lock);

	if (fresh && m->nseries * 2 > m->index_size)
		index_grow(m);
}

size_t
metrics_series(struct metrics *m)
{
	size_t n;

	pthread_mutex_lock(&m->lock);
	n = m->nseries;
	pthread_mutex_unlock(&m->lock);
	return n;
}

static void
take_copy(struct metrics *m, struct copy *c)
{
	size_t i;

	/* allocate outside the lock; retry in the rare case it grew since */
	for (;;) {
		pthread_mutex_lock(&m->lock);
		if (m->nseries <= c->cap)
			break;
		c->cap = m->nseries + m->nseries / 4 + 16;
		pthread_mutex_unlock(&m->lock);
		c->series = xrealloc(c->series, c->cap * sizeof(*c->series));
		c->counts = xrealloc(c->counts, c->cap * sizeof(*c->counts));
	}
	c->n = m->nseries;
	for (i = 0; i < c->n; i++) {
		struct series *s = series_at(m, i);

		c->series[i] = s;
		c->counts[i] = s->count;
	}
	c->lines = m->lines;
	c->bad_lines = m->bad_lines;
	c->dropped = m->dropped;
	pthread_mutex_unlock(&m->lock);
}

/* label-set order: value by value, byte by byte, a prefix first */
static int
compare_keys(const struct series *a, const struct series *b)
{
	const char *p = a->key, *q = b->key;

	for (;;) {
		size_t n = (size_t)((const char *)memchr(p, VALUE_END,
		    a->key_len - (size_t)(p - a->key)) - p);
		size_t k = (size_t)((const char *)memchr(q, VALUE_END,
		    b->key_len - (size_t)(q - b->key)) - q);
		int c = memcmp(p, q, n < k ? n : k);

		if (c != 0)
			return c;
		if (n != k)
			return n < k ? -1 : 1;
		p += n + 1;
		q += k + 1;
		if (p >= a->key + a->key_len)
			return 0;
	}
}

static int
compare_positions(const void *x, const void *y, void *copy)
{
	const struct copy *c = copy;
	size_t i = *(const size_t *)x, j = *(const size_t *)y;

	return compare_keys(c->series[i], c->series[j]);
}

static size_t *
sorted_positions(struct copy *c)
{
	size_t *order = xcalloc(c->n + 1, sizeof(*order));
	size_t i;

	for (i = 0; i < c->n; i++)
		order[i] = i;
	qsort_r(order, c->n, sizeof(*order), compare_positions, c);
	return order;
}

static void
render_header(struct buf *out, const char *name, const char *type,
    const char *help)
{
	buf_printf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name,
	    type);
}

static void
render_series(const struct metrics *m, const struct series *s,
    unsigned long long count, struct buf *out)
{
	const char *p = s->key;
	size_t i;

	buf_adds(out, m->metric);
	buf_addc(out, '{');
	for (i = 0; i < m->nlabels; i++) {
		const char *end = memchr(p, VALUE_END,
		    s->key_len - (size_t)(p - s->key));

		if (i > 0)
			buf_addc(out, ',');
		buf_adds(out, m->labels[i].name);
		buf_add(out, "=\"", 2);
		prom_label_value(p, (size_t)(end - p), out);
		buf_addc(out, '"');
		p = end + 1;
	}
	buf_printf(out, "} %llu\n", count);
}

static void
render_counter(struct buf *out, const char *name, const char *help,
    unsigned long long value)
{
	render_header(out, name, "counter", help);
	buf_printf(out, "%s %llu\n", name, value);
}

void
metrics_render(struct metrics *m, struct buf *out)
{
	struct copy c = { 0 };
	size_t *order, i;

	take_copy(m, &c);
	order = sorted_positions(&c);
	render_header(out, m->metric, "counter", m->help);
	for (i = 0; i < c.n; i++)
		render_series(m, c.series[order[i]], c.counts[order[i]], out);
	render_counter(out, "falco_prom_lines_total",
	    "Input lines read, alerts or not.", c.lines);
	render_counter(out, "falco_prom_bad_lines_total",
	    "Input lines skipped: not a JSON object, or too long.",
	    c.bad_lines);
	render_counter(out, "falco_prom_series_dropped_total",
	    "Selected alerts not counted in a series, since --max-series "
	    "was reached.", c.dropped);
	render_header(out, "falco_prom_series", "gauge",
	    "Series of the alert counter.");
	buf_printf(out, "falco_prom_series %zu\n", c.n);
	render_header(out, "falco_prom_max_series", "gauge",
	    "The --max-series limit.");
	buf_printf(out, "falco_prom_max_series %zu\n", m->max_series);
	render_header(out, "falco_prom_start_time_seconds", "gauge",
	    "Start time of falco-prom since the Unix epoch, in seconds.");
	buf_printf(out, "falco_prom_start_time_seconds %.3f\n", m->start_time);
	free(order);
	free(c.series);
	free(c.counts);
}
