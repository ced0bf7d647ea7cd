/*
 * webhook: falco-webhook's --json body shaping (cmd/falco-webhook/
 * shape.c, built into this harness) on any alert, through shapes an
 * operator would write: every kind of value, nested keys and indices, a
 * secret, and each --defuse with and without --max-chars. Each body
 * must be
 *   - one JSON object on one line (RFC 8259, checked strictly), valid
 *     UTF-8 whenever the alert is;
 *   - KEY:=. the alert byte for byte, KEY:=FIELD the field's JSON
 *     exactly, left out when the field is absent or null;
 *   - KEY:=seconds(FIELD) the time to the nanosecond: its digits are
 *     the nanoseconds of evt.time, or of the RFC 3339 time, no other
 *     number;
 *   - the secret only when not redacted, "(secret)" when it is;
 *   - a format's leading '*' kept: chat Markdown, not Falco's mark;
 *   - text rendered from a format valid UTF-8 (a width cuts bytes),
 *     with none of the --defuse chat's markup left (mentions, Markdown
 *     links, angle brackets; Teams: links and brackets), and no more
 *     characters than --max-chars.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "buf.h"
#include "fuzz.h"
#include "shape.h"

#define SECRET "s3cret \"token\""

struct shape_case {
	enum shape_defuse defuse;
	size_t max_chars;
	struct shape *shape;
};

static struct shape_case cases[] = {
	{ DEFUSE_NONE, 0, NULL },
	{ DEFUSE_NONE, 20, NULL },
	{ DEFUSE_DISCORD, 0, NULL },
	{ DEFUSE_DISCORD, 2000, NULL },
	{ DEFUSE_GOOGLE_CHAT, 30, NULL },
	{ DEFUSE_TEAMS, 0, NULL },
	{ DEFUSE_TEAMS, 13, NULL },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* the keys of text rendered from formats: checked for markup */
static const char *const texts[] = { "text", "short", "out" };

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *secret = fuzz_file("secret");
	char *arg = NULL;

	(void)argc, (void)argv;
	fuzz_file_write(secret, (const uint8_t *)SECRET "\n",
	    strlen(SECRET) + 1);
	if (asprintf(&arg, "token=@%s", secret) < 0)
		abort();
	for (size_t i = 0; i < NCASES; i++) {
		struct shape *s = shape_new();

		shape_add(s, "text=*%priority* %rule: %proc.cmdline");
		shape_add(s, "short=%3proc.name");
		shape_add(s, "out=%output");
		shape_add(s, "alert:=.");
		shape_add(s, "fields:=output_fields");
		shape_add(s, "rule:=rule");
		shape_add(s, "ns:=k8s.ns.name");
		shape_add(s, "time:=seconds(time)");
		shape_add(s, "evt:=seconds(evt.time)");
		shape_add(s, "payload.list.0.text=%k8s.pod.name");
		shape_add(s, "payload.list.1:=tags");
		shape_add(s, "payload.a\\.b:=[1,{\"a\":null},\"x\"]");
		shape_add(s, arg);
		shape_defuse(s, cases[i].defuse);
		shape_cut(s, cases[i].max_chars);
		cases[i].shape = s;
	}
	free(arg);
	return 0;
}

/* "KEY": and the bytes of json, as the body holds them */
static int
has_member(const struct buf *body, const char *key, const char *json,
    size_t len)
{
	struct buf member = BUF_INIT;
	int found;

	buf_printf(&member, "\"%s\":", key);
	buf_add(&member, json, len);
	found = memmem(body->data, body->len, member.data, member.len) != NULL;
	buf_free(&member);
	return found;
}

/* a field's value as shape.h names it (output_fields: the top-level key) */
static struct json_value
field(struct alert *a, const char *name)
{
	struct json_value none = { JSON_ABSENT, NULL, 0 };

	if (strcmp(name, "output_fields") != 0)
		return alert_field(a, name, strlen(name));
	for (size_t i = 0; i < a->ntop; i++)
		if (json_string_equals(&a->top[i].key, name, strlen(name)))
			return a->top[i].value.type == JSON_NULL ? none :
			    a->top[i].value;
	return none;
}

static void
check_field(struct alert *a, const struct buf *body, const cJSON *root,
    const char *key, const char *name)
{
	struct json_value v = field(a, name);

	if (v.type == JSON_ABSENT) {
		FUZZ_ASSERT(!cJSON_HasObjectItem(root, key));
		return;
	}
	FUZZ_ASSERT(has_member(body, key, v.raw, v.raw_len));
}

/* the nanoseconds a seconds() value must show, or -1 when none */
static long long
expected_ns(struct alert *a, const char *name)
{
	struct json_value v = field(a, name);
	struct buf scratch = BUF_INIT;
	long long ns = -1;
	const char *s;
	size_t len;

	if (v.type == JSON_STRING) {
		s = json_string(&v, &scratch, &len);
		if (time_parse_ns(s, len, &ns) != 0)
			ns = -1;
	} else if (v.type == JSON_NUMBER && v.raw_len <= 19 &&
	    strspn(v.raw, "0123456789") == v.raw_len && (v.raw_len < 19 ||
	    memcmp(v.raw, "9223372036854775807", 19) <= 0)) {
		/* an integer of nanoseconds that fits: these are its digits */
		ns = 0;
		for (size_t i = 0; i < v.raw_len; i++)
			ns = ns * 10 + (v.raw[i] - '0');
	}
	buf_free(&scratch);
	return ns;
}

static void
check_seconds(struct alert *a, const cJSON *root, const struct buf *body,
    const char *key, const char *name)
{
	long long ns = expected_ns(a, name);
	struct buf member = BUF_INIT;

	if (ns < 0) {
		FUZZ_ASSERT(!cJSON_HasObjectItem(root, key));
		return;
	}
	buf_printf(&member, "\"%s\":%lld.%09lld", key, ns / 1000000000LL,
	    ns % 1000000000LL);
	FUZZ_ASSERT(memmem(body->data, body->len, member.data,
	    member.len) != NULL);
	buf_free(&member);
}

static void
check_text(const struct shape_case *c, const cJSON *item)
{
	const char *s;
	size_t n, runes;

	if (item == NULL)
		return;
	FUZZ_ASSERT(cJSON_IsString(item));
	s = item->valuestring;
	n = strlen(s);
	FUZZ_ASSERT(fuzz_utf8_valid(s, n, &runes));
	FUZZ_ASSERT(c->max_chars == 0 || runes <= c->max_chars);
	switch (c->defuse) {
	case DEFUSE_NONE:
		return;
	case DEFUSE_DISCORD:
	case DEFUSE_GOOGLE_CHAT:
		fuzz_check_no_mentions(s, n);
		break;
	case DEFUSE_TEAMS:
		break;
	}
	fuzz_check_no_links(s, n);
	fuzz_check_no_angle_markup(s, n);
}

static void
check_body(const struct shape_case *c, struct alert *a, const char *line,
    size_t len, const struct buf *body, int redact)
{
	const cJSON *list, *token;
	cJSON *root;

	FUZZ_ASSERT(fuzz_json_valid(body->data, body->len));
	FUZZ_ASSERT(body->data[0] == '{');
	FUZZ_ASSERT(memchr(body->data, '\n', body->len) == NULL);
	if (fuzz_utf8_valid(line, len, NULL))
		FUZZ_ASSERT(fuzz_utf8_valid(body->data, body->len, NULL));
	root = cJSON_ParseWithLength(body->data, body->len);
	FUZZ_ASSERT(root != NULL);
	FUZZ_ASSERT(has_member(body, "alert", line, len));
	check_field(a, body, root, "fields", "output_fields");
	check_field(a, body, root, "rule", "rule");
	check_field(a, body, root, "ns", "k8s.ns.name");
	check_seconds(a, root, body, "time", "time");
	check_seconds(a, root, body, "evt", "evt.time");
	token = cJSON_GetObjectItemCaseSensitive(root, "token");
	FUZZ_ASSERT(cJSON_IsString(token) && strcmp(token->valuestring,
	    redact ? "(secret)" : SECRET) == 0);
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		check_text(c, cJSON_GetObjectItemCaseSensitive(root, texts[i]));
	/* a leading '*' is the text's own Markdown, not Falco's mark */
	FUZZ_ASSERT(cJSON_GetObjectItemCaseSensitive(root,
	    "text")->valuestring[0] == '*');
	list = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(
	    root, "payload"), "list");
	FUZZ_ASSERT(cJSON_GetArraySize(list) == 2);
	check_text(c, cJSON_GetObjectItemCaseSensitive(
	    cJSON_GetArrayItem(list, 0), "text"));
	cJSON_Delete(root);
}

/* every line of the input is an alert */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *end = text + size, *line;
	struct buf body = BUF_INIT;
	const char *reason;
	struct alert a;

	alert_init(&a);
	for (line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((nl != NULL ? nl : end) - line);

		if (alert_parse(&a, line, len, &reason) == 0)
			for (size_t i = 0; i < NCASES; i++)
				for (int redact = 0; redact <= 1; redact++) {
					buf_reset(&body);
					shape_render(cases[i].shape, &a, line,
					    len, redact, &body);
					check_body(&cases[i], &a, line, len,
					    &body, redact);
				}
		line += len + 1;
	}
	alert_free(&a);
	buf_free(&body);
	return 0;
}
