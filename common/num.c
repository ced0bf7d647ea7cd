#include <err.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "exitcode.h"
#include "num.h"

static _Noreturn void
reject(const char *what, const char *text, const char *why)
{
	errx(EXIT_USAGE, "%s: '%s': %s", what, text, why);
}

long long
num_parse(const char *text, long long min, long long max, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(text, &end, 10);
	if (end == text || *end != '\0')
		reject(what, text, "invalid");
	if ((errno == ERANGE && v == LLONG_MIN) || v < min)
		reject(what, text, "too small");
	if (errno == ERANGE || v > max)
		reject(what, text, "too large");
	return v;
}

double
duration_parse(const char *text, double min, double max, const char *what)
{
	static const struct {
		const char *suffix;
		double seconds;
	} units[] = {
		{ "", 1 }, { "ms", 0.001 }, { "s", 1 }, { "m", 60 },
		{ "h", 3600 }, { "d", 86400 },
	};
	char *end;
	double v;
	size_t i;

	errno = 0;
	v = strtod(text, &end);
	if (end == text || errno != 0 || !isfinite(v) || *text == '-' ||
	    *text == '+' || *text == ' ')
		reject(what, text, "invalid duration");
	for (i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (strcmp(end, units[i].suffix) == 0)
			break;
	if (i == sizeof(units) / sizeof(units[0]))
		reject(what, text, "invalid duration (use 500ms, 5s, 2m, 1h)");
	v *= units[i].seconds;
	if (v < min)
		reject(what, text, "too small");
	if (v > max)
		reject(what, text, "too large");
	return v;
}

size_t
size_parse(const char *text, size_t min, size_t max, const char *what)
{
	unsigned long long v, scale = 1;
	char *end;

	errno = 0;
	if (*text < '0' || *text > '9')
		reject(what, text, "invalid");
	v = strtoull(text, &end, 10);
	if (errno == ERANGE)
		reject(what, text, "too large");
	if (strcmp(end, "K") == 0 || strcmp(end, "k") == 0)
		scale = 1024ULL;
	else if (strcmp(end, "M") == 0)
		scale = 1024ULL * 1024;
	else if (strcmp(end, "G") == 0)
		scale = 1024ULL * 1024 * 1024;
	else if (*end != '\0')
		reject(what, text, "invalid (a number of bytes, or with K, M, G)");
	if (v > max / scale)
		reject(what, text, "too large");
	v *= scale;
	if (v < min)
		reject(what, text, "too small");
	return (size_t)v;
}

void
rate_parse(const char *text, long long *count, double *seconds,
    const char *what)
{
	const char *slash = strchr(text, '/');
	char number[32];
	size_t n;

	if (slash == NULL || (n = (size_t)(slash - text)) == 0 ||
	    n >= sizeof(number))
		reject(what, text, "invalid rate (use N/DURATION, as 1/1s)");
	memcpy(number, text, n);
	number[n] = '\0';
	*count = num_parse(number, 1, 1000000000, what);
	*seconds = duration_parse(slash + 1, 0.001, 86400 * 365, what);
}
