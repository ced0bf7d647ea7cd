/*
 * glob.h: the glob and pmatch operators of the condition language on
 * length-counted bytes, so a value holding a NUL byte is matched whole
 * rather than cut at the NUL as a C string would be.
 *
 * glob is fnmatch(3) with no flags, as Falco calls it: '*' and '?' also
 * match '/' and a leading dot, "[...]" takes ranges, '!' or '^'
 * negation and [:class:] names, and a backslash quotes the next byte.
 * pmatch matches whole path components (libsinsp's prefix search).
 */
#ifndef FP_GLOB_H
#define FP_GLOB_H

#include <stddef.h>

/* 1 when the whole of s matches pattern; fold: ignore ASCII case */
int glob_match(const char *pattern, size_t plen, const char *s, size_t slen,
    int fold);

/*
 * 1 when path is prefix, or lies below it, comparing components split at
 * '/' (empty ones dropped); a component of prefix holding '*', '?' or
 * '[' is a glob.
 */
int path_prefix_match(const char *prefix, size_t plen, const char *path,
    size_t len);

#endif
