/* xalloc.h: allocation that cannot fail; out of memory ends the program. */
#ifndef FP_XALLOC_H
#define FP_XALLOC_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t size);
/* grow an array of count elements of size each to at least need elements */
void *xgrow(void *p, size_t *count, size_t need, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);

#endif
