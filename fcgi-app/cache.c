/* cache.c: versioned Redis cache entries (never the only copy of anything) */
#include "cache.h"
#include "config.h"
#include "log.h"
#include "metrics.h"

#include <hiredis/hiredis.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static redisContext *ctx;
static time_t retry_after; /* seconds; no reconnect attempts before it */
static int connected_before; /* a connection after the first is a reconnect (metrics) */

#define STRINGIFY(x) #x
#define TEXT_OF(x) STRINGIFY(x)
#define TOMBSTONE_TTL TEXT_OF(CACHE_TTL) /* seconds, as a command argument */
#define KEY_MAX 96

/* Invalidations that could not reach Redis, replayed on the next connection. */
#define PENDING_MAX 64
static struct {
	char key[KEY_MAX];
	long long version;
} pending[PENDING_MAX];
static int npending;
static int pending_overflow; /* too many to remember: drop every snapshot instead */

/* KEYS[1] = entry hash; ARGV = version, body, meta, ttl. Stores only if not older. */
static const char put_script[] =
	"local cur = redis.call('HGET', KEYS[1], 'rev')\n"
	"if cur and tonumber(cur) > tonumber(ARGV[1]) then return 0 end\n"
	"redis.call('HSET', KEYS[1], 'rev', ARGV[1], 'body', ARGV[2], 'meta', ARGV[3])\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[4])\n"
	"return 1\n";

/* KEYS[1] = entry hash; ARGV = version, ttl. Forgets older snapshots. */
static const char invalidate_script[] =
	"local cur = redis.call('HGET', KEYS[1], 'rev')\n"
	"if cur and tonumber(cur) >= tonumber(ARGV[1]) then return 0 end\n"
	"redis.call('HSET', KEYS[1], 'rev', ARGV[1])\n"
	"redis.call('HDEL', KEYS[1], 'body', 'meta')\n"
	"redis.call('EXPIRE', KEYS[1], ARGV[2])\n"
	"return 1\n";

static void drop_connection(const char *why)
{
	log_warn("Redis unavailable (%s); serving from PostgreSQL", why);
	if (ctx != NULL)
		redisFree(ctx);
	ctx = NULL;
	retry_after = time(NULL) + 1;
}

static redisReply *command(const char *fmt, ...);

/* Copies of cache entries kept elsewhere (snapshot files), told of every invalidation. */
static const struct cache_mirror *mirror;

void cache_set_mirror(const struct cache_mirror *m)
{
	mirror = m;
}

static void mirror_forget(const char *key)
{
	if (mirror != NULL)
		mirror->forget(key);
}

static void mirror_forget_all(void)
{
	if (mirror != NULL)
		mirror->forget_all();
}

static void replay_pending(void)
{
	if (pending_overflow) {
		/* Without the list, only forgetting every snapshot is safe. */
		redisReply *r = command("EVAL %s 0 %s", "for _, k in ipairs(redis.call('KEYS', ARGV[1])) do redis.call('DEL', k) end return 1", CACHE_KEY_PREFIX "*");
		if (r == NULL)
			return;
		freeReplyObject(r);
		mirror_forget_all();
		pending_overflow = 0;
		npending = 0;
		return;
	}
	while (npending > 0) {
		char key[KEY_MAX + 8], rev[32];
		redisReply *r;

		snprintf(key, sizeof key, CACHE_KEY_PREFIX "%s", pending[npending - 1].key);
		snprintf(rev, sizeof rev, "%lld", pending[npending - 1].version);
		r = command("EVAL %s 1 %s %s %s", invalidate_script, key, rev, TOMBSTONE_TTL);
		if (r == NULL)
			return;
		freeReplyObject(r);
		/* A reader may have placed a file from the stale entry meanwhile. */
		mirror_forget(pending[npending - 1].key);
		npending--;
	}
}

static int ensure_connection(void)
{
	struct timeval connect_timeout = { 0, 200000 }, io_timeout = { 0, 500000 };

	if (ctx != NULL)
		return 0;
	if (time(NULL) < retry_after)
		return -1;
	if (config.redis_server[0] == '/')
		ctx = redisConnectUnixWithTimeout(config.redis_server, connect_timeout);
	else
		ctx = redisConnectWithTimeout(config.redis_server, config.redis_port, connect_timeout);
	if (ctx == NULL || ctx->err) {
		drop_connection(ctx ? ctx->errstr : "out of memory");
		return -1;
	}
	redisSetTimeout(ctx, io_timeout);
	if (config.redis_password != NULL) {
		redisReply *auth = redisCommand(ctx, "AUTH %s", config.redis_password);

		if (auth == NULL || auth->type == REDIS_REPLY_ERROR) {
			/* The reply's text is Redis's, never the password. */
			drop_connection(auth ? auth->str : ctx->errstr);
			if (auth != NULL)
				freeReplyObject(auth);
			return -1;
		}
		freeReplyObject(auth);
	}
	log_info("connected to Redis");
	if (connected_before++)
		metrics_count(METRIC_REDIS_RECONNECTS);
	if (npending > 0 || pending_overflow)
		replay_pending();
	return ctx != NULL ? 0 : -1;
}

/* One command; NULL when Redis is unreachable (the connection is dropped). */
static redisReply *command(const char *fmt, ...)
{
	va_list ap;
	redisReply *r;

	if (ctx == NULL)
		return NULL;
	va_start(ap, fmt);
	r = redisvCommand(ctx, fmt, ap);
	va_end(ap);
	if (r == NULL) {
		drop_connection(ctx->errstr[0] ? ctx->errstr : "no reply");
		return NULL;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_warn("Redis error: %s", r->str);
		freeReplyObject(r);
		return NULL;
	}
	return r;
}

void cache_connect(void)
{
	ensure_connection();
}

int cache_ping(void)
{
	redisReply *r;

	/*
	 * Now, not after the reconnect backoff: a readiness probe asks about this
	 * moment. Twice: a connection Redis closed when it restarted fails its
	 * first command, and only a new one tells whether Redis is there.
	 */
	for (int attempt = 0; attempt < 2; attempt++) {
		retry_after = 0;
		if (ensure_connection() != 0)
			continue;
		r = command("PING");
		if (r != NULL) {
			freeReplyObject(r);
			return 0;
		}
	}
	return -1;
}

void cache_disconnect(void)
{
	if (ctx != NULL)
		redisFree(ctx);
	ctx = NULL;
}

enum cache_result cache_get(const char *key, char **body, char **meta, long long *version)
{
	redisReply *r;
	enum cache_result result = CACHE_MISS;

	*body = NULL;
	if (meta != NULL)
		*meta = NULL;
	if (ensure_connection() != 0 ||
	    (r = command("HMGET " CACHE_KEY_PREFIX "%s rev body meta", key)) == NULL) {
		/* Redis down is a miss too: the answer comes from PostgreSQL. */
		metrics_count(METRIC_CACHE_MISSES);
		return ctx == NULL ? CACHE_DOWN : CACHE_MISS;
	}
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
	    r->element[0]->type == REDIS_REPLY_STRING && r->element[1]->type == REDIS_REPLY_STRING) {
		*version = strtoll(r->element[0]->str, NULL, 10);
		*body = strdup(r->element[1]->str);
		if (meta != NULL && r->element[2]->type == REDIS_REPLY_STRING && r->element[2]->len > 0)
			*meta = strdup(r->element[2]->str);
		if (*body != NULL)
			result = CACHE_HIT;
	}
	freeReplyObject(r);
	metrics_count(result == CACHE_HIT ? METRIC_CACHE_HITS : METRIC_CACHE_MISSES);
	return result;
}

int cache_put(const char *key, long long version, const char *body, const char *meta, int ttl)
{
	char full[KEY_MAX + 8], rev[32], ttl_text[16];
	redisReply *r;
	int stored;

	if (strlen(key) >= KEY_MAX || ensure_connection() != 0)
		return -1;
	snprintf(full, sizeof full, CACHE_KEY_PREFIX "%s", key);
	snprintf(rev, sizeof rev, "%lld", version);
	snprintf(ttl_text, sizeof ttl_text, "%d", ttl);
	r = command("EVAL %s 1 %s %s %s %s %s", put_script, full, rev, body, meta ? meta : "", ttl_text);
	if (r == NULL)
		return -1;
	stored = r->type == REDIS_REPLY_INTEGER && r->integer == 1;
	freeReplyObject(r);
	return stored;
}

static void remember(const char *key, long long version)
{
	for (int i = 0; i < npending; i++)
		if (strcmp(pending[i].key, key) == 0) {
			if (pending[i].version < version)
				pending[i].version = version;
			return;
		}
	if (npending == PENDING_MAX || strlen(key) >= sizeof pending[0].key) {
		pending_overflow = 1;
		return;
	}
	snprintf(pending[npending].key, sizeof pending[0].key, "%s", key);
	pending[npending++].version = version;
}

void cache_invalidate(const char *key, long long version)
{
	char full[KEY_MAX + 8], rev[32];
	redisReply *r;

	snprintf(full, sizeof full, CACHE_KEY_PREFIX "%s", key);
	snprintf(rev, sizeof rev, "%lld", version);
	r = ensure_connection() == 0 ?
		command("EVAL %s 1 %s %s %s", invalidate_script, full, rev, TOMBSTONE_TTL) : NULL;
	if (r != NULL)
		freeReplyObject(r);
	else
		remember(key, version);
	/* After Redis: a reader checks Redis before it places a copy (queue_cache.h). */
	mirror_forget(key);
}

enum cache_result cache_version(const char *key, long long *version)
{
	redisReply *r;
	enum cache_result result = CACHE_MISS;

	if (ensure_connection() != 0)
		return CACHE_DOWN;
	r = command("HGET " CACHE_KEY_PREFIX "%s rev", key);
	if (r == NULL)
		return CACHE_DOWN;
	if (r->type == REDIS_REPLY_STRING) {
		*version = strtoll(r->str, NULL, 10);
		result = CACHE_HIT;
	}
	freeReplyObject(r);
	return result;
}

/* key with the prefix, into out, once Redis can be reached; -1 when it cannot. */
static int server_key(char *out, size_t cap, const char *key)
{
	if (ensure_connection() != 0)
		return -1;
	snprintf(out, cap, CACHE_KEY_PREFIX "%s", key);
	return 0;
}

/* KEYS[1] = counter; ARGV[1] = window. The first hit starts the window. */
static const char count_script[] =
	"local n = redis.call('INCR', KEYS[1])\n"
	"if n == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end\n"
	"return {n, redis.call('TTL', KEYS[1])}\n";

int cache_count(const char *key, long window, long long *count, long long *ttl)
{
	char full[KEY_MAX + 8 + 64], win[24];
	redisReply *r;
	int rc = -1;

	snprintf(win, sizeof win, "%ld", window);
	if (server_key(full, sizeof full, key) != 0 ||
	    (r = command("EVAL %s 1 %s %s", count_script, full, win)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_ARRAY && r->elements == 2 &&
	    r->element[0]->type == REDIS_REPLY_INTEGER && r->element[1]->type == REDIS_REPLY_INTEGER) {
		*count = r->element[0]->integer;
		*ttl = r->element[1]->integer;
		rc = 0;
	}
	freeReplyObject(r);
	return rc;
}

/*
 * KEYS[1] = spent; ARGV[1] = units, ARGV[2] = limit, ARGV[3] = ttl. Checked
 * and added in one script, so workers on every node racing for the last
 * units never spend more than the limit between them.
 */
static const char spend_script[] =
	"local n = tonumber(redis.call('GET', KEYS[1]) or '0') + tonumber(ARGV[1])\n"
	"if n > tonumber(ARGV[2]) then return -1 end\n"
	"redis.call('INCRBY', KEYS[1], ARGV[1])\n"
	"if redis.call('TTL', KEYS[1]) < 0 then redis.call('EXPIRE', KEYS[1], ARGV[3]) end\n"
	"return n\n";

int cache_spend(const char *key, long long units, long long limit, int ttl)
{
	char full[KEY_MAX + 8 + 64], u[24], l[24], t[24];
	redisReply *r;
	int rc = -1;

	snprintf(u, sizeof u, "%lld", units);
	snprintf(l, sizeof l, "%lld", limit);
	snprintf(t, sizeof t, "%d", ttl);
	if (server_key(full, sizeof full, key) != 0 ||
	    (r = command("EVAL %s 1 %s %s %s %s", spend_script, full, u, l, t)) == NULL)
		return -1;
	if (r->type == REDIS_REPLY_INTEGER)
		rc = r->integer < 0 ? 0 : 1;
	freeReplyObject(r);
	return rc;
}

int cache_lock(const char *key, int ttl)
{
	char full[KEY_MAX + 8], t[16];
	redisReply *r;
	int rc = -1;

	if (strlen(key) >= KEY_MAX || ensure_connection() != 0)
		return -1;
	snprintf(full, sizeof full, CACHE_KEY_PREFIX "%s", key);
	snprintf(t, sizeof t, "%d", ttl);
	r = command("SET %s 1 NX EX %s", full, t);
	if (r == NULL)
		return -1;
	if (r->type == REDIS_REPLY_STATUS)
		rc = 1;
	else if (r->type == REDIS_REPLY_NIL)
		rc = 0;
	freeReplyObject(r);
	return rc;
}

void cache_unlock(const char *key)
{
	char full[KEY_MAX + 8];
	redisReply *r;

	if (strlen(key) >= KEY_MAX || ensure_connection() != 0)
		return;
	snprintf(full, sizeof full, CACHE_KEY_PREFIX "%s", key);
	if ((r = command("DEL %s", full)) != NULL)
		freeReplyObject(r);
}
