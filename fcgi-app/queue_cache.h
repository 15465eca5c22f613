/* queue_cache.h: a room queue's cached answer, kept coherent in Redis and in the snapshot files nginx serves */
#ifndef QUEUED_QUEUE_CACHE_H
#define QUEUED_QUEUE_CACHE_H

/* Supervisor, before the workers start: make the snapshot directories, drop every file. */
void queue_cache_prepare(void);

/* Each worker after fork, before its first request. */
void queue_cache_worker_init(void);

/* Supervisor, about once a minute: remove snapshot files older than the Redis entries. */
void queue_cache_sweep(void);

#endif
