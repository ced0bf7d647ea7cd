/*
 * format.h: Falco's output formats: "%evt.time %priority %rule
 * %k8s.ns.name/%k8s.pod.name", what a rule's output: line holds. A field
 * prints as Falco prints it (%evt.time as a time of day, a list as
 * "(a,b)"), "<NA>" when it does not exist; "%10proc.name" pads to 10
 * bytes and "%2proc.name" cuts to 2; "%proc.nameand" is proc.name then
 * "and" (the longest known field name); transformers such as
 * %toupper(proc.name) apply; a leading '*' (Falco's "print even when a
 * field is missing") is accepted, as that is always so here. "%%" is a
 * percent sign, an extension. A NUL byte in a value prints as "\x00".
 */
#ifndef FP_FORMAT_H
#define FP_FORMAT_H

#include "alert.h"
#include "buf.h"

struct format;

/*
 * NULL and *error when the format is malformed (a trailing '%', a bad
 * transformer); *error is valid until the next format_compile.
 */
struct format *format_compile(const char *spec, const char **error);
/*
 * The same for a message of our own (falco-slack --message, falco-webhook
 * --json), where a leading '*' is the text's, such as chat Markdown.
 */
struct format *format_compile_text(const char *spec, const char **error);
/* appends the rendered text to out */
void format_render(const struct format *f, struct alert *a, struct buf *out);
void format_free(struct format *f);

#endif
