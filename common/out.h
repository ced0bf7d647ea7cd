/*
 * out.h: standard output for alert streams. Output is fully buffered,
 * so bursts leave in large writes, and flushed whenever the program is
 * about to wait for input, so a lone alert is never held back. A reader
 * that went away (EPIPE) ends the program quietly with EXIT_PIPE.
 */
#ifndef FP_OUT_H
#define FP_OUT_H

#include <stddef.h>

/* call once, before any output; also ignores SIGPIPE for the process */
void out_init(void);
void out_write(const void *p, size_t n);
/* p (n bytes) followed by a newline */
void out_line(const char *p, size_t n);
void out_flush(void);
/*
 * Flush unless fd has input ready now: called before a read, it keeps a
 * lone alert from waiting in the buffer while a burst (or a regular file)
 * still leaves in full-buffer writes.
 */
void out_flush_if_idle(int fd);
/*
 * What to do when the reader goes away, instead of exiting at once: a
 * program still holding alerts (queued for a sender, read and not yet
 * acted on) delivers or keeps them first. The hook is called once (it
 * typically asks for a stop, signals.h) and the program goes on; from
 * then on output is discarded and out_is_broken() says so.
 */
void out_on_broken_pipe(void (*hook)(void *), void *ctx);
/* 1 once standard output was found closed by its reader */
int out_is_broken(void);
/* flush and close standard output; exits EXIT_USAGE on a write error */
void out_finish(void);

#endif
