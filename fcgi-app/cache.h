/* cache.h: versioned Redis cache entries (never the only copy of anything) */
#ifndef QUEUED_CACHE_H
#define QUEUED_CACHE_H

enum cache_result { CACHE_HIT, CACHE_MISS, CACHE_DOWN };

/*
 * Seconds a snapshot (or a write's tombstone) lives in Redis: a room's queue,
 * a playlist, a personal queue. Every write replaces it sooner; the limit
 * only bounds what an idle key costs.
 */
#define CACHE_TTL 3600

/* Every key in Redis starts with this, so queued can share a Redis. */
#define CACHE_KEY_PREFIX "queued:"

/*
 * Every entry is a snapshot of something in PostgreSQL that has a version
 * moved by each write in the write's own transaction (a room's revision, a
 * playlist's version, an album's likes_version). The version is what keeps a
 * slow reader from storing a snapshot older than a write it raced with.
 * Keys are short names such as "queue:ABCDEF"; a prefix is added here.
 */

/* Connect now; failure is not fatal, every call degrades to a miss. */
void cache_connect(void);
void cache_disconnect(void);

/* Is Redis reachable now? A PING (connecting first if need be): 0 when it answered, -1 when not. */
int cache_ping(void);

/*
 * On CACHE_HIT *body (and *meta, when meta is not NULL; it may be NULL if none
 * was stored) are malloc'd strings the caller frees, *version the snapshot's.
 */
enum cache_result cache_get(const char *key, char **body, char **meta, long long *version);

/*
 * Store a snapshot read at version, unless the cache already knows a newer
 * version. meta may be NULL. ttl in seconds. Returns 1 when stored, 0 when
 * a newer version is known, -1 when Redis could not be asked.
 */
int cache_put(const char *key, long long version, const char *body, const char *meta, int ttl);

/*
 * After a committed write at version: forget any older snapshot and remember
 * the version so a slower reader cannot store an older one. A call that
 * cannot reach Redis is remembered and replayed on the next connection.
 * The mirror's copy of the key (cache_set_mirror), if any, is removed after
 * Redis is told, and again when a remembered call is replayed.
 */
void cache_invalidate(const char *key, long long version);

/*
 * Copies of entries kept outside Redis (a room queue's snapshot files,
 * queue_cache.h). They follow the cache, so the cache tells them, without
 * knowing what they are: forget(key) after each invalidation, whoever made
 * it, forget_all() when the list of invalidations to replay was lost. The
 * worker sets it at start-up.
 */
struct cache_mirror {
	void (*forget)(const char *key);
	void (*forget_all)(void);
};
void cache_set_mirror(const struct cache_mirror *mirror);

/*
 * The version the cache knows for key, snapshot or tombstone: CACHE_HIT with
 * *version set, CACHE_MISS when it knows none, CACHE_DOWN.
 */
enum cache_result cache_version(const char *key, long long *version);

/*
 * Count one more hit on key, whose count lives window seconds from its first
 * hit. On success *count and *ttl (seconds left) are set and 0 returned; -1
 * when Redis cannot be reached.
 */
int cache_count(const char *key, long window, long long *count, long long *ttl);

/*
 * Add units to the counter key unless that takes it past limit (a counter
 * made here lives ttl seconds). 1 when added, 0 when the limit refused them,
 * -1 when Redis cannot be reached.
 */
int cache_spend(const char *key, long long units, long long limit, int ttl);

/*
 * A lock shared by every worker and node (SET NX), gone after ttl seconds
 * whatever happens to its holder: 1 when taken, 0 when someone holds it, -1
 * when Redis cannot be reached. cache_unlock gives it back.
 */
int cache_lock(const char *key, int ttl);
void cache_unlock(const char *key);

#endif
