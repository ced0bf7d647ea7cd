/*
 * operand.h: what a condition compares and a format prints: a field of
 * the alert, or Falco's transformers applied to fields and literals,
 * nested as libsinsp allows (toupper(proc.name), len(fd.name),
 * b64(...), basename(...), join("-", (fd.name, fd.directory)),
 * concat(a, b, ...), getopt(list, "nt:")[t]) and, on the right of a
 * comparison, val(field). Parsed with the condition language's tokens
 * (lex.h); type rules and their messages are libsinsp's.
 *
 * Evaluated for an alert, an operand gives its values: none when a field
 * it reads does not exist (the comparison is then false, as in Falco),
 * one, or a list (a JSON array, a transformer list, getopt's results).
 */
#ifndef FP_OPERAND_H
#define FP_OPERAND_H

#include <stddef.h>

#include "alert.h"
#include "buf.h"
#include "fields.h"

/* a parse in progress: the text, where it is, and the first error */
struct syntax {
	const char *text;
	const char *p;
	int depth, max_depth;
	int failed;
	size_t column;		/* 1-based, of the first error */
	char message[256];
};

void syntax_fail(struct syntax *sx, const char *where, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

enum transformer {
	TR_VAL, TR_TOLOWER, TR_TOUPPER, TR_B64, TR_BASENAME, TR_LEN, TR_JOIN,
	TR_CONCAT, TR_GETOPT
};

enum operand_kind { OPERAND_FIELD, OPERAND_TRANSFORM, OPERAND_LITERAL,
	OPERAND_LIST };

struct operand {
	enum operand_kind kind;
	/* FIELD: the name as looked up ("proc.aname[2]"); LITERAL: the text */
	char *text;
	size_t len;
	const struct field_info *info;	/* FIELD: NULL when no one defines it */
	enum transformer tr;		/* TRANSFORM */
	struct operand **args;		/* TRANSFORM, LIST */
	size_t nargs;
	int has_arg;			/* getopt(...)[x] */
	char arg;
	/* the result: its type (FT_NONE: as the alert has it) and list-ness */
	enum field_type type;
	int is_list;			/* 1 list, 0 single, -1 as the alert has it */
};

/* One value of an operand: a string's bytes, or a JSON token's. */
struct item {
	const char *s;
	size_t len;
	enum json_type type;	/* JSON_STRING, JSON_NUMBER, ..., as read */
};

struct items {
	struct item *v;
	size_t n, cap;
	int is_list;
};

/* Per-thread memory for evaluation, kept between alerts. */
struct arena;

/* the transformer whose name, with its '(', starts at p; -1 if none */
int operand_transformer_at(const char *p, enum transformer *tr);

/*
 * A field or a transformer at sx->p, as the left side of a comparison or
 * a format's %-field: val() is refused there. NULL on error (sx failed).
 */
struct operand *operand_parse(struct syntax *sx);
/*
 * On the right side: val(field) or a transformer, NULL with nothing
 * consumed when p holds neither (a plain value follows), or on error.
 */
struct operand *operand_parse_right(struct syntax *sx);
/* a plain field, as a format names one */
struct operand *operand_field(const char *name, size_t len);
void operand_free(struct operand *o);
/* the name of the field inside, as Falco's messages name an operand */
const char *operand_name(const struct operand *o);

/* the calling thread's arena, emptied: valid until the next call */
struct arena *operand_arena(void);
/* n bytes from it, aligned for any type */
void *operand_arena_alloc(struct arena *ar, size_t n);
/* 1 and the values in out, or 0 when a field it reads does not exist */
int operand_eval(const struct operand *o, struct alert *a, struct arena *ar,
    struct items *out);
/* the values as Falco prints them, or "<NA>" */
void operand_render(const struct operand *o, struct alert *a,
    struct buf *out);

#endif
