/*
 * gzip.h: request bodies compressed for Content-Encoding: gzip (RFC 1952),
 * which Loki, Elasticsearch, Splunk HEC and most web servers accept. The
 * fastest level is used: a sender must keep up with the alerts, and JSON
 * shrinks several times over even so.
 */
#ifndef FP_GZIP_H
#define FP_GZIP_H

#include <stddef.h>

#include "buf.h"

/* out is reset, then holds the gzip member for p (n bytes) */
void gzip_compress(const void *p, size_t n, struct buf *out);

#endif
