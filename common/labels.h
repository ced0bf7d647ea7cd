/*
 * labels.h: Falco fields as Prometheus and Loki labels. Label names must
 * match [a-zA-Z_][a-zA-Z0-9_]* and not start with "__"; the Falcosidekick
 * convention turns "k8s.ns.name" into "k8s_ns_name" and drops brackets
 * ("proc.aname[2]" into "proc_aname2"). Label values must be UTF-8
 * (Prometheus and Loki refuse anything else), and in the Prometheus text
 * format they escape backslash, double quote and line feed.
 */
#ifndef FP_LABELS_H
#define FP_LABELS_H

#include <stddef.h>

#include "buf.h"

/*
 * Append the label name for a field to out: 0, or -1 (nothing appended)
 * when no valid name can be made (empty, or reserved "__" prefix).
 */
int label_name(const char *field, size_t len, struct buf *out);
/*
 * Append value as valid UTF-8: each byte that does not belong to a
 * well-formed character (RFC 3629: no overlong forms, no surrogates,
 * nothing past U+10FFFF) becomes U+FFFD, as Falco does in its output.
 * With max > 0 the result is cut to at most max bytes, at a character
 * boundary. Returns the number of bytes appended.
 */
size_t label_value_utf8(const char *value, size_t len, size_t max,
    struct buf *out);
/* append a label value escaped for the Prometheus text format, as UTF-8 */
void prom_label_value(const char *value, size_t len, struct buf *out);

#endif
