/* ratelimit.c: fixed-window request counters in Redis, per member or per address */
#include "ratelimit.h"
#include "cache.h"
#include "request.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum rate_by { BY_ADDRESS, BY_MEMBER, BY_MEMBER_OR_ADDRESS, BY_SUBJECT };

static struct {
	const char *name;
	const char *env_count, *env_window;
	long count, window;
	enum rate_by by;
	const char *what; /* "%ld <what> per %s": the 429 names the limit */
} limits[RATE_CLASSES] = {
	[RATE_NONE] = { "none", NULL, NULL, 0, 0, BY_MEMBER, "" },
	[RATE_VOTE] = { "vote", "RATE_VOTES", "RATE_VOTES_WINDOW", 60, 10, BY_MEMBER, "votes" },
	[RATE_ADD] = { "add", "RATE_ADDS", "RATE_ADDS_WINDOW", 20, 60, BY_MEMBER, "songs added" },
	[RATE_GUEST] = { "guest", "RATE_GUESTS", "RATE_GUESTS_WINDOW", 30, 60, BY_ADDRESS, "guests from one address" },
	[RATE_LOGIN] = { "login", "RATE_LOGINS", "RATE_LOGINS_WINDOW", 20, 60, BY_ADDRESS, "sign-ins from one address" },
	[RATE_LOGIN_NAME] = { "login-name", "RATE_LOGINS_PER_NAME", "RATE_LOGINS_WINDOW", 10, 60, BY_SUBJECT,
			      "sign-ins for one username" },
	[RATE_SIGNUP] = { "signup", "RATE_SIGNUPS", "RATE_SIGNUPS_WINDOW", 10, 3600, BY_ADDRESS,
			  "accounts from one address" },
	[RATE_ROOM] = { "room", "RATE_ROOMS", "RATE_ROOMS_WINDOW", 20, 3600, BY_ADDRESS, "rooms from one address" },
	[RATE_SEARCH] = { "search", "RATE_SEARCHES", "RATE_SEARCHES_WINDOW", 30, 60, BY_MEMBER_OR_ADDRESS,
			  "YouTube searches" },
	[RATE_EXPORT] = { "export", "RATE_EXPORTS", "RATE_EXPORTS_WINDOW", 20, 86400, BY_MEMBER, "exports by email" },
	[RATE_PIN] = { "pin", "RATE_PINS", "RATE_PINS_WINDOW", 5, 600, BY_SUBJECT, "PIN tries in one room" },
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
	for (int i = RATE_VOTE; i < RATE_CLASSES; i++) {
		limits[i].count = env_long(limits[i].env_count, limits[i].count);
		limits[i].window = env_long(limits[i].env_window, limits[i].window);
	}
}

/*
 * The worker's own counters while Redis is away: a small table keyed by a
 * hash of the counter's name, each slot one fixed window. A collision only
 * makes two subjects share a count (stricter, never looser); the table is
 * small because an outage is short.
 */
#define LOCAL_SLOTS 4096
static struct {
	uint64_t key;
	time_t window_end;
	long count;
} local[LOCAL_SLOTS];

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h | 1; /* 0 marks an empty slot */
}

static void local_count(const char *key, long window, long long *count, long long *ttl)
{
	uint64_t h = fnv1a(key);
	size_t i = h % LOCAL_SLOTS;
	time_t now = time(NULL);

	if (local[i].key != h || local[i].window_end <= now) {
		local[i].key = h;
		local[i].window_end = now + window;
		local[i].count = 0;
	}
	*count = ++local[i].count;
	*ttl = local[i].window_end - now;
}

int ratelimit_hit(enum rate_class class, const char *subject)
{
	char key[200];
	long long count, ttl;

	if (class <= RATE_NONE || class >= RATE_CLASSES || subject == NULL)
		return 0;
	snprintf(key, sizeof key, "rate:%s:%.150s", limits[class].name, subject);
	if (cache_count(key, limits[class].window, &count, &ttl) != 0)
		local_count(key, limits[class].window, &count, &ttl);
	if (count <= limits[class].count)
		return 0;
	return ttl > 0 ? (int)ttl : 1;
}

const char *ratelimit_subject(enum rate_class class, const struct request *req)
{
	switch (limits[class].by) {
	case BY_ADDRESS:
		return req->remote_addr;
	case BY_MEMBER_OR_ADDRESS:
		return req->who.id[0] ? req->who.id : req->remote_addr;
	default:
		return req->who.id[0] ? req->who.id : NULL;
	}
}

static const char *window_text(long window)
{
	static char buf[32];

	if (window == 86400)
		return "day";
	if (window == 3600)
		return "hour";
	if (window == 60)
		return "minute";
	snprintf(buf, sizeof buf, "%ld s", window);
	return buf;
}

int ratelimit_hit_or_reply(struct request *req, enum rate_class class, const char *subject)
{
	int wait = ratelimit_hit(class, subject);

	if (wait <= 0)
		return 0;
	req->res.retry_after = wait;
	reply_error(req, 429, "too many requests: at most %ld %s per %s; try again in %d s",
		    limits[class].count, limits[class].what, window_text(limits[class].window), wait);
	return -1;
}
