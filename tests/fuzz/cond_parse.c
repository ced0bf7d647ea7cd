/*
 * cond_parse: the condition language (common/cond.c), the operator's
 * side. Any text is parsed with the lists of a small rules file; what
 * parses is evaluated on the fixed alerts of fuzz.h, and its negation
 * must give the opposite answer on each (cond.h: "not" inverts).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "cond.h"
#include "fuzz.h"
#include "lists.h"

static const char rules[] =
    "- list: shell_binaries\n"
    "  items: [ash, bash, sh]\n"
    "- list: runc_names\n"
    "  items: [runc, \"runc:[0:PARENT]\", 'runc:[1:CHILD]']\n"
    "- list: entrypoints\n"
    "  items: [shell_binaries, runc_names, containerd-shim]\n"
    "- list: addresses\n"
    "  items: ['\"10.0.0.0/8\"', '\"192.168.0.0/16\"', 5]\n"
    "- list: odd_names\n"
    "  items: [hello world, \"'single quoted'\", '\"tab\\tinside\"']\n"
    "- list: nothing\n"
    "  items: []\n";

static struct lists *lists;
static struct alert alerts[32];
static size_t nalerts;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *path = fuzz_file("rules.yaml");
	const char *reason;

	(void)argc, (void)argv;
	fuzz_file_write(path, (const uint8_t *)rules, sizeof(rules) - 1);
	lists = lists_new();
	lists_load_or_exit(lists, path);
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
	char *text = fuzz_cstring(data, size);
	struct buf negated = BUF_INIT;
	struct cond_error error;
	struct cond *c, *not_c;

	if ((c = cond_parse(text, lists, &error)) == NULL) {
		FUZZ_ASSERT(error.column >= 1 &&
		    error.column <= strlen(text) + 1);
		FUZZ_ASSERT(error.message[0] != '\0');
		free(text);
		return 0;
	}
	buf_printf(&negated, "not (%s\n)", text);
	not_c = cond_parse(buf_str(&negated), lists, &error);
	/* one more level of nesting is the only way the negation can fail */
	FUZZ_ASSERT(not_c != NULL || strstr(error.message, "deep") != NULL);
	for (size_t i = 0; i < nalerts; i++) {
		int yes = cond_eval(c, &alerts[i]);

		FUZZ_ASSERT(yes == 0 || yes == 1);
		FUZZ_ASSERT(not_c == NULL ||
		    cond_eval(not_c, &alerts[i]) == !yes);
	}
	cond_free(not_c);
	cond_free(c);
	buf_free(&negated);
	free(text);
	return 0;
}
