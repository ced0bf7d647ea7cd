/*
 * payload.c: the Slack message for one alert or a digest of several, in
 * the shape Falcosidekick users know (reference.md §3.4): one attachment
 * coloured by priority, the alert's output as its text, fields for rule,
 * priority, source, hostname, tags, the string output fields and time.
 * Unlike Falcosidekick, every piece of alert text is escaped (§4.5).
 */
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "payload.h"
#include "xalloc.h"

/* Slack's limits, in characters, measured after escaping (reference.md §4.4) */
#define TOP_TEXT_LIMIT 40000
#define SECTION_TEXT_LIMIT 3000
#define FIELD_VALUE_LIMIT 2000
#define FIELD_TITLE_LIMIT 300
#define TRUNCATION_MARKER "\xe2\x80\xa6[truncated]"
#define TRUNCATION_MARKER_RUNES 12
/* Falcosidekick's rule: a field value shorter than this sits in a half column */
#define SHORT_FIELD_RUNES 36
#define REPLACEMENT_CHARACTER "\xef\xbf\xbd"
#define ZERO_WIDTH_SPACE "\xe2\x80\x8b"

/* ---- safe text ---- */

/* the length of the valid UTF-8 sequence at s, or 0 when invalid */
static size_t
utf8_sequence(const unsigned char *s, size_t n)
{
	uint32_t cp;
	size_t len, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		len = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		len = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		len = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < len)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	/* overlong forms, surrogates and values beyond Unicode */
	if ((len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return len;
}

/*
 * Mattermost pings on a plain @channel, @here or @all (reference.md
 * §4.7). A letter or digit after the word makes another word
 * ("@allowed", "root@hereford"), left alone; any other character, even
 * one that may belong to a user name, is taken as the end of the word.
 */
static int
mattermost_mention_at(const char *s, size_t n)
{
	static const char *const words[] = { "channel", "here", "all", NULL };
	const char *const *w;
	size_t len;

	for (w = words; *w != NULL; w++) {
		len = strlen(*w);
		if (n >= len && strncasecmp(s, *w, len) == 0 &&
		    (n == len || !isalnum((unsigned char)s[len])))
			return 1;
	}
	return 0;
}

/*
 * One piece of output for the text at s: its bytes in *piece, its
 * length in characters in *runes; returns how many input bytes it used.
 */
static size_t
next_piece(const char *s, size_t n, int mattermost, const char **piece,
    size_t *piece_len, size_t *runes)
{
	size_t len;

	*runes = 1;
	switch (s[0]) {
	case '&':
		*piece = "&amp;", *piece_len = 5, *runes = 5;
		return 1;
	case '<':
		*piece = "&lt;", *piece_len = 4, *runes = 4;
		return 1;
	case '>':
		*piece = "&gt;", *piece_len = 4, *runes = 4;
		return 1;
	case '\0':
		*piece = REPLACEMENT_CHARACTER, *piece_len = 3;
		return 1;
	case '@':
		if (mattermost && mattermost_mention_at(s + 1, n - 1)) {
			*piece = "@" ZERO_WIDTH_SPACE, *piece_len = 4;
			*runes = 2;
			return 1;
		}
		break;
	default:
		break;
	}
	len = utf8_sequence((const unsigned char *)s, n);
	if (len == 0) {
		*piece = REPLACEMENT_CHARACTER, *piece_len = 3;
		return 1;
	}
	*piece = s, *piece_len = len;
	return len;
}

void
slack_text(struct buf *out, const char *s, size_t n, size_t limit,
    int mattermost)
{
	size_t start = out->len, cut = out->len, runes = 0, used;
	size_t piece_len, piece_runes;
	const char *piece;

	while (n > 0) {
		used = next_piece(s, n, mattermost, &piece, &piece_len,
		    &piece_runes);
		runes += piece_runes;
		if (runes > limit) {
			/* cut on a piece boundary, so never inside a character or "&amp;" */
			out->len = cut;
			buf_add(out, TRUNCATION_MARKER, strlen(TRUNCATION_MARKER));
			return;
		}
		buf_add(out, piece, piece_len);
		if (runes + TRUNCATION_MARKER_RUNES <= limit)
			cut = out->len;
		s += used;
		n -= used;
	}
	(void)start;
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
add_safe(cJSON *obj, const char *key, const char *s, size_t n, size_t limit,
    int mattermost)
{
	struct buf text = BUF_INIT;

	slack_text(&text, s, n, limit, mattermost);
	cJSON_AddStringToObject(obj, key, buf_str(&text));
	buf_free(&text);
}

static void
add_option(cJSON *obj, const char *key, const char *value)
{
	if (value != NULL && value[0] != '\0')
		cJSON_AddStringToObject(obj, key, value);
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
    const char *value, size_t value_len, int is_short, int mattermost)
{
	cJSON *f = cJSON_CreateObject();

	add_safe(f, "title", title, title_len, FIELD_TITLE_LIMIT, mattermost);
	add_safe(f, "value", value, value_len, FIELD_VALUE_LIMIT, mattermost);
	cJSON_AddBoolToObject(f, "short", is_short);
	cJSON_AddItemToArray(fields, f);
}

static void
add_top_field(cJSON *fields, struct alert *a, const char *name,
    int mattermost)
{
	size_t len;
	char *value = field_copy(a, name, &len);

	/* Falcosidekick leaves out an empty hostname */
	if (value != NULL && len > 0)
		add_field(fields, name, strlen(name), value, len, 1,
		    mattermost);
	free(value);
}

static int
compare_strings(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* tags sorted and joined with ", ", as Falcosidekick shows them */
static void
add_tags_field(cJSON *fields, struct alert *a, int mattermost)
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
	qsort(names, count, sizeof(*names), compare_strings);
	for (i = 0; i < count; i++) {
		if (i > 0)
			buf_adds(&joined, ", ");
		buf_adds(&joined, names[i]);
		free(names[i]);
	}
	if (count > 0)
		add_field(fields, "tags", 4, joined.data, joined.len, 1,
		    mattermost);
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
add_output_fields(cJSON *fields, struct alert *a, int mattermost)
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
		    SHORT_FIELD_RUNES, mattermost);
		free(list[i].name);
		free(list[i].text);
	}
	free(list);
	buf_free(&scratch);
}

static void
add_time_field(cJSON *fields, struct alert *a, int mattermost)
{
	struct buf shown = BUF_INIT;
	size_t len;
	char *t = field_copy(a, "time", &len);

	if (t != NULL) {
		go_time(t, len, &shown);
		add_field(fields, "time", 4, shown.data, shown.len, 0,
		    mattermost);
	}
	free(t);
	buf_free(&shown);
}

static cJSON *
alert_fields(struct alert *a, int mattermost)
{
	cJSON *fields = cJSON_CreateArray();

	add_top_field(fields, a, "rule", mattermost);
	add_top_field(fields, a, "priority", mattermost);
	add_top_field(fields, a, "source", mattermost);
	add_top_field(fields, a, "hostname", mattermost);
	add_tags_field(fields, a, mattermost);
	add_output_fields(fields, a, mattermost);
	add_time_field(fields, a, mattermost);
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
	add_safe(att, "fallback", text, len, SECTION_TEXT_LIMIT,
	    style->mattermost);
	cJSON_AddStringToObject(att, "color",
	    priority_colour(alert_severity(a)));
	if (style->format != SLACK_FORMAT_FIELDS)
		add_safe(att, "text", text, len, SECTION_TEXT_LIMIT,
		    style->mattermost);
	if (style->format == SLACK_FORMAT_TEXT)
		cJSON_AddNullToObject(att, "fields");
	else
		cJSON_AddItemToObject(att, "fields",
		    alert_fields(a, style->mattermost));
	if (style->format != SLACK_FORMAT_TEXT)
		add_option(att, "footer", style->footer);
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
 * "Critical: Terminal shell in container", or the --message template.
 * A template that renders to nothing (a field holding "") gives way to
 * the default: mobile notifications show only this text (§4.6).
 */
static void
alert_summary(const struct slack_style *style, struct alert *a,
    struct buf *out)
{
	size_t len, start = out->len;
	const char *s;

	if (style->message != NULL) {
		format_render(style->message, a, out);
		if (out->len > start &&
		    !blank(out->data + start, out->len - start))
			return;
		out->len = start;
	}
	s = alert_field_text(a, "priority", &len);
	buf_add(out, s != NULL ? s : "Alert", s != NULL ? len : 5);
	buf_adds(out, ": ");
	s = alert_field_text(a, "rule", &len);
	buf_add(out, s != NULL ? s : "(no rule)", s != NULL ? len : 9);
}

/*
 * The top of every message. Never link_names or parse=full (they turn
 * "@everyone" into a ping), and no unfurling of URLs found in alerts.
 */
static cJSON *
message_top(const struct slack_style *style, const char *text, size_t len)
{
	cJSON *root = cJSON_CreateObject();

	add_safe(root, "text", text, len, TOP_TEXT_LIMIT, style->mattermost);
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
	char *priority = field_copy(a, "priority", &priority_len);

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
	add_safe(summary, "fallback", top.data, top.len, SECTION_TEXT_LIMIT,
	    style->mattermost);
	cJSON_AddStringToObject(summary, "color", priority_colour(worst));
	add_safe(summary, "text", counts.data, counts.len > 0 ?
	    counts.len - 1 : 0, SECTION_TEXT_LIMIT, style->mattermost);
	add_option(summary, "footer", style->footer);
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
