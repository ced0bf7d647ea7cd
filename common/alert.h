/*
 * alert.h: the alert model. One line of Falco JSON is validated and
 * indexed without being re-encoded: every value is kept as the exact
 * bytes of its JSON token, so numbers such as output_fields["evt.time"]
 * (int64 nanoseconds, beyond a double's 53 bits) stay exact, and the
 * line itself can be passed on byte for byte.
 *
 * Field names follow Falco: rule, priority, source, hostname, output,
 * time, tags, uuid (and message) are top-level keys; any other name
 * (k8s.ns.name, proc.aname[2], ...) is first a key of output_fields,
 * written exactly (Falco's names hold dots), and when there is no such
 * key, a path from the top level split at its dots: falco_netpol.action
 * is member "action" of the top-level object "falco_netpol" that
 * falco-netpol adds, falco_netpol alone that object.
 * A field that is absent or JSON null does not exist.
 */
#ifndef FP_ALERT_H
#define FP_ALERT_H

#include <stddef.h>

#include "buf.h"

enum json_type {
	JSON_ABSENT = 0,	/* also what a JSON null reads as */
	JSON_NULL,
	JSON_FALSE,
	JSON_TRUE,
	JSON_NUMBER,
	JSON_STRING,
	JSON_ARRAY,
	JSON_OBJECT
};

/* A JSON value as the bytes of its token; a string's raw includes quotes. */
struct json_value {
	enum json_type type;
	const char *raw;
	size_t raw_len;
};

struct json_member {
	struct json_value key;	/* always a JSON_STRING */
	struct json_value value;
};

struct alert {
	const char *text;	/* the line, not owned */
	size_t len;
	struct json_member *top;	/* top-level members, in order */
	size_t ntop, top_cap;
	struct json_member *fields;	/* output_fields members, if an object */
	size_t nfields, fields_cap;
	struct buf scratch;	/* unescaped strings live here until the next parse */
	char reason[64];	/* why the last parse failed */
};

#define ALERT_MAX_DEPTH 512

void alert_init(struct alert *a);
/*
 * Validate (RFC 8259, nesting at most ALERT_MAX_DEPTH) and index a line.
 * Returns 0, or -1 with *reason (valid until the next parse) such as
 * "not a JSON object", "nesting deeper than 512" or
 * "invalid JSON at byte 17" (1-based).
 */
int alert_parse(struct alert *a, const char *text, size_t len,
    const char **reason);
void alert_free(struct alert *a);

/* 1 for the keys Falco writes at the top level (rule, priority, ...) */
int alert_is_top_level_name(const char *name, size_t len);
/* JSON_ABSENT when absent or null */
struct json_value alert_field(const struct alert *a, const char *name,
    size_t name_len);
/* convenience: the field as text (see json_text), NULL when absent */
const char *alert_field_text(struct alert *a, const char *name, size_t *len);

/*
 * The value as text, as Falco prints it: a string unescaped, a number
 * as its token, true/false, an array as its elements' texts joined by
 * ",", an object as its JSON. Written to out (not reset first).
 */
void json_text(const struct json_value *v, struct buf *out);
/*
 * A JSON string's content, unescaped (\uXXXX and surrogate pairs to
 * UTF-8). Points into raw when there are no escapes, else into
 * scratch, which is reset first: valid until scratch is used again.
 */
const char *json_string(const struct json_value *v, struct buf *scratch,
    size_t *len);
/* 1 when the JSON string v, unescaped, is exactly s (n bytes) */
int json_string_equals(const struct json_value *v, const char *s, size_t n);
/* the value as compact JSON: arrays and objects lose their blanks */
void json_compact(const struct json_value *v, struct buf *out);
/* iterate an array: *pos starts at 0; returns 1 and *elem, or 0 at the end */
int json_array_next(const struct json_value *array, size_t *pos,
    struct json_value *elem);
/* iterate an object's members the same way */
int json_object_next(const struct json_value *object, size_t *pos,
    struct json_member *member);

/* severity: 0 debug .. 7 emergency; "info" accepted; -1 unknown */
int priority_parse(const char *s, size_t len);
/* the long name Falco prints ("Warning"), or NULL */
const char *priority_name(int severity);
int alert_severity(struct alert *a);	/* -1 when absent or unknown */

/*
 * An RFC 3339 time ("2023-05-25T13:44:05.478445995Z", any number of
 * fraction digits, Z or +hh:mm) as nanoseconds since the epoch: 0, or
 * -1 when it is not one.
 */
int time_parse_ns(const char *s, size_t len, long long *ns);
/* the alert's "time" in nanoseconds: 0, or -1 when absent or malformed */
int alert_time_ns(struct alert *a, long long *ns);

/*
 * Append to out the line with a member "key": value_json inserted
 * before the closing brace of the top-level object; everything else
 * byte for byte.
 */
void json_splice_member(const char *line, size_t len, const char *key,
    const char *value_json, struct buf *out);

#endif
