#include <stdint.h>
#include <string.h>
#include <strings.h>

#include "chat.h"

#define REPLACEMENT_CHARACTER "\xef\xbf\xbd"
#define ZWSP_LEN 3

/* ---- UTF-8 ---- */

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

void
chat_utf8(const char *s, size_t n, struct buf *out)
{
	size_t i = 0, run = 0, len;

	while (i < n) {
		len = s[i] == '\0' ? 0 :
		    utf8_sequence((const unsigned char *)s + i, n - i);
		if (len > 0) {
			i += len;
			continue;
		}
		buf_add(out, s + run, i - run);
		buf_adds(out, REPLACEMENT_CHARACTER);
		run = ++i;
	}
	buf_add(out, s + run, n - run);
}

/* ---- mentions ---- */

static int
ascii_alnum(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

static int
is_zwsp(const char *s, size_t n)
{
	return n >= ZWSP_LEN && memcmp(s, CHAT_ZWSP, ZWSP_LEN) == 0;
}

/*
 * What may follow "@" in a mention: the characters of user names in
 * Mattermost and Rocket.Chat (letters, digits, "." "_" "-", and any
 * non-ASCII letter Rocket.Chat allows), and the "!" and "&" of
 * Discord's <@!id> and <@&role>.
 */
static int
mention_name_start(const char *s, size_t n)
{
	unsigned char c;

	if (n == 0 || is_zwsp(s, n))
		return 0;
	c = (unsigned char)s[0];
	return ascii_alnum(c) || c >= 0x80 || c == '.' || c == '_' ||
	    c == '-' || c == '!' || c == '&';
}

/* Mattermost channel names: lower-case letters, digits, "-" and "_" */
static int
channel_name_start(const char *s, size_t n)
{
	unsigned char c;

	if (n == 0)
		return 0;
	c = (unsigned char)s[0];
	return ascii_alnum(c) || c == '_' || c == '-' || c == '.';
}

/*
 * Discord notifies on "@everyone" and "@here" wherever they stand, in
 * any case, so these two are defused even inside a word.
 */
static int
discord_everyone_at(const char *s, size_t n)
{
	static const char *const words[] = { "everyone", "here", NULL };
	const char *const *w;
	size_t len;

	for (w = words; *w != NULL; w++) {
		len = strlen(*w);
		if (n >= len && strncasecmp(s, *w, len) == 0)
			return 1;
	}
	return 0;
}

void
chat_defuse_mentions(const char *s, size_t n, struct buf *out)
{
	size_t i, run = 0;
	int word_start, defuse;

	for (i = 0; i < n; i++) {
		if (s[i] != '@' && s[i] != '~')
			continue;
		word_start = i == 0 || !ascii_alnum((unsigned char)s[i - 1]);
		if (s[i] == '@')
			defuse = (word_start &&
			    mention_name_start(s + i + 1, n - i - 1)) ||
			    discord_everyone_at(s + i + 1, n - i - 1);
		else
			defuse = word_start &&
			    channel_name_start(s + i + 1, n - i - 1);
		if (!defuse)
			continue;
		buf_add(out, s + run, i + 1 - run);
		buf_adds(out, CHAT_ZWSP);
		run = i + 1;
	}
	buf_add(out, s + run, n - run);
}

/* ---- links ---- */

void
chat_defuse_links(const char *s, size_t n, struct buf *out)
{
	size_t i, run = 0;

	for (i = 0; i + 1 < n; i++) {
		if (s[i] != ']' ||
		    (s[i + 1] != '(' && s[i + 1] != '[' && s[i + 1] != ':'))
			continue;
		buf_add(out, s + run, i + 1 - run);
		buf_adds(out, CHAT_ZWSP);
		run = i + 1;
	}
	buf_add(out, s + run, n - run);
}

void
chat_defuse_angle_brackets(const char *s, size_t n, struct buf *out)
{
	size_t i, run = 0;
	char next;

	for (i = 0; i + 1 < n; i++) {
		if (s[i] != '<')
			continue;
		next = s[i + 1];
		if (next == ' ' || next == '\t' || next == '\n' ||
		    next == '\r' || is_zwsp(s + i + 1, n - i - 1))
			continue;
		buf_add(out, s + run, i + 1 - run);
		buf_adds(out, CHAT_ZWSP);
		run = i + 1;
	}
	buf_add(out, s + run, n - run);
}

/* ---- Slack's escaping ---- */

void
chat_escape_slack(const char *s, size_t n, struct buf *out)
{
	size_t i, run = 0;
	const char *escape;

	for (i = 0; i < n; i++) {
		escape = s[i] == '&' ? "&amp;" : s[i] == '<' ? "&lt;" :
		    s[i] == '>' ? "&gt;" : NULL;
		if (escape == NULL)
			continue;
		buf_add(out, s + run, i - run);
		buf_adds(out, escape);
		run = i + 1;
	}
	buf_add(out, s + run, n - run);
}

/* ---- cutting ---- */

/* the bytes of the unit at s: one of Slack's escapes, or one character */
static size_t
unit_bytes(const char *s, size_t n, size_t *chars)
{
	static const char *const escapes[] = { "&amp;", "&lt;", "&gt;", NULL };
	const char *const *e;
	size_t len;

	if (s[0] == '&')
		for (e = escapes; *e != NULL; e++) {
			len = strlen(*e);
			if (n >= len && memcmp(s, *e, len) == 0) {
				*chars = len;
				return len;
			}
		}
	*chars = 1;
	len = utf8_sequence((const unsigned char *)s, n);
	return len > 0 ? len : 1;
}

int
chat_cut(struct buf *out, size_t start, size_t limit)
{
	const char *s;
	size_t n, i = 0, chars = 0, cut = 0, unit, len;

	if (out->len <= start)
		return 0;
	s = out->data + start;
	n = out->len - start;
	while (i < n) {
		len = unit_bytes(s + i, n - i, &unit);
		chars += unit;
		if (chars > limit) {
			out->len = start + cut;
			buf_adds(out, CHAT_CUT_MARKER);
			return 1;
		}
		i += len;
		/* a defusing U+200B stays with what it follows */
		if (chars + CHAT_CUT_MARKER_CHARS <= limit &&
		    !is_zwsp(s + i, n - i))
			cut = i;
	}
	return 0;
}
