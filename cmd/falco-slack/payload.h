/*
 * payload.h: falco-slack's message builder, apart from any network so
 * it can be tested alone. Alert text is attacker-controlled: every piece
 * of it is made valid UTF-8, kept from mentioning anyone or hiding a
 * link in any chat that reads Slack's payloads (Slack, Mattermost,
 * Rocket.Chat, Discord's /slack), escaped by Slack's rules (& < >) and
 * cut to Slack's size limits (chat.h).
 */
#ifndef FALCO_SLACK_PAYLOAD_H
#define FALCO_SLACK_PAYLOAD_H

#include <stddef.h>

#include "alert.h"
#include "buf.h"
#include "format.h"

enum slack_format {
	SLACK_FORMAT_ALL,	/* output as text, fields, footer */
	SLACK_FORMAT_TEXT,	/* output as text only */
	SLACK_FORMAT_FIELDS	/* fields and footer only */
};

struct slack_style {
	const char *channel;	/* NULL: the webhook's own */
	const char *username;
	const char *icon_emoji;
	const char *icon_url;
	const char *footer;	/* NULL: "falco-slack"; "": none */
	enum slack_format format;
	const struct format *message;	/* top-level text; NULL: "Priority: rule" */
	/*
	 * --mattermost, from when only it defused @channel, @here and @all:
	 * every chat's mentions are now always defused, so it changes nothing
	 */
	int mattermost;
};

/* Slack's attachment limit is 100: one summary plus this many alerts */
#define DIGEST_SHOWN_MAX 99
/* distinct (rule, priority) pairs counted one by one; the rest are "other" */
#define DIGEST_GROUPS_MAX 50

struct digest_group {
	char *rule;
	char *priority;
	int severity;
	size_t count;
};

/* the alerts of one digest message: counts for all, lines for the first few */
struct digest {
	size_t count;
	char *shown[DIGEST_SHOWN_MAX];
	size_t shown_len[DIGEST_SHOWN_MAX];
	size_t nshown, shown_max;
	struct digest_group groups[DIGEST_GROUPS_MAX];
	size_t ngroups;
	size_t other_count;
};

void digest_init(struct digest *d, size_t shown_max);
/* counts the alert (parsed from line) and keeps the line if room is left */
void digest_add(struct digest *d, struct alert *a, const char *line,
    size_t len);
void digest_reset(struct digest *d);

/* the JSON text of one alert's message, appended to out */
void slack_payload(const struct slack_style *style, struct alert *a,
    struct buf *out);
/* the JSON text of a digest's message, appended to out */
void slack_digest_payload(const struct slack_style *style,
    const struct digest *d, struct buf *out);

/* text made safe for Slack and its kin, cut to limit characters; appended to out */
void slack_text(struct buf *out, const char *s, size_t n, size_t limit);

#endif
