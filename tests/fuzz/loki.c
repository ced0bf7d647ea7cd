/*
 * loki: falco-loki's push body (cmd/falco-loki/push.c, built into this
 * harness). The input's lines are alerts, gathered into batches as
 * falco-loki gathers them: with the default --batch-bytes and with one
 * so small that most batches hold one alert and some alerts fit none.
 * Each body must be
 *   - exactly as long as push_size_with said, and within --batch-bytes;
 *   - JSON (RFC 8259, checked strictly), shaped as Loki's push API wants:
 *     {"streams":[{"stream":{...},"values":[["NS","LINE"(,{...})]]}]};
 *   - labels Loki takes: 1 to 15 a stream, valid names, values of 1 to
 *     2048 bytes of valid UTF-8, the --extra-label in every stream, no
 *     two streams with the same labels, no blank outside a string;
 *   - every alert taken there once, its line the alert as read (or its
 *     output with --line output), its time as a string of nanoseconds;
 *     each stream's entries in time order, ties in the order taken, the
 *     streams in the order their first alert was taken;
 *   - valid UTF-8 whenever the lines it carries are.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "buf.h"
#include "fuzz.h"
#include "push.h"
#include "xalloc.h"

/* falco-loki's defaults, an --extra-label and a label from output_fields */
static const struct loki_label labels[] = {
	{ "rule", "rule", NULL },
	{ "priority", "priority", NULL },
	{ "source", "source", NULL },
	{ "hostname", "hostname", NULL },
	{ "k8s_ns_name", "k8s.ns.name", NULL },
	{ "proc_aname2", "proc.aname[2]", NULL },
	{ "job", NULL, "falco" },
};
static const struct loki_metadata metadata[] = {
	{ "k8s_pod_name", "k8s.pod.name" },
	{ "tags", "tags" },
	{ "user_uid", "user.uid" },
};
#define NLABELS (sizeof(labels) / sizeof(labels[0]))
#define NMETADATA (sizeof(metadata) / sizeof(metadata[0]))

/* an alert taken into the batch being gathered */
struct taken {
	long long ns;
	char *text;		/* what its line must read */
	size_t len;
	int matched;
};

struct batch {
	struct push *push;
	size_t max_bytes;
	size_t predicted;	/* push_size_with when the last alert was taken */
	struct taken *taken;
	size_t ntaken, cap;
	int lines_utf8;		/* every line taken is valid UTF-8 */
};

static int
is_label_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > LOKI_LABEL_NAME_MAX || strncmp(s, "__", 2) == 0)
		return 0;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '_' ||
		    (i > 0 && s[i] >= '0' && s[i] <= '9')))
			return 0;
	return 1;
}

/* the stream's labels; returns their number */
static size_t
check_labels(const cJSON *stream)
{
	const cJSON *l;
	size_t n = 0;
	int job = 0;

	FUZZ_ASSERT(cJSON_IsObject(stream));
	cJSON_ArrayForEach(l, stream) {
		const char *v = l->valuestring;

		FUZZ_ASSERT(cJSON_IsString(l) && is_label_name(l->string));
		FUZZ_ASSERT(v[0] != '\0' && strlen(v) <= LOKI_LABEL_VALUE_MAX);
		FUZZ_ASSERT(fuzz_utf8_valid(v, strlen(v), NULL));
		for (const cJSON *m = stream->child; m != l; m = m->next)
			FUZZ_ASSERT(strcmp(m->string, l->string) != 0);
		if (strcmp(l->string, "job") == 0)
			job = strcmp(v, "falco") == 0;
		n++;
	}
	FUZZ_ASSERT(n >= 1 && n <= LOKI_LABELS_MAX && job);
	return n;
}

static void
check_metadata(const cJSON *meta)
{
	const cJSON *m;

	FUZZ_ASSERT(cJSON_IsObject(meta) && meta->child != NULL);
	cJSON_ArrayForEach(m, meta) {
		FUZZ_ASSERT(cJSON_IsString(m) && is_label_name(m->string));
		FUZZ_ASSERT(m->valuestring[0] != '\0');
	}
}

/*
 * The alert an entry is: the first not matched yet with its time and
 * text. cJSON ends a string at a NUL (\u0000 in an output text), so the
 * text is compared up to there.
 */
static size_t
match(struct batch *b, long long ns, const char *text)
{
	size_t n = strlen(text);

	for (size_t i = 0; i < b->ntaken; i++) {
		struct taken *t = &b->taken[i];

		if (t->matched || t->ns != ns || (t->len != n &&
		    !(t->len > n && t->text[n] == '\0')) ||
		    memcmp(t->text, text, n) != 0)
			continue;
		t->matched = 1;
		return i;
	}
	FUZZ_ASSERT(!"an entry that is no alert taken");
	return 0;
}

static long long
parse_ns(const char *s)
{
	char *end;
	long long ns = strtoll(s, &end, 10);
	char again[32];

	/* exactly as printed: no sign but '-', no leading zeros */
	snprintf(again, sizeof(again), "%lld", ns);
	FUZZ_ASSERT(*end == '\0' && strcmp(again, s) == 0);
	return ns;
}

/*
 * No two streams with the same labels. cJSON ends a string at a NUL, so
 * the labels are compared as the bytes sent: push.c writes the body
 * without blanks, the labels of a stream in the style's order, and
 * escapes a value one way only.
 */
static void
check_distinct(const char *body, size_t len)
{
	static const char open_body[] = "{\"streams\":[";
	static const char open_stream[] = "{\"stream\":";
	static const char values[] = ",\"values\":";
	const char *p = body + sizeof(open_body) - 1, *end = body + len;
	const char *seen[256];
	size_t seen_len[256], nseen = 0, n;

	FUZZ_ASSERT(memcmp(body, open_body, sizeof(open_body) - 1) == 0);
	for (;;) {
		FUZZ_ASSERT(memcmp(p, open_stream, sizeof(open_stream) - 1) == 0);
		p += sizeof(open_stream) - 1;
		n = fuzz_json_prefix(p, (size_t)(end - p));
		FUZZ_ASSERT(n > 0);
		for (size_t i = 0; i < nseen; i++)
			FUZZ_ASSERT(seen_len[i] != n ||
			    memcmp(seen[i], p, n) != 0);
		if (nseen < 256) {
			seen[nseen] = p;
			seen_len[nseen++] = n;
		}
		p += n;
		FUZZ_ASSERT(memcmp(p, values, sizeof(values) - 1) == 0);
		p += sizeof(values) - 1;
		p += fuzz_json_prefix(p, (size_t)(end - p));
		FUZZ_ASSERT(*p++ == '}');
		if (*p == ']')
			break;
		FUZZ_ASSERT(*p++ == ',');
	}
	FUZZ_ASSERT(p + 2 == end && p[1] == '}');
}

static void
check_body(struct batch *b, const char *body, size_t len)
{
	cJSON *root, *streams, *s;
	size_t first_prev = 0, nstreams = 0;

	FUZZ_ASSERT(fuzz_json_valid(body, len));
	FUZZ_ASSERT(!b->lines_utf8 || fuzz_utf8_valid(body, len, NULL));
	root = cJSON_ParseWithLength(body, len);
	FUZZ_ASSERT(root != NULL && cJSON_GetArraySize(root) == 1);
	streams = cJSON_GetObjectItemCaseSensitive(root, "streams");
	FUZZ_ASSERT(cJSON_IsArray(streams) && streams->child != NULL);
	cJSON_ArrayForEach(s, streams) {
		const cJSON *labels_of = cJSON_GetObjectItemCaseSensitive(s,
		    "stream");
		const cJSON *values = cJSON_GetObjectItemCaseSensitive(s,
		    "values"), *v;
		size_t first = b->ntaken, prev = 0;
		long long prev_ns = 0;
		int some = 0;

		FUZZ_ASSERT(cJSON_GetArraySize(s) == 2);
		check_labels(labels_of);
		FUZZ_ASSERT(cJSON_IsArray(values) && values->child != NULL);
		cJSON_ArrayForEach(v, values) {
			int n = cJSON_GetArraySize(v);
			const cJSON *ns = cJSON_GetArrayItem(v, 0);
			const cJSON *line = cJSON_GetArrayItem(v, 1);
			long long t;
			size_t i;

			FUZZ_ASSERT(cJSON_IsArray(v) && (n == 2 || n == 3));
			FUZZ_ASSERT(cJSON_IsString(ns) && cJSON_IsString(line));
			if (n == 3)
				check_metadata(cJSON_GetArrayItem(v, 2));
			t = parse_ns(ns->valuestring);
			i = match(b, t, line->valuestring);
			FUZZ_ASSERT(!some || t > prev_ns ||
			    (t == prev_ns && i > prev));
			some = 1;
			prev_ns = t;
			prev = i;
			if (i < first)
				first = i;
		}
		FUZZ_ASSERT(nstreams == 0 || first > first_prev);
		first_prev = first;
		nstreams++;
	}
	for (size_t i = 0; i < b->ntaken; i++)
		FUZZ_ASSERT(b->taken[i].matched);
	cJSON_Delete(root);
	check_distinct(body, len);
}

static void
flush(struct batch *b)
{
	struct buf body = BUF_INIT;

	if (push_entries(b->push) == 0)
		return;
	FUZZ_ASSERT(push_entries(b->push) == b->ntaken);
	push_body(b->push, &body);
	FUZZ_ASSERT(body.len == b->predicted);
	FUZZ_ASSERT(body.len <= b->max_bytes);
	check_body(b, buf_str(&body), body.len);
	push_reset(b->push);
	for (size_t i = 0; i < b->ntaken; i++)
		free(b->taken[i].text);
	b->ntaken = 0;
	b->lines_utf8 = 1;
	buf_free(&body);
}

/* what the entry's line must read */
static char *
line_text(const struct loki_style *style, struct alert *a, const char *line,
    size_t len, size_t *n)
{
	struct buf out = BUF_INIT;
	struct json_value output = alert_field(a, "output", 6);

	if (style->line_output && output.type != JSON_ABSENT)
		json_text(&output, &out);
	else
		buf_add(&out, line, len);
	*n = out.len;
	return out.data != NULL ? out.data : xstrdup("");
}

/* loki_add of cmd/falco-loki/main.c: 0 taken, -1 refused */
static int
add(struct batch *b, struct alert *a, const char *line, size_t len,
    long long ns)
{
	const char *why = NULL;
	struct taken *t;
	size_t size;

	for (int again = 0;; again++) {
		if (push_prepare(b->push, a, line, len, ns, &why) != 0) {
			FUZZ_ASSERT(why != NULL && *why != '\0');
			return -1;
		}
		size = push_size_with(b->push);
		if (size <= b->max_bytes)
			break;
		/* too big for this batch: send it, then try alone */
		if (push_entries(b->push) == 0)
			return -1;
		FUZZ_ASSERT(!again);
		flush(b);
	}
	push_take(b->push);
	b->predicted = size;
	b->taken = xgrow(b->taken, &b->cap, b->ntaken + 1, sizeof(*b->taken));
	t = &b->taken[b->ntaken++];
	t->ns = ns;
	t->matched = 0;
	return 0;
}

static void
run(const struct loki_style *style, size_t max_bytes, const char *text,
    size_t size)
{
	struct batch b = { 0 };
	const char *end = text + size, *line, *reason;
	struct alert a;
	long long ns, n = 0;

	b.push = push_new(style);
	b.max_bytes = max_bytes;
	b.lines_utf8 = 1;
	alert_init(&a);
	for (line = text; line < end; n++) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((nl != NULL ? nl : end) - line);
		struct taken *t;

		if (alert_parse(&a, line, len, &reason) == 0) {
			/* falco-loki stamps an untimed alert with the time read */
			if (alert_time_ns(&a, &ns) != 0)
				ns = 1700000000000000000LL + n % 3;
			if (add(&b, &a, line, len, ns) == 0) {
				t = &b.taken[b.ntaken - 1];
				t->text = line_text(style, &a, line, len,
				    &t->len);
				if (!fuzz_utf8_valid(t->text, t->len, NULL))
					b.lines_utf8 = 0;
			}
		}
		line += len + 1;
	}
	flush(&b);
	alert_free(&a);
	push_free(b.push);
	free(b.taken);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const size_t max_bytes[] = { 1 << 20, 600 };

	for (int line_output = 0; line_output <= 1; line_output++) {
		struct loki_style style = {
			labels, NLABELS, metadata, NMETADATA, line_output
		};

		for (size_t i = 0; i < 2; i++)
			run(&style, max_bytes[i], (const char *)data, size);
	}
	return 0;
}
