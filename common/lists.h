/*
 * lists.h: the "- list:" and "- macro:" definitions of Falco rules
 * files, read with libyaml, so conditions can name the lists and macros
 * the user already keeps: "fd.sip in (website_ips)", "my_macro and
 * k8s.ns.name = demo". As in Falco, an item naming a list defined
 * earlier expands to that list's items, appends and overrides apply
 * across files in the order they are loaded, and a macro sees the
 * macros defined before it.
 */
#ifndef FP_LISTS_H
#define FP_LISTS_H

#include <stddef.h>

struct lists;

/* a list holds at most this many items once the lists it names expand */
#define LISTS_MAX_ITEMS 100000

struct lists *lists_new(void);
/* 0, or -1 with a message "FILE:LINE: reason" in *error (caller frees) */
int lists_load(struct lists *l, const char *path, char **error);
/* the items of a list, as written in the rules file; NULL if no such list */
const char *const *lists_find(const struct lists *l, const char *name,
    size_t name_len, size_t *count);
/*
 * The condition of a macro whose first definition numbers below visible
 * (SIZE_MAX: every macro), and in *visibility what that condition may
 * itself see; NULL if no such macro.
 */
const char *lists_macro(const struct lists *l, const char *name, size_t len,
    size_t visible, size_t *visibility);
void lists_free(struct lists *l);
/* lists_load, or report "PROG: FILE:LINE: reason" and exit 2 */
void lists_load_or_exit(struct lists *l, const char *path);

#endif
