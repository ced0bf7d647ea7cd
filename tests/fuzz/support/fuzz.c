/*
 * fuzz.c: the helpers of fuzz.h. Files live in a directory made under
 * $TMPDIR (run.sh points it into build/fuzz/ so a crashed run leaves
 * nothing in /tmp).
 */
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fuzz.h"
#include "xalloc.h"

#define MAX_FILES 4

static char *directory;
static char *files[MAX_FILES];
static size_t nfiles;

static void
remove_files(void)
{
	for (size_t i = 0; i < nfiles; i++) {
		unlink(files[i]);
		free(files[i]);
	}
	if (directory != NULL)
		rmdir(directory);
	free(directory);
}

char *
fuzz_cstring(const uint8_t *data, size_t size)
{
	return xstrndup((const char *)data, size);
}

const char *
fuzz_file(const char *name)
{
	const char *tmp = getenv("TMPDIR");
	char *path;

	for (size_t i = 0; i < nfiles; i++)
		if (strcmp(strrchr(files[i], '/') + 1, name) == 0)
			return files[i];
	if (nfiles == MAX_FILES)
		errx(2, "fuzz_file: more than %d files", MAX_FILES);
	if (directory == NULL) {
		if (asprintf(&directory, "%s/falco-pipes-fuzz.XXXXXX",
		    tmp != NULL && *tmp != '\0' ? tmp : "/tmp") < 0)
			err(2, "asprintf");
		if (mkdtemp(directory) == NULL)
			err(2, "'%s'", directory);
		atexit(remove_files);
	}
	if (asprintf(&path, "%s/%s", directory, name) < 0)
		err(2, "asprintf");
	files[nfiles++] = path;
	return path;
}

void
fuzz_file_write(const char *path, const uint8_t *data, size_t size)
{
	FILE *f = fopen(path, "wb");

	if (f == NULL)
		err(2, "'%s'", path);
	if (size > 0 && fwrite(data, 1, size, f) != size)
		err(2, "'%s'", path);
	if (fclose(f) != 0)
		err(2, "'%s'", path);
}

void
fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: property broken: %s\n", file, line, what);
	abort();
}
