/*
 * throttle.h: at most one alert per key per window, on the alerts' own
 * times, remembering a bounded number of keys (the least recently seen
 * is forgotten first).
 */
#ifndef FALCO_FILTER_THROTTLE_H
#define FALCO_FILTER_THROTTLE_H

#include <stddef.h>

struct throttle;

struct throttle *throttle_new(long long window_ns, size_t max_keys);
/* 1 when an alert with this key at time_ns may pass, 0 when suppressed */
int throttle_pass(struct throttle *t, const char *key, size_t key_len,
    long long time_ns);
unsigned long long throttle_suppressed(const struct throttle *t);
void throttle_free(struct throttle *t);

#endif
