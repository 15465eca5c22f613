/* queue_cache.h: a room queue's cached answer, kept coherent in Redis and in the snapshot files nginx serves */
#ifndef QUEUED_QUEUE_CACHE_H
#define QUEUED_QUEUE_CACHE_H

#include <json-c/json.h>

struct request;

/*
 * GET /rooms/{code}/queue is answered from three places: the room's
 * snapshot file, which nginx sends without a worker (snapshot.h); the Redis
 * entry "queue:CODE" (cache.h), which a worker sends; PostgreSQL. The
 * answer carries the room's revision, and the file's mtime is it too, so
 * nginx's ETag for the file is the one a worker sends for that revision.
 *
 * The file follows the Redis entry's versions: it never shows a room older
 * than a change message a screen has seen, and never outlives the entry:
 *  - a write invalidates the Redis entry at its revision, then removes the
 *    file, and only then publishes its message (queue_cache_changed()), so
 *    after a message the file is either gone or newer. The file goes with
 *    every invalidation of the key, whoever makes it (a catalog edit in
 *    h_songs.c, a replay after Redis was away): cache.c tells its mirror,
 *    which queue_cache_worker_init() sets;
 *  - a reader places its file only after checking, under the room's lock,
 *    that Redis knows no newer version; the writer's removal takes the same
 *    lock, so a check made before the write's invalidation is followed by
 *    the removal, and one made after it sees the newer version;
 *  - with Redis unreachable nothing is placed (there is nothing to check
 *    against); an invalidation Redis missed is replayed on reconnection and
 *    removes the file again; the supervisor removes files older than the
 *    Redis entry's lifetime and every file at start-up.
 */

/* Supervisor, before the workers start: make the snapshot directories, drop every file. */
void queue_cache_prepare(void);

/* Each worker after fork, before its first request. */
void queue_cache_worker_init(void);

/* Supervisor, about once a minute: remove snapshot files older than the Redis entries. */
void queue_cache_sweep(void);

/*
 * The cached answer for room code: when Redis has it, replies it (200, or
 * 304 for a matching If-None-Match), leaves the file nginx did not find, and
 * returns 1. 0 when the caller builds the answer from PostgreSQL and hands it
 * to queue_cache_reply_fresh().
 */
int queue_cache_reply_cached(struct request *req, const char *code);

/*
 * The answer's data (a JSON text) for room code, just read from PostgreSQL
 * at revision: replied (200 or 304), and kept for the next readers in Redis
 * and then as the file, unless a newer revision is known.
 */
void queue_cache_reply_fresh(struct request *req, const char *code, long long revision,
			     const char *data_json);

/*
 * The answer of a room that hides its queue (read at revision): replied (200
 * or 304) and kept nowhere, neither in Redis nor as a file nginx would serve
 * to anyone. So whatever Redis or a file holds is of a revision before the
 * queue was hidden, and hiding it moved the revision past them.
 */
void queue_cache_reply_private(struct request *req, long long revision, const char *data_json);

/*
 * After a write committed revision in room code: the cached answer goes
 * (Redis, then the file), then msg (taken) is published on the room's
 * channel as {type, revision, ...msg} once the reply has gone out.
 */
void queue_cache_changed(struct request *req, const char *code, long long revision,
			 const char *type, struct json_object *msg);

/*
 * The room code of a cache key that is a room's queue (a catalog edit gets
 * the keys of every snapshot showing the song from song_touch()), or NULL.
 */
const char *queue_cache_room_of_key(const char *key);

#endif
