/*
 * format: the %field formatter (common/format.c). The input is a format
 * (up to its first NUL), rendered with each fixed alert of fuzz.h; what
 * follows a NUL, if anything, is an alert line rendered too. A format
 * without '%' renders as itself, less a leading '*' (Falco's mark,
 * format.h); compiled as text of our own (format_compile_text) it is
 * the same format, that '*' kept.
 */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "format.h"
#include "fuzz.h"

static struct alert alerts[32];
static size_t nalerts;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *reason;

	(void)argc, (void)argv;
	for (nalerts = 0; fuzz_alerts[nalerts] != NULL; nalerts++) {
		alert_init(&alerts[nalerts]);
		if (alert_parse(&alerts[nalerts], fuzz_alerts[nalerts],
		    strlen(fuzz_alerts[nalerts]), &reason) < 0)
			abort();
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *spec = fuzz_cstring(data, size);
	const uint8_t *nul = memchr(data, '\0', size);
	struct buf out = BUF_INIT, text = BUF_INIT;
	struct format *f, *g;
	const char *error, *text_error;
	int star = spec[0] == '*';
	struct alert a;

	f = format_compile(spec, &error);
	g = format_compile_text(spec, &text_error);
	/* a leading '*' is text or Falco's mark: never what makes a format bad */
	FUZZ_ASSERT((f == NULL) == (g == NULL));
	if (f == NULL) {
		FUZZ_ASSERT(error != NULL && *error != '\0');
		FUZZ_ASSERT(text_error != NULL && *text_error != '\0');
		FUZZ_ASSERT(strchr(spec, '%') != NULL);
		free(spec);
		return 0;
	}
	FUZZ_ASSERT(error == NULL && text_error == NULL);
	for (size_t i = 0; i < nalerts; i++) {
		buf_reset(&out);
		buf_reset(&text);
		format_render(f, &alerts[i], &out);
		format_render(g, &alerts[i], &text);
		if (strchr(spec, '%') == NULL)
			FUZZ_ASSERT(strcmp(buf_str(&out), spec + star) == 0);
		/* the same text, the '*' kept */
		FUZZ_ASSERT(text.len == out.len + (size_t)star &&
		    (!star || text.data[0] == '*') &&
		    memcmp(buf_str(&text) + star, buf_str(&out), out.len) == 0);
	}
	alert_init(&a);
	if (nul != NULL && alert_parse(&a, (const char *)nul + 1,
	    size - (size_t)(nul - data) - 1, &error) == 0) {
		buf_reset(&out);
		format_render(f, &a, &out);
	}
	alert_free(&a);
	format_free(f);
	format_free(g);
	buf_free(&out);
	buf_free(&text);
	free(spec);
	return 0;
}
