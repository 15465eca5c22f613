/* ratelimit.c: fixed-window request counters in Redis, per member or per address */
#include "ratelimit.h"
#include "cache.h"

#include <stdio.h>
#include <stdlib.h>

static struct {
	const char *name;
	const char *env_count, *env_window;
	long count, window;
} limits[] = {
	[RATE_NONE] = { "none", NULL, NULL, 0, 0 },
	[RATE_VOTE] = { "vote", "RATE_VOTES", "RATE_VOTES_WINDOW", 60, 10 },
	[RATE_ADD] = { "add", "RATE_ADDS", "RATE_ADDS_WINDOW", 20, 60 },
	[RATE_GUEST] = { "guest", "RATE_GUESTS", "RATE_GUESTS_WINDOW", 30, 60 },
};

static long env_long(const char *name, long fallback)
{
	const char *v = name ? getenv(name) : NULL;
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return fallback;
	n = strtol(v, &end, 10);
	return (*end == '\0' && n > 0) ? n : fallback;
}

void ratelimit_configure(void)
{
	for (int i = RATE_VOTE; i <= RATE_GUEST; i++) {
		limits[i].count = env_long(limits[i].env_count, limits[i].count);
		limits[i].window = env_long(limits[i].env_window, limits[i].window);
	}
}

int ratelimit_hit(enum rate_class class, const char *subject)
{
	char key[160];
	long long count, ttl;

	if (class == RATE_NONE || subject == NULL)
		return 0;
	snprintf(key, sizeof key, "rate:%s:%s", limits[class].name, subject);
	if (cache_count(key, limits[class].window, &count, &ttl) != 0)
		return 0;
	if (count <= limits[class].count)
		return 0;
	return ttl > 0 ? (int)ttl : 1;
}
