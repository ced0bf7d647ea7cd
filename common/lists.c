/*
 * lists.c: the "- list:" definitions of Falco rules files (see lists.h).
 *
 * A rules file is a YAML sequence of mappings (reference §2.5). Only
 * lists matter here; rules, macros and anything else are skipped. As in
 * Falco's rule loader (rule_loader_compiler.cpp), an item that names a
 * list defined earlier is replaced by that list's items, and
 * "override: {items: append}" (or the older "append: true") adds to a
 * list already defined. Items are kept as written; cond.c tokenises
 * them as condition values.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "lists.h"
#include "xalloc.h"

struct list {
	char *name;
	char **items;
	size_t nitems, items_cap;
};

struct lists {
	struct list *all;
	size_t n, cap;
};

/* what a load needs to read nodes and report "FILE:LINE: reason" */
struct loader {
	const char *path;
	yaml_document_t *doc;
	char **error;
};

struct lists *
lists_new(void)
{
	return xcalloc(1, sizeof(struct lists));
}

static void
list_clear(struct list *l)
{
	size_t i;

	for (i = 0; i < l->nitems; i++)
		free(l->items[i]);
	free(l->items);
	l->items = NULL;
	l->nitems = l->items_cap = 0;
}

void
lists_free(struct lists *l)
{
	size_t i;

	if (l == NULL)
		return;
	for (i = 0; i < l->n; i++) {
		list_clear(&l->all[i]);
		free(l->all[i].name);
	}
	free(l->all);
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
	*count = found->nitems;
	/* a list with no items still exists: hand back a valid pointer */
	if (found->items == NULL)
		return (const char *const *)&found->items;
	return (const char *const *)found->items;
}

static void
list_add_item(struct list *l, const char *item, size_t len)
{
	l->items = xgrow(l->items, &l->items_cap, l->nitems + 1,
	    sizeof(*l->items));
	l->items[l->nitems++] = xstrndup(item, len);
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

/* "append: true" or "override: {items: append}" */
static int
wants_append(struct loader *ld, const yaml_node_t *entry)
{
	const yaml_node_t *append = mapping_get(ld, entry, "append");
	const yaml_node_t *override = mapping_get(ld, entry, "override");

	if (scalar_is(append, "true"))
		return 1;
	if (override == NULL || override->type != YAML_MAPPING_NODE)
		return 0;
	return scalar_is(mapping_get(ld, override, "items"), "append");
}

/* items onto l, a name of an earlier list standing for its items */
static int
items_add(struct loader *ld, struct lists *all, struct list *l,
    const yaml_node_t *items)
{
	yaml_node_item_t *it;

	for (it = items->data.sequence.items.start;
	    it < items->data.sequence.items.top; it++) {
		const yaml_node_t *item = yaml_document_get_node(ld->doc, *it);
		const struct list *earlier;
		size_t i, len;

		if (item == NULL || item->type != YAML_SCALAR_NODE)
			return load_error(ld, item, "list '%s': items must "
			    "be strings", l->name);
		len = item->data.scalar.length;
		earlier = list_lookup(all, scalar_text(item), len);
		if (earlier == NULL || earlier == l) {
			list_add_item(l, scalar_text(item), len);
			continue;
		}
		for (i = 0; i < earlier->nitems; i++)
			list_add_item(l, earlier->items[i],
			    strlen(earlier->items[i]));
	}
	return 0;
}

static int
list_entry_load(struct loader *ld, struct lists *all, const yaml_node_t *entry,
    const yaml_node_t *name)
{
	const yaml_node_t *items = mapping_get(ld, entry, "items");
	struct list *l, fresh = { NULL, NULL, 0, 0 };
	int append = wants_append(ld, entry);

	if (name->type != YAML_SCALAR_NODE || name->data.scalar.length == 0)
		return load_error(ld, name, "a list name must be a string");
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
		fresh.name = l->name;
		if (items_add(ld, all, &fresh, items) < 0) {
			list_clear(&fresh);
			return -1;
		}
		list_clear(l);
		*l = fresh;
		return 0;
	}
	if (l != NULL)
		return items_add(ld, all, l, items);
	fresh.name = xstrndup(scalar_text(name), name->data.scalar.length);
	if (items_add(ld, all, &fresh, items) < 0) {
		list_clear(&fresh);
		free(fresh.name);
		return -1;
	}
	all->all = xgrow(all->all, &all->cap, all->n + 1, sizeof(*all->all));
	all->all[all->n++] = fresh;
	return 0;
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
	}
	return 0;
}

int
lists_load(struct lists *l, const char *path, char **error)
{
	yaml_parser_t parser;
	yaml_document_t doc;
	struct loader ld = { path, &doc, error };
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
	yaml_parser_set_input_file(&parser, f);
	/* several "---" documents may follow each other, as Falco allows */
	while (more && rc == 0) {
		if (!yaml_parser_load(&parser, &doc)) {
			if (asprintf(error, "%s:%zu: %s", path,
			    (size_t)parser.problem_mark.line + 1,
			    parser.problem != NULL ? parser.problem :
			    "invalid YAML") < 0)
				*error = NULL;
			rc = -1;
			break;
		}
		more = yaml_document_get_root_node(&doc) != NULL;
		rc = document_load(&ld, l);
		yaml_document_delete(&doc);
	}
	yaml_parser_delete(&parser);
	fclose(f);
	return rc;
}
