/*
 * labels.h: Falco fields as Prometheus and Loki labels. Label names must
 * match [a-zA-Z_][a-zA-Z0-9_]* and not start with "__"; the Falcosidekick
 * convention turns "k8s.ns.name" into "k8s_ns_name" and drops brackets
 * ("proc.aname[2]" into "proc_aname2"). Label values in the Prometheus
 * text format escape backslash, double quote and line feed.
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
/* append a label value escaped for the Prometheus text format */
void prom_label_value(const char *value, size_t len, struct buf *out);

#endif
