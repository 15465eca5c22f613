/* cache.h: the Redis cache of room queue snapshots (never the only copy) */
#ifndef QUEUED_CACHE_H
#define QUEUED_CACHE_H

enum cache_result { CACHE_HIT, CACHE_MISS, CACHE_DOWN };

/* Connect now; failure is not fatal, every call degrades to a miss. */
void cache_connect(void);
void cache_disconnect(void);

/*
 * The cached queue snapshot of a room: on CACHE_HIT *body is a malloc'd JSON
 * text the caller frees and *revision its room revision.
 */
enum cache_result cache_get_queue(const char *room_code, char **body, long long *revision);

/*
 * Store a snapshot read from PostgreSQL at revision, unless the cache already
 * knows a newer revision: a read that raced a write never stores stale data.
 */
void cache_put_queue(const char *room_code, long long revision, const char *body);

/*
 * After a committed write at revision: drop any older snapshot and remember the
 * revision so a slower reader cannot store an older one. A failed call is
 * remembered and retried on the next connection.
 */
void cache_invalidate_queue(const char *room_code, long long revision);

#endif
