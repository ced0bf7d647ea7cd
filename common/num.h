/*
 * num.h: range-checked parsing of numbers given on the command line.
 * Every function exits with status 2 and a message naming the option
 * ("falco-filter: --max-count: 'x': invalid") when the text is not
 * acceptable, so callers never see a bad value.
 */
#ifndef FP_NUM_H
#define FP_NUM_H

#include <stddef.h>

/* a decimal integer in [min, max] */
long long num_parse(const char *text, long long min, long long max,
    const char *what);
/* a duration in seconds: "1.5", "500ms", "5s", "2m", "1h" */
double duration_parse(const char *text, double min, double max,
    const char *what);
/* a size in bytes: "4096", "64K", "1M", "1G" (powers of 1024) */
size_t size_parse(const char *text, size_t min, size_t max, const char *what);
/* "N/DURATION": at most *count events per *seconds ("1/1", "20/1m") */
void rate_parse(const char *text, long long *count, double *seconds,
    const char *what);

#endif
