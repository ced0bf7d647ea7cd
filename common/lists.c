/*
 * lists.c: the "- list:" and "- macro:" definitions of Falco rules files
 * (see lists.h).
 *
 * A rules file is a YAML sequence of mappings (reference §2.5). Lists
 * and macros matter here; rules and anything else are skipped.
 * "override: {items: append}" (or the older "append: true") adds to a
 * list already defined. As in Falco's rule loader
 * (rule_loader_compiler.cpp), expansion comes after every definition
 * and append is read: an item naming a list defined earlier is replaced
 * by that list's items, appended ones included. Items are kept as
 * written; cond.c tokenises them as condition values.
 *
 * A macro's condition is kept as text, appended to with a blank between
 * ("override: {condition: append}" or "append: true") or replaced, and
 * parsed where a condition names it. As in Falco's rule loader
 * (rule_loader_collector.cpp), every definition or append of a macro is
 * numbered in the order of the files: a macro is visible to another
 * when its first definition comes before the other's last change.
 */
#include <err.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "exitcode.h"
#include "lists.h"
#include "xalloc.h"
#include "yamlfile.h"

struct items {
	char **item;
	size_t n, cap;
};

struct list {
	char *name;
	struct items written;	/* as in the files, appends included */
	struct items expanded;	/* earlier lists replaced by their items */
};

struct macro {
	char *name;
	char *condition;
	size_t index;		/* the number of its first definition */
	size_t visibility;	/* the number of its last change */
};

struct lists {
	struct list *all;
	size_t n, cap;
	struct macro *macros;
	size_t nmacros, macros_cap;
	size_t changes;		/* macro definitions and appends so far */
};

/* what a load needs to read nodes and report "FILE:LINE: reason" */
struct loader {
	const char *path;
	yaml_document_t *doc;
	char **error;
};

void
lists_load_or_exit(struct lists *l, const char *path)
{
	char *error = NULL;

	if (lists_load(l, path, &error) == 0)
		return;
	warnx("%s", error);
	free(error);
	exit(EXIT_USAGE);
}

struct lists *
lists_new(void)
{
	return xcalloc(1, sizeof(struct lists));
}

static void
items_clear(struct items *it)
{
	size_t i;

	for (i = 0; i < it->n; i++)
		free(it->item[i]);
	free(it->item);
	it->item = NULL;
	it->n = it->cap = 0;
}

static void
items_add_one(struct items *it, const char *item, size_t len)
{
	it->item = xgrow(it->item, &it->cap, it->n + 1, sizeof(*it->item));
	it->item[it->n++] = xstrndup(item, len);
}

void
lists_free(struct lists *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		items_clear(&l->all[i].written);
		items_clear(&l->all[i].expanded);
		free(l->all[i].name);
	}
	free(l->all);
	for (i = 0; i < l->nmacros; i++) {
		free(l->macros[i].name);
		free(l->macros[i].condition);
	}
	free(l->macros);
	free(l);
}

static struct list *
list_lookup(const struct lists *l, const char *name, size_t name_len)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		if (strlen(l->all[i].name) == name_len &&
		    memcmp(l->all[i].name, name, name_len) == 0)
			return &l->all[i];
	return NULL;
}

const char *const *
lists_find(const struct lists *l, const char *name, size_t name_len,
    size_t *count)
{
	const struct list *found;

	if (l == NULL)
		return NULL;
	found = list_lookup(l, name, name_len);
	if (found == NULL)
		return NULL;
	*count = found->expanded.n;
	/* a list with no items still exists: hand back a valid pointer */
	if (found->expanded.item == NULL)
		return (const char *const *)&found->expanded.item;
	return (const char *const *)found->expanded.item;
}

static int __attribute__((format(printf, 3, 4)))
load_error(struct loader *ld, const yaml_node_t *node, const char *fmt, ...)
{
	char reason[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	if (node == NULL) {
		if (asprintf(ld->error, "%s: %s", ld->path, reason) < 0)
			*ld->error = NULL;
	} else if (asprintf(ld->error, "%s:%zu: %s", ld->path,
	    (size_t)node->start_mark.line + 1, reason) < 0) {
		*ld->error = NULL;
	}
	return -1;
}

/*
 * Falco's order: each list sees the lists defined before it, complete.
 * A list naming an earlier one twice doubles it, so a few hundred bytes
 * of rules could otherwise ask for billions of items: LISTS_MAX_ITEMS.
 */
static int
lists_expand(struct lists *l, struct loader *ld)
{
	size_t i, j, k;

	for (i = 0; i < l->n; i++) {
		struct list *list = &l->all[i];

		items_clear(&list->expanded);
		for (j = 0; j < list->written.n; j++) {
			const char *item = list->written.item[j];
			const struct list *earlier =
			    list_lookup(l, item, strlen(item));
			size_t adds = earlier == NULL || earlier >= list ? 1 :
			    earlier->expanded.n;

			if (adds > LISTS_MAX_ITEMS - list->expanded.n)
				return load_error(ld, NULL, "list '%s': more "
				    "than %d items once lists in it are "
				    "expanded", list->name, LISTS_MAX_ITEMS);
			if (earlier == NULL || earlier >= list) {
				items_add_one(&list->expanded, item,
				    strlen(item));
				continue;
			}
			for (k = 0; k < earlier->expanded.n; k++)
				items_add_one(&list->expanded,
				    earlier->expanded.item[k],
				    strlen(earlier->expanded.item[k]));
		}
	}
	return 0;
}

static int
scalar_is(const yaml_node_t *node, const char *s)
{
	return node != NULL && node->type == YAML_SCALAR_NODE &&
	    node->data.scalar.length == strlen(s) &&
	    memcmp(node->data.scalar.value, s, strlen(s)) == 0;
}

/* the value of key in a mapping, NULL when absent */
static yaml_node_t *
mapping_get(struct loader *ld, const yaml_node_t *mapping, const char *key)
{
	yaml_node_pair_t *pair;

	for (pair = mapping->data.mapping.pairs.start;
	    pair < mapping->data.mapping.pairs.top; pair++)
		if (scalar_is(yaml_document_get_node(ld->doc, pair->key), key))
			return yaml_document_get_node(ld->doc, pair->value);
	return NULL;
}

static const char *
scalar_text(const yaml_node_t *node)
{
	return (const char *)node->data.scalar.value;
}

/*
 * "append: true" or "override: {KEY: append}": 1; 0 if neither; -1 (an
 * error) for both, which Falco refuses.
 */
static int
wants_append(struct loader *ld, const yaml_node_t *entry, const char *key,
    const char *kind, const char *name)
{
	const yaml_node_t *append = mapping_get(ld, entry, "append");
	const yaml_node_t *override = mapping_get(ld, entry, "override");

	if (override != NULL && scalar_is(append, "true"))
		return load_error(ld, entry, "%s '%s': keys 'override' and "
		    "'append: true' cannot be used together", kind, name);
	if (scalar_is(append, "true"))
		return 1;
	if (override == NULL || override->type != YAML_MAPPING_NODE)
		return 0;
	return scalar_is(mapping_get(ld, override, key), "append");
}

/* the items of a sequence node onto to, as written */
static int
items_add(struct loader *ld, const char *name, struct items *to,
    const yaml_node_t *items)
{
	yaml_node_item_t *it;

	for (it = items->data.sequence.items.start;
	    it < items->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(ld->doc, *it);

		if (item == NULL || item->type != YAML_SCALAR_NODE)
			return load_error(ld, item, "list '%s': items must "
			    "be strings", name);
		items_add_one(to, scalar_text(item), item->data.scalar.length);
	}
	return 0;
}

static int
list_entry_load(struct loader *ld, struct lists *all, const yaml_node_t *entry,
    const yaml_node_t *name)
{
	const yaml_node_t *items = mapping_get(ld, entry, "items");
	struct list *l, fresh = { NULL, { NULL, 0, 0 }, { NULL, 0, 0 } };
	int append;

	if (name->type != YAML_SCALAR_NODE || name->data.scalar.length == 0)
		return load_error(ld, name, "a list name must be a string");
	append = wants_append(ld, entry, "items", "list", scalar_text(name));
	if (append < 0)
		return -1;
	if (items == NULL)
		return load_error(ld, entry, "list '%s': no items",
		    scalar_text(name));
	if (items->type != YAML_SEQUENCE_NODE)
		return load_error(ld, items, "list '%s': items must be a "
		    "sequence", scalar_text(name));
	l = list_lookup(all, scalar_text(name), name->data.scalar.length);
	if (append && l == NULL)
		return load_error(ld, entry, "list '%s': append to a list "
		    "not defined before", scalar_text(name));
	if (l != NULL && !append) {
		/* a later definition replaces the earlier one, as in Falco */
		if (items_add(ld, l->name, &fresh.written, items) < 0) {
			items_clear(&fresh.written);
			return -1;
		}
		items_clear(&l->written);
		l->written = fresh.written;
		return 0;
	}
	if (l != NULL)
		return items_add(ld, l->name, &l->written, items);
	fresh.name = xstrndup(scalar_text(name), name->data.scalar.length);
	if (items_add(ld, fresh.name, &fresh.written, items) < 0) {
		items_clear(&fresh.written);
		free(fresh.name);
		return -1;
	}
	all->all = xgrow(all->all, &all->cap, all->n + 1, sizeof(*all->all));
	all->all[all->n++] = fresh;
	return 0;
}

static struct macro *
macro_lookup(const struct lists *l, const char *name, size_t len)
{
	size_t i;

	for (i = 0; i < l->nmacros; i++)
		if (strlen(l->macros[i].name) == len &&
		    memcmp(l->macros[i].name, name, len) == 0)
			return &l->macros[i];
	return NULL;
}

static int
macro_entry_load(struct loader *ld, struct lists *all,
    const yaml_node_t *entry, const yaml_node_t *name)
{
	const yaml_node_t *condition = mapping_get(ld, entry, "condition");
	const char *text;
	struct macro *m;
	int append;

	if (name->type != YAML_SCALAR_NODE || name->data.scalar.length == 0)
		return load_error(ld, name, "a macro name must be a string");
	text = scalar_text(name);
	if (condition == NULL)
		return load_error(ld, entry, "macro '%s': no condition", text);
	if (condition->type != YAML_SCALAR_NODE)
		return load_error(ld, condition, "macro '%s': the condition "
		    "must be a string", text);
	append = wants_append(ld, entry, "condition", "macro", text);
	if (append < 0)
		return -1;
	m = macro_lookup(all, text, name->data.scalar.length);
	if (append && m == NULL)
		return load_error(ld, entry, "macro '%s': append to a macro "
		    "not defined before", text);
	if (append) {
		size_t old = strlen(m->condition);

		m->condition = xrealloc(m->condition, old + 2 +
		    condition->data.scalar.length);
		m->condition[old] = ' ';
		memcpy(m->condition + old + 1, scalar_text(condition),
		    condition->data.scalar.length + 1);
	} else if (m != NULL) {
		free(m->condition);
		m->condition = xstrndup(scalar_text(condition),
		    condition->data.scalar.length);
	} else {
		all->macros = xgrow(all->macros, &all->macros_cap,
		    all->nmacros + 1, sizeof(*all->macros));
		m = &all->macros[all->nmacros++];
		m->name = xstrndup(text, name->data.scalar.length);
		m->condition = xstrndup(scalar_text(condition),
		    condition->data.scalar.length);
		m->index = all->changes;
	}
	m->visibility = all->changes++;
	return 0;
}

const char *
lists_macro(const struct lists *l, const char *name, size_t len,
    size_t visible, size_t *visibility)
{
	const struct macro *m;

	if (l == NULL)
		return NULL;
	m = macro_lookup(l, name, len);
	if (m == NULL || m->index >= visible)
		return NULL;
	*visibility = m->visibility;
	return m->condition;
}

static int
document_load(struct loader *ld, struct lists *all)
{
	yaml_node_t *root = yaml_document_get_root_node(ld->doc);
	yaml_node_item_t *it;

	/* an empty file defines nothing, as for Falco */
	if (root == NULL)
		return 0;
	if (root->type != YAML_SEQUENCE_NODE)
		return load_error(ld, root, "not a rules file: expected a "
		    "sequence of lists, macros and rules");
	for (it = root->data.sequence.items.start;
	    it < root->data.sequence.items.top; it++) {
		yaml_node_t *entry = yaml_document_get_node(ld->doc, *it);
		yaml_node_t *name;

		if (entry == NULL || entry->type != YAML_MAPPING_NODE)
			return load_error(ld, entry, "expected a mapping "
			    "(list, macro or rule)");
		name = mapping_get(ld, entry, "list");
		if (name != NULL && list_entry_load(ld, all, entry, name) < 0)
			return -1;
		name = mapping_get(ld, entry, "macro");
		if (name != NULL && macro_entry_load(ld, all, entry, name) < 0)
			return -1;
	}
	return 0;
}

/* "FILE:LINE: problem", or "FILE: larger than 16 MiB" with no line to name */
static void
yaml_error(const char *path, const yaml_parser_t *parser,
    const struct yaml_file *yf, char **error)
{
	int rc;

	if (yf->too_large)
		rc = asprintf(error, "%s: %s", path,
		    yaml_file_problem(parser, yf));
	else
		rc = asprintf(error, "%s:%zu: %s", path,
		    (size_t)parser->problem_mark.line + 1,
		    yaml_file_problem(parser, yf));
	if (rc < 0)
		*error = NULL;
}

int
lists_load(struct lists *l, const char *path, char **error)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct loader ld = { path, &doc, error };
	struct yaml_file yf;
	FILE *f;
	int rc = 0, more = 1;

	*error = NULL;
	f = fopen(path, "rb");
	if (f == NULL) {
		if (asprintf(error, "%s: %s", path, strerror(errno)) < 0)
			*error = NULL;
		return -1;
	}
	if (!yaml_parser_initialize(&parser)) {
		fclose(f);
		return load_error(&ld, NULL, "out of memory");
	}
	yaml_file_input(&parser, &yf, f);
	/* several "---" documents may follow each other, as Falco allows */
	while (more && rc == 0) {
		if (!yaml_parser_load(&parser, &doc)) {
			yaml_error(path, &parser, &yf, error);
			rc = -1;
			break;
		}
		more = yaml_document_get_root_node(&doc) != NULL;
		rc = document_load(&ld, l);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	if (rc == 0 && lists_expand(l, &ld) < 0)
		rc = -1;
	return rc;
}
