/*
 * reader.h: newline-delimited input from the files named on the command
 * line ("-" or none: standard input). Lines are capped: a longer one is
 * skipped with a warning "FILE:LINE: line longer than N bytes, skipped",
 * so memory stays bounded. Empty lines are skipped; a CR before the
 * newline is tolerated. A file that cannot be opened is reported and
 * counted, and the next one is read.
 */
#ifndef FP_READER_H
#define FP_READER_H

#include <stddef.h>

#define READER_DEFAULT_MAX_LINE (1024 * 1024)

/* --max-line-bytes, the same for every program: 1 to 1G, K/M/G suffixes */
size_t reader_max_line_option(const char *text);

struct reader_line {
	const char *text;	/* the line without '\n' and without a final '\r' */
	size_t len;
	size_t raw_len;		/* len plus the '\r' when there was one */
	const char *file;	/* the name as given, "(standard input)" for "-" */
	unsigned long lineno;	/* 1-based, counts every line including empty ones */
};

struct reader;

/* files: NULL or nfiles == 0 means standard input */
struct reader *reader_open(char *const *files, int nfiles, size_t max_line);
/* hook called before every read that may block (out_flush, typically) */
void reader_on_wait(struct reader *r, void (*hook)(void *), void *ctx);
/*
 * the usual hook, with the reader as ctx: out_flush_if_idle(reader_fd),
 * or out_flush while --follow waits at the end of a regular file
 */
void reader_flush_output(void *reader);
/*
 * hook called once, when the last input has been opened (or found
 * unreadable), before it is read: where a program gives up opening
 * files (sandbox.h) without keeping a later operand from being read
 */
void reader_on_last_open(struct reader *r, void (*hook)(void *), void *ctx);
/* no warnings for long lines or unreadable files (they are still counted) */
void reader_set_quiet(struct reader *r, int quiet);
/*
 * --follow: the end of a FIFO's writer or of a regular file is not the
 * end of input; a FIFO waits for its next writer, a file for more lines,
 * a truncation or a rotation, as tail -F does. Only a stop ends it.
 */
void reader_set_follow(struct reader *r, int follow);
/* a long line is fatal: reported (even when quiet), then exit status 2 */
void reader_set_strict(struct reader *r, int strict);
/* 1 and *line filled (valid until the next call), or 0 at the end of all input */
int reader_next(struct reader *r, struct reader_line *line);
/*
 * The descriptor being read, or -1: an on_wait hook may poll(2) it with
 * its own descriptors, so a quiet FIFO or pipe operand does not keep it
 * from its other work.
 */
int reader_fd(const struct reader *r);
unsigned long reader_long_lines(const struct reader *r);
int reader_failed_files(const struct reader *r);
void reader_close(struct reader *r);
/*
 * "PROG: FILE:LINE: REASON" for a line that is not an alert; a line that
 * is no JSON at all gets a hint, since Falco writes text unless its
 * json_output is true.
 */
void reader_report_bad(const struct reader_line *line, const char *reason);

#endif
