/*
 * slack: falco-slack's payload builder (cmd/falco-slack/payload.c, built
 * into this harness) on any alert, in each --format, with and without
 * --mattermost and --message, alone and in a digest. Every payload must
 * be JSON whose strings are valid UTF-8 and hold no '<' or '>' (Slack's
 * markup: alert text reaches it escaped), and slack_text must keep to
 * its length limit.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "buf.h"
#include "format.h"
#include "fuzz.h"
#include "payload.h"

static struct format *message;

static size_t
utf8_runes(const char *s, size_t n)
{
	size_t runes = 0;

	for (size_t i = 0; i < n; runes++) {
		unsigned char c = (unsigned char)s[i];
		size_t len = c < 0x80 ? 1 : c >= 0xc2 && c <= 0xdf ? 2 :
		    c >= 0xe0 && c <= 0xef ? 3 : c >= 0xf0 && c <= 0xf4 ? 4 : 0;

		FUZZ_ASSERT(len > 0 && i + len <= n);
		for (size_t k = 1; k < len; k++)
			FUZZ_ASSERT(((unsigned char)s[i + k] & 0xc0) == 0x80);
		i += len;
	}
	return runes;
}

static void
check_strings(const cJSON *item)
{
	for (; item != NULL; item = item->next) {
		if (cJSON_IsString(item)) {
			const char *s = item->valuestring;

			utf8_runes(s, strlen(s));
			FUZZ_ASSERT(strpbrk(s, "<>") == NULL);
		}
		if (item->string != NULL)
			FUZZ_ASSERT(strpbrk(item->string, "<>") == NULL);
		check_strings(item->child);
	}
}

static void
check_payload(const struct buf *out)
{
	cJSON *json = cJSON_ParseWithLength(out->data, out->len);

	FUZZ_ASSERT(json != NULL && cJSON_IsObject(json));
	check_strings(json->child);
	cJSON_Delete(json);
}

static void
check_text(const char *s, size_t n)
{
	static const size_t limits[] = { 12, 13, 40, 300, 3000 };
	struct buf out = BUF_INIT;

	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++)
		for (int mattermost = 0; mattermost <= 1; mattermost++) {
			buf_reset(&out);
			slack_text(&out, s, n, limits[i], mattermost);
			FUZZ_ASSERT(utf8_runes(buf_str(&out), out.len) <=
			    limits[i]);
			FUZZ_ASSERT(memchr(buf_str(&out), '<',
			    out.len) == NULL);
			FUZZ_ASSERT(memchr(buf_str(&out), '>',
			    out.len) == NULL);
		}
	buf_free(&out);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *error;

	(void)argc, (void)argv;
	message = format_compile("%priority <%rule> %proc.cmdline", &error);
	return message == NULL;
}

/* every style: each --format, with and without --mattermost and --message */
static void
check_styles(struct alert *a)
{
	struct slack_style style = {
		"#alerts", "Falco", ":falco:", NULL, "falco-pipes",
		SLACK_FORMAT_ALL, NULL, 0
	};
	struct buf out = BUF_INIT;

	for (int i = 0; i < 12; i++) {
		style.format = (enum slack_format)(i % 3);
		style.mattermost = i / 3 % 2;
		style.message = i / 6 ? message : NULL;
		buf_reset(&out);
		slack_payload(&style, a, &out);
		check_payload(&out);
	}
	buf_free(&out);
}

/*
 * The input is the text of slack_text, and its lines are alerts: the
 * first one in every style, all of them in two digests (one that shows
 * two alerts in full, one that shows as many as Slack allows), with
 * more than DIGEST_GROUPS_MAX rules when the fuzzer writes enough.
 */
int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *end = text + size, *line;
	struct slack_style style = {
		NULL, NULL, NULL, "https://falco.example/icon.png", NULL,
		SLACK_FORMAT_ALL, NULL, 1
	};
	struct digest few, many;
	struct buf out = BUF_INIT;
	struct alert a;
	const char *reason;
	int first = 1;

	check_text(text, size);
	digest_init(&few, 2);
	digest_init(&many, DIGEST_SHOWN_MAX);
	alert_init(&a);
	for (line = text; line < end;) {
		const char *nl = memchr(line, '\n', (size_t)(end - line));
		size_t len = (size_t)((nl != NULL ? nl : end) - line);

		if (alert_parse(&a, line, len, &reason) == 0) {
			if (first)
				check_styles(&a);
			first = 0;
			digest_add(&few, &a, line, len);
			digest_add(&many, &a, line, len);
		}
		line += len + 1;
	}
	if (many.count > 0) {
		slack_digest_payload(&style, &few, &out);
		check_payload(&out);
		buf_reset(&out);
		slack_digest_payload(&style, &many, &out);
		check_payload(&out);
	}
	digest_reset(&few);
	digest_reset(&many);
	alert_free(&a);
	buf_free(&out);
	return 0;
}
