/*
 * filter-parity: checks, line by line, that common/alert.c's scanner
 * gives exactly the results of the cJSON path that falco-filter would
 * otherwise take (issue 2, section 9: a faster path is welcome where
 * tests show it agrees with cJSON on every test input).
 *
 * For every non-empty line of the files named (a final '\r' dropped,
 * as the reader does), it compares:
 *   - the verdict: a JSON object, or not (cJSON must consume the whole
 *     line but for trailing whitespace, and the tree must be at most
 *     ALERT_MAX_DEPTH deep, since cJSON's own limit is 1000);
 *   - every top-level member and every output_fields member, in order:
 *     the key, the type, a string's unescaped bytes, a number's value
 *     as a double, and the raw token, which cJSON must read back as an
 *     equal value;
 *   - alert_field() for every key, resolved the Falco way (top-level
 *     names, else output_fields), with null reading as absent;
 *   - alert_severity() against priority_parse() of cJSON's string.
 *
 * Each difference is printed as "filter-parity: FILE:LINE: what"; the
 * summary goes to stdout; the status is 1 when anything differed.
 * cJSON is laxer than RFC 8259 (leading zeros, "1.", raw control
 * characters in strings): lines using those belong in a separate
 * fixture, not here.
 */
#include <err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "alert.h"
#include "buf.h"
#include "xalloc.h"

struct tally {
	unsigned long lines, objects, rejected, differences;
};

static const char *const top_level_names[] = {
	"rule", "priority", "source", "hostname", "output", "time", "tags",
	"uuid", "message", NULL
};

static const char *current_file;
static unsigned long current_line;
static struct tally tally;

static void difference(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static void
difference(const char *fmt, ...)
{
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	warnx("%s:%lu: %s", current_file, current_line, what);
	tally.differences++;
}

static int
is_top_level_name(const char *name)
{
	size_t i;

	for (i = 0; top_level_names[i] != NULL; i++)
		if (strcmp(top_level_names[i], name) == 0)
			return 1;
	return 0;
}

static int
cjson_depth(const cJSON *item)
{
	int deepest = 0;
	const cJSON *child;

	if (!cJSON_IsArray(item) && !cJSON_IsObject(item))
		return 0;
	cJSON_ArrayForEach(child, item) {
		int d = cjson_depth(child);

		if (d > deepest)
			deepest = d;
	}
	return deepest + 1;
}

static enum json_type
cjson_type(const cJSON *item)
{
	if (cJSON_IsNull(item))
		return JSON_NULL;
	if (cJSON_IsFalse(item))
		return JSON_FALSE;
	if (cJSON_IsTrue(item))
		return JSON_TRUE;
	if (cJSON_IsNumber(item))
		return JSON_NUMBER;
	if (cJSON_IsString(item))
		return JSON_STRING;
	if (cJSON_IsArray(item))
		return JSON_ARRAY;
	return JSON_OBJECT;
}

/* cJSON's strings end at the first NUL, so "\u0000" is compared up to it */
static int
same_string(const char *scanned, size_t len, const char *cjson)
{
	const char *nul = memchr(scanned, '\0', len);

	if (nul != NULL)
		len = (size_t)(nul - scanned);
	return strlen(cjson) == len && memcmp(scanned, cjson, len) == 0;
}

/*
 * cJSON_Compare looks object members up by key, so duplicate keys (legal
 * JSON, and the scanner keeps them) compare wrongly; walk in order instead.
 */
static int
same_tree(const cJSON *x, const cJSON *y)
{
	const cJSON *cx, *cy;

	if (cjson_type(x) != cjson_type(y))
		return 0;
	if (cJSON_IsString(x))
		return strcmp(x->valuestring, y->valuestring) == 0;
	if (cJSON_IsNumber(x))
		return x->valuedouble == y->valuedouble;
	if (!cJSON_IsArray(x) && !cJSON_IsObject(x))
		return 1;
	for (cx = x->child, cy = y->child; cx != NULL && cy != NULL;
	    cx = cx->next, cy = cy->next) {
		if (cJSON_IsObject(x) && strcmp(cx->string, cy->string) != 0)
			return 0;
		if (!same_tree(cx, cy))
			return 0;
	}
	return cx == NULL && cy == NULL;
}

static double
token_double(const struct json_value *v)
{
	char *text = xstrndup(v->raw, v->raw_len);
	double d = strtod(text, NULL);

	free(text);
	return d;
}

static void
compare_value(const struct json_value *v, const cJSON *item,
    const char *name, struct buf *scratch)
{
	enum json_type want = cjson_type(item);
	cJSON *reread;

	if (v->type != want && !(want == JSON_NULL && v->type == JSON_ABSENT)) {
		difference("'%s': type differs from cJSON's", name);
		return;
	}
	if (want == JSON_STRING) {
		size_t len;
		const char *s = json_string(v, scratch, &len);

		if (!same_string(s, len, item->valuestring))
			difference("'%s': string differs from cJSON's", name);
	}
	if (want == JSON_NUMBER && token_double(v) != item->valuedouble)
		difference("'%s': number differs from cJSON's", name);
	if (v->type == JSON_ABSENT)
		return;
	reread = cJSON_ParseWithLength(v->raw, v->raw_len);
	if (reread == NULL || !same_tree(reread, item))
		difference("'%s': raw token does not read back as cJSON's value",
		    name);
	cJSON_Delete(reread);
}

/* the members the scanner indexed, against cJSON's children, in order */
static void
compare_members(const struct json_member *members, size_t count,
    const cJSON *object, struct buf *scratch)
{
	const cJSON *child;
	size_t i = 0;

	cJSON_ArrayForEach(child, object) {
		size_t len;
		const char *key;

		if (i == count) {
			difference("'%s': member missing from the scanner's index",
			    child->string);
			return;
		}
		key = json_string(&members[i].key, scratch, &len);
		if (!same_string(key, len, child->string))
			difference("'%s': key differs from cJSON's", child->string);
		else
			compare_value(&members[i].value, child, child->string,
			    scratch);
		i++;
	}
	if (i != count)
		difference("'%s': scanner indexed more members than cJSON",
		    object->string != NULL ? object->string : "(top level)");
}

/* alert_field() resolves a name as Falco does; null reads as absent */
static void
compare_lookup(struct alert *a, const cJSON *item, const char *name,
    struct buf *scratch)
{
	struct json_value v = alert_field(a, name, strlen(name));

	if (cJSON_IsNull(item)) {
		if (v.type != JSON_ABSENT)
			difference("alert_field '%s': null is not absent", name);
		return;
	}
	compare_value(&v, item, name, scratch);
}

static void
compare_lookups(struct alert *a, const cJSON *root, struct buf *scratch)
{
	const cJSON *fields = cJSON_GetObjectItemCaseSensitive(root,
	    "output_fields");
	const cJSON *child;
	size_t i;

	for (i = 0; top_level_names[i] != NULL; i++) {
		const char *name = top_level_names[i];
		const cJSON *item = cJSON_GetObjectItemCaseSensitive(root, name);

		if (item != NULL)
			compare_lookup(a, item, name, scratch);
		else if (alert_field(a, name, strlen(name)).type != JSON_ABSENT)
			difference("alert_field '%s': present, cJSON has none",
			    name);
	}
	if (!cJSON_IsObject(fields))
		return;
	cJSON_ArrayForEach(child, fields) {
		/* the first of duplicate keys is the one both sides find */
		if (is_top_level_name(child->string) ||
		    cJSON_GetObjectItemCaseSensitive(fields, child->string) != child)
			continue;
		compare_lookup(a, child, child->string, scratch);
	}
}

static void
compare_severity(struct alert *a, const cJSON *root)
{
	const cJSON *priority = cJSON_GetObjectItemCaseSensitive(root,
	    "priority");
	int want = -1;

	if (cJSON_IsString(priority))
		want = priority_parse(priority->valuestring,
		    strlen(priority->valuestring));
	if (alert_severity(a) != want)
		difference("alert_severity %d, cJSON's priority gives %d",
		    alert_severity(a), want);
}

/* the cJSON path: one object, the whole line, nested no deeper than ours */
static cJSON *
cjson_object(const char *text, size_t len)
{
	const char *end = NULL;
	cJSON *root = cJSON_ParseWithLengthOpts(text, len, &end, 0);

	if (root == NULL)
		return NULL;
	while (end < text + len && *end != '\0' &&
	    strchr(" \t\r\n", *end) != NULL)
		end++;
	if (end != text + len || !cJSON_IsObject(root) ||
	    cjson_depth(root) > ALERT_MAX_DEPTH) {
		cJSON_Delete(root);
		return NULL;
	}
	return root;
}

static void
compare_line(struct alert *a, const char *text, size_t len,
    struct buf *scratch)
{
	const char *reason = NULL;
	int scanned = alert_parse(a, text, len, &reason) == 0;
	cJSON *root = cjson_object(text, len);
	const cJSON *fields;

	tally.lines++;
	if (scanned != (root != NULL)) {
		if (scanned)
			difference("scanner accepts what cJSON rejects");
		else
			difference("scanner rejects what cJSON accepts (%s)",
			    reason);
		cJSON_Delete(root);
		return;
	}
	if (!scanned) {
		tally.rejected++;
		return;
	}
	tally.objects++;
	compare_members(a->top, a->ntop, root, scratch);
	fields = cJSON_GetObjectItemCaseSensitive(root, "output_fields");
	if (cJSON_IsObject(fields))
		compare_members(a->fields, a->nfields, fields, scratch);
	else if (a->nfields != 0)
		difference("output_fields: indexed though not an object");
	compare_lookups(a, root, scratch);
	compare_severity(a, root);
	cJSON_Delete(root);
}

static void
compare_file(struct alert *a, const char *path, struct buf *scratch)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;

	if (f == NULL)
		err(2, "'%s'", path);
	current_file = path;
	current_line = 0;
	while ((n = getline(&line, &cap, f)) != -1) {
		size_t len = (size_t)n;

		current_line++;
		if (len > 0 && line[len - 1] == '\n')
			len--;
		if (len > 0 && line[len - 1] == '\r')
			len--;
		if (len == 0)
			continue;
		compare_line(a, line, len, scratch);
	}
	if (ferror(f))
		err(2, "'%s'", path);
	free(line);
	if (f != stdin)
		fclose(f);
}

int
main(int argc, char *argv[])
{
	struct alert a;
	struct buf scratch = BUF_INIT;
	int i;

	if (argc < 2) {
		fprintf(stderr, "usage: filter-parity FILE...\n");
		return 2;
	}
	alert_init(&a);
	for (i = 1; i < argc; i++)
		compare_file(&a, argv[i], &scratch);
	alert_free(&a);
	buf_free(&scratch);
	printf("%lu lines: %lu objects, %lu rejected, %lu differences\n",
	    tally.lines, tally.objects, tally.rejected, tally.differences);
	return tally.differences == 0 ? 0 : 1;
}
