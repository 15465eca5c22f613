/* ratelimit.h: fixed-window request counters in Redis, per member or per address */
#ifndef QUEUED_RATELIMIT_H
#define QUEUED_RATELIMIT_H

enum rate_class {
	RATE_NONE,
	RATE_VOTE,  /* votes and skip votes per member: RATE_VOTES per RATE_VOTES_WINDOW s */
	RATE_ADD,   /* adds per member: RATE_ADDS per RATE_ADDS_WINDOW s */
	RATE_GUEST, /* guests created per client address: RATE_GUESTS per RATE_GUESTS_WINDOW s */
};

/* Read the limits from the environment (see README.md). */
void ratelimit_configure(void);

/*
 * Count one request of class for subject. Returns 0 when it is within the
 * limit (or Redis cannot be asked: a cache outage never locks people out),
 * else the seconds until the window ends (at least 1).
 */
int ratelimit_hit(enum rate_class class, const char *subject);

#endif
