#include <errno.h>
#include <err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "exitcode.h"
#include "opts.h"
#include "version.h"
#include "xalloc.h"

void
opts_build(const struct opt_spec *specs, struct opt_parser *parser)
{
	size_t n = 0, i, s = 0;

	while (specs[n].name != NULL)
		n++;
	parser->longopts = xcalloc(n + 1, sizeof(*parser->longopts));
	parser->shortopts = xmalloc(3 * n + 2);
	/*
	 * No leading '+': options may follow the operands, as with GNU grep
	 * ("falco-filter COND file -c"); "--" ends the options.
	 */
	for (i = 0; i < n; i++) {
		parser->longopts[i].name = specs[i].name;
		parser->longopts[i].has_arg = specs[i].has_arg;
		parser->longopts[i].val = specs[i].key;
		if (specs[i].key >= 256)
			continue;
		parser->shortopts[s++] = (char)specs[i].key;
		if (specs[i].has_arg == required_argument)
			parser->shortopts[s++] = ':';
		else if (specs[i].has_arg == optional_argument) {
			parser->shortopts[s++] = ':';
			parser->shortopts[s++] = ':';
		}
	}
	parser->shortopts[s] = '\0';
}

void
opts_free(struct opt_parser *parser)
{
	free(parser->longopts);
	free(parser->shortopts);
}

static void __attribute__((noreturn))
exit_after_stdout(void)
{
	if (fflush(stdout) == EOF || ferror(stdout) || fclose(stdout) == EOF)
		err(EXIT_USAGE, "standard output");
	exit(EXIT_OK);
}

int
opts_parse(int argc, char **argv, const struct opt_spec *specs,
    const char *synopsis, const char *summary,
    void (*handle)(void *ctx, int key, const char *arg), void *ctx)
{
	struct opt_parser parser;
	int key;

	opts_build(specs, &parser);
	opterr = 0;
	while ((key = getopt_long(argc, argv, parser.shortopts,
	    parser.longopts, NULL)) != -1) {
		if (key == 'h') {
			opts_help(stdout, synopsis, summary, specs);
			exit_after_stdout();
		}
		if (key == 'V') {
			printf("%s %s\n", program_invocation_short_name,
			    FALCO_PIPES_VERSION);
			exit_after_stdout();
		}
	}
	opterr = 1;
	optind = 0;		/* GNU getopt: start over */
	while ((key = getopt_long(argc, argv, parser.shortopts,
	    parser.longopts, NULL)) != -1) {
		if (key == '?' || key == ':')
			opts_usage(synopsis);
		handle(ctx, key, optarg);
	}
	opts_free(&parser);
	return optind;
}

void
opts_help(FILE *out, const char *synopsis, const char *summary,
    const struct opt_spec *specs)
{
	const char *line = synopsis;
	size_t i;

	fprintf(out, "usage: ");
	while (*line != '\0') {
		size_t len = strcspn(line, "\n");

		fprintf(out, "%.*s\n", (int)len, line);
		line += len;
		if (*line == '\n')
			line++;
		if (*line != '\0')
			fprintf(out, "       ");
	}
	fprintf(out, "\n%s\n\noptions:\n", summary);
	for (i = 0; specs[i].name != NULL; i++) {
		char left[64];
		int n;

		if (specs[i].key < 256)
			n = snprintf(left, sizeof(left), "-%c, --%s",
			    specs[i].key, specs[i].name);
		else
			n = snprintf(left, sizeof(left), "    --%s",
			    specs[i].name);
		if (specs[i].arg != NULL && n > 0 && (size_t)n < sizeof(left))
			snprintf(left + n, sizeof(left) - (size_t)n,
			    specs[i].has_arg == optional_argument ? "[=%s]" : "=%s",
			    specs[i].arg);
		if (strlen(left) > 26)
			fprintf(out, "  %s\n  %-26s  %s\n", left, "",
			    specs[i].help);
		else
			fprintf(out, "  %-26s  %s\n", left, specs[i].help);
	}
}

int
opts_choice(const char *option, const char *text, const char *const *choices)
{
	struct buf expected = BUF_INIT;
	int i;

	for (i = 0; choices[i] != NULL; i++)
		if (strcmp(text, choices[i]) == 0)
			return i;
	for (i = 0; choices[i] != NULL; i++) {
		if (i > 0)
			buf_adds(&expected, choices[i + 1] != NULL ? ", " : " or ");
		buf_adds(&expected, choices[i]);
	}
	errx(EXIT_USAGE, "%s: '%s': expected %s", option, text,
	    buf_str(&expected));
}

int
opts_priority(const char *option, const char *text)
{
	int severity = priority_parse(text, strlen(text));

	if (severity < 0)
		errx(EXIT_USAGE, "%s: '%s': not a Falco priority (emergency, "
		    "alert, critical, error, warning, notice, informational, "
		    "debug)", option, text);
	return severity;
}

void
opts_usage(const char *synopsis)
{
	const char *line = synopsis;
	int first = 1;

	while (*line != '\0') {
		size_t len = strcspn(line, "\n");

		fprintf(stderr, "%s: %s%.*s\n", program_invocation_short_name,
		    first ? "usage: " : "       ", (int)len, line);
		first = 0;
		line += len;
		if (*line == '\n')
			line++;
	}
	fprintf(stderr, "Try '%s --help'.\n", program_invocation_short_name);
	exit(EXIT_USAGE);
}
