/*
 * webhook.c: one message posted to the webhook, and the answer judged
 * as Slack and its kin mean it.
 */
#include <cjson/cJSON.h>
#include <err.h>
#include <string.h>

#include "slack.h"

void
sender_payload(struct sender *s, struct buf *payload)
{
	const char *reason;

	if (s->digest.count == 1 && alert_parse(&s->alert, s->digest.shown[0],
	    s->digest.shown_len[0], &reason) == 0)
		slack_payload(&s->cf->style, &s->alert, payload);
	else
		slack_digest_payload(&s->cf->style, &s->digest, payload);
}

struct http_client *
webhook_client(struct sender *s, int retries, int (*cancelled)(void *),
    void *cancelled_ctx)
{
	struct http_options ho;

	memset(&ho, 0, sizeof(ho));
	ho.timeout = s->cf->timeout;
	ho.retries = retries;
	ho.cacert = s->cf->cacert;
	ho.cancelled = cancelled;
	ho.cancelled_ctx = cancelled_ctx;
	ho.rate = &s->rate;
	return http_client_new(&ho);
}

/* the answer's body without the blanks around it */
static const char *
answer_body(const struct http_response *resp, size_t *len)
{
	const char *p = resp->body != NULL ? resp->body : "";
	size_t n = resp->body != NULL ? resp->body_len : 0;

	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' ||
	    p[n - 1] == '\r' || p[n - 1] == '\n'))
		n--;
	*len = n;
	return p;
}

/*
 * Slack says "ok" to a good post, and a 200 alone is no proof: Slack
 * has answered errors with 200 (tests/falco-slack.bats has them), so
 * the body is checked too. Mattermost says "ok" as well,
 * Discord's /slack endpoint "ok" or nothing, Rocket.Chat
 * {"success":true}; JSON is taken as a yes unless it says "ok": false
 * (Slack's Web API errors) or "success": false (Rocket.Chat's).
 */
static int
answer_accepted(const struct http_response *resp)
{
	size_t len;
	const char *body = answer_body(resp, &len);
	cJSON *json;
	int accepted;

	if (len == 0 || (len == 2 && memcmp(body, "ok", 2) == 0))
		return 1;
	if (body[0] != '{')
		return 0;
	json = cJSON_ParseWithLength(body, len);
	accepted = cJSON_IsObject(json) &&
	    !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(json, "ok")) &&
	    !cJSON_IsFalse(cJSON_GetObjectItemCaseSensitive(json, "success"));
	cJSON_Delete(json);
	return accepted;
}

/* the first word of text, printable, for one line on stderr */
static void
first_word(const char *text, size_t len, char *word, size_t size)
{
	size_t i, n = 0;

	for (i = 0; i < len && n + 1 < size; i++) {
		unsigned char c = (unsigned char)text[i];

		if (c == ' ' || c == '\t' || c == '\n' || c == '\r')
			break;
		word[n++] = c > 0x20 && c < 0x7f ? (char)c : '?';
	}
	word[n] = '\0';
}

/*
 * Slack's answer is one word ("channel_not_found"); a JSON answer names
 * its error in "error" ({"ok":false,"error":"invalid_auth"})
 */
static void
answer_word(const struct http_response *resp, char *word, size_t size)
{
	size_t len;
	const char *body = answer_body(resp, &len);
	const cJSON *error;
	cJSON *json;

	first_word(body, len, word, size);
	if (len == 0 || body[0] != '{')
		return;
	json = cJSON_ParseWithLength(body, len);
	error = cJSON_GetObjectItemCaseSensitive(json, "error");
	if (cJSON_IsString(error) && error->valuestring[0] != '\0')
		first_word(error->valuestring, strlen(error->valuestring),
		    word, size);
	cJSON_Delete(json);
}

static void
report_failure(struct sender *s, const struct http_response *resp)
{
	char word[128];
	unsigned long n = (unsigned long)s->digest.count;
	const char *noun = n == 1 ? "alert" : "alerts";

	if (resp->status == 0) {
		warnx("'%s': %s (%d %s): %lu %s not delivered", s->host,
		    resp->error, resp->tries, resp->tries == 1 ? "try" : "tries",
		    n, noun);
		return;
	}
	answer_word(resp, word, sizeof(word));
	warnx("'%s': %ld %s (%d %s): %lu %s not delivered", s->host,
	    resp->status, word[0] != '\0' ? word : "(no reason given)",
	    resp->tries, resp->tries == 1 ? "try" : "tries", n, noun);
}

enum post_result
webhook_post(struct sender *s, const struct buf *payload, int quiet_retryable,
    double *retry_after)
{
	static const struct http_header headers[] = {
		{ "Content-Type", "application/json; charset=utf-8" },
		{ NULL, NULL }
	};
	struct http_request req = {
		.method = "POST",
		.url = s->cf->webhook_url,
		.headers = headers,
		.body = payload->data,
		.body_len = payload->len,
	};
	struct http_response resp;
	enum post_result result = POST_DELIVERED;

	*retry_after = 0;
	/* a 2xx that says no is final: resending cannot change the answer */
	if (http_send(s->client, &req, &resp) != 0 || !answer_accepted(&resp)) {
		/* once the drain time is over, one line at the end says how many */
		if (resp.tries == 0) {
			result = POST_CANCELLED;
		} else if (resp.retryable && quiet_retryable) {
			result = POST_RETRYABLE;
			*retry_after = resp.retry_after;
		} else {
			report_failure(s, &resp);
			result = resp.retryable ? POST_RETRYABLE : POST_REFUSED;
		}
	}
	http_response_free(&resp);
	return result;
}
