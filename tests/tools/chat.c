/*
 * chat: a driver for common/chat.c, for tests/chat.bats.
 * "chat STEPS [TEXT...]" runs each TEXT (or, with none, all of standard
 * input, NUL bytes included) through STEPS, a comma-separated list of
 * utf8, mentions, links, angles, slack and cut:N, in that order, and
 * prints each result on a line of its own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "chat.h"

static void
usage(void)
{
	fprintf(stderr, "usage: chat utf8|mentions|links|angles|slack|cut:N"
	    "[,...] [TEXT...]\n");
	exit(2);
}

/* one step: the text in *text is replaced by its result */
static void
step(const char *name, size_t name_len, struct buf *text)
{
	struct buf out = BUF_INIT;
	char *end;
	long limit;

	if (name_len == 4 && memcmp(name, "utf8", 4) == 0)
		chat_utf8(buf_str(text), text->len, &out);
	else if (name_len == 8 && memcmp(name, "mentions", 8) == 0)
		chat_defuse_mentions(buf_str(text), text->len, &out);
	else if (name_len == 5 && memcmp(name, "links", 5) == 0)
		chat_defuse_links(buf_str(text), text->len, &out);
	else if (name_len == 6 && memcmp(name, "angles", 6) == 0)
		chat_defuse_angle_brackets(buf_str(text), text->len, &out);
	else if (name_len == 5 && memcmp(name, "slack", 5) == 0)
		chat_escape_slack(buf_str(text), text->len, &out);
	else if (name_len > 4 && memcmp(name, "cut:", 4) == 0) {
		limit = strtol(name + 4, &end, 10);
		if (end != name + name_len || limit <= CHAT_CUT_MARKER_CHARS)
			usage();
		buf_add(&out, buf_str(text), text->len);
		chat_cut(&out, 0, (size_t)limit);
	} else
		usage();
	buf_free(text);
	*text = out;
}

static void
run(const char *steps, const char *s, size_t n)
{
	struct buf text = BUF_INIT;
	const char *p = steps;
	size_t len;

	buf_add(&text, s, n);
	while (*p != '\0') {
		len = strcspn(p, ",");
		step(p, len, &text);
		p += len;
		if (*p == ',')
			p++;
	}
	fwrite(buf_str(&text), 1, text.len, stdout);
	putchar('\n');
	buf_free(&text);
}

int
main(int argc, char **argv)
{
	struct buf input = BUF_INIT;
	char chunk[4096];
	size_t n;
	int i;

	if (argc < 2)
		usage();
	for (i = 2; i < argc; i++)
		run(argv[1], argv[i], strlen(argv[i]));
	if (argc == 2) {
		while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
			buf_add(&input, chunk, n);
		run(argv[1], buf_str(&input), input.len);
		buf_free(&input);
	}
	return fflush(stdout) == 0 ? 0 : 1;
}
