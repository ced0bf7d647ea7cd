#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "throttle.h"
#include "xalloc.h"

#define NONE SIZE_MAX

struct entry {
	char *key;
	size_t key_len;
	uint64_t hash;
	long long window_start;
	size_t chain;		/* next entry in the same bucket */
	size_t newer, older;	/* recency list */
};

struct throttle {
	long long window;
	size_t max_keys;
	struct entry *entries;
	size_t count, cap;
	size_t *buckets;
	size_t nbuckets;
	size_t newest, oldest;
	unsigned long long suppressed;
};

static uint64_t
hash_bytes(const char *p, size_t n)
{
	uint64_t h = 1469598103934665603ULL;	/* FNV-1a */

	while (n-- > 0) {
		h ^= (unsigned char)*p++;
		h *= 1099511628211ULL;
	}
	return h;
}

struct throttle *
throttle_new(long long window_ns, size_t max_keys)
{
	struct throttle *t = xcalloc(1, sizeof(*t));
	size_t i;

	t->window = window_ns;
	t->max_keys = max_keys;
	t->nbuckets = 1;
	while (t->nbuckets < max_keys && t->nbuckets < ((size_t)1 << 30))
		t->nbuckets <<= 1;
	t->buckets = xmalloc(t->nbuckets * sizeof(*t->buckets));
	for (i = 0; i < t->nbuckets; i++)
		t->buckets[i] = NONE;
	t->newest = t->oldest = NONE;
	return t;
}

static void
unlink_recency(struct throttle *t, size_t i)
{
	struct entry *e = &t->entries[i];

	if (e->newer != NONE)
		t->entries[e->newer].older = e->older;
	else
		t->newest = e->older;
	if (e->older != NONE)
		t->entries[e->older].newer = e->newer;
	else
		t->oldest = e->newer;
}

static void
make_newest(struct throttle *t, size_t i)
{
	struct entry *e = &t->entries[i];

	e->newer = NONE;
	e->older = t->newest;
	if (t->newest != NONE)
		t->entries[t->newest].newer = i;
	t->newest = i;
	if (t->oldest == NONE)
		t->oldest = i;
}

static void
unlink_bucket(struct throttle *t, size_t i)
{
	size_t *link = &t->buckets[t->entries[i].hash & (t->nbuckets - 1)];

	while (*link != i)
		link = &t->entries[*link].chain;
	*link = t->entries[i].chain;
}

/* a slot for a new key: a fresh one, or the least recently seen one */
static size_t
take_slot(struct throttle *t)
{
	size_t i;

	if (t->count < t->max_keys) {
		t->entries = xgrow(t->entries, &t->cap, t->count + 1,
		    sizeof(*t->entries));
		return t->count++;
	}
	i = t->oldest;
	unlink_recency(t, i);
	unlink_bucket(t, i);
	free(t->entries[i].key);
	return i;
}

int
throttle_pass(struct throttle *t, const char *key, size_t key_len,
    long long time_ns)
{
	uint64_t h = hash_bytes(key, key_len);
	size_t *bucket = &t->buckets[h & (t->nbuckets - 1)];
	size_t i;
	struct entry *e;

	for (i = *bucket; i != NONE; i = t->entries[i].chain) {
		e = &t->entries[i];
		if (e->hash != h || e->key_len != key_len ||
		    memcmp(e->key, key, key_len) != 0)
			continue;
		unlink_recency(t, i);
		make_newest(t, i);
		if (time_ns >= e->window_start &&
		    time_ns - e->window_start < t->window) {
			t->suppressed++;
			return 0;
		}
		e->window_start = time_ns;
		return 1;
	}
	i = take_slot(t);
	bucket = &t->buckets[h & (t->nbuckets - 1)];
	e = &t->entries[i];
	e->key = xstrndup(key, key_len);
	e->key_len = key_len;
	e->hash = h;
	e->window_start = time_ns;
	e->chain = *bucket;
	*bucket = i;
	make_newest(t, i);
	return 1;
}

unsigned long long
throttle_suppressed(const struct throttle *t)
{
	return t->suppressed;
}

void
throttle_free(struct throttle *t)
{
	size_t i;

	if (t == NULL)
		return;
	for (i = 0; i < t->count; i++)
		free(t->entries[i].key);
	free(t->entries);
	free(t->buckets);
	free(t);
}
