/* queue_cache.c: a room queue's cached answer, kept coherent in Redis and in the snapshot files nginx serves */
#include "queue_cache.h"
#include "cache.h"
#include "snapshot.h"

/* The snapshot files mirror the Redis cache's queue entries (snapshot.h). */
static const struct cache_mirror snapshot_files = { snapshot_forget, snapshot_forget_all };

void queue_cache_prepare(void)
{
	snapshot_prepare();
}

void queue_cache_worker_init(void)
{
	snapshot_init();
	cache_set_mirror(&snapshot_files);
}

void queue_cache_sweep(void)
{
	snapshot_sweep();
}
