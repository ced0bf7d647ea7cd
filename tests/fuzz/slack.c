/*
 * slack: falco-slack's payload builder (cmd/falco-slack/payload.c, built
 * into this harness) on any alert, in each --format, with and without
 * --mattermost and --message, alone and in a digest. Every payload must
 * be JSON whose strings are valid UTF-8, hold no '<' or '>' and no bare
 * '&' (Slack's markup: alert text reaches it escaped) and no mention or
 * link any Slack-compatible chat would read (common/chat.h). slack_text
 * must keep to its length limit, cut as late as it may and only when it
 * must, and show the input's text: read without Slack's escapes and the
 * defusing U+200B, its output is the input made UTF-8, whole or cut
 * with the marker.
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

/* the bytes of the unit at s (an escape or a character) and its characters */
static size_t
unit(const char *s, size_t n, size_t *chars)
{
	static const char *const escapes[] = { "&amp;", "&lt;", "&gt;" };
	unsigned char c = (unsigned char)s[0];

	for (size_t k = 0; k < 3; k++)
		if (n >= strlen(escapes[k]) &&
		    memcmp(s, escapes[k], strlen(escapes[k])) == 0) {
			*chars = strlen(escapes[k]);
			return *chars;
		}
	*chars = 1;
	return c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
}

/*
 * The text made safe, whole, then cut to each limit. Whole, read
 * without Slack's escapes and the defusing U+200B, it is the input made
 * UTF-8. Cut, it is a beginning of the whole text, ending between two of
 * Slack's units, and the marker; and it is cut as late as it may be: the
 * next unit, with the U+200B that follow it (a cut never separates
 * them, chat.h), would not have fitted before the marker.
 */
static void
check_text(const char *s, size_t n)
{
	static const size_t limits[] = { 13, 14, 40, 300, 3000 };
	struct buf whole = BUF_INIT, out = BUF_INIT, shown = BUF_INIT;
	struct buf want = BUF_INIT, got = BUF_INIT;
	size_t keep, at, chars, c;

	chat_utf8(s, n, &got);
	fuzz_without_zwsp(buf_str(&got), got.len, &want);
	slack_text(&whole, s, n, (size_t)1 << 40);
	unescape(buf_str(&whole), whole.len, &shown);
	buf_reset(&got);
	fuzz_without_zwsp(buf_str(&shown), shown.len, &got);
	FUZZ_ASSERT(got.len == want.len &&
	    memcmp(buf_str(&got), buf_str(&want), want.len) == 0);
	for (size_t i = 0; i < sizeof(limits) / sizeof(limits[0]); i++) {
		buf_reset(&out);
		buf_reset(&shown);
		slack_text(&out, s, n, limits[i]);
		FUZZ_ASSERT(utf8_runes(buf_str(&out), out.len) <= limits[i]);
		FUZZ_ASSERT(memchr(buf_str(&out), '<', out.len) == NULL);
		FUZZ_ASSERT(memchr(buf_str(&out), '>', out.len) == NULL);
		if (out.len == whole.len &&
		    memcmp(buf_str(&out), buf_str(&whole), whole.len) == 0) {
			unescape(buf_str(&out), out.len, &shown);
			check_defused(buf_str(&shown), shown.len);
			continue;
		}
		FUZZ_ASSERT(out.len >= MARKER_LEN && memcmp(out.data +
		    out.len - MARKER_LEN, CHAT_CUT_MARKER, MARKER_LEN) == 0);
		keep = out.len - MARKER_LEN;
		FUZZ_ASSERT(keep < whole.len &&
		    memcmp(out.data, whole.data, keep) == 0);
		unescape(out.data, keep, &shown);
		check_defused(buf_str(&shown), shown.len);
		for (at = 0, chars = 0; at < keep; chars += c)
			at += unit(whole.data + at, whole.len - at, &c);
		FUZZ_ASSERT(at == keep);
		at += unit(whole.data + at, whole.len - at, &c);
		chars += c;
		while (fuzz_is_zwsp(whole.data + at, whole.len - at)) {
			at += sizeof(CHAT_ZWSP) - 1;
			chars++;
		}
		FUZZ_ASSERT(chars + CHAT_CUT_MARKER_CHARS > limits[i]);
		/* and only when the whole would not have fitted */
		for (; at < whole.len; chars += c)
			at += unit(whole.data + at, whole.len - at, &c);
		FUZZ_ASSERT(chars > limits[i]);
	}
	buf_free(&whole);
	buf_free(&out);
	buf_free(&shown);
	buf_free(&want);
	buf_free(&got);
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
