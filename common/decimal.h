/*
 * decimal.h: numbers written in decimal, compared exactly whatever their
 * size or fraction, with no rounding through a double:
 * 9223372036854775808 > 9223372036854775807, 0.5 = 5e-1. Integers that
 * fit an int64 (evt.time, uids, ports) take a fast path.
 */
#ifndef FP_DECIMAL_H
#define FP_DECIMAL_H

#include <stddef.h>
#include <stdint.h>

struct decimal {
	int is_int64;		/* i holds the exact value */
	int64_t i;
	/* the text, for the slow path: [+-]digits[.digits][e[+-]digits] */
	const char *text;
	size_t len;
};

/*
 * A number written [+-]?[0-9]+[.]?[0-9]*([eE][+-]?[0-9]+)? (JSON's
 * numbers and Falco's): 0 and *d filled (d->text points into s), or -1.
 */
int decimal_parse(const char *s, size_t len, struct decimal *d);
/* <0, 0, >0: the exact order of two numbers */
int decimal_compare(const struct decimal *a, const struct decimal *b);

#endif
