/* metrics.c: counters shared by every worker (one shared memory segment) and their Prometheus text */
#define _GNU_SOURCE /* open_memstream on older C libraries */
#include "metrics.h"
#include "log.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

/* The statuses the API sends (response_status_text); any other is counted as "other". */
static const int statuses[] = {
	200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 406, 409, 410, 411, 412, 413,
	414, 415, 422, 428, 429, 431, 500, 501, 502, 503, 504,
};
#define NSTATUS (sizeof statuses / sizeof statuses[0] + 1)

/* Upper bounds of the latency buckets, in microseconds (rendered in seconds). */
static const long long bucket_us[] = {
	1000, 2500, 5000, 10000, 25000, 50000, 100000, 250000, 500000, 1000000, 2500000, 5000000, 10000000,
};
#define NBUCKETS (sizeof bucket_us / sizeof bucket_us[0])

/*
 * One row per route, and a last one for requests no route matched: the count
 * by status, the latency histogram (each bucket counted alone; cumulated when
 * rendered, so a request is one add, not many), its sum and count.
 */
struct route_row {
	uint64_t by_status[NSTATUS];
	uint64_t buckets[NBUCKETS + 1]; /* the last is above every bound */
	uint64_t sum_us;
	uint64_t count;
};

struct segment {
	uint64_t counters[METRIC_COUNTERS];
	struct route_row rows[METRICS_MAX_ROUTES + 1]; /* the last: no route matched */
};

static struct segment *seg; /* NULL until metrics_init: nothing is counted */

/* What render labels rows with: set for the duration of one metrics_render. */
static const struct metrics_route_label *row_labels;
static size_t nrow_labels;

int metrics_init(void)
{
	size_t size = sizeof *seg;
	void *p;

	if (seg != NULL)
		return 0;
	/* Shared and anonymous: workers forked after this see the same pages. */
	p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED) {
		log_error("metrics: cannot map %zu bytes of shared memory: %s", size, strerror(errno));
		return -1;
	}
	seg = p; /* zero-filled by the kernel */
	return 0;
}

static void add(uint64_t *cell, uint64_t n)
{
	__atomic_fetch_add(cell, n, __ATOMIC_RELAXED);
}

static uint64_t get(const uint64_t *cell)
{
	return __atomic_load_n(cell, __ATOMIC_RELAXED);
}

void metrics_count(enum metric_counter c)
{
	if (seg != NULL && c < METRIC_COUNTERS)
		add(&seg->counters[c], 1);
}

static size_t status_index(int status)
{
	for (size_t i = 0; i < NSTATUS - 1; i++)
		if (statuses[i] == status)
			return i;
	return NSTATUS - 1;
}

void metrics_request(int route, int status, long long micros)
{
	struct route_row *row;
	size_t b = 0;

	if (seg == NULL)
		return;
	row = &seg->rows[route >= 0 && route < METRICS_MAX_ROUTES ? route : METRICS_MAX_ROUTES];
	if (micros < 0)
		micros = 0;
	while (b < NBUCKETS && micros > bucket_us[b])
		b++;
	add(&row->by_status[status_index(status)], 1);
	add(&row->buckets[b], 1);
	add(&row->sum_us, (uint64_t)micros);
	add(&row->count, 1);
}

/* The labels of row i: method and route pattern ("" and "unmatched" for a row without a label). */
static void route_labels(FILE *f, size_t i)
{
	/* Patterns are constants of the route table: no quote or backslash to escape. */
	if (i < nrow_labels && i < METRICS_MAX_ROUTES)
		fprintf(f, "method=\"%s\",route=\"%s\"", row_labels[i].method, row_labels[i].pattern);
	else
		fputs("method=\"\",route=\"unmatched\"", f);
}

/* Rows to render: the labelled ones, then the unmatched row. */
static size_t row_at(size_t k)
{
	return k < nrow_labels && k < METRICS_MAX_ROUTES ? k : METRICS_MAX_ROUTES;
}

static size_t rows_to_render(void)
{
	return (nrow_labels < METRICS_MAX_ROUTES ? nrow_labels : METRICS_MAX_ROUTES) + 1;
}

static void render_requests(FILE *f)
{
	fputs("# HELP queued_http_requests_total Requests answered by the workers, by route pattern and status.\n"
	      "# TYPE queued_http_requests_total counter\n", f);
	for (size_t k = 0; k < rows_to_render(); k++)
		for (size_t s = 0, i = row_at(k); s < NSTATUS; s++) {
			uint64_t n = get(&seg->rows[i].by_status[s]);

			if (n == 0)
				continue;
			fputs("queued_http_requests_total{", f);
			route_labels(f, i);
			if (s < NSTATUS - 1)
				fprintf(f, ",status=\"%d\"} %llu\n", statuses[s], (unsigned long long)n);
			else
				fprintf(f, ",status=\"other\"} %llu\n", (unsigned long long)n);
		}
}

static void render_latency(FILE *f)
{
	fputs("# HELP queued_http_request_duration_seconds Time from a request's arrival in the worker to its answer written.\n"
	      "# TYPE queued_http_request_duration_seconds histogram\n", f);
	for (size_t k = 0; k < rows_to_render(); k++) {
		size_t i = row_at(k);
		const struct route_row *row = &seg->rows[i];
		uint64_t cum = 0, count = get(&row->count);

		if (count == 0)
			continue;
		for (size_t b = 0; b <= NBUCKETS; b++) {
			cum += get(&row->buckets[b]);
			fputs("queued_http_request_duration_seconds_bucket{", f);
			route_labels(f, i);
			if (b < NBUCKETS)
				fprintf(f, ",le=\"%g\"} %llu\n", (double)bucket_us[b] / 1e6, (unsigned long long)cum);
			else
				fprintf(f, ",le=\"+Inf\"} %llu\n", (unsigned long long)count);
		}
		fputs("queued_http_request_duration_seconds_sum{", f);
		route_labels(f, i);
		fprintf(f, "} %.6f\n", (double)get(&row->sum_us) / 1e6);
		fputs("queued_http_request_duration_seconds_count{", f);
		route_labels(f, i);
		fprintf(f, "} %llu\n", (unsigned long long)count);
	}
}

/* Votes are the vote route's successful answers: counted there already, no second add on the vote path. */
static uint64_t votes(int vote_route)
{
	uint64_t n = 0;

	if (vote_route < 0 || vote_route >= METRICS_MAX_ROUTES)
		return 0;
	for (size_t s = 0; s < NSTATUS - 1; s++)
		if (statuses[s] >= 200 && statuses[s] < 300)
			n += get(&seg->rows[vote_route].by_status[s]);
	return n;
}

static void counter(FILE *f, const char *name, const char *help, uint64_t value)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s counter\n%s %llu\n", name, help, name, name,
		(unsigned long long)value);
}

static void render_counters(FILE *f, int vote_route)
{
	const uint64_t *c = seg->counters;

	counter(f, "queued_votes_total", "Votes accepted (2xx answers of the vote route).", votes(vote_route));
	counter(f, "queued_publishes_total", "Messages handed to nchan's publisher.", get(&c[METRIC_PUBLISHES]));
	counter(f, "queued_publish_failures_total", "Messages dropped (publisher unreachable) or refused by nchan.",
		get(&c[METRIC_PUBLISH_FAILURES]));
	counter(f, "queued_cache_hits_total", "Redis snapshot reads that found a snapshot.", get(&c[METRIC_CACHE_HITS]));
	counter(f, "queued_cache_misses_total", "Redis snapshot reads that found none, or found Redis down.",
		get(&c[METRIC_CACHE_MISSES]));
	counter(f, "queued_db_reconnects_total", "PostgreSQL connections made by a worker after its first.",
		get(&c[METRIC_DB_RECONNECTS]));
	counter(f, "queued_redis_reconnects_total", "Redis connections made by a worker after its first.",
		get(&c[METRIC_REDIS_RECONNECTS]));
	/* queued keeps no account of the day's quota: these are the calls, which the quota prices. */
	fputs("# HELP queued_youtube_api_calls_total Calls made to the YouTube Data API by method "
	      "(quota cost per call: search.list 100 units, videos.list 1).\n"
	      "# TYPE queued_youtube_api_calls_total counter\n", f);
	fprintf(f, "queued_youtube_api_calls_total{method=\"search.list\"} %llu\n",
		(unsigned long long)get(&c[METRIC_YOUTUBE_SEARCHES]));
	fprintf(f, "queued_youtube_api_calls_total{method=\"videos.list\"} %llu\n",
		(unsigned long long)get(&c[METRIC_YOUTUBE_VIDEOS]));
	counter(f, "queued_youtube_quota_units_total",
		"YouTube Data API quota units spent: search.list 100 per call, videos.list 1.",
		100 * get(&c[METRIC_YOUTUBE_SEARCHES]) + get(&c[METRIC_YOUTUBE_VIDEOS]));
}

char *metrics_render(const struct metrics_route_label *labels, size_t nlabels, int vote_route,
		     const char *extra, size_t *len)
{
	char *text = NULL;
	FILE *f = open_memstream(&text, len);

	if (f == NULL)
		return NULL;
	if (seg == NULL) {
		fputs("# queued: the shared metrics segment could not be mapped; nothing is counted\n", f);
	} else {
		row_labels = labels;
		nrow_labels = nlabels;
		render_requests(f);
		render_latency(f);
		render_counters(f, vote_route);
		row_labels = NULL;
		nrow_labels = 0;
	}
	if (extra != NULL)
		fputs(extra, f);
	if (fclose(f) != 0) {
		free(text);
		return NULL;
	}
	return text;
}

/* addr as 16 bytes (IPv4 as IPv4-mapped IPv6); 0, or -1 for text that is no address. */
static int parse_addr(const char *text, unsigned char out[16], int *is_v4)
{
	unsigned char v4[4];

	if (inet_pton(AF_INET, text, v4) == 1) {
		memset(out, 0, 10);
		out[10] = out[11] = 0xff;
		memcpy(out + 12, v4, 4);
		*is_v4 = 1;
		return 0;
	}
	*is_v4 = 0;
	return inet_pton(AF_INET6, text, out) == 1 ? 0 : -1;
}

/* Is addr inside entry ("10.0.0.0/8", "::1", "192.168.1.7")? */
static int entry_matches(const char *entry, const unsigned char addr[16])
{
	char text[64];
	unsigned char net[16];
	const char *slash = strchr(entry, '/');
	size_t n = slash ? (size_t)(slash - entry) : strlen(entry);
	int is_v4;
	long bits;

	if (n == 0 || n >= sizeof text)
		return 0;
	memcpy(text, entry, n);
	text[n] = '\0';
	if (parse_addr(text, net, &is_v4) != 0)
		return 0;
	bits = is_v4 ? 32 : 128;
	if (slash != NULL) {
		char *end;

		bits = strtol(slash + 1, &end, 10);
		if (end == slash + 1 || *end != '\0' || bits < 0 || bits > (is_v4 ? 32 : 128))
			return 0;
	}
	if (is_v4)
		bits += 96; /* the mapped prefix ::ffff:0:0/96 */
	for (long i = 0; i < bits; i++) {
		unsigned mask = 0x80u >> (i % 8);

		if ((net[i / 8] & mask) != (addr[i / 8] & mask))
			return 0;
	}
	return 1;
}

int metrics_addr_allowed(const char *list, const char *addr)
{
	unsigned char a[16];
	int is_v4;

	if (list == NULL || addr == NULL || parse_addr(addr, a, &is_v4) != 0)
		return 0;
	while (*list != '\0') {
		char entry[80];
		size_t n = strcspn(list, ","), start = 0, end = n;

		while (start < end && isspace((unsigned char)list[start]))
			start++;
		while (end > start && isspace((unsigned char)list[end - 1]))
			end--;
		if (end - start < sizeof entry) {
			memcpy(entry, list + start, end - start);
			entry[end - start] = '\0';
			if (entry_matches(entry, a))
				return 1;
		}
		list += n;
		if (*list == ',')
			list++;
	}
	return 0;
}
