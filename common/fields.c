/*
 * fields.c: lookups in Falco's field table and the fields an alert
 * carries in another form (see fields.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"

static int
compare_name(const char *name, size_t len, const char *entry)
{
	int r = strncmp(name, entry, len);

	if (r != 0)
		return r;
	return entry[len] == '\0' ? 0 : -1;
}

static const struct field_info *
table_find(const char *name, size_t len)
{
	size_t lo = 0, hi = field_table_count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int r = compare_name(name, len, field_table[mid].name);

		if (r == 0)
			return &field_table[mid];
		if (r < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return NULL;
}

const struct field_info *
field_lookup(const char *name, size_t len)
{
	const char *bracket = memchr(name, '[', len);

	if (bracket != NULL)
		len = (size_t)(bracket - name);
	/* libsinsp reads evt.arg.NAME and evt.rawarg.NAME as arguments */
	if (len > 8 && memcmp(name, "evt.arg.", 8) == 0)
		len = 7;
	else if (len > 11 && memcmp(name, "evt.rawarg.", 11) == 0)
		len = 10;
	return table_find(name, len);
}

size_t
field_known_prefix(const char *s, size_t len)
{
	size_t n;

	for (n = len; n > 0; n--) {
		if (s[n - 1] == '.')
			continue;
		if (table_find(s, n) != NULL)
			return n;
	}
	return 0;
}

/* the forms of the event time, and how each prints */
enum time_form {
	TF_NONE, TF_TIME, TF_TIME_S, TF_ISO8601, TF_DATETIME, TF_DATETIME_S,
	TF_RAW, TF_RAW_S, TF_RAW_NS
};

static const struct {
	const char *name;
	enum time_form form;
} time_forms[] = {
	{ "evt.time", TF_TIME },
	{ "evt.time.s", TF_TIME_S },
	{ "evt.time.iso8601", TF_ISO8601 },
	{ "evt.datetime", TF_DATETIME },
	{ "evt.datetime.s", TF_DATETIME_S },
	{ "evt.rawtime", TF_RAW },
	{ "evt.rawtime.s", TF_RAW_S },
	{ "evt.rawtime.ns", TF_RAW_NS },
	{ NULL, TF_NONE }
};

static enum time_form
time_form_of(const char *name, size_t len)
{
	size_t i;

	for (i = 0; time_forms[i].name != NULL; i++)
		if (compare_name(name, len, time_forms[i].name) == 0)
			return time_forms[i].form;
	return TF_NONE;
}

int
field_is_event_time(const char *name, size_t len)
{
	enum time_form form = time_form_of(name, len);

	if (len == 4 && memcmp(name, "time", 4) == 0)
		return 1;
	return form != TF_NONE && form != TF_RAW_S && form != TF_RAW_NS;
}

const char *
field_type_kind(const struct field_info *f)
{
	switch (f->type) {
	case FT_STRING:
		return "string";
	case FT_BOOL:
		return "boolean";
	case FT_IPADDR:
	case FT_IPNET:
		return "ip address and network";
	case FT_BYTES:
		return "buffer";
	case FT_NONE:
		return "untyped";
	default:
		return "numeric";
	}
}

/* an integer JSON token as nanoseconds; -1 when it is not one */
static int
token_ns(const struct json_value *v, long long *ns)
{
	const char *p, *end;
	long long n = 0;
	int negative = 0;

	/* an absent member has no bytes: raw is NULL, and NULL + 0 is undefined */
	if (v->type != JSON_NUMBER || v->raw_len == 0)
		return -1;
	p = v->raw;
	end = p + v->raw_len;
	if (*p == '-') {
		negative = 1;
		p++;
	}
	if (p == end)
		return -1;
	for (; p < end; p++) {
		if (*p < '0' || *p > '9' || n > (__LONG_LONG_MAX__ - 9) / 10)
			return -1;
		n = n * 10 + (*p - '0');
	}
	*ns = negative ? -n : n;
	return 0;
}

struct json_value
field_value(struct alert *a, const char *name, size_t len, long long *ns)
{
	static const char *const sources[] = {
		"evt.time", "evt.rawtime", "evt.time.iso8601", "evt.datetime",
		NULL
	};
	struct json_value v = alert_field(a, name, len);
	size_t i;

	if (v.type != JSON_ABSENT || time_form_of(name, len) == TF_NONE)
		return v;
	/* every form is the same instant: derive one from another */
	for (i = 0; sources[i] != NULL; i++) {
		struct json_value from = alert_field(a, sources[i],
		    strlen(sources[i]));

		if (token_ns(&from, ns) == 0)
			goto derived;
	}
	if (alert_time_ns(a, ns) < 0)
		return v;
derived:
	v.type = JSON_NUMBER;
	v.raw = NULL;
	v.raw_len = 0;
	return v;
}

/* Falco prints times of day in the zone it runs in, at today's offset */
static long long
local_offset(void)
{
	time_t now = time(NULL);
	struct tm local;

	if (localtime_r(&now, &local) == NULL)
		return 0;
	return local.tm_gmtoff;
}

static void
render_time(enum time_form form, long long ns, struct buf *out)
{
	char text[64];
	long long seconds = ns / 1000000000LL, fraction = ns % 1000000000LL;
	time_t t;
	struct tm tm;

	if (fraction < 0) {
		fraction += 1000000000LL;
		seconds--;
	}
	switch (form) {
	case TF_RAW:
		snprintf(text, sizeof(text), "%lld", ns);
		buf_adds(out, text);
		return;
	case TF_RAW_S:
		snprintf(text, sizeof(text), "%lld", seconds);
		buf_adds(out, text);
		return;
	case TF_RAW_NS:
		/* libsinsp prints it zero-padded (PF_10_PADDED_DEC) */
		snprintf(text, sizeof(text), "%09lld", fraction);
		buf_adds(out, text);
		return;
	case TF_ISO8601:
		t = (time_t)seconds;
		if (gmtime_r(&t, &tm) == NULL)
			return;
		snprintf(text, sizeof(text), "%04d-%02d-%02dT%02d:%02d:%02d.%09lld"
		    "+0000", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
		    tm.tm_hour, tm.tm_min, tm.tm_sec, fraction);
		buf_adds(out, text);
		return;
	default:
		break;
	}
	t = (time_t)(seconds + local_offset());
	if (gmtime_r(&t, &tm) == NULL)
		return;
	if (form == TF_DATETIME || form == TF_DATETIME_S) {
		snprintf(text, sizeof(text), "%04d-%02d-%02d ", tm.tm_year + 1900,
		    tm.tm_mon + 1, tm.tm_mday);
		buf_adds(out, text);
	}
	snprintf(text, sizeof(text), "%02d:%02d:%02d", tm.tm_hour, tm.tm_min,
	    tm.tm_sec);
	buf_adds(out, text);
	if (form == TF_TIME || form == TF_DATETIME) {
		snprintf(text, sizeof(text), ".%09lld", fraction);
		buf_adds(out, text);
	}
}

/* a list as Falco prints one: "(a,b)" */
static void
render_list(const struct json_value *v, struct buf *out)
{
	struct json_value elem;
	size_t pos = 0;
	int first = 1;

	buf_addc(out, '(');
	while (json_array_next(v, &pos, &elem)) {
		if (!first)
			buf_addc(out, ',');
		first = 0;
		json_text(&elem, out);
	}
	buf_addc(out, ')');
}

void
field_render(const char *name, size_t len, const struct json_value *v,
    long long ns, struct buf *out)
{
	enum time_form form = time_form_of(name, len);

	/* the evt.rawtime forms hold what they print, when the alert has them */
	if (v->raw != NULL && (form == TF_RAW || form == TF_RAW_S ||
	    form == TF_RAW_NS))
		form = TF_NONE;
	if (v->type == JSON_NUMBER && form != TF_NONE &&
	    (v->raw == NULL || token_ns(v, &ns) == 0)) {
		render_time(form, ns, out);
		return;
	}
	if (v->type == JSON_ARRAY) {
		render_list(v, out);
		return;
	}
	json_text(v, out);
}
