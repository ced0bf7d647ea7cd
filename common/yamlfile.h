/*
 * yamlfile.h: a YAML file (a rules file's lists and macros, a
 * kubeconfig) given to libyaml with a size cap. libyaml keeps every node
 * of a document in memory, so a file named by mistake (a log, a device
 * that never ends) would take all of it; past YAML_FILE_MAX bytes the
 * parser sees a read error, and yaml_file_problem() says why.
 */
#ifndef FP_YAMLFILE_H
#define FP_YAMLFILE_H

#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

#define YAML_FILE_MAX (16 * 1024 * 1024)

struct yaml_file {
	FILE *f;
	size_t read;		/* bytes given to the parser */
	int too_large;
};

/* parse from f, at most YAML_FILE_MAX bytes */
void yaml_file_input(yaml_parser_t *parser, struct yaml_file *yf, FILE *f);
/* why a load failed: the cap, or libyaml's own problem ("invalid YAML" when none) */
const char *yaml_file_problem(const yaml_parser_t *parser,
    const struct yaml_file *yf);

#endif
