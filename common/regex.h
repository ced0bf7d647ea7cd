/*
 * regex.h: the regex operator, with PCRE2 and a bounded cost.
 *
 * Falco matches with RE2, whose time is linear in the value; a
 * backtracking engine is not, and the regex is the operator's while the
 * value is the attacker's (proc.cmdline is what they typed). So every
 * match runs under PCRE2's limits: REGEX_MATCH_LIMIT steps of the
 * matcher, REGEX_DEPTH_LIMIT nested backtracking frames and
 * REGEX_HEAP_LIMIT_KIB of memory for them (with the JIT, which ignores
 * those two, a stack of REGEX_HEAP_LIMIT_KIB); a match that reaches one gives
 * up, counts as no match, and is reported once per regex on standard
 * error. Compiling is bounded by PCRE2 itself: a regex whose compiled
 * form would pass its size limit is refused.
 *
 * Unless compiled to search, the whole value must match (RE2's full
 * match, as Falco uses it);
 * values are UTF-8, and bytes that are not valid UTF-8 match nothing.
 */
#ifndef FP_REGEX_H
#define FP_REGEX_H

#include <stddef.h>

#define REGEX_MATCH_LIMIT	10000000
#define REGEX_DEPTH_LIMIT	10000
#define REGEX_HEAP_LIMIT_KIB	20480

struct regex;

/* NULL with the reason (lowercase) in error on a bad pattern */
struct regex *regex_compile(const char *pattern, size_t len, char *error,
    size_t size);
/*
 * The same, for a regex that may match anywhere in the value, as grep
 * searches (falco-webhook's --fail-body in an answer).
 */
struct regex *regex_compile_search(const char *pattern, size_t len,
    char *error, size_t size);
/* 1 when the value matches, 0 when not or when a limit was hit */
int regex_match(const struct regex *re, const char *s, size_t len);
void regex_free(struct regex *re);

#endif
