#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "reader.h"
#include "select.h"
#include "xalloc.h"

void
select_init(struct selection *s)
{
	s->when_texts = NULL;
	s->nwhen = 0;
	s->when = NULL;
	s->lists = lists_new();
	s->min_severity = -1;
	s->max_line_bytes = READER_DEFAULT_MAX_LINE;
	s->follow = 0;
}

struct reader *
select_open_input(const struct selection *s, char *const *files, int nfiles)
{
	struct reader *r = reader_open(files, nfiles, s->max_line_bytes);

	reader_set_follow(r, s->follow);
	return r;
}

void
select_add_condition(struct selection *s, const char *text)
{
	size_t cap = s->nwhen;

	/* as grep '' selects every line, an empty condition holds for all */
	if (text[strspn(text, " \t\n")] == '\0')
		return;
	s->when_texts = xgrow(s->when_texts, &cap, s->nwhen + 1,
	    sizeof(*s->when_texts));
	s->when_texts[s->nwhen++] = text;
}

int
select_option(struct selection *s, int key, const char *arg)
{
	switch (key) {
	case 'l':
		lists_load_or_exit(s->lists, arg);
		return 1;
	case 'p':
		s->min_severity = opts_priority("--min-priority", arg);
		return 1;
	case 'w':
		/* compiled once every --lists file is loaded, wherever it came */
		select_add_condition(s, arg);
		return 1;
	case OPT_MAX_LINE_BYTES:
		s->max_line_bytes = reader_max_line_option(arg);
		return 1;
	case OPT_FOLLOW:
		s->follow = 1;
		return 1;
	}
	return 0;
}

void
select_compile(struct selection *s)
{
	size_t i;

	s->when = xcalloc(s->nwhen + 1, sizeof(*s->when));
	for (i = 0; i < s->nwhen; i++)
		s->when[i] = cond_compile(s->when_texts[i], s->lists);
}

const char *
select_refusal(const struct selection *s, struct alert *a)
{
	size_t i;

	if (s->min_severity >= 0 && alert_severity(a) < s->min_severity)
		return "priority below --min-priority";
	for (i = 0; i < s->nwhen; i++)
		if (!cond_eval(s->when[i], a))
			return "--when did not match";
	return NULL;
}

int
select_wants(const struct selection *s, struct alert *a)
{
	return select_refusal(s, a) == NULL;
}

int
select_all(const struct selection *s)
{
	return s->min_severity < 0 && s->nwhen == 0;
}

void
select_free(struct selection *s)
{
	size_t i;

	for (i = 0; s->when != NULL && i < s->nwhen; i++)
		cond_free(s->when[i]);
	free(s->when);
	free(s->when_texts);
	lists_free(s->lists);
	s->when = NULL;
	s->when_texts = NULL;
	s->lists = NULL;
}
