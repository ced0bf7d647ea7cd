#include <err.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "xalloc.h"

void *
xmalloc(size_t size)
{
	void *p = malloc(size ? size : 1);

	if (p == NULL)
		err(EXIT_USAGE, "malloc");
	return p;
}

void *
xcalloc(size_t count, size_t size)
{
	void *p = calloc(count ? count : 1, size ? size : 1);

	if (p == NULL)
		err(EXIT_USAGE, "calloc");
	return p;
}

void *
xrealloc(void *p, size_t size)
{
	p = realloc(p, size ? size : 1);
	if (p == NULL)
		err(EXIT_USAGE, "realloc");
	return p;
}

void *
xgrow(void *p, size_t *count, size_t need, size_t size)
{
	size_t n = *count ? *count : 8;

	if (need <= *count)
		return p;
	while (n < need) {
		if (n > SIZE_MAX / 2 / size)
			errx(EXIT_USAGE, "out of memory");
		n *= 2;
	}
	*count = n;
	return xrealloc(p, n * size);
}

char *
xstrdup(const char *s)
{
	return xstrndup(s, strlen(s));
}

char *
xstrndup(const char *s, size_t n)
{
	char *p = xmalloc(n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}
