/*
 * cond.h: Falco's condition language over alert fields, shared by every
 * program: and/or/not with Falco's precedence, parentheses, the
 * operators = != < <= > >= in intersects pmatch contains icontains
 * bcontains startswith bstartswith endswith glob iglob regex exists, the
 * modifiers oneof/anyof/allof, Falco's transformers and val(), the
 * macros and lists of rules files, and Falco's field types (fields.h).
 * A comparison on a field that does not exist is false whatever the
 * operator; "not" inverts the result. falco-pipes(7) has the language
 * and the list of deliberate differences from Falco.
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
 * (only around column N when it is long) and a caret under column N.
 */
void cond_error_report(const char *text, const struct cond_error *error);
/* the same, naming where the condition came from ("FILE:LINE") */
void cond_error_report_at(const char *where, const char *text,
    const struct cond_error *error);
/*
 * A warning on stderr for each field the condition reads that neither
 * Falco nor its plugins define (a typo such as k8s.ns.nmae), for --check.
 */
void cond_warn_unknown_fields(const struct cond *c);

#endif
