/*
 * format.h: Falco-style output formats: "%time %priority %rule
 * %k8s.ns.name/%k8s.pod.name". "%%" is a percent sign; a field that
 * does not exist prints "<NA>", as Falco does. A field name is
 * [A-Za-z0-9_.]+ with an optional [argument].
 */
#ifndef FP_FORMAT_H
#define FP_FORMAT_H

#include "alert.h"
#include "buf.h"

struct format;

/* NULL and *error (static text) when the format is malformed */
struct format *format_compile(const char *spec, const char **error);
/* appends the rendered text to out */
void format_render(const struct format *f, struct alert *a, struct buf *out);
void format_free(struct format *f);

#endif
