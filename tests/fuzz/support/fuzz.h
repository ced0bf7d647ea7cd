/*
 * fuzz.h: what the libFuzzer harnesses of tests/fuzz/ share. Each
 * harness is one file, tests/fuzz/TARGET.c, linked with the files of
 * support/, common/ and whatever program file it tests (the Makefile's
 * FUZZ_EXTRA_TARGET); "make fuzz" and "make fuzz-regress" run them
 * through tests/fuzz/run.sh, with TARGET.dict when there is one.
 */
#ifndef FP_FUZZ_H
#define FP_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/*
 * Alerts every harness that needs a fixed set evaluates against: each
 * field type, nulls, escapes, arrays, numbers past 2^53 (from
 * tests/fixtures/cond/alerts.ndjson and tests/fixtures/samples.ndjson).
 */
extern const char *const fuzz_alerts[];

/* the input as a C string (a NUL in it ends the string there); free it */
char *fuzz_cstring(const uint8_t *data, size_t size);

/*
 * A file named name in a directory of this process's own, created on
 * first use and removed at exit; fuzz_file_write replaces its content.
 */
const char *fuzz_file(const char *name);
void fuzz_file_write(const char *path, const uint8_t *data, size_t size);

/*
 * Whether s (n bytes) is well-formed UTF-8 (RFC 3629: no overlong
 * forms, no surrogates, nothing past U+10FFFF), written apart from the
 * code under test; with runes not NULL, the number of characters.
 */
int fuzz_utf8_valid(const char *s, size_t n, size_t *runes);

/*
 * Whether s (n bytes) is exactly one JSON text by RFC 8259's grammar
 * (blanks around it allowed), written apart from the code under test
 * and stricter than cJSON: no leading zeros, no raw control character
 * in a string, no trailing comma, no bytes after the value, surrogate
 * escapes only in pairs (RFC 7493). More than
 * FUZZ_JSON_DEPTH arrays and objects one in another count as invalid,
 * as in the alert model (ALERT_MAX_DEPTH). UTF-8 is not checked here
 * (fuzz_utf8_valid).
 */
#define FUZZ_JSON_DEPTH 512
int fuzz_json_valid(const char *s, size_t n);
/* the length of the one JSON value s starts with (no blank first), or 0 */
size_t fuzz_json_prefix(const char *s, size_t n);

/*
 * Chat markup left in text that was to be made harmless (common/chat.h),
 * by rules written from that header; each aborts on what it finds. The
 * text is as the chat reads it (Slack's escapes undone, no cut marker).
 *   mentions: "@everyone" or "@here" anywhere, in any case; "@" or "~"
 *             starting a word and followed by a name, not by U+200B
 *   links: "](", "][" or "]:"
 *   angle markup: "<" followed by anything but a blank or U+200B
 */
struct buf;
void fuzz_check_no_mentions(const char *s, size_t n);
void fuzz_check_no_links(const char *s, size_t n);
void fuzz_check_no_angle_markup(const char *s, size_t n);
int fuzz_is_zwsp(const char *s, size_t n);
/* s without its U+200B, appended to out */
void fuzz_without_zwsp(const char *s, size_t n, struct buf *out);

/* abort with a message: a broken property is a finding like a crash */
#define FUZZ_ASSERT(cond) \
	((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
_Noreturn void fuzz_fail(const char *file, int line, const char *what);

#endif
