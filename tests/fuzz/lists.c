/*
 * lists: the rules-file lists loader (common/lists.c) on any file, loaded
 * twice into one set as two -l options would; then the lists it defined
 * are used in conditions, which expand them (common/cond.c). A failed
 * load says where: "FILE:LINE: reason" or "FILE: reason".
 */
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "cond.h"
#include "fuzz.h"
#include "lists.h"

static const char *const names[] = {
	"shell_binaries", "entrypoints", "a", "b", "nothing", NULL
};

static void
check_error(const char *path, const char *error)
{
	FUZZ_ASSERT(error != NULL);
	FUZZ_ASSERT(strncmp(error, path, strlen(path)) == 0);
	FUZZ_ASSERT(error[strlen(path)] == ':');
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *path = fuzz_file("rules.yaml");
	struct lists *l = lists_new();
	struct cond_error cond_error;
	char *error = NULL;

	fuzz_file_write(path, data, size);
	for (int round = 0; round < 2; round++) {
		if (lists_load(l, path, &error) < 0) {
			check_error(path, error);
			free(error);
			error = NULL;
		}
		FUZZ_ASSERT(error == NULL);
	}
	for (size_t i = 0; names[i] != NULL; i++) {
		struct buf text = BUF_INIT;
		const char *const *items;
		struct cond *c;
		size_t count = 0;

		items = lists_find(l, names[i], strlen(names[i]), &count);
		for (size_t k = 0; items != NULL && k < count; k++)
			FUZZ_ASSERT(items[k] != NULL);
		buf_printf(&text, "proc.name in (%s) or fd.name pmatch (%s)",
		    names[i], names[i]);
		c = cond_parse(buf_str(&text), l, &cond_error);
		cond_free(c);
		buf_free(&text);
	}
	lists_free(l);
	return 0;
}
