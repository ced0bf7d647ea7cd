/*
 * fields.h: the fields Falco defines, with their types, so conditions
 * compare them as Falco does (numbers numerically, fd.sip as an address,
 * fd.snet against CIDR ranges) and refuse what Falco refuses, and formats
 * print them as Falco prints them (%evt.time as a time of day).
 *
 * The table (fields-table.c) is generated from libsinsp's filterchecks
 * and the official plugins' field lists by fields-gen.py. Plugin fields
 * (ka.*, k8s.*, container.*, ...) are known by name only: they stay
 * untyped, compared as the alert carries them.
 */
#ifndef FP_FIELDS_H
#define FP_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "buf.h"

enum field_type {
	FT_NONE = 0,		/* untyped: compared as the alert carries it */
	FT_STRING,
	FT_INT,			/* signed, bits wide */
	FT_UINT,		/* unsigned, bits wide */
	FT_ABSTIME,		/* nanoseconds since the epoch */
	FT_RELTIME,		/* nanoseconds */
	FT_PORT,
	FT_DOUBLE,
	FT_BOOL,
	FT_IPADDR,
	FT_IPNET,
	FT_BYTES
};

#define FF_LIST			0x0001	/* a list of values */
#define FF_FILTER_ONLY		0x0002	/* Falco cannot print it */
#define FF_PRINT_ONLY		0x0004
#define FF_TABLE_ONLY		0x0008
#define FF_NO_RHS		0x0010	/* neither side of val() */
#define FF_NO_TRANSFORMER	0x0020
#define FF_ARG_REQUIRED		0x0040
#define FF_ARG_ALLOWED		0x0080
#define FF_PLUGIN		0x0100	/* a plugin's field: untyped */

struct field_info {
	const char *name;
	unsigned char type;	/* enum field_type */
	unsigned char bits;	/* FT_INT, FT_UINT */
	unsigned short flags;
	const char *ptype;	/* libsinsp's name of the type; NULL: plugin */
};

extern const struct field_info field_table[];
extern const size_t field_table_count;

/*
 * The field a name refers to: "proc.aname[2]" is proc.aname,
 * "evt.arg.path" is evt.arg. NULL when neither Falco nor a plugin
 * defines it.
 */
const struct field_info *field_lookup(const char *name, size_t len);
/*
 * The longest prefix of s (len bytes of [A-Za-z0-9_.]) that names a
 * known field, as Falco's formatter reads "%proc.nameand"; 0 if none.
 */
size_t field_known_prefix(const char *s, size_t len);
/*
 * 1 when the alert's event time is what the field holds: time and the
 * evt.time, evt.datetime and evt.rawtime forms, which Falco writes into
 * output_fields as nanoseconds.
 */
int field_is_event_time(const char *name, size_t len);
/* Falco's name of a type, for messages ("ip address and network") */
const char *field_type_kind(const struct field_info *f);

/*
 * The alert's value of a field, with what can be derived from the alert
 * when the key itself is absent: the event-time forms from evt.time or
 * the top-level time. *ns is set and JSON_NUMBER returned with raw NULL
 * for a derived time; otherwise as alert_field().
 */
struct json_value field_value(struct alert *a, const char *name, size_t len,
    long long *ns);
/*
 * Append the value as Falco's formatter prints it: the event-time forms
 * of a number of nanoseconds as times ("13:44:05.478445995", local
 * time, as Falco), anything else as json_text() with lists as "(a,b)".
 */
void field_render(const char *name, size_t len, const struct json_value *v,
    long long ns, struct buf *out);

#endif
