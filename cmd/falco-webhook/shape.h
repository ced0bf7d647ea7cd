/*
 * shape.h: the JSON object that --json builds of an alert, in httpie's
 * habit (falco-webhook(1), THE BODY). Pure: no I/O once compiled,
 * tested through -n.
 *
 *   KEY=FORMAT        a string rendered from a %field format, as -o
 *                     renders it; with no %field it is a constant
 *   KEY=@FILE         a string, the first line of FILE: a secret, never
 *                     printed (a dry run shows "(secret)")
 *   KEY:=FIELD        the field's JSON value exactly as in the alert;
 *                     output_fields is the object. When the alert lacks
 *                     the field (or holds null) the key is left out
 *   KEY:=.            the whole alert, exactly as read
 *   KEY:=seconds(FIELD)  a time (RFC 3339 text, or integer nanoseconds
 *                     as evt.time) as a number of seconds; left out when
 *                     the field is neither
 *   KEY:=JSON         a constant: a number, true, false, null, a string,
 *                     an array or an object
 *
 * Dotted keys nest ("payload.summary"); "\." is a dot within a key. A
 * key of digits below the top is an index: "body.0.text" makes "body"
 * an array, whose elements are given in order from 0. Keys keep the
 * order in which they were first given.
 */
#ifndef WEBHOOK_SHAPE_H
#define WEBHOOK_SHAPE_H

#include <stddef.h>

#include "alert.h"
#include "buf.h"

/* how text from alert fields is made harmless for a chat (--defuse) */
enum shape_defuse {
	DEFUSE_NONE,
	DEFUSE_DISCORD,
	DEFUSE_GOOGLE_CHAT,
	DEFUSE_TEAMS
};

struct shape;

struct shape *shape_new(void);
/* one --json argument; a usage error (exit 2) when it is malformed */
void shape_add(struct shape *s, const char *arg);
/* strings rendered from formats are defused for a chat (--defuse) */
void shape_defuse(struct shape *s, enum shape_defuse defuse);
/* and cut to at most max_chars characters (--max-chars) */
void shape_cut(struct shape *s, size_t max_chars);
/* 1 once some --json was given */
int shape_given(const struct shape *s);
/*
 * The object for an alert (line: as read), appended to out. redact:
 * secrets as "(secret)", for printing.
 */
void shape_render(struct shape *s, struct alert *a, const char *line,
    size_t len, int redact, struct buf *out);
void shape_free(struct shape *s);

#endif
