/*
 * slack: falco-slack's payload builder (cmd/falco-slack/payload.c, built
 * into this harness) on any alert, in each --format, with and without
 * --mattermost and --message, alone and in a digest. Every payload must
 * be JSON whose strings are valid UTF-8, hold no '<' or '>' and no bare
 * '&' (Slack's markup: alert text reaches it escaped) and no mention or
 * link any Slack-compatible chat would read (common/chat.h). slack_text
 * must keep to its length limit, cut only when it must, and show the
 * input's text: read without Slack's escapes and the defusing U+200B,
 * its output is the input made UTF-8, whole or cut with the marker.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "buf.h"
#include "chat.h"
#include "format.h"
#include "fuzz.h"
#include "payload.h"

static struct format *message;

/* the characters of s, which must be well-formed UTF-8 */
static size_t
utf8_runes(const char *s, size_t n)
{
	size_t runes;

	FUZZ_ASSERT(fuzz_utf8_valid(s, n, &runes));
	return runes;
}

#define MARKER_LEN (sizeof(CHAT_CUT_MARKER) - 1)

/* Slack's three escapes undone: the text as a person reads it */
static void
unescape(const char *s, size_t n, struct buf *out)
{
	static const char *const escapes[] = { "&amp;", "&lt;", "&gt;" };
	static const char plain[] = "&<>";

	for (size_t i = 0; i < n; i++) {
		size_t k = 0;

		if (s[i] != '&') {
			buf_addc(out, s[i]);
			continue;
		}
		while (k < 3 && !(n - i >= strlen(escapes[k]) &&
		    memcmp(s + i, escapes[k], strlen(escapes[k])) == 0))
			k++;
		/* a bare '&' would let Slack read an entity of the alert's */
		FUZZ_ASSERT(k < 3);
		buf_addc(out, plain[k]);
		i += strlen(escapes[k]) - 1;
	}
}

/* nothing a chat reads as a link or a mention */
static void
check_defused(const char *s, size_t n)
{
	fuzz_check_no_mentions(s, n);
	fuzz_check_no_links(s, n);
}

static void
check_strings(const cJSON *item)
{
	struct buf shown = BUF_INIT;

	for (; item != NULL; item = item->next) {
		if (cJSON_IsString(item)) {
			const char *s = item->valuestring;
			size_t n = strlen(s);

			utf8_runes(s, n);
			FUZZ_ASSERT(strpbrk(s, "<>") == NULL);
			buf_reset(&shown);
			unescape(s, n, &shown);
			if (shown.len >= MARKER_LEN &&
			    memcmp(shown.data + shown.len - MARKER_LEN,
			    CHAT_CUT_MARKER, MARKER_LEN) == 0)
				shown.len -= MARKER_LEN;
			check_defused(buf_str(&shown), shown.len);
		}
		if (item->string != NULL)
			FUZZ_ASSERT(strpbrk(item->string, "<>") == NULL);
		check_strings(item->child);
	}
	buf_free(&shown);
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
	static const size_t limits[] = { 13, 14, 40, 300, 3000 };
	struct buf out = BUF_INIT, shown = BUF_INIT, want = BUF_INIT;
	struct buf clean = BUF_INIT;
	size_t runes, keep;
	int cut;

	chat_utf8(s, n, &clean);
	fuzz_without_zwsp(buf_str(&clean), clean.len, &want);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		buf_reset(&out);
		buf_reset(&shown);
		slack_text(&out, s, n, limits[i]);
		runes = utf8_runes(buf_str(&out), out.len);
		FUZZ_ASSERT(runes <= limits[i]);
		FUZZ_ASSERT(memchr(buf_str(&out), '<', out.len) == NULL);
		FUZZ_ASSERT(memchr(buf_str(&out), '>', out.len) == NULL);
		unescape(buf_str(&out), out.len, &shown);
		cut = shown.len >= MARKER_LEN && memcmp(shown.data +
		    shown.len - MARKER_LEN, CHAT_CUT_MARKER, MARKER_LEN) == 0;
		check_defused(buf_str(&shown), shown.len - (cut ? MARKER_LEN : 0));
		/*
		 * Read without its U+200B, the text is the input's (made
		 * UTF-8): all of it, or a beginning and the marker, and a
		 * cut leaves out at most two of Slack's units past the marker.
		 */
		buf_reset(&clean);
		fuzz_without_zwsp(buf_str(&shown), shown.len, &clean);
		if (clean.len == want.len &&
		    memcmp(buf_str(&clean), buf_str(&want), want.len) == 0)
			continue;
		FUZZ_ASSERT(cut);
		keep = clean.len - MARKER_LEN;
		FUZZ_ASSERT(keep <= want.len &&
		    memcmp(buf_str(&clean), buf_str(&want), keep) == 0);
		FUZZ_ASSERT(runes + 2 * 5 >= limits[i]);
	}
	buf_free(&out);
	buf_free(&shown);
	buf_free(&want);
	buf_free(&clean);
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
