/*
 * regex.c: regex matching with PCRE2 under bounded cost (see
 * regex.h).
 */
#define PCRE2_CODE_UNIT_WIDTH 8

#include <err.h>
#include <errno.h>
#include <pcre2.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex.h"
#include "xalloc.h"

struct regex {
	pcre2_code *code;
	pcre2_match_context *limits;
	char *shown;		/* the pattern, shortened, for the warning */
	int cut;		/* shown is shorter than the pattern */
	atomic_int *warned;
};

/*
 * Match data and the JIT's stack are per thread: one struct regex serves
 * every thread, and a JIT stack cannot be shared by two matches at once.
 */
struct per_thread {
	pcre2_match_data *data;
	pcre2_jit_stack *jit_stack;	/* NULL: PCRE2's own 32 KiB */
	char *subject;		/* the value, copied, SUBJECT_SLACK zeros after */
	size_t subject_cap;
};

/*
 * The JIT's SIMD scans load the subject in aligned 16-byte blocks, which
 * may reach past its end: harmless inside one page, yet outside what was
 * allocated (valgrind says so), and a block at a page's end has made
 * PCRE2 fault before. A copy in memory of our own, with zeroed room after
 * it, keeps every load in bounds; it costs a memcpy of the value.
 */
#define SUBJECT_SLACK 64

static pthread_key_t per_thread_key;
static pthread_once_t per_thread_once = PTHREAD_ONCE_INIT;

static void
per_thread_free(void *p)
{
	struct per_thread *t = p;

	pcre2_match_data_free(t->data);
	pcre2_jit_stack_free(t->jit_stack);
	free(t->subject);
	free(t);
}

static void
per_thread_key_create(void)
{
	if (pthread_key_create(&per_thread_key, per_thread_free) != 0)
		errx(2, "cannot create a thread key");
}

static struct per_thread *
per_thread(void)
{
	struct per_thread *t;

	pthread_once(&per_thread_once, per_thread_key_create);
	t = pthread_getspecific(per_thread_key);
	if (t != NULL)
		return t;
	t = xcalloc(1, sizeof(*t));
	t->data = pcre2_match_data_create(1, NULL);
	/*
	 * The JIT ignores the depth and heap limits and backtracks on a
	 * stack of its own, 32 KiB unless given one: too small for a value
	 * of 2,000 bytes under "(a|b)*". Its stack gets the heap limit, so
	 * the same memory bounds a match with the JIT as without.
	 */
	t->jit_stack = pcre2_jit_stack_create(32 * 1024,
	    (PCRE2_SIZE)REGEX_HEAP_LIMIT_KIB * 1024, NULL);
	if (t->data == NULL || pthread_setspecific(per_thread_key, t) != 0)
		errx(2, "out of memory");
	return t;
}

/* pcre2_jit_stack_assign's callback: the calling thread's stack */
static pcre2_jit_stack *
jit_stack(void *unused)
{
	(void)unused;
	return per_thread()->jit_stack;
}

static struct regex *
compile(const char *pattern, size_t len, uint32_t anchors, char *error,
    size_t size)
{
	struct regex *re;
	pcre2_code *code;
	PCRE2_UCHAR message[256];
	PCRE2_SIZE offset;
	int code_error;

	code = pcre2_compile((PCRE2_SPTR)pattern, len, anchors | PCRE2_UTF |
	    PCRE2_MATCH_INVALID_UTF, &code_error, &offset, NULL);
	if (code == NULL) {
		pcre2_get_error_message(code_error, message, sizeof(message));
		snprintf(error, size, "%s at offset %zu",
		    (const char *)message, (size_t)offset);
		return NULL;
	}
	/* without JIT (not built in, or no executable memory) it interprets */
	(void)pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);
	re = xcalloc(1, sizeof(*re));
	re->code = code;
	re->limits = pcre2_match_context_create(NULL);
	if (re->limits == NULL)
		errx(2, "out of memory");
	pcre2_set_match_limit(re->limits, REGEX_MATCH_LIMIT);
	pcre2_set_depth_limit(re->limits, REGEX_DEPTH_LIMIT);
	pcre2_set_heap_limit(re->limits, REGEX_HEAP_LIMIT_KIB);
	pcre2_jit_stack_assign(re->limits, jit_stack, NULL);
	re->shown = xstrndup(pattern, len > 64 ? 64 : len);
	re->cut = len > 64;
	re->warned = xcalloc(1, sizeof(*re->warned));
	return re;
}

struct regex *
regex_compile(const char *pattern, size_t len, char *error, size_t size)
{
	return compile(pattern, len, PCRE2_ANCHORED | PCRE2_ENDANCHORED,
	    error, size);
}

struct regex *
regex_compile_search(const char *pattern, size_t len, char *error,
    size_t size)
{
	return compile(pattern, len, 0, error, size);
}

static const char *
limit_name(int rc)
{
	switch (rc) {
	case PCRE2_ERROR_MATCHLIMIT:
		return "match limit";
	case PCRE2_ERROR_DEPTHLIMIT:
		return "depth limit";
	case PCRE2_ERROR_HEAPLIMIT:
		return "heap limit";
	case PCRE2_ERROR_JIT_STACKLIMIT:
		return "stack limit";
	case PCRE2_ERROR_NOMEMORY:
		return "memory";
	default:
		return "an internal error";
	}
}

/* the value in the thread's own padded copy (see SUBJECT_SLACK) */
static const char *
subject_copy(struct per_thread *t, const char *s, size_t len)
{
	if (len + SUBJECT_SLACK > t->subject_cap) {
		free(t->subject);
		t->subject_cap = len + SUBJECT_SLACK;
		t->subject = xmalloc(t->subject_cap);
	}
	memcpy(t->subject, s, len);
	memset(t->subject + len, 0, SUBJECT_SLACK);
	return t->subject;
}

int
regex_match(const struct regex *re, const char *s, size_t len)
{
	struct per_thread *t = per_thread();
	int rc;

	rc = pcre2_match(re->code, (PCRE2_SPTR)subject_copy(t, s, len), len,
	    0, 0, t->data, re->limits);
	if (rc >= 0)
		return 1;
	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (atomic_exchange(re->warned, 1) == 0)
		warnx("regex '%s%s': gave up on a value of %zu bytes (%s "
		    "reached), so it does not match; later ones are not reported",
		    re->shown, re->cut ? "..." : "", len,
		    limit_name(rc));
	return 0;
}

void
regex_free(struct regex *re)
{
	if (re == NULL)
		return;
	pcre2_code_free(re->code);
	pcre2_match_context_free(re->limits);
	free(re->shown);
	free(re->warned);
	free(re);
}
