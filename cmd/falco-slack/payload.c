/*
 * payload.c: the Slack message for one alert or a digest of several, in
 * the shape Falcosidekick users know (reference.md §3.4): one attachment
 * coloured by priority, the alert's output as its text, fields for rule,
 * priority, source, hostname, tags, falco-netpol's result, the string
 * output fields and time, and a footer naming the sender. Unlike
 * Falcosidekick, every piece of alert text is escaped (§4.5) and its
 * mentions and links of every Slack-compatible chat defused (chat.h).
 */
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "chat.h"
#include "payload.h"
#include "xalloc.h"

/* Slack's limits, in characters, measured after escaping (reference.md §4.4) */
#define TOP_TEXT_LIMIT 40000
#define SECTION_TEXT_LIMIT 3000
#define FIELD_VALUE_LIMIT 2000
#define FIELD_TITLE_LIMIT 300
/* Falcosidekick's rule: a field value shorter than this sits in a half column */
#define SHORT_FIELD_RUNES 36
/* Falcosidekick's footer names it (its URL); ours names us */
#define DEFAULT_FOOTER "falco-slack"

/* ---- safe text ---- */

void
slack_text(struct buf *out, const char *s, size_t n, size_t limit)
{
	struct buf clean = BUF_INIT, unmentioned = BUF_INIT;
	struct buf unlinked = BUF_INIT;
	size_t start = out->len;

	/*
	 * Every step only adds characters, so the first limit characters
	 * (four bytes each at most) decide the text; the margin covers what
	 * the defusing looks ahead at and a character cut in two here.
	 */
	if (n > 4 * limit + 16)
		n = 4 * limit + 16;
	chat_utf8(s, n, &clean);
	chat_defuse_mentions(buf_str(&clean), clean.len, &unmentioned);
	chat_defuse_links(buf_str(&unmentioned), unmentioned.len, &unlinked);
	chat_escape_slack(buf_str(&unlinked), unlinked.len, out);
	chat_cut(out, start, limit);
	buf_free(&clean);
	buf_free(&unmentioned);
	buf_free(&unlinked);
}

static size_t
rune_count(const char *s, size_t n)
{
	size_t runes = 0, i;

	for (i = 0; i < n; i++)
		if (((unsigned char)s[i] & 0xc0) != 0x80)
			runes++;
	return runes;
}

/* ---- cJSON helpers: every string that can hold alert text goes through slack_text ---- */

static void
add_safe(cJSON *obj, const char *key, const char *s, size_t n, size_t limit)
{
	struct buf text = BUF_INIT;

	slack_text(&text, s, n, limit);
	cJSON_AddStringToObject(obj, key, buf_str(&text));
	buf_free(&text);
}

static void
add_option(cJSON *obj, const char *key, const char *value)
{
	if (value != NULL && value[0] != '\0')
		cJSON_AddStringToObject(obj, key, value);
}

/* the footer of --footer, this program's name by default, none when "" */
static void
add_footer(cJSON *obj, const struct slack_style *style)
{
	add_option(obj, "footer", style->footer != NULL ? style->footer :
	    DEFAULT_FOOTER);
}

static char *
print_json(cJSON *root)
{
	char *json = cJSON_PrintUnformatted(root);

	if (json == NULL)
		abort();	/* cJSON fails only when out of memory */
	return json;
}

/* ---- alert pieces ---- */

static const char *
priority_colour(int severity)
{
	static const char *const colours[] = {
		"#ccfff2",	/* Debug */
		"#68c2ff",	/* Informational */
		"#5bffb5",	/* Notice */
		"#ffc700",	/* Warning */
		"#e20b0b",	/* Error */
		"#ff5400",	/* Critical */
		"#ff5400",	/* Alert */
		"#e20b0b",	/* Emergency */
	};

	if (severity < 0 || severity > 7)
		return "#68c2ff";
	return colours[severity];
}

/* a copy of a field's text, or NULL when absent */
static char *
field_copy(struct alert *a, const char *name, size_t *len)
{
	const char *text = alert_field_text(a, name, len);

	return text != NULL ? xstrndup(text, *len) : NULL;
}

/*
 * The priority as Falco prints it: "WARNING" and "warning" are shown
 * "Warning", "info" "Informational"; one Falco does not know is shown
 * as it came.
 */
static char *
priority_copy(struct alert *a, size_t *len)
{
	char *priority = field_copy(a, "priority", len);
	const char *name;

	if (priority == NULL)
		return NULL;
	name = priority_name(priority_parse(priority, *len));
	if (name == NULL)
		return priority;
	free(priority);
	*len = strlen(name);
	return xstrdup(name);
}

/*
 * Falco's RFC 3339 time in Go's time.String() form, as Falcosidekick
 * shows it: "2023-05-25 13:44:05.478445995 +0000 UTC", trailing zeros of
 * the fraction trimmed. Anything else is shown as it came.
 */
static void
go_time(const char *t, size_t n, struct buf *out)
{
	size_t frac_end, digits_end;

	if (n < 20 || t[4] != '-' || t[7] != '-' || t[10] != 'T' ||
	    t[13] != ':' || t[16] != ':' || t[n - 1] != 'Z') {
		buf_add(out, t, n);
		return;
	}
	buf_add(out, t, 10);
	buf_addc(out, ' ');
	buf_add(out, t + 11, 8);
	if (t[19] == '.') {
		frac_end = n - 1;
		digits_end = frac_end;
		while (digits_end > 20 && t[digits_end - 1] == '0')
			digits_end--;
		if (digits_end > 20)
			buf_add(out, t + 19, digits_end - 19);
	}
	buf_adds(out, " +0000 UTC");
}

static void
add_field(cJSON *fields, const char *title, size_t title_len,
    const char *value, size_t value_len, int is_short)
{
	cJSON *f = cJSON_CreateObject();

	add_safe(f, "title", title, title_len, FIELD_TITLE_LIMIT);
	add_safe(f, "value", value, value_len, FIELD_VALUE_LIMIT);
	cJSON_AddBoolToObject(f, "short", is_short);
	cJSON_AddItemToArray(fields, f);
}

static void
add_top_field(cJSON *fields, struct alert *a, const char *name)
{
	size_t len;
	char *value = strcmp(name, "priority") == 0 ? priority_copy(a, &len) :
	    field_copy(a, name, &len);

	/* Falcosidekick leaves out an empty hostname */
	if (value != NULL && len > 0)
		add_field(fields, name, strlen(name), value, len, 1);
	free(value);
}

static int
compare_strings(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* tags sorted and joined with ", ", as Falcosidekick shows them */
static void
add_tags_field(cJSON *fields, struct alert *a)
{
	struct json_value tags = alert_field(a, "tags", 4), elem;
	struct buf scratch = BUF_INIT, joined = BUF_INIT;
	char **names = NULL;
	size_t count = 0, cap = 0, pos = 0, len, i;
	const char *s;

	if (tags.type != JSON_ARRAY)
		return;
	while (json_array_next(&tags, &pos, &elem)) {
		if (elem.type != JSON_STRING)
			continue;
		s = json_string(&elem, &scratch, &len);
		names = xgrow(names, &cap, count + 1, sizeof(*names));
		names[count++] = xstrndup(s, len);
	}
	/* tags of no string: names is NULL, which qsort may not be given */
	if (count == 0) {
		buf_free(&scratch);
		return;
	}
	qsort(names, count, sizeof(*names), compare_strings);
	for (i = 0; i < count; i++) {
		if (i > 0)
			buf_adds(&joined, ", ");
		buf_adds(&joined, names[i]);
		free(names[i]);
	}
	add_field(fields, "tags", 4, joined.data, joined.len, 1);
	free(names);
	buf_free(&scratch);
	buf_free(&joined);
}

struct named_text {
	char *name;
	char *text;
	size_t name_len, text_len;
};

static int
compare_named(const void *x, const void *y)
{
	const struct named_text *a = x, *b = y;
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);

	if (c != 0)
		return c;
	return (a->name_len > b->name_len) - (a->name_len < b->name_len);
}

/* string-valued output fields, sorted by key (numbers and the rest skipped) */
static void
add_output_fields(cJSON *fields, struct alert *a)
{
	struct named_text *list;
	struct buf scratch = BUF_INIT;
	const char *s;
	size_t i, n = 0, len;

	if (a->nfields == 0)
		return;
	list = xcalloc(a->nfields, sizeof(*list));
	for (i = 0; i < a->nfields; i++) {
		if (a->fields[i].value.type != JSON_STRING)
			continue;
		s = json_string(&a->fields[i].key, &scratch, &len);
		list[n].name = xstrndup(s, len);
		list[n].name_len = len;
		s = json_string(&a->fields[i].value, &scratch, &len);
		list[n].text = xstrndup(s, len);
		list[n].text_len = len;
		n++;
	}
	qsort(list, n, sizeof(*list), compare_named);
	for (i = 0; i < n; i++) {
		add_field(fields, list[i].name, list[i].name_len, list[i].text,
		    list[i].text_len,
		    rune_count(list[i].text, list[i].text_len) <
		    SHORT_FIELD_RUNES);
		free(list[i].name);
		free(list[i].text);
	}
	free(list);
	buf_free(&scratch);
}

static void
add_time_field(cJSON *fields, struct alert *a)
{
	struct buf shown = BUF_INIT;
	size_t len;
	char *t = field_copy(a, "time", &len);

	if (t != NULL) {
		go_time(t, len, &shown);
		add_field(fields, "time", 4, shown.data, shown.len, 0);
	}
	free(t);
	buf_free(&shown);
}

/* ---- falco-netpol's result ---- */

/*
 * falco-netpol adds "falco_netpol": {"action", "namespace", "pod",
 * "policy", "reason"} to the alert, null where a key does not apply
 * (falco-netpol(1)). Of two, the last is what the latest run did: it
 * adds its own before the closing brace.
 */
static cJSON *
netpol_result(const struct alert *a)
{
	const struct json_value *v = NULL;
	cJSON *result;
	size_t i;

	for (i = 0; i < a->ntop; i++)
		if (json_string_equals(&a->top[i].key, "falco_netpol", 12))
			v = &a->top[i].value;
	if (v == NULL || v->type != JSON_OBJECT)
		return NULL;
	result = cJSON_ParseWithLength(v->raw, v->raw_len);
	if (!cJSON_IsString(cJSON_GetObjectItemCaseSensitive(result,
	    "action"))) {
		cJSON_Delete(result);
		return NULL;
	}
	return result;
}

static const char *
member_text(const cJSON *object, const char *key)
{
	const cJSON *v = cJSON_GetObjectItemCaseSensitive(object, key);

	return cJSON_IsString(v) && v->valuestring[0] != '\0' ?
	    v->valuestring : NULL;
}

/* falco-netpol's actions in words; an action not named here is shown as it is */
static const char *
netpol_words(const char *action)
{
	static const struct {
		const char *action;
		const char *words;
	} words[] = {
		{ "isolated", "isolated" },
		{ "already-isolated", "already isolated" },
		{ "dry-run", "dry run, would isolate" },
		{ "skipped", "not isolated" },
		{ "failed", "failed to isolate" },
		{ "released", "released" },
		{ NULL, NULL }
	};
	size_t i;

	for (i = 0; words[i].action != NULL; i++)
		if (strcmp(words[i].action, action) == 0)
			return words[i].words;
	return action;
}

/*
 * "isolated demo/nginx (policy falco-pipes-quarantine)", or why not:
 * "not isolated demo/nginx: namespace is protected". Only what
 * falco-netpol said, never more: 0 and nothing appended when the alert
 * carries no result.
 */
static int
netpol_summary(const struct alert *a, struct buf *out)
{
	cJSON *result = netpol_result(a);
	const char *action, *namespace, *pod, *policy, *reason;

	if (result == NULL)
		return 0;
	action = member_text(result, "action");
	namespace = member_text(result, "namespace");
	pod = member_text(result, "pod");
	policy = member_text(result, "policy");
	reason = member_text(result, "reason");
	buf_adds(out, action != NULL ? netpol_words(action) : "(no action)");
	if (namespace != NULL && pod != NULL)
		buf_printf(out, " %s/%s", namespace, pod);
	else if (pod != NULL)
		buf_printf(out, " pod %s", pod);
	else if (namespace != NULL)
		buf_printf(out, " in namespace %s", namespace);
	if (policy != NULL)
		buf_printf(out, " (policy %s)", policy);
	if (reason != NULL)
		buf_printf(out, ": %s", reason);
	cJSON_Delete(result);
	return 1;
}

static void
add_netpol_field(cJSON *fields, struct alert *a)
{
	struct buf summary = BUF_INIT;

	if (netpol_summary(a, &summary))
		add_field(fields, "falco_netpol", 12, summary.data, summary.len,
		    0);
	buf_free(&summary);
}

static cJSON *
alert_fields(struct alert *a)
{
	cJSON *fields = cJSON_CreateArray();

	add_top_field(fields, a, "rule");
	add_top_field(fields, a, "priority");
	add_top_field(fields, a, "source");
	add_top_field(fields, a, "hostname");
	add_tags_field(fields, a);
	add_netpol_field(fields, a);
	add_output_fields(fields, a);
	add_time_field(fields, a);
	return fields;
}

static cJSON *
alert_attachment(const struct slack_style *style, struct alert *a)
{
	cJSON *att = cJSON_CreateObject();
	size_t len = 0;
	char *output = field_copy(a, "output", &len);
	const char *text = output != NULL ? output : "";

	/* fallback is what clients without attachments show: always the output */
	add_safe(att, "fallback", text, len, SECTION_TEXT_LIMIT);
	cJSON_AddStringToObject(att, "color",
	    priority_colour(alert_severity(a)));
	if (style->format != SLACK_FORMAT_FIELDS)
		add_safe(att, "text", text, len, SECTION_TEXT_LIMIT);
	if (style->format == SLACK_FORMAT_TEXT)
		cJSON_AddNullToObject(att, "fields");
	else
		cJSON_AddItemToObject(att, "fields", alert_fields(a));
	if (style->format != SLACK_FORMAT_TEXT)
		add_footer(att, style);
	free(output);
	return att;
}

static int
blank(const char *s, size_t n)
{
	for (; n > 0; s++, n--)
		if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
			return 0;
	return 1;
}

/*
 * "Critical: Terminal shell in container", then after a dash what
 * falco-netpol did ("isolated demo/nginx (policy falco-pipes-quarantine)"),
 * or the --message template. A template that renders to nothing (a
 * field holding "") gives way to the default: mobile notifications show
 * only this text (§4.6).
 */
static void
alert_summary(const struct slack_style *style, struct alert *a,
    struct buf *out)
{
	size_t len, start = out->len;
	char *s;

	if (style->message != NULL) {
		format_render(style->message, a, out);
		if (out->len > start &&
		    !blank(out->data + start, out->len - start))
			return;
		out->len = start;
	}
	s = priority_copy(a, &len);
	buf_add(out, s != NULL ? s : "Alert", s != NULL ? len : 5);
	free(s);
	buf_adds(out, ": ");
	s = field_copy(a, "rule", &len);
	buf_add(out, s != NULL ? s : "(no rule)", s != NULL ? len : 9);
	free(s);
	start = out->len;
	buf_adds(out, " \xe2\x80\x94 ");
	if (!netpol_summary(a, out))
		out->len = start;
}

/*
 * The top of every message. Never link_names or parse=full (they turn
 * "@everyone" into a ping), and no unfurling of URLs found in alerts.
 */
static cJSON *
message_top(const struct slack_style *style, const char *text, size_t len)
{
	cJSON *root = cJSON_CreateObject();

	add_safe(root, "text", text, len, TOP_TEXT_LIMIT);
	add_option(root, "username", style->username);
	add_option(root, "icon_emoji", style->icon_emoji);
	add_option(root, "icon_url", style->icon_url);
	add_option(root, "channel", style->channel);
	cJSON_AddFalseToObject(root, "unfurl_links");
	cJSON_AddFalseToObject(root, "unfurl_media");
	return root;
}

void
slack_payload(const struct slack_style *style, struct alert *a,
    struct buf *out)
{
	struct buf summary = BUF_INIT;
	cJSON *root, *attachments;
	char *json;

	alert_summary(style, a, &summary);
	root = message_top(style, summary.data != NULL ? summary.data : "",
	    summary.len);
	attachments = cJSON_AddArrayToObject(root, "attachments");
	cJSON_AddItemToArray(attachments, alert_attachment(style, a));
	json = print_json(root);
	buf_adds(out, json);
	cJSON_free(json);
	cJSON_Delete(root);
	buf_free(&summary);
}

/* ---- digests ---- */

void
digest_init(struct digest *d, size_t shown_max)
{
	memset(d, 0, sizeof(*d));
	d->shown_max = shown_max < 1 ? 1 :
	    shown_max > DIGEST_SHOWN_MAX ? DIGEST_SHOWN_MAX : shown_max;
}

static struct digest_group *
find_group(struct digest *d, const char *rule, size_t rule_len,
    const char *priority, size_t priority_len)
{
	struct digest_group *g;
	size_t i;

	for (i = 0; i < d->ngroups; i++) {
		g = &d->groups[i];
		if (strlen(g->rule) == rule_len &&
		    memcmp(g->rule, rule, rule_len) == 0 &&
		    strlen(g->priority) == priority_len &&
		    memcmp(g->priority, priority, priority_len) == 0)
			return g;
	}
	if (d->ngroups == DIGEST_GROUPS_MAX)
		return NULL;
	g = &d->groups[d->ngroups++];
	g->rule = xstrndup(rule, rule_len);
	g->priority = xstrndup(priority, priority_len);
	g->count = 0;
	return g;
}

void
digest_add(struct digest *d, struct alert *a, const char *line, size_t len)
{
	struct digest_group *g;
	size_t rule_len = 0, priority_len = 0;
	char *rule = field_copy(a, "rule", &rule_len);
	char *priority = priority_copy(a, &priority_len);

	d->count++;
	g = find_group(d, rule != NULL ? rule : "(no rule)",
	    rule != NULL ? rule_len : 9,
	    priority != NULL ? priority : "(no priority)",
	    priority != NULL ? priority_len : 13);
	if (g != NULL) {
		g->count++;
		g->severity = alert_severity(a);
	} else {
		d->other_count++;
	}
	if (d->nshown < d->shown_max) {
		d->shown[d->nshown] = xstrndup(line, len);
		d->shown_len[d->nshown] = len;
		d->nshown++;
	}
	free(rule);
	free(priority);
}

void
digest_reset(struct digest *d)
{
	size_t i, shown_max = d->shown_max;

	for (i = 0; i < d->nshown; i++)
		free(d->shown[i]);
	for (i = 0; i < d->ngroups; i++) {
		free(d->groups[i].rule);
		free(d->groups[i].priority);
	}
	digest_init(d, shown_max);
}

static int
compare_groups(const void *x, const void *y)
{
	const struct digest_group *a = *(const struct digest_group *const *)x;
	const struct digest_group *b = *(const struct digest_group *const *)y;

	if (a->severity != b->severity)
		return b->severity - a->severity;
	if (a->count != b->count)
		return (a->count < b->count) - (a->count > b->count);
	/* the same rank: first seen first, so the order never depends on qsort */
	return (a > b) - (a < b);
}

/* "12 × Critical: Terminal shell in container" lines, worst first */
static int
digest_counts(const struct digest *d, struct buf *out)
{
	const struct digest_group *order[DIGEST_GROUPS_MAX];
	int worst = -1;
	size_t i;

	for (i = 0; i < d->ngroups; i++)
		order[i] = &d->groups[i];
	qsort(order, d->ngroups, sizeof(order[0]), compare_groups);
	for (i = 0; i < d->ngroups; i++) {
		buf_printf(out, "%zu \xc3\x97 %s: %s\n", order[i]->count,
		    order[i]->priority, order[i]->rule);
		if (order[i]->severity > worst)
			worst = order[i]->severity;
	}
	if (d->other_count > 0)
		buf_printf(out, "%zu \xc3\x97 other rules\n", d->other_count);
	return worst;
}

void
slack_digest_payload(const struct slack_style *style, const struct digest *d,
    struct buf *out)
{
	struct buf top = BUF_INIT, counts = BUF_INIT;
	struct alert a;
	cJSON *root, *attachments, *summary;
	const char *reason;
	char *json;
	int worst;
	size_t i;

	worst = digest_counts(d, &counts);
	buf_printf(&top, "Falco digest: %zu alerts", d->count);
	if (d->count > d->nshown)
		buf_printf(&top, " (first %zu in full, \xe2\x80\xa6" "and %zu more)",
		    d->nshown, d->count - d->nshown);
	root = message_top(style, top.data, top.len);
	attachments = cJSON_AddArrayToObject(root, "attachments");
	summary = cJSON_CreateObject();
	add_safe(summary, "fallback", top.data, top.len, SECTION_TEXT_LIMIT);
	cJSON_AddStringToObject(summary, "color", priority_colour(worst));
	add_safe(summary, "text", counts.data, counts.len > 0 ?
	    counts.len - 1 : 0, SECTION_TEXT_LIMIT);
	add_footer(summary, style);
	cJSON_AddItemToArray(attachments, summary);

	alert_init(&a);
	for (i = 0; i < d->nshown; i++)
		if (alert_parse(&a, d->shown[i], d->shown_len[i], &reason) == 0)
			cJSON_AddItemToArray(attachments,
			    alert_attachment(style, &a));
	alert_free(&a);

	json = print_json(root);
	buf_adds(out, json);
	cJSON_free(json);
	cJSON_Delete(root);
	buf_free(&top);
	buf_free(&counts);
}
