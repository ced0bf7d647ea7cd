/*
 * lex.c: the tokens of Falco's condition language (see lex.h).
 */
#include <stdio.h>
#include <string.h>

#include "lex.h"

int
lex_is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

const char *
lex_skip_blanks(const char *p)
{
	while (lex_is_blank(*p))
		p++;
	return p;
}

static int
is_letter(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* POSIX [:space:], which the bare-string pattern excludes */
static int
is_space_class(char c)
{
	return c == ' ' || (c >= '\t' && c <= '\r');
}

size_t
lex_identifier(const char *p)
{
	size_t n = 0;

	if (!is_letter(p[0]))
		return 0;
	while (is_letter(p[n]) || is_digit(p[n]) || p[n] == '_')
		n++;
	return n;
}

size_t
lex_field_name(const char *p)
{
	size_t n = lex_identifier(p), segment;
	int dotted = 0;

	if (n == 0)
		return 0;
	while (p[n] == '.' && (segment = lex_identifier(p + n + 1)) > 0) {
		n += 1 + segment;
		dotted = 1;
	}
	return dotted ? n : 0;
}

size_t
lex_bare_string(const char *p)
{
	size_t n = 0;

	while (p[n] != '\0' && !is_space_class(p[n]) &&
	    strchr("()\"'=,", p[n]) == NULL)
		n++;
	return n;
}

size_t
lex_field_arg(const char *p)
{
	size_t n = 0;

	while (p[n] != '\0' && !is_space_class(p[n]) &&
	    strchr("[]\"'", p[n]) == NULL)
		n++;
	return n;
}

static int
hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

size_t
lex_number(const char *p)
{
	size_t n = 0, digits;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && hex_digit(p[2]) >= 0) {
		for (n = 2; hex_digit(p[n]) >= 0; n++)
			;
		return n;
	}
	if (p[n] == '+' || p[n] == '-')
		n++;
	for (digits = 0; is_digit(p[n]); n++)
		digits++;
	if (digits == 0)
		return 0;
	if (p[n] == '.')
		for (n++; is_digit(p[n]); n++)
			;
	if ((p[n] == 'e' || p[n] == 'E') && (p[n + 1] == '+' ||
	    p[n + 1] == '-') && is_digit(p[n + 2])) {
		for (n += 2; is_digit(p[n]); n++)
			;
	}
	return n;
}

int
lex_keyword(const char *p, const char *word)
{
	size_t n = strlen(word);

	if (strncmp(p, word, n) != 0)
		return 0;
	return p[n] == '\0' || p[n] == '(' || lex_is_blank(p[n]);
}

int
lex_quoted(const char **pp, struct buf *out, const char **bad,
    char *problem, size_t size)
{
	const char *start = *pp, *p = start + 1, *end;
	char quote = *start;
	int hi, lo;

	/* the end: the first own quote that no backslash precedes */
	for (end = p; *end != '\0'; end++)
		if (*end == quote && end[-1] != '\\')
			break;
	if (*end == '\0') {
		*bad = start;
		snprintf(problem, size, "unterminated string");
		return -1;
	}
	for (; p < end; p++) {
		if (*p != '\\') {
			buf_addc(out, *p);
			continue;
		}
		p++;
		switch (*p) {
		case 'b': buf_addc(out, '\b'); continue;
		case 'f': buf_addc(out, '\f'); continue;
		case 'n': buf_addc(out, '\n'); continue;
		case 'r': buf_addc(out, '\r'); continue;
		case 't': buf_addc(out, '\t'); continue;
		/* "\ " is a backslash: rules written before escapes were strict */
		case ' ':
		case '\\': buf_addc(out, '\\'); continue;
		case '/': buf_addc(out, '/'); continue;
		case 'x':
			hi = p + 1 < end ? hex_digit(p[1]) : -1;
			lo = hi < 0 || p + 2 >= end ? -1 : hex_digit(p[2]);
			if (lo < 0) {
				*bad = p - 1;
				snprintf(problem, size, "invalid escape '\\x': "
				    "two hex digits expected");
				return -1;
			}
			buf_addc(out, (char)(hi * 16 + lo));
			p += 2;
			continue;
		default:
			if (*p == quote) {
				buf_addc(out, quote);
				continue;
			}
			*bad = p - 1;
			snprintf(problem, size, "invalid escape '\\%c'", *p);
			return -1;
		}
	}
	*pp = end + 1;
	return 0;
}
