/*
 * cond.h: Falco's condition language over alert fields, shared by every
 * program: and/or/not with Falco's precedence, parentheses, = != < <= >
 * >=, in, intersects, contains, icontains, startswith, endswith, glob,
 * iglob, regex, exists, pmatch. A comparison on a field that does not
 * exist is false whatever the operator; "not" inverts the result.
 */
#ifndef FP_COND_H
#define FP_COND_H

#include <stddef.h>

#include "alert.h"
#include "lists.h"

struct cond;

struct cond_error {
	size_t column;		/* 1-based, in the condition text */
	char message[256];
};

/* NULL and *error filled on a syntax error; lists may be NULL */
struct cond *cond_parse(const char *text, const struct lists *lists,
    struct cond_error *error);
/* 1 when the alert satisfies the condition, else 0 */
int cond_eval(const struct cond *c, struct alert *a);
void cond_free(struct cond *c);
/* cond_parse, or report the error (cond_error_report) and exit 2 */
struct cond *cond_compile(const char *text, const struct lists *lists);
/*
 * On stderr: "PROG: condition: column N: MESSAGE", then the condition
 * and a caret under column N.
 */
void cond_error_report(const char *text, const struct cond_error *error);

#endif
