/*
 * lex.h: the tokens of Falco's condition language, read as libsinsp's
 * parser reads them (filter/parser.h: blanks, identifiers, field names,
 * bare and quoted strings, numbers), shared by conditions (cond.c) and
 * the fields and transformers of formats (operand.c).
 */
#ifndef FP_LEX_H
#define FP_LEX_H

#include <stddef.h>

#include "buf.h"

/* ' ', '\t', '\b', '\r', '\n': what separates tokens */
int lex_is_blank(char c);
const char *lex_skip_blanks(const char *p);
/* [a-zA-Z]+[a-zA-Z0-9_]*: a macro or list name; its length, 0 if none */
size_t lex_identifier(const char *p);
/* identifiers joined by dots, at least two: a field name; 0 if none */
size_t lex_field_name(const char *p);
/* [^()"'[:space:]=,]+: a value without quotes */
size_t lex_bare_string(const char *p);
/* [^][\"'[:space:]]+: a field argument without quotes */
size_t lex_field_arg(const char *p);
/* [+-]?[0-9]+[.]?[0-9]*([eE][+-][0-9]+)? or 0[xX][0-9a-fA-F]+ */
size_t lex_number(const char *p);
/* the keyword at p, followed by a blank, '(' or the end */
int lex_keyword(const char *p, const char *word);

/*
 * A quoted string at *pp (its opening quote). As libsinsp reads it, the
 * string ends at the first quote like the opening one that no backslash
 * precedes; then \b \f \n \r \t \\ \/, "\ " (a backslash), the string's
 * own quote and \xHH are decoded. Appends the bytes to out and moves *pp
 * past the closing quote; on error -1, *bad at the offending character
 * and the reason in problem.
 */
int lex_quoted(const char **pp, struct buf *out, const char **bad,
    char *problem, size_t size);

#endif
