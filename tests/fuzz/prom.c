/*
 * prom: falco-prom's counting and exposition (cmd/falco-prom/metrics.c,
 * built into this harness). The input's lines are counted with the
 * default labels plus two of --label, and with --compat's, under a
 * --max-series small enough to be reached. The exposition must be
 *   - the text format Prometheus parses: UTF-8, every line ending in a
 *     newline, # HELP and # TYPE before each metric's samples, the
 *     labels named and ordered as configured, values quoted with only
 *     \\, \" and \n escaped, no two samples of one metric with the
 *     same labels;
 *   - the counts of a model of the harness's own: each alert's label
 *     values read through alert_field (alert.h: a field not in
 *     output_fields is a path from the top), made valid UTF-8 and cut to
 *     LABEL_VALUE_MAX bytes; a series for each value tuple in the order
 *     first seen, up to --max-series, the rest dropped; lines, bad lines
 *     and series counted; the series sorted by their values.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "fuzz.h"
#include "labels.h"
#include "metrics.h"
#include "xalloc.h"

#define MAX_SERIES 4
#define TUPLES_MAX 4096

static const struct label_spec plain_labels[] = {
	{ "rule", "rule", LABEL_FIELD, NULL },
	{ "priority", "priority", LABEL_PRIORITY, NULL },
	{ "source", "source", LABEL_FIELD, NULL },
	{ "hostname", "hostname", LABEL_FIELD, NULL },
	{ "k8s_ns_name", "k8s.ns.name", LABEL_FIELD, NULL },
	{ "k8s_pod_name", "k8s.pod.name", LABEL_FIELD, NULL },
	{ "proc_aname2", "proc.aname[2]", LABEL_FIELD, NULL },
	{ "action", "falco_netpol.action", LABEL_FIELD, NULL },
};
static const struct label_spec compat_labels[] = {
	{ "hostname", "hostname", LABEL_FIELD, "unknown" },
	{ "k8s_ns_name", "k8s.ns.name", LABEL_FIELD, NULL },
	{ "k8s_pod_name", "k8s.pod.name", LABEL_FIELD, NULL },
	{ "priority", NULL, LABEL_SEVERITY_NUMBER, NULL },
	{ "priority_raw", NULL, LABEL_SEVERITY_NAME, NULL },
	{ "rule", "rule", LABEL_FIELD, NULL },
	{ "source", "source", LABEL_FIELD, "syscalls" },
};

struct config {
	const char *metric;
	const struct label_spec *labels;
	size_t nlabels;
	size_t max_series;
};

static const struct config configs[] = {
	{ "falco_events_total", plain_labels,
	    sizeof(plain_labels) / sizeof(plain_labels[0]), MAX_SERIES },
	{ "falco_events_total", plain_labels,
	    sizeof(plain_labels) / sizeof(plain_labels[0]), 10000 },
	{ "falcosecurity_falcosidekick_falco_events_total", compat_labels,
	    sizeof(compat_labels) / sizeof(compat_labels[0]), MAX_SERIES },
};

/* a value tuple: the label values joined, each ending in '\n' (escaped) */
struct tuple {
	struct buf key;
	unsigned long long count;
};

struct model {
	struct tuple tuples[TUPLES_MAX];
	size_t ntuples;		/* with a series */
	unsigned long long lines, bad, dropped;
	int overflow;		/* more tuples than the model keeps */
};

/* a label's value in the model: what metrics.h says, by other means */
static void
model_value(const struct label_spec *l, struct alert *a, struct buf *out)
{
	size_t start = out->len, len;
	struct json_value v;
	const char *s, *name;
	struct buf scratch = BUF_INIT;

	switch (l->kind) {
	case LABEL_FIELD:
	case LABEL_PRIORITY:
		v = alert_field(a, l->field, strlen(l->field));
		if (v.type != JSON_STRING)
			break;
		s = json_string(&v, &scratch, &len);
		name = l->kind == LABEL_PRIORITY ?
		    priority_name(priority_parse(s, len)) : NULL;
		if (name != NULL)
			buf_adds(out, name);
		else
			label_value_utf8(s, len, LABEL_VALUE_MAX, out);
		break;
	case LABEL_SEVERITY_NUMBER:
		buf_printf(out, "%d", alert_severity(a) + 1);
		break;
	case LABEL_SEVERITY_NAME:
		name = priority_name(alert_severity(a));
		for (; name != NULL && *name != '\0'; name++)
			buf_addc(out, (char)(*name | 0x20));
		break;
	}
	if (out->len == start && l->if_empty != NULL)
		buf_adds(out, l->if_empty);
	buf_free(&scratch);
}

static void
model_alert(const struct config *c, struct model *m, struct alert *a)
{
	struct buf key = BUF_INIT, value = BUF_INIT;
	size_t i;

	for (i = 0; i < c->nlabels; i++) {
		buf_reset(&value);
		model_value(&c->labels[i], a, &value);
		FUZZ_ASSERT(value.len <= LABEL_VALUE_MAX ||
		    (c->labels[i].if_empty != NULL &&
		    value.len == strlen(c->labels[i].if_empty)));
		/* as the exposition writes it, so tuples compare as text */
		prom_label_value(buf_str(&value), value.len, &key);
		buf_addc(&key, '\n');
	}
	m->lines++;
	for (i = 0; i < m->ntuples; i++)
		if (m->tuples[i].key.len == key.len &&
		    memcmp(m->tuples[i].key.data, key.data, key.len) == 0)
			break;
	if (i < m->ntuples) {
		m->tuples[i].count++;
		buf_free(&key);
	} else if (m->ntuples < c->max_series && m->ntuples < TUPLES_MAX) {
		m->tuples[m->ntuples].key = key;
		m->tuples[m->ntuples++].count = 1;
	} else {
		m->overflow |= m->ntuples == TUPLES_MAX;
		m->dropped++;
		buf_free(&key);
	}
	buf_free(&value);
}

/* a value unescaped, after its length: values may hold any byte */
static void
add_value(struct buf *values, const char *v, size_t n)
{
	size_t at = values->len, len;

	buf_add(values, &n, sizeof(n));
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\\') {
			i++;
			buf_addc(values, v[i] == 'n' ? '\n' : v[i]);
		} else {
			buf_addc(values, v[i]);
		}
	}
	len = values->len - at - sizeof(n);
	memcpy(values->data + at, &len, sizeof(len));
}

/* label-set order (metrics.c): value by value, byte by byte, a prefix first */
static int
compare_values(const char *x, const char *y, size_t nlabels)
{
	for (size_t i = 0; i < nlabels; i++) {
		size_t n, k;
		int c;

		memcpy(&n, x, sizeof(n));
		memcpy(&k, y, sizeof(k));
		x += sizeof(n);
		y += sizeof(k);
		c = memcmp(x, y, n < k ? n : k);
		if (c != 0)
			return c;
		if (n != k)
			return n < k ? -1 : 1;
		x += n;
		y += k;
	}
	return 0;
}

/*
 * One sample line of the alert counter: its labels, in the config's
 * order, read into the model's key form (each value as written, then
 * '\n'); returns the count.
 */
static unsigned long long
read_sample(const struct config *c, const char *p, const char *end,
    struct buf *key, struct buf *raw_values)
{
	size_t mlen = strlen(c->metric);
	unsigned long long count;
	char *stop;

	FUZZ_ASSERT((size_t)(end - p) > mlen + 1 &&
	    memcmp(p, c->metric, mlen) == 0 && p[mlen] == '{');
	p += mlen + 1;
	for (size_t i = 0; i < c->nlabels; i++) {
		size_t nlen = strlen(c->labels[i].name);
		const char *v;

		if (i > 0)
			FUZZ_ASSERT(*p++ == ',');
		FUZZ_ASSERT(memcmp(p, c->labels[i].name, nlen) == 0 &&
		    p[nlen] == '=' && p[nlen + 1] == '"');
		p += nlen + 2;
		for (v = p; p < end && *p != '"'; p++) {
			if (*p != '\\')
				continue;
			p++;
			FUZZ_ASSERT(p < end && (*p == '\\' || *p == '"' ||
			    *p == 'n'));
		}
		FUZZ_ASSERT(p < end);
		buf_add(key, v, (size_t)(p - v));
		buf_addc(key, '\n');
		add_value(raw_values, v, (size_t)(p - v));
		p++;
	}
	FUZZ_ASSERT(p + 2 < end && p[0] == '}' && p[1] == ' ');
	count = strtoull(p + 2, &stop, 10);
	FUZZ_ASSERT(stop == end && count > 0);
	return count;
}

/* "NAME VALUE" with VALUE a whole number: the value */
static unsigned long long
read_counter(const char *p, const char *end, const char *name)
{
	size_t n = strlen(name);
	char *stop;
	unsigned long long v;

	FUZZ_ASSERT((size_t)(end - p) > n + 1 && memcmp(p, name, n) == 0 &&
	    p[n] == ' ');
	v = strtoull(p + n + 1, &stop, 10);
	FUZZ_ASSERT(stop == end);
	return v;
}

static void
check_exposition(const struct config *c, const struct model *m,
    const struct buf *out)
{
	const char *p = buf_str(out), *end = p + out->len, *nl;
	struct buf key = BUF_INIT, values = BUF_INIT, prev = BUF_INIT;
	size_t series = 0, n;
	int matched[TUPLES_MAX] = { 0 };
	char header[160];

	FUZZ_ASSERT(fuzz_utf8_valid(p, out->len, NULL));
	FUZZ_ASSERT(out->len > 0 && p[out->len - 1] == '\n');
	snprintf(header, sizeof(header), "# HELP %s ", c->metric);
	FUZZ_ASSERT(strncmp(p, header, strlen(header)) == 0);
	p = strchr(p, '\n') + 1;
	snprintf(header, sizeof(header), "# TYPE %s counter\n", c->metric);
	FUZZ_ASSERT(strncmp(p, header, strlen(header)) == 0);
	p += strlen(header);
	for (; p < end && *p != '#'; p = nl + 1, series++) {
		unsigned long long count;
		size_t i;

		nl = memchr(p, '\n', (size_t)(end - p));
		buf_reset(&key);
		buf_reset(&values);
		count = read_sample(c, p, nl, &key, &values);
		/* sorted by values, which also keeps two from being the same */
		if (series > 0)
			FUZZ_ASSERT(compare_values(prev.data, values.data,
			    c->nlabels) < 0);
		buf_reset(&prev);
		buf_add(&prev, values.data, values.len);
		for (i = 0; i < m->ntuples; i++)
			if (m->tuples[i].key.len == key.len &&
			    memcmp(m->tuples[i].key.data, key.data, key.len) == 0)
				break;
		FUZZ_ASSERT(i < m->ntuples && !matched[i]);
		matched[i] = 1;
		FUZZ_ASSERT(count == m->tuples[i].count);
	}
	FUZZ_ASSERT(series == m->ntuples);
	n = 0;
	for (; p < end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (*p == '#')
			continue;
		switch (n++) {
		case 0:
			FUZZ_ASSERT(read_counter(p, nl,
			    "falco_prom_lines_total") == m->lines + m->bad);
			break;
		case 1:
			FUZZ_ASSERT(read_counter(p, nl,
			    "falco_prom_bad_lines_total") == m->bad);
			break;
		case 2:
			FUZZ_ASSERT(read_counter(p, nl,
			    "falco_prom_series_dropped_total") == m->dropped);
			break;
		case 3:
			FUZZ_ASSERT(read_counter(p, nl, "falco_prom_series") ==
			    series);
			break;
		case 4:
			FUZZ_ASSERT(read_counter(p, nl,
			    "falco_prom_max_series") == c->max_series);
			break;
		}
	}
	FUZZ_ASSERT(n == 6);
	buf_free(&key);
	buf_free(&values);
	buf_free(&prev);
}

static void
run(const struct config *c, const char *text, size_t size)
{
	struct metrics_options o = {
		c->metric, "Falco alerts counted by falco-prom.", c->labels,
		c->nlabels, c->max_series
	};
	struct metrics *metrics = metrics_new(&o);
	struct model *m = xcalloc(1, sizeof(*m));
	const char *end = text + size, *line, *reason;
	struct buf out = BUF_INIT;
	struct alert a;

	alert_init(&a);
	for (line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((nl != NULL ? nl : end) - line);

		if (alert_parse(&a, line, len, &reason) == 0) {
			metrics_alert(metrics, &a);
			model_alert(c, m, &a);
		} else {
			metrics_bad_line(metrics);
			m->bad++;
		}
		line += len + 1;
	}
	FUZZ_ASSERT(metrics_series(metrics) == m->ntuples);
	metrics_render(metrics, &out);
	if (!m->overflow)
		check_exposition(c, m, &out);
	for (size_t i = 0; i < m->ntuples; i++)
		buf_free(&m->tuples[i].key);
	free(m);
	alert_free(&a);
	buf_free(&out);
	metrics_free(metrics);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++)
		run(&configs[i], (const char *)data, size);
	return 0;
}
