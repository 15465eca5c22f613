/* snapshot.h: a room queue's answer as files that nginx serves without a worker */
#ifndef QUEUED_SNAPSHOT_H
#define QUEUED_SNAPSHOT_H

#include <stddef.h>

/*
 * A room's queue is read by every screen that joins or reconnects, and
 * 1,000 screens reconnecting at once is a normal evening. Through a worker
 * each read is four process hops (nginx, worker, Redis, worker, nginx); as a
 * file it is one sendfile in nginx. So the answer is also left in
 * SNAPSHOT_DIR/queue/CODE.json (and CODE.json.gz), and nginx serves that file
 * to plain GETs (nginx/queued.conf.in) until a write removes it.
 *
 * This module only keeps the files; when one may be placed or must go is
 * queue_cache.h's rule. Each room has a lock (an open file description lock
 * on one byte of SNAPSHOT_DIR/locks) that a placement and a removal both
 * hold, so a placement's check and a removal never interleave. Every call
 * is a no-op for a code that is not a room code and when SNAPSHOT_DIR is
 * not set.
 */

/* Supervisor, before the workers start: make the directories, drop every file. */
void snapshot_prepare(void);

/* Each worker after fork: open its own lock (locks are per open file). */
void snapshot_init(void);

/*
 * Called under the room's lock just before a file is placed: nonzero when
 * the answer at version may still be served.
 */
typedef int (*snapshot_check_fn)(const char *code, long long version);

/*
 * Leave the answer head + body + tail, read at version, as the room's file,
 * if still_current(code, version) says so under the room's lock.
 */
void snapshot_store(const char *code, long long version, const char *head, const char *body,
		    const char *tail, snapshot_check_fn still_current);

/* Remove the room's file, under the room's lock. */
void snapshot_forget(const char *code);

/* Remove every file (start-up, or when nobody knows any more which are stale). */
void snapshot_forget_all(void);

/* Remove the files placed more than max_age (> 0) seconds ago. */
void snapshot_sweep(long max_age);

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
