/*
 * routes.c: routes as the user gives them, "--when COND --to SINK" on
 * the command line or "COND -> SINK, SINK" lines in a routes file, and
 * the sinks they name. A sink named twice is one sink, so an alert that
 * two routes send to the same file is written there once.
 */
#include <err.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "exitcode.h"
#include "xalloc.h"

#include "route.h"

static struct route *routes;
static size_t nroutes, routes_cap;
static struct sink **sinks;
static size_t nsinks, sinks_cap;

static int parse_descriptor(const char *text, int *fd)
{
	char *end;
	long n;

	errno = 0;
	n = strtol(text, &end, 10);
	if (end == text || *end != '\0' || errno || n < 0 || n > INT_MAX)
		return -1;
	*fd = (int)n;
	return 0;
}

/* NULL and *reason when the name is no sink */
static struct sink *sink_new(const char *name, const char **reason)
{
	struct sink *s = xcalloc(1, sizeof(*s));
	int fd = -1;

	s->name = xstrdup(name);
	s->fd = s->orig_fd = -1;
	s->spool.fd = s->dead_letters.fd = -1;
	if (strcmp(name, "-") == 0) {
		s->kind = SINK_FD;
		s->orig_fd = 1;
	} else if (name[0] == '&') {
		if (parse_descriptor(name + 1, &fd) < 0) {
			*reason = "not a descriptor number";
			goto bad;
		}
		s->kind = SINK_FD;
		s->orig_fd = fd;
	} else if (name[0] == '|' || name[0] == '!') {
		s->kind = name[0] == '|' ? SINK_PIPE : SINK_EXEC;
		s->target = s->name + 1 + strspn(s->name + 1, " \t");
		if (*s->target == '\0') {
			*reason = "empty command";
			goto bad;
		}
	} else {
		s->kind = SINK_FILE;
		s->target = s->name;
	}
	if (s->kind == SINK_FD) {
		int flags = fcntl(s->orig_fd, F_GETFL);

		if (flags < 0 || (flags & O_ACCMODE) == O_RDONLY) {
			*reason = "descriptor not open for writing";
			goto bad;
		}
	}
	return s;
bad:
	free(s->name);
	free(s);
	return NULL;
}

/* the sink of that name, made on first use; exits 2 on a bad name */
static struct sink *sink_lookup(const char *name, const char *file,
    unsigned long lineno)
{
	const char *reason = "empty sink";
	struct sink *s;

	for (size_t i = 0; i < nsinks; i++)
		if (strcmp(sinks[i]->name, name) == 0)
			return sinks[i];
	s = *name ? sink_new(name, &reason) : NULL;
	if (!s && file)
		errx(EXIT_USAGE, "%s:%lu: '%s': %s", file, lineno, name, reason);
	if (!s)
		errx(EXIT_USAGE, "'%s': %s", name, reason);
	sinks = xgrow(sinks, &sinks_cap, nsinks + 1, sizeof(*sinks));
	sinks[nsinks++] = s;
	return s;
}

struct sink *sink_named(const char *name)
{
	return sink_lookup(name, NULL, 0);
}

struct sink **sinks_all(size_t *count)
{
	*count = nsinks;
	return sinks;
}

void route_add(const char *condition, const char *file, unsigned long lineno)
{
	struct route *r;

	routes = xgrow(routes, &routes_cap, nroutes + 1, sizeof(*routes));
	r = &routes[nroutes++];
	memset(r, 0, sizeof(*r));
	r->text = xstrdup(condition);
	r->file = file;
	r->lineno = lineno;
}

static void route_add_sink_at(const char *name, const char *file,
    unsigned long lineno)
{
	struct route *r = &routes[nroutes - 1];
	size_t cap = r->nsinks;

	r->sinks = xgrow(r->sinks, &cap, r->nsinks + 1, sizeof(*r->sinks));
	r->sinks[r->nsinks++] = sink_lookup(name, file, lineno);
}

/* the sink of the last route added; the caller made sure there is one */
void route_add_sink(const char *sink_name)
{
	route_add_sink_at(sink_name, NULL, 0);
}

static char *trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	*end = '\0';
	return s;
}

/* "->" outside the condition's quoted strings, or NULL */
static char *find_arrow(char *line)
{
	char quote = 0;

	for (char *p = line; *p; p++) {
		if (quote && *p == '\\' && p[1])
			p++;
		else if (quote && *p == quote)
			quote = 0;
		else if (!quote && (*p == '"' || *p == '\''))
			quote = *p;
		else if (!quote && p[0] == '-' && p[1] == '>')
			return p;
	}
	return NULL;
}

/*
 * "SINK, SINK": a command sink ("|..." or "!...") takes the rest of the
 * line, commas and all, so it must come last.
 */
static void parse_sink_list(char *list, const char *file, unsigned long lineno)
{
	for (;;) {
		char *item = list + strspn(list, " \t"), *comma;

		if (*item == '|' || *item == '!') {
			route_add_sink_at(trim(item), file, lineno);
			return;
		}
		comma = strchr(item, ',');
		if (comma)
			*comma = '\0';
		item = trim(item);
		if (*item == '\0')
			errx(EXIT_USAGE, "%s:%lu: empty sink", file, lineno);
		route_add_sink_at(item, file, lineno);
		if (!comma)
			return;
		list = comma + 1;
	}
}

static void routes_parse_line(char *line, const char *file, unsigned long lineno)
{
	char *text = trim(line), *arrow, *condition;

	if (*text == '\0' || *text == '#')
		return;
	arrow = find_arrow(text);
	if (!arrow)
		errx(EXIT_USAGE, "%s:%lu: expected 'CONDITION -> SINK'", file, lineno);
	*arrow = '\0';
	condition = trim(text);
	if (*condition == '\0')
		errx(EXIT_USAGE, "%s:%lu: no condition before '->'", file, lineno);
	route_add(condition, file, lineno);
	parse_sink_list(arrow + 2, file, lineno);
}

/* "-f FILE": errors name the file and line and exit 2 */
void routes_read_file(const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;

	if (!f)
		err(EXIT_USAGE, "'%s'", path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (strlen(line) != (size_t)n)
			errx(EXIT_USAGE, "%s:%lu: NUL byte in line", path, lineno);
		routes_parse_line(line, path, lineno);
	}
	if (ferror(f))
		err(EXIT_USAGE, "'%s'", path);
	free(line);
	fclose(f);
}

static void route_compile(struct route *r, const struct lists *lists)
{
	struct cond_error error;

	if (!r->file) {
		r->cond = cond_compile(r->text, lists);
		return;
	}
	r->cond = cond_parse(r->text, lists, &error);
	if (!r->cond)
		errx(EXIT_USAGE, "%s:%lu: column %zu: %s", r->file, r->lineno,
		    error.column, error.message);
}

/* after every -l was loaded, since any condition may name a list */
void routes_compile(const struct lists *lists)
{
	for (size_t i = 0; i < nroutes; i++)
		route_compile(&routes[i], lists);
}

struct route *routes_all(size_t *count)
{
	*count = nroutes;
	return routes;
}

void routes_free(void)
{
	for (size_t i = 0; i < nroutes; i++) {
		cond_free(routes[i].cond);
		free(routes[i].text);
		free(routes[i].sinks);
	}
	free(routes);
	routes = NULL;
	nroutes = routes_cap = 0;
	for (size_t i = 0; i < nsinks; i++) {
		free(sinks[i]->name);
		free(sinks[i]);
	}
	free(sinks);
	sinks = NULL;
	nsinks = sinks_cap = 0;
}
