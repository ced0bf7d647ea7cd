/*
 * decimal.c: exact comparison of decimal numbers (see decimal.h).
 *
 * A number is read as a sign, its significant digits and the power of
 * ten of the first of them; two numbers then compare by sign, by that
 * power and digit by digit, which is exact for any length.
 */
#include <string.h>

#include "decimal.h"

/* the positions of a number's parts in its text */
struct parts {
	int negative;
	const char *integer, *integer_end;
	const char *fraction, *fraction_end;
	long long exponent;
};

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static int
parts_read(const char *s, size_t len, struct parts *p)
{
	const char *c = s, *end = s + len;

	p->negative = 0;
	p->exponent = 0;
	if (c < end && (*c == '+' || *c == '-'))
		p->negative = *c++ == '-';
	p->integer = c;
	while (c < end && is_digit(*c))
		c++;
	p->integer_end = c;
	if (p->integer == p->integer_end)
		return -1;
	p->fraction = p->fraction_end = c;
	if (c < end && *c == '.') {
		p->fraction = ++c;
		while (c < end && is_digit(*c))
			c++;
		p->fraction_end = c;
	}
	if (c < end && (*c == 'e' || *c == 'E')) {
		int negative = 0;
		const char *digits;

		c++;
		if (c < end && (*c == '+' || *c == '-'))
			negative = *c++ == '-';
		digits = c;
		for (; c < end && is_digit(*c); c++)
			/* beyond any number of digits an alert can hold */
			if (p->exponent < 1000000000000LL)
				p->exponent = p->exponent * 10 + (*c - '0');
		if (c == digits)
			return -1;
		if (negative)
			p->exponent = -p->exponent;
	}
	return c == end ? 0 : -1;
}

int
decimal_parse(const char *s, size_t len, struct decimal *d)
{
	struct parts p;
	uint64_t magnitude = 0;
	const char *c;

	if (parts_read(s, len, &p) < 0)
		return -1;
	d->text = s;
	d->len = len;
	d->is_int64 = 0;
	if (p.fraction != p.fraction_end || p.exponent != 0 ||
	    p.integer_end - p.integer > 19)
		return 0;
	for (c = p.integer; c < p.integer_end; c++)
		magnitude = magnitude * 10 + (uint64_t)(*c - '0');
	if (!p.negative && magnitude <= INT64_MAX) {
		d->i = (int64_t)magnitude;
		d->is_int64 = 1;
	} else if (p.negative && magnitude <= (uint64_t)INT64_MAX + 1) {
		d->i = magnitude == (uint64_t)INT64_MAX + 1 ? INT64_MIN :
		    -(int64_t)magnitude;
		d->is_int64 = 1;
	}
	return 0;
}

/*
 * The significant digits of a number: digit k (0 is the first non-zero
 * one) and the power of ten of digit 0. zero is set for any spelling of 0.
 */
struct digits {
	const struct parts *p;
	size_t skip;		/* leading zeros in integer then fraction */
	size_t count;		/* significant digits, trailing zeros dropped */
	long long power;
	int zero;
};

static char
digit_at(const struct parts *p, size_t k)
{
	size_t integer = (size_t)(p->integer_end - p->integer);

	if (k < integer)
		return p->integer[k];
	return p->fraction[k - integer];
}

static void
digits_read(const struct parts *p, struct digits *d)
{
	size_t integer = (size_t)(p->integer_end - p->integer);
	size_t total = integer + (size_t)(p->fraction_end - p->fraction);

	d->p = p;
	for (d->skip = 0; d->skip < total && digit_at(p, d->skip) == '0';
	    d->skip++)
		;
	d->zero = d->skip == total;
	if (d->zero)
		return;
	while (total > d->skip && digit_at(p, total - 1) == '0')
		total--;
	d->count = total - d->skip;
	d->power = (long long)integer - (long long)d->skip - 1 + p->exponent;
}

/* <0, 0, >0 for |a| against |b|, both non-zero */
static int
magnitude_compare(const struct digits *a, const struct digits *b)
{
	size_t k;

	if (a->power != b->power)
		return a->power < b->power ? -1 : 1;
	for (k = 0; k < a->count && k < b->count; k++) {
		char x = digit_at(a->p, a->skip + k);
		char y = digit_at(b->p, b->skip + k);

		if (x != y)
			return x < y ? -1 : 1;
	}
	return (a->count > b->count) - (a->count < b->count);
}

int
decimal_compare(const struct decimal *a, const struct decimal *b)
{
	struct parts pa, pb;
	struct digits da, db;
	int sa, sb, r;

	if (a->is_int64 && b->is_int64)
		return (a->i > b->i) - (a->i < b->i);
	parts_read(a->text, a->len, &pa);
	parts_read(b->text, b->len, &pb);
	digits_read(&pa, &da);
	digits_read(&pb, &db);
	sa = da.zero ? 0 : pa.negative ? -1 : 1;
	sb = db.zero ? 0 : pb.negative ? -1 : 1;
	if (sa != sb)
		return sa < sb ? -1 : 1;
	if (sa == 0)
		return 0;
	r = magnitude_compare(&da, &db);
	return sa < 0 ? -r : r;
}
