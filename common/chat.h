/*
 * chat.h: alert text made harmless in chat messages. Every alert field is
 * attacker-controlled, and each chat turns some plain text into a
 * mention that notifies people or a link whose text hides its target.
 * One function per kind of markup, each pure: it appends s (n bytes) to
 * out with that markup defused and everything else byte for byte, so a
 * sender chains the ones its chat needs (falco-slack: chat_utf8, then
 * chat_defuse_mentions, chat_defuse_links, chat_escape_slack, chat_cut).
 *
 * Defusing inserts U+200B ZERO WIDTH SPACE where the markup would be
 * recognised: no chat reads "@\u200beveryone" or "]\u200b(" as markup,
 * and people see the text as it came. The functions expect valid UTF-8
 * (chat_utf8 makes it) and never split a character.
 */
#ifndef FP_CHAT_H
#define FP_CHAT_H

#include <stddef.h>

#include "buf.h"

#define CHAT_ZWSP "\xe2\x80\x8b"
/* what chat_cut puts where it cut: "…[truncated]", 12 characters */
#define CHAT_CUT_MARKER "\xe2\x80\xa6[truncated]"
#define CHAT_CUT_MARKER_CHARS 12

/* valid UTF-8: every invalid byte and every NUL becomes U+FFFD */
void chat_utf8(const char *s, size_t n, struct buf *out);

/*
 * Mentions of every supported chat: "@everyone" and "@here" anywhere
 * (Discord); "@" starting a word and followed by a name, which covers
 * @channel, @all, @here and @username (Mattermost, Rocket.Chat) and
 * Discord's <@id>, <@!id> and <@&role>; "~channel" starting a word
 * (Mattermost's channel links). A word starts where the byte before is
 * not an ASCII letter or digit, so "root@host" and "mail@example.com"
 * stay as they are.
 */
void chat_defuse_mentions(const char *s, size_t n, struct buf *out);

/*
 * Markdown links and images (Mattermost, Discord's masked links, Teams,
 * Rocket.Chat): "[text](url)", "![alt](url)", "[text][ref]" and the
 * "[ref]: url" definitions, by breaking the "](", "][" and "]:" pairs.
 * What is left shows the text and the true target; a bare URL may still
 * be made a link by the chat, but it shows where it goes.
 */
void chat_defuse_links(const char *s, size_t n, struct buf *out);

/*
 * Angle-bracket markup, for chats whose text has no escape for "<":
 * Discord's <#channel>, </command:id> and <url>, Google Chat's
 * <users/all> and <url|text>, Slack's <!here> and <url|text> where a
 * receiver translates them (Mattermost). Every "<" followed by
 * something other than a blank is broken. Slack's own escaping
 * (chat_escape_slack) does this where it applies.
 */
void chat_defuse_angle_brackets(const char *s, size_t n, struct buf *out);

/*
 * Slack's escaping, also read by Mattermost, Rocket.Chat and Discord's
 * /slack endpoint: "&", "<" and ">" as "&amp;", "&lt;" and "&gt;",
 * nothing else (reference.md §4.5).
 */
void chat_escape_slack(const char *s, size_t n, struct buf *out);

/*
 * Cut the text that out holds from byte start on to at most limit
 * characters (limit > CHAT_CUT_MARKER_CHARS), ending with
 * CHAT_CUT_MARKER when anything was cut. Characters are counted as the
 * chat counts them, after escaping: "&amp;" is five. A cut never splits
 * a character or one of Slack's three escapes, and never separates a
 * defusing U+200B from what it follows. Returns 1 when it cut.
 */
int chat_cut(struct buf *out, size_t start, size_t limit);

#endif
