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
#include <stdint.h>
#include <sys/stat.h>

#include "buf.h"
#include "cond.h"
#include "exitcode.h"
#include "xalloc.h"

#include "route.h"

static int
parse_descriptor(const char *text, int *fd)
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
static struct sink *
sink_new(const char *name, const char **reason)
{
	struct sink *s = xcalloc(1, sizeof(*s));
	int fd = -1, flags;

	s->name = xstrdup(name);
	s->fd = s->orig_fd = -1;
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
		flags = fcntl(s->orig_fd, F_GETFL);
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

/*
 * What makes two names one file: its device and inode when it exists,
 * else the absolute path of its directory and its own name.
 */
static char *
file_identity(const char *path)
{
	struct buf id = BUF_INIT;
	struct stat st;
	char *copy, *slash, *dir;

	if (stat(path, &st) == 0) {
		buf_printf(&id, "%ju:%ju", (uintmax_t)st.st_dev,
		    (uintmax_t)st.st_ino);
		return id.data;
	}
	copy = xstrdup(path);
	slash = strrchr(copy, '/');
	if (slash != NULL)
		*slash = '\0';
	dir = realpath(slash == NULL ? "." : copy[0] != '\0' ? copy : "/", NULL);
	buf_printf(&id, "%s/%s", dir != NULL ? dir : copy,
	    slash != NULL ? slash + 1 : path);
	free(dir);
	free(copy);
	return id.data;
}

/* the sink of that name, made on first use; exits 2 on a bad name */
static struct sink *
sink_lookup(struct router *r, const char *name, const char *file,
    unsigned long lineno)
{
	const char *reason = "empty sink";
	struct sink *s;
	size_t i;

	for (i = 0; i < r->nsinks; i++)
		if (strcmp(r->sinks[i]->name, name) == 0)
			return r->sinks[i];
	s = *name != '\0' ? sink_new(name, &reason) : NULL;
	if (s == NULL && file != NULL)
		errx(EXIT_USAGE, "%s:%lu: '%s': %s", file, lineno, name, reason);
	if (s == NULL)
		errx(EXIT_USAGE, "'%s': %s", name, reason);
	/* out, ./out and /abs/out are one file: one sink, one copy of each alert */
	if (s->kind == SINK_FILE) {
		s->identity = file_identity(s->target);
		for (i = 0; i < r->nsinks; i++) {
			if (r->sinks[i]->identity == NULL ||
			    strcmp(r->sinks[i]->identity, s->identity) != 0)
				continue;
			free(s->identity);
			free(s->name);
			free(s);
			return r->sinks[i];
		}
	}
	r->sinks = xgrow(r->sinks, &r->sinks_cap, r->nsinks + 1,
	    sizeof(*r->sinks));
	r->sinks[r->nsinks++] = s;
	return s;
}

struct sink *
sink_named(struct router *r, const char *name)
{
	return sink_lookup(r, name, NULL, 0);
}

void
route_add(struct router *r, const char *condition, const char *file,
    unsigned long lineno)
{
	struct route *route;

	r->routes = xgrow(r->routes, &r->routes_cap, r->nroutes + 1,
	    sizeof(*r->routes));
	route = &r->routes[r->nroutes++];
	memset(route, 0, sizeof(*route));
	route->text = xstrdup(condition);
	route->file = file;
	route->lineno = lineno;
}

static void
route_add_sink_at(struct router *r, const char *name, const char *file,
    unsigned long lineno)
{
	struct route *route = &r->routes[r->nroutes - 1];
	size_t cap = route->nsinks;

	route->sinks = xgrow(route->sinks, &cap, route->nsinks + 1,
	    sizeof(*route->sinks));
	route->sinks[route->nsinks++] = sink_lookup(r, name, file, lineno);
}

/* the sink of the last route added; the caller made sure there is one */
void
route_add_sink(struct router *r, const char *sink_name)
{
	route_add_sink_at(r, sink_name, NULL, 0);
}

static char *
trim(char *s)
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
static char *
find_arrow(char *line)
{
	char quote = 0, *p;

	for (p = line; *p != '\0'; p++) {
		if (quote && *p == '\\' && p[1] != '\0')
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
static void
parse_sink_list(struct router *r, char *list, const char *file,
    unsigned long lineno)
{
	char *item, *comma;

	for (;;) {
		item = list + strspn(list, " \t");
		if (*item == '|' || *item == '!') {
			route_add_sink_at(r, trim(item), file, lineno);
			return;
		}
		comma = strchr(item, ',');
		if (comma != NULL)
			*comma = '\0';
		item = trim(item);
		if (*item == '\0')
			errx(EXIT_USAGE, "%s:%lu: empty sink", file, lineno);
		route_add_sink_at(r, item, file, lineno);
		if (comma == NULL)
			return;
		list = comma + 1;
	}
}

static void
routes_parse_line(struct router *r, char *line, const char *file,
    unsigned long lineno)
{
	char *text = trim(line), *arrow, *condition;

	if (*text == '\0' || *text == '#')
		return;
	arrow = find_arrow(text);
	if (arrow == NULL)
		errx(EXIT_USAGE, "%s:%lu: expected 'CONDITION -> SINK'", file,
		    lineno);
	*arrow = '\0';
	condition = trim(text);
	if (*condition == '\0')
		errx(EXIT_USAGE, "%s:%lu: no condition before '->'", file,
		    lineno);
	route_add(r, condition, file, lineno);
	parse_sink_list(r, arrow + 2, file, lineno);
}

/* "-f FILE": errors name the file and line and exit 2 */
void
routes_read_file(struct router *r, const char *path)
{
	FILE *f = fopen(path, "re");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	unsigned long lineno = 0;

	if (f == NULL)
		err(EXIT_USAGE, "'%s'", path);
	while ((n = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (strlen(line) != (size_t)n)
			errx(EXIT_USAGE, "%s:%lu: NUL byte in line", path, lineno);
		routes_parse_line(r, line, path, lineno);
	}
	if (ferror(f))
		err(EXIT_USAGE, "'%s'", path);
	free(line);
	fclose(f);
}

static void
route_compile(struct route *route, const struct lists *lists)
{
	struct cond_error error;
	struct buf where = BUF_INIT;

	if (route->file == NULL) {
		route->cond = cond_compile(route->text, lists);
		return;
	}
	route->cond = cond_parse(route->text, lists, &error);
	if (route->cond == NULL) {
		buf_printf(&where, "%s:%lu", route->file, route->lineno);
		cond_error_report_at(where.data, route->text, &error);
		exit(EXIT_USAGE);
	}
}

/* after every -l was loaded, since any condition may name a list */
void
routes_compile(struct router *r)
{
	size_t i;

	for (i = 0; i < r->nroutes; i++)
		route_compile(&r->routes[i], r->select.lists);
}

/* the routes only: their sinks stay, with what they hold */
void
routes_forget(struct router *r)
{
	size_t i;

	for (i = 0; i < r->nroutes; i++) {
		cond_free(r->routes[i].cond);
		free(r->routes[i].text);
		free(r->routes[i].sinks);
	}
	free(r->routes);
	r->routes = NULL;
	r->nroutes = r->routes_cap = 0;
}

void
routes_free(struct router *r)
{
	size_t i;

	routes_forget(r);
	for (i = 0; i < r->nsinks; i++) {
		free(r->sinks[i]->name);
		free(r->sinks[i]->identity);
		free(r->sinks[i]);
	}
	free(r->sinks);
	r->sinks = NULL;
	r->nsinks = r->sinks_cap = 0;
}
