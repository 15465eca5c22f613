/* ratelimit.h: fixed-window request counters in Redis, per member or per address */
#ifndef QUEUED_RATELIMIT_H
#define QUEUED_RATELIMIT_H

struct request;

enum rate_class {
	RATE_NONE,
	RATE_VOTE,       /* votes and skip votes per member: RATE_VOTES per RATE_VOTES_WINDOW s */
	RATE_ADD,        /* adds per member: RATE_ADDS per RATE_ADDS_WINDOW s */
	RATE_GUEST,      /* guests created per client address: RATE_GUESTS per RATE_GUESTS_WINDOW s */
	RATE_LOGIN,      /* logins per client address: RATE_LOGINS per RATE_LOGINS_WINDOW s */
	RATE_LOGIN_NAME, /* logins per username: RATE_LOGINS_PER_NAME per RATE_LOGINS_WINDOW s */
	RATE_SIGNUP,     /* users registered per client address: RATE_SIGNUPS per RATE_SIGNUPS_WINDOW s */
	RATE_ROOM,       /* rooms created per client address: RATE_ROOMS per RATE_ROOMS_WINDOW s */
	RATE_SEARCH,     /* YouTube searches per member (or address): RATE_SEARCHES per RATE_SEARCHES_WINDOW s */
	RATE_EXPORT,     /* exports by email per user: RATE_EXPORTS per RATE_EXPORTS_WINDOW s (a day) */
	RATE_PIN,        /* PIN tries per caller and room: RATE_PINS per RATE_PINS_WINDOW s */
	RATE_CLASSES
};

/* Read the limits from the environment (see README.md). */
void ratelimit_configure(void);

/*
 * Count one request of class for subject. Returns 0 when it is within the
 * limit, else the seconds until the window ends (at least 1). While Redis
 * cannot be asked, each worker counts on its own (so the limit holds per
 * worker: at most QUEUED_WORKERS times it in all, never unlimited).
 */
int ratelimit_hit(enum rate_class class, const char *subject);

/*
 * The subject a route's class counts: the client address or the member,
 * as the class says.
 */
const char *ratelimit_subject(enum rate_class class, const struct request *req);

/*
 * Count one request; over the limit, reply 429 with Retry-After and a
 * message that names the limit, and return -1.
 */
int ratelimit_hit_or_reply(struct request *req, enum rate_class class, const char *subject);

#endif
