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
			FUZZ_ASSERT(memchr(buf_str(&out), '<', out.len) == NULL);
			FUZZ_ASSERT(memchr(buf_str(&out), '>', out.len) == NULL);
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

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;
	struct slack_style style = {
		"#alerts", "Falco", ":falco:", NULL, "falco-pipes",
		SLACK_FORMAT_ALL, NULL, 0
	};
	struct buf out = BUF_INIT;
	struct digest d;
	struct alert a;
	const char *reason;

	check_text(line, size);
	alert_init(&a);
	if (alert_parse(&a, line, size, &reason) < 0) {
		alert_free(&a);
		return 0;
	}
	for (int i = 0; i < 12; i++) {
		style.format = (enum slack_format)(i % 3);
		style.mattermost = i / 3 % 2;
		style.message = i / 6 ? message : NULL;
		buf_reset(&out);
		slack_payload(&style, &a, &out);
		check_payload(&out);
	}
	digest_init(&d, 2);
	digest_add(&d, &a, line, size);
	digest_add(&d, &a, line, size);
	digest_add(&d, &a, line, size);
	buf_reset(&out);
	slack_digest_payload(&style, &d, &out);
	check_payload(&out);
	digest_reset(&d);
	alert_free(&a);
	buf_free(&out);
	return 0;
}
