/* queue_cache.c: a room queue's cached answer, kept coherent in Redis and in the snapshot files nginx serves */
#include "queue_cache.h"
#include "cache.h"
#include "request.h"
#include "room_request.h"
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Redis key of a room's queue is this and the room code. */
#define QUEUE_KEY_PREFIX "queue:"
#define KEY_CAP 64

/* Redis keeps a queue answer CACHE_TTL seconds; a file lives no longer. */
#define FILE_MAX_AGE CACHE_TTL

static void queue_key(char *out, size_t cap, const char *code)
{
	snprintf(out, cap, QUEUE_KEY_PREFIX "%s", code);
}

const char *queue_cache_room_of_key(const char *key)
{
	size_t n = strlen(QUEUE_KEY_PREFIX);

	return strncmp(key, QUEUE_KEY_PREFIX, n) == 0 ? key + n : NULL;
}

/* Any invalidation of a room's queue (a room action, a catalog edit, a replay): its file goes too. */
static void forget_file_of_key(const char *key)
{
	const char *code = queue_cache_room_of_key(key);

	if (code != NULL)
		snapshot_forget(code);
}

static const struct cache_mirror snapshot_files = { forget_file_of_key, snapshot_forget_all };

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
	snapshot_sweep(FILE_MAX_AGE);
}

/*
 * Under the room's file lock: Redis knows no newer version than this one.
 * No entry at all means no write within the entry's lifetime; a Redis that
 * cannot be asked places nothing.
 */
static int redis_knows_no_newer(const char *code, long long version)
{
	char key[KEY_CAP];
	long long known;
	enum cache_result r;

	queue_key(key, sizeof key, code);
	r = cache_version(key, &known);
	return r == CACHE_MISS || (r == CACHE_HIT && known <= version);
}

/* The answer with the file's ETag, or 304 when the client has it. */
static void reply_answer(struct request *req, const char *data_json, long long revision,
			 const char *source)
{
	req->res.data_source = source;
	snapshot_etag(req->res.etag, sizeof req->res.etag, revision,
		      strlen(RAW_DATA_HEAD) + strlen(data_json) + strlen(RAW_DATA_TAIL));
	if (snapshot_etag_matches(req->if_none_match, revision))
		req->res.status = 304;
	else
		reply_raw_data(req, 200, data_json);
}

int queue_cache_reply_cached(struct request *req, const char *code)
{
	char key[KEY_CAP], *cached = NULL;
	long long revision = 0;

	queue_key(key, sizeof key, code);
	if (cache_get(key, &cached, NULL, &revision) != CACHE_HIT)
		return 0;
	/* nginx serves the file to a plain GET when there is one, so this one found none. */
	if (req->if_none_match == NULL)
		snapshot_store(code, revision, RAW_DATA_HEAD, cached, RAW_DATA_TAIL, redis_knows_no_newer);
	reply_answer(req, cached, revision, "cache");
	free(cached);
	return 1;
}

void queue_cache_reply_fresh(struct request *req, const char *code, long long revision,
			     const char *data_json)
{
	char key[KEY_CAP];

	queue_key(key, sizeof key, code);
	if (cache_put(key, revision, data_json, NULL, CACHE_TTL) == 1)
		snapshot_store(code, revision, RAW_DATA_HEAD, data_json, RAW_DATA_TAIL,
			       redis_knows_no_newer);
	reply_answer(req, data_json, revision, "database");
}

void queue_cache_reply_private(struct request *req, long long revision, const char *data_json)
{
	reply_answer(req, data_json, revision, "database");
}

void queue_cache_changed(struct request *req, const char *code, long long revision,
			 const char *type, struct json_object *msg)
{
	char key[KEY_CAP], channel[32];
	struct json_object *out = json_object_new_object();

	/* The coherence rule (queue_cache.h): Redis, then the file (the mirror), then the message. */
	queue_key(key, sizeof key, code);
	cache_invalidate(key, revision);
	/* type and revision first, so a reader of the raw stream sees them at once */
	json_object_object_add(out, "type", json_object_new_string(type));
	json_object_object_add(out, "revision", json_object_new_int64(revision));
	json_object_object_foreach(msg, field, val)
		json_object_object_add(out, field, json_object_get(val));
	json_object_put(msg);
	room_channel(channel, sizeof channel, code);
	reply_publish(req, channel, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
}
