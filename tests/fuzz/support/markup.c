/*
 * markup.c: the chat markup checks of fuzz.h, written from what
 * common/chat.h promises, not from chat.c.
 */
#include <string.h>
#include <strings.h>

#include "buf.h"
#include "chat.h"
#include "fuzz.h"

#define ZWSP_LEN (sizeof(CHAT_ZWSP) - 1)

int
fuzz_is_zwsp(const char *s, size_t n)
{
	return n >= ZWSP_LEN && memcmp(s, CHAT_ZWSP, ZWSP_LEN) == 0;
}

void
fuzz_without_zwsp(const char *s, size_t n, struct buf *out)
{
	for (size_t i = 0; i < n;) {
		if (fuzz_is_zwsp(s + i, n - i)) {
			i += ZWSP_LEN;
			continue;
		}
		buf_addc(out, s[i++]);
	}
}

static int
is_alnum(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9');
}

void
fuzz_check_no_mentions(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *next = s + i + 1;
		size_t left = n - i - 1;
		int word_start = i == 0 || !is_alnum(s[i - 1]);

		if (s[i] == '@') {
			FUZZ_ASSERT(!(left >= 8 &&
			    strncasecmp(next, "everyone", 8) == 0));
			FUZZ_ASSERT(!(left >= 4 &&
			    strncasecmp(next, "here", 4) == 0));
		}
		if ((s[i] == '@' || s[i] == '~') && word_start && left > 0 &&
		    !fuzz_is_zwsp(next, left))
			FUZZ_ASSERT(!(is_alnum(*next) || *next == '_' ||
			    *next == '-' || *next == '.' || (s[i] == '@' &&
			    (*next == '!' || *next == '&' ||
			    (unsigned char)*next >= 0x80))));
	}
}

void
fuzz_check_no_links(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		FUZZ_ASSERT(!(s[i] == ']' && (s[i + 1] == '(' ||
		    s[i + 1] == '[' || s[i + 1] == ':')));
}

void
fuzz_check_no_angle_markup(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++) {
		char next = s[i + 1];

		if (s[i] != '<' || next == ' ' || next == '\t' ||
		    next == '\n' || next == '\r')
			continue;
		FUZZ_ASSERT(fuzz_is_zwsp(s + i + 1, n - i - 1));
	}
}
