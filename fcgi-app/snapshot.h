/* snapshot.h: cached answers as files that nginx serves without a worker */
#ifndef QUEUED_SNAPSHOT_H
#define QUEUED_SNAPSHOT_H

#include <stddef.h>

#include "cache.h"

/*
 * A room's queue is read by every screen that joins or reconnects, and
 * 1,000 screens reconnecting at once is a normal evening. Through a worker
 * each read is four process hops (nginx, worker, Redis, worker, nginx); as a
 * file it is one sendfile in nginx. So a worker that builds the answer also
 * leaves it in SNAPSHOT_DIR/queue/CODE.json, and nginx serves that file to
 * plain GETs (nginx/queued.conf.in) until a write removes it.
 *
 * Files follow the Redis cache's versions (cache.h) and never get ahead of
 * it or outlive it:
 *  - a write removes the file after its Redis invalidation and before its
 *    message is published, so a screen that has seen a message never reads
 *    a file older than it;
 *  - a reader places its file only after checking, under the room's lock,
 *    that Redis knows no newer version; the writer's removal takes the same
 *    lock, so a check made before the write's invalidation is followed by
 *    the removal, and one made after it sees the newer version;
 *  - with Redis unreachable nothing is placed (there is nothing to check
 *    against), and the supervisor removes files older than the Redis entry's
 *    lifetime and every file at start-up.
 * Keys other than "queue:CODE" are not files; every call is a no-op for them
 * and when SNAPSHOT_DIR is not set.
 */

/* Redis keeps a queue snapshot CACHE_TTL seconds; a file lives no longer. */
#define SNAPSHOT_MAX_AGE CACHE_TTL

/* Supervisor, before the workers start: make the directories, drop every file. */
void snapshot_prepare(void);

/* Each worker after fork: open its own lock (locks are per open file). */
void snapshot_init(void);

/*
 * Store the answer head + body + tail for key, read at version. Nothing is
 * stored if Redis knows a newer version or cannot be asked.
 */
void snapshot_store(const char *key, long long version, const char *head, const char *body,
		    const char *tail);

/* A write at a newer version than any file of key: remove the file. */
void snapshot_forget(const char *key);

/* Remove every file (start-up, or when Redis lost track of invalidations). */
void snapshot_forget_all(void);

/* Supervisor, now and then: remove files older than SNAPSHOT_MAX_AGE. */
void snapshot_sweep(void);

/*
 * The ETag of a queue answer at version whose whole body is length bytes:
 * the one nginx computes for the file snapshot_store() leaves, so both
 * paths send the same validator (without quotes, into out).
 */
void snapshot_etag(char *out, size_t cap, long long version, size_t length);

/*
 * Does an If-None-Match header name version? Takes "<revision>"
 * (docs/protocol.md) and the ETags of either form of the answer (plain or
 * the file's gzip form, strong or weak), and "*".
 */
int snapshot_etag_matches(const char *header, long long version);

#endif
