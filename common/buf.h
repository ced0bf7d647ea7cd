/* buf.h: a growable byte buffer, always NUL-terminated after its data. */
#ifndef FP_BUF_H
#define FP_BUF_H

#include <stddef.h>

struct buf {
	char *data;
	size_t len;
	size_t cap;
};

#define BUF_INIT { NULL, 0, 0 }

void buf_reserve(struct buf *b, size_t extra);
void buf_add(struct buf *b, const void *p, size_t n);
void buf_adds(struct buf *b, const char *s);
void buf_addc(struct buf *b, char c);
void buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* append s as the body of a JSON string (no quotes): escapes " \ and controls */
void buf_add_json_escaped(struct buf *b, const char *s, size_t n);
void buf_reset(struct buf *b);
/* the data as a C string ("" for an empty buffer that never grew) */
const char *buf_str(const struct buf *b);
void buf_free(struct buf *b);

#endif
