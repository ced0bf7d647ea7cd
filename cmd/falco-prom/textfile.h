/*
 * textfile.h: the --textfile file, for node_exporter's textfile
 * collector, replaced whole every time: the text goes to a temporary
 * file in the same directory (its name does not end in .prom, so the
 * collector never reads it), is synced, and is renamed over the old
 * file; then the directory is synced. A reader sees the old content or
 * the new, never a part.
 */
#ifndef FP_PROM_TEXTFILE_H
#define FP_PROM_TEXTFILE_H

#include <stddef.h>

struct textfile;

/* the file's directory must exist; nothing is written yet */
struct textfile *textfile_new(const char *path);
/*
 * Replace the file with text: 0, or -1 with a warning naming the file.
 * A run of failures for one reason is reported once.
 */
int textfile_write(struct textfile *t, const char *text, size_t len);
void textfile_free(struct textfile *t);

#endif
