/*
 * json_splice: json_splice_member (common/alert.c), which falco-netpol
 * uses to add its outcome to the alert it passes on. On a line the
 * scanner accepts, the result must be a JSON object whose last member
 * is the one added and whose bytes are the line's, up to its closing
 * brace, byte for byte.
 */
#include <string.h>

#include "alert.h"
#include "buf.h"
#include "fuzz.h"

static const char *const keys[] = { "falco_netpol", "k\"ey\\", "" };
static const char *const values[] = {
	"{\"action\":\"isolated\",\"policy\":\"falco-pipes-quarantine\"}",
	"\"text\"", "[]", "0"
};

static void
check(const char *line, size_t len, const char *key, const char *value)
{
	struct buf out = BUF_INIT;
	struct alert before, after;
	const char *reason;
	const struct json_member *last;

	json_splice_member(line, len, key, value, &out);
	alert_init(&before);
	alert_init(&after);
	if (alert_parse(&before, line, len, &reason) == 0) {
		const char *brace = memrchr(line, '}', len);
		size_t head = (size_t)(brace - line), tail = len - head;

		FUZZ_ASSERT(alert_parse(&after, out.data, out.len,
		    &reason) == 0);
		FUZZ_ASSERT(after.ntop == before.ntop + 1);
		last = &after.top[after.ntop - 1];
		FUZZ_ASSERT(json_string_equals(&last->key, key, strlen(key)));
		FUZZ_ASSERT(last->value.raw_len == strlen(value) &&
		    memcmp(last->value.raw, value, strlen(value)) == 0);
		/* the line up to its brace, then the member, then the rest */
		FUZZ_ASSERT(memcmp(out.data, line, head) == 0);
		FUZZ_ASSERT(memcmp(out.data + out.len - tail, brace,
		    tail) == 0);
	}
	alert_free(&after);
	alert_free(&before);
	buf_free(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *line = (const char *)data;

	/* one key and value per input keeps each run cheap */
	check(line, size, keys[size % 3], values[size % 4]);
	return 0;
}
