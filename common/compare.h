/*
 * compare.h: how one value of an alert compares with one value of a
 * condition, as Falco compares a field of that type: numbers exactly
 * (as libsinsp parses them for the field's width), IP addresses and
 * networks, booleans, and, falco-pipes' own, severities and event times;
 * anything else as bytes of a known length, or as numbers when both
 * sides are numbers. A condition's values are decoded once
 * (value_decode), an alert's value each time it is read
 * (subject_prepare).
 */
#ifndef FP_COMPARE_H
#define FP_COMPARE_H

#include <stddef.h>

#include "alert.h"
#include "decimal.h"
#include "fields.h"
#include "regex.h"

enum op {
	OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
	OP_IN, OP_INTERSECTS, OP_PMATCH,
	OP_CONTAINS, OP_ICONTAINS, OP_BCONTAINS, OP_STARTSWITH,
	OP_BSTARTSWITH, OP_ENDSWITH, OP_GLOB, OP_IGLOB, OP_REGEX, OP_EXISTS
};

/* how the values of a comparison are read and ordered */
enum kind {
	K_TEXT,		/* bytes; as numbers when both sides are numbers */
	K_SEVERITY,	/* priority: by severity */
	K_TIME,		/* an event time against a time or a number */
	K_NUMBER,	/* a Falco number field: exactly, as numbers */
	K_BOOL,
	K_IPADDR,
	K_IPNET,
	K_BYTES		/* a buffer: bytes, never as numbers */
};

/* what decoding and comparing need to know of a check */
struct comparison {
	enum op op;
	enum kind kind;
	enum field_type type;	/* of the left side; FT_NONE when untyped */
	int any_number;		/* a value is a number: read the alert's too */
};

/* A constant of the condition, decoded for the comparison. */
struct value {
	char *text;		/* decoded; may hold a NUL (untyped fields) */
	size_t len;
	int is_number;
	struct decimal number;	/* its text is text, or number_text */
	char number_text[32];	/* a typed number, as libsinsp parsed it */
	int severity;
	int time_relative;	/* ns is an offset from now */
	long long ns;
	int family;		/* K_IPADDR, K_IPNET: AF_INET or AF_INET6 */
	unsigned char addr[16];
	int prefix;		/* K_IPNET */
	int boolean;
	struct regex *re;	/* OP_REGEX */
};

/* One value read from the alert, with what the kind reads from it. */
struct subject {
	const char *s;
	size_t len;
	enum json_type type;
	int ok;			/* the kind could read it */
	int is_number;
	struct decimal number;
	int severity;
	long long ns;
	int family;
	unsigned char addr[16];
	int boolean;
};

/* Falco's name of an operator, for messages */
const char *op_name(enum op op);
/* 1 when s is a number ([+-]digits[.digits][e[+-]digits]), into *d */
int number_text(const char *s, size_t len, struct decimal *d);
/*
 * Decode a value of a field of type f (NULL for a transformer's number)
 * for the comparison. 0, or -1 with Falco's reason in problem; the
 * value's text stays as written.
 */
int value_decode(const struct comparison *c, const struct field_info *f,
    struct value *v, char *problem, size_t size);
/* read what the comparison needs from the subject's bytes */
void subject_prepare(const struct comparison *c, struct subject *sub);
int subject_equals(const struct comparison *c, const struct subject *sub,
    const struct value *v);
/* the subject under op against one value (in: equality; pmatch: prefix) */
int value_matches(const struct comparison *c, enum op op,
    const struct subject *sub, const struct value *v);

#endif
