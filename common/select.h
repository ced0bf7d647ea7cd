/*
 * select.h: which alerts a program acts on, chosen the same way in every
 * program: -w CONDITION (repeatable: all must hold), -p PRIORITY, -l
 * FILE (lists and macros of Falco rules files, for the conditions), and
 * for the input --max-line-bytes and --follow. A program puts SELECT_OPTIONS in its
 * option table, hands every option to select_option() first, and asks
 * select_wants() of each alert.
 */
#ifndef FP_SELECT_H
#define FP_SELECT_H

#include <getopt.h>
#include <stddef.h>

#include "alert.h"
#include "cond.h"
#include "lists.h"
#include "reader.h"

/* option keys of the long-only options this module owns */
enum { OPT_MAX_LINE_BYTES = 0x7f00, OPT_FOLLOW };

#define SELECT_OPTIONS \
	{ "when", 'w', required_argument, "CONDITION", \
	    "only alerts where CONDITION holds (repeatable: all must)" }, \
	{ "min-priority", 'p', required_argument, "PRIORITY", \
	    "only alerts of PRIORITY or more severe" }, \
	{ "lists", 'l', required_argument, "FILE", \
	    "load the lists and macros of a Falco rules file (repeatable)" }, \
	{ "max-line-bytes", OPT_MAX_LINE_BYTES, required_argument, "SIZE", \
	    "skip longer input lines, with a warning (default 1M)" }, \
	{ "follow", OPT_FOLLOW, no_argument, NULL, \
	    "at the end of a FIFO or file wait for more, as tail -F" }

struct selection {
	const char **when_texts;	/* -w, in order; compiled by select_compile */
	size_t nwhen;
	struct cond **when;
	struct lists *lists;
	int min_severity;		/* -p; -1: every alert */
	size_t max_line_bytes;		/* --max-line-bytes */
	int follow;			/* --follow */
};

void select_init(struct selection *s);
/* 1 when key is one of SELECT_OPTIONS (then it is taken), else 0 */
int select_option(struct selection *s, int key, const char *arg);
/* add a condition from elsewhere (-e, an operand); an empty one holds for every alert */
void select_add_condition(struct selection *s, const char *text);
/* compile the conditions, once every list is loaded; exits 2 on an error */
void select_compile(struct selection *s);
/* the input (files, or standard input when nfiles is 0), as the options say */
struct reader *select_open_input(const struct selection *s,
    char *const *files, int nfiles);
/* why the alert is not one to act on, or NULL when it is */
const char *select_refusal(const struct selection *s, struct alert *a);
/* 1 when the alert is one to act on */
int select_wants(const struct selection *s, struct alert *a);
/* 1 when no option narrows the selection: every alert is wanted */
int select_all(const struct selection *s);
void select_free(struct selection *s);

#endif
