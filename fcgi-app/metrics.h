/* metrics.h: counters shared by every worker (one shared memory segment) and their Prometheus text */
#ifndef QUEUED_METRICS_H
#define QUEUED_METRICS_H

#include <stddef.h>

/* Counters without labels, bumped where the event happens. */
enum metric_counter {
	METRIC_PUBLISHES,          /* publish.c: messages handed to nchan */
	METRIC_PUBLISH_FAILURES,   /* publish.c: dropped (publisher unreachable) or refused by nchan */
	METRIC_CACHE_HITS,         /* cache.c: cache_get found a snapshot */
	METRIC_CACHE_MISSES,       /* cache.c: cache_get found none, or Redis was down */
	METRIC_DB_RECONNECTS,      /* db.c: a worker connected to PostgreSQL again */
	METRIC_REDIS_RECONNECTS,   /* cache.c: a worker connected to Redis again */
	METRIC_YOUTUBE_SEARCHES,   /* youtube.c: search.list calls made to the YouTube Data API */
	METRIC_YOUTUBE_VIDEOS,     /* youtube.c: videos.list calls (search durations, a video added by id) */
	METRIC_COUNTERS
};

/* Rows of the per-route table: more than the route table has (a unit test checks). */
#define METRICS_MAX_ROUTES 128

/* How a route's samples are labelled: its method and pattern, constants without quotes or backslashes. */
struct metrics_route_label {
	const char *method;
	const char *pattern;
};

/*
 * Map the segment: in the supervisor, before it forks the workers, so every
 * worker (and every worker started later) shares it and a worker's death
 * loses nothing it counted. Returns 0, or -1 (logged: then nothing is
 * counted and /metrics says so). Until it is called every count is a no-op,
 * which is what tests and queued-exportd get.
 */
int metrics_init(void);

/* One more of c: an atomic add in shared memory, no system call, no lock. */
void metrics_count(enum metric_counter c);

/*
 * A request answered: route is its index in the route table (router.h) or -1
 * for a path no route matched (an index from METRICS_MAX_ROUTES up counts as
 * unmatched too), status the status sent, micros how long it took. Atomic
 * adds only.
 */
void metrics_request(int route, int status, long long micros);

/*
 * Everything counted, in the Prometheus text exposition format (version
 * 0.0.4), the per-route samples labelled from labels (nlabels entries, index
 * as in metrics_request; votes are the 2xx answers of vote_route), followed
 * by extra (more samples, such as what is read from the database at scrape
 * time; may be NULL). A malloc'd text of *len bytes the caller frees, or NULL
 * when out of memory.
 */
char *metrics_render(const struct metrics_route_label *labels, size_t nlabels, int vote_route,
		     const char *extra, size_t *len);

/*
 * Is addr (an IPv4 or IPv6 address as text) inside one of the entries of
 * list, comma-separated addresses or CIDR prefixes ("127.0.0.1,10.0.0.0/8,::1")?
 * An IPv4-mapped IPv6 address counts as its IPv4 address. 0 for NULL.
 */
int metrics_addr_allowed(const char *list, const char *addr);

#endif
