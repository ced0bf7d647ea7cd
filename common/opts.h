/*
 * opts.h: a program's options declared once, in one table, from which
 * getopt_long's arrays and the --help text are both made.
 */
#ifndef FP_OPTS_H
#define FP_OPTS_H

#include <getopt.h>
#include <stdio.h>

struct opt_spec {
	const char *name;	/* long name, without "--" */
	int key;		/* short option letter, or a value >= 256 */
	int has_arg;		/* no_argument, required_argument, optional_argument */
	const char *arg;	/* argument name shown in help, NULL when none */
	const char *help;	/* one line */
};

/* The table ends with an entry whose name is NULL. */
struct opt_parser {
	struct option *longopts;
	char *shortopts;
};

void opts_build(const struct opt_spec *specs, struct opt_parser *parser);
/*
 * The whole command line: --help and --version first, wherever they are
 * and before any other option is acted on (so a missing file named by an
 * option cannot keep help from showing); then every other option in
 * order, handed to handle(ctx, key, arg). An unknown option or a missing
 * argument is a usage error. Returns the index of the first operand.
 * Help and version go to standard output; failing to write them is
 * status 2.
 */
int opts_parse(int argc, char **argv, const struct opt_spec *specs,
    const char *synopsis, const char *summary,
    void (*handle)(void *ctx, int key, const char *arg), void *ctx);
void opts_free(struct opt_parser *parser);
/* full help: the synopsis lines, a summary paragraph, then the options */
void opts_help(FILE *out, const char *synopsis, const char *summary,
    const struct opt_spec *specs);
/*
 * The index of text in choices (ends with NULL), or a usage error:
 * "falco-x: --mode: 'x': expected label, owner or selector", exit 2.
 */
int opts_choice(const char *option, const char *text,
    const char *const *choices);
/* a Falco priority name as a severity (alert.h), or a usage error */
int opts_priority(const char *option, const char *text);
/* "falco-x: usage: SYNOPSIS" and "Try 'falco-x --help'." on stderr, exit 2 */
void opts_usage(const char *synopsis) __attribute__((noreturn));

#endif
