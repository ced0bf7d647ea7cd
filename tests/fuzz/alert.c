/*
 * alert: the alert scanner and field lookup (common/alert.c) on any
 * line. Beyond memory safety it checks what the programs rely on:
 * every member the scanner indexed is found again by alert_field under
 * its unescaped name, cJSON (which the senders use) accepts every line
 * the scanner accepts, and json_compact yields JSON that parses back.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "buf.h"
#include "fuzz.h"

static const char *const names[] = {
	"rule", "priority", "source", "hostname", "output", "time", "tags",
	"uuid", "message", "output_fields", "proc.name", "proc.aname[2]",
	"evt.time", "k8s.ns.name", "", NULL
};

static int
is_top_level(const char *name, size_t len)
{
	for (size_t i = 0; i < 9; i++)
		if (strlen(names[i]) == len && memcmp(names[i], name, len) == 0)
			return 1;
	return 0;
}

/* the first member named name, as alert_field should find it */
static const struct json_member *
first_named(const struct json_member *m, size_t n, const char *name,
    size_t len)
{
	for (size_t i = 0; i < n; i++)
		if (json_string_equals(&m[i].key, name, len))
			return &m[i];
	return NULL;
}

static void
check_compact(const struct json_value *v)
{
	struct buf out = BUF_INIT, again = BUF_INIT, wrapped = BUF_INIT;
	struct alert a;
	const char *reason;

	json_compact(v, &out);
	buf_adds(&wrapped, "{\"v\":");
	buf_add(&wrapped, buf_str(&out), out.len);
	buf_adds(&wrapped, "}");
	alert_init(&a);
	FUZZ_ASSERT(alert_parse(&a, wrapped.data, wrapped.len, &reason) == 0);
	FUZZ_ASSERT(a.ntop == 1);
	json_compact(&a.top[0].value, &again);
	FUZZ_ASSERT(again.len == out.len &&
	    memcmp(buf_str(&again), buf_str(&out), out.len) == 0);
	alert_free(&a);
	buf_free(&wrapped);
	buf_free(&again);
	buf_free(&out);
}

static void
check_value(const struct json_value *v)
{
	struct buf text = BUF_INIT, scratch = BUF_INIT;
	struct json_value elem;
	size_t pos = 0, len, count = 0;

	json_text(v, &text);
	if (v->type == JSON_STRING) {
		const char *s = json_string(v, &scratch, &len);

		FUZZ_ASSERT(len == text.len &&
		    memcmp(s, buf_str(&text), len) == 0);
		FUZZ_ASSERT(json_string_equals(v, s, len));
	}
	while (json_array_next(v, &pos, &elem)) {
		FUZZ_ASSERT(elem.raw >= v->raw &&
		    elem.raw + elem.raw_len <= v->raw + v->raw_len);
		count++;
	}
	if (v->type == JSON_ARRAY && v->raw_len > 2)
		FUZZ_ASSERT(count > 0 ||
		    memchr(v->raw, ',', v->raw_len) == NULL);
	check_compact(v);
	buf_free(&scratch);
	buf_free(&text);
}

static void
check_members(struct alert *a, const struct json_member *m, size_t n,
    int top)
{
	struct buf scratch = BUF_INIT;

	for (size_t i = 0; i < n; i++) {
		size_t len;
		const char *name = json_string(&m[i].key, &scratch, &len);
		const struct json_member *want;
		struct json_value got;

		FUZZ_ASSERT(m[i].key.type == JSON_STRING);
		check_value(&m[i].value);
		if (is_top_level(name, len) != top)
			continue;
		want = first_named(m, n, name, len);
		got = alert_field(a, name, len);
		if (want->value.type == JSON_NULL) {
			FUZZ_ASSERT(got.type == JSON_ABSENT);
			continue;
		}
		FUZZ_ASSERT(got.type == want->value.type &&
		    got.raw == want->value.raw &&
		    got.raw_len == want->value.raw_len);
	}
	buf_free(&scratch);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert a;
	const char *reason = NULL;
	long long ns;
	size_t len;
	cJSON *json;

	alert_init(&a);
	if (alert_parse(&a, (const char *)data, size, &reason) < 0) {
		FUZZ_ASSERT(reason != NULL && *reason != '\0');
		alert_free(&a);
		return 0;
	}
	json = cJSON_ParseWithLength((const char *)data, size);
	FUZZ_ASSERT(json != NULL && cJSON_IsObject(json));
	cJSON_Delete(json);
	check_members(&a, a.top, a.ntop, 1);
	check_members(&a, a.fields, a.nfields, 0);
	for (size_t i = 0; names[i] != NULL; i++) {
		struct json_value v = alert_field(&a, names[i],
		    strlen(names[i]));
		struct buf text = BUF_INIT;
		const char *s;

		json_text(&v, &text);
		s = alert_field_text(&a, names[i], &len);
		FUZZ_ASSERT((s == NULL) == (v.type == JSON_ABSENT));
		FUZZ_ASSERT(s == NULL ||
		    (len == text.len && memcmp(s, buf_str(&text), len) == 0));
		buf_free(&text);
	}
	(void)alert_severity(&a);
	(void)alert_time_ns(&a, &ns);
	alert_free(&a);
	return 0;
}
