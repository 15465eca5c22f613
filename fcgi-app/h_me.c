/* h_me.c: a registered user's own queue, preferences and live channel (docs/personal-queue.md) */
#include "auth.h"
#include "cache.h"
#include "catalog.h"
#include "config.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "jsonutil.h"
#include "log.h"
#include "publish.h"
#include "request.h"
#include "user_queue.h"

#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define WRITE_ATTEMPTS 32          /* an action without If-Match retries a lost race this often */
#define MESSAGE_STATE_MAX 65536    /* a bigger state is left out of the message: devices fetch it */
#define TICKET_PURPOSE "me-queue"

DB_STMT(me_queue_load, 1, "SELECT revision, state::text AS state FROM user_queues WHERE user_id = $1");

/* Each song of the queue once; tracks_or_reply() puts them at their positions. */
DB_STMT(me_queue_tracks, 1,
	"SELECT s.id, s.title, s.performer, s.duration, s.youtube_id, s.album_id"
	"  FROM songs s WHERE s.id IN (SELECT jsonb_array_elements_text($1::jsonb))");

DB_STMT(me_queue_store, 4,
	"SELECT status, revision, bad_id FROM user_queue_put($1, $2::bigint, $3::jsonb, $4::jsonb)");

/* user_queue_put(): every word is the handler's to answer (no_song names the id, conflict retries) */
const struct status_word user_queue_put_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_song", 400, NULL },
	{ "conflict", 409, NULL },
	STATUS_END,
};

DB_STMT(me_prefs_load, 1, "SELECT preferences::text AS preferences FROM user_preferences WHERE user_id = $1");

DB_STMT(me_prefs_store, 2,
	"INSERT INTO user_preferences (user_id, preferences) VALUES ($1, $2::jsonb)"
	" ON CONFLICT (user_id) DO UPDATE SET preferences = EXCLUDED.preferences, updated_at = now()");

static const char *cache_key(struct request *req)
{
	return req_printf(req, "me_queue:%s", req->who.id);
}

static const char *json_text(struct json_object *o)
{
	return json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}

/* The stored state and its revision (the empty state at 0 when there is none); -1 after replying. */
static int load_or_reply(struct request *req, struct uq_state *st, long long *revision)
{
	const char *params[] = { req->who.id };
	PGresult *res = NULL;
	struct json_object *obj = NULL;
	const char *why;
	int rc = -1;

	uq_empty(st);
	*revision = 0;
	if ((res = query_or_reply(req, &me_queue_load, params)) == NULL)
		goto out;
	if (PQntuples(res) == 0) {
		rc = 0;
		goto out;
	}
	*revision = db_long(res, 0, "revision");
	obj = json_tokener_parse(db_text(res, 0, "state"));
	/* Stored states were checked on the way in; a lower limit set since does not hide them. */
	if (uq_parse(req, obj, INT_MAX, st, &why) == 0) {
		rc = 0;
	} else {
		log_error("stored queue of %s does not parse: %s", req->who.id, why);
		reply_error(req, 500, "internal error");
	}
out:
	json_object_put(obj);
	PQclear(res);
	return rc;
}

/* A track's fields in the answer's order, each from its me_queue_tracks column; the id first. */
static const struct column_field track_fields[] = {
	{ "id", "id", col_json_text },
	{ "title", "title", col_json_text },
	{ "performer", "performer", col_json_text },
	{ "duration", "duration", col_json_int },
	{ "youtubeId", "youtube_id", col_json_text },
	{ "albumId", "album_id", col_json_text },
	{ NULL, NULL, NULL },
};

/* The track of a me_queue_tracks row. */
static struct json_object *track_json(const PGresult *res, int row)
{
	return col_fields_json(json_object_new_object(), res, row, track_fields);
}

/* A song deleted from the catalog after the state was read: its place stays, null but for its id. */
static struct json_object *deleted_track_json(const char *id)
{
	struct json_object *t = json_object_new_object();

	json_object_object_add(t, track_fields[0].key, json_object_new_string(id));
	for (const struct column_field *f = track_fields + 1; f->key != NULL; f++)
		json_object_object_add(t, f->key, NULL);
	return t;
}

/*
 * The track of each entry of st, in order (caller owns the array), or NULL
 * after replying. One object per song, referenced at each of its positions:
 * a queue often holds a song many times, and building the objects is most
 * of the work.
 */
static struct json_object *tracks_or_reply(struct request *req, const struct uq_state *st)
{
	struct json_object *ids = uq_ids_json(st->ids, st->n), *songs, *tracks;
	const char *params[] = { json_text(ids) };
	PGresult *res = query_or_reply(req, &me_queue_tracks, params);

	json_object_put(ids);
	if (res == NULL)
		return NULL;
	songs = json_object_new_object();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_object_add(songs, db_text(res, i, "id"), track_json(res, i));
	PQclear(res);
	tracks = json_object_new_array_ext(st->n);
	for (int i = 0; i < st->n; i++) {
		struct json_object *t;

		if (!json_object_object_get_ex(songs, st->ids[i], &t)) {
			t = deleted_track_json(st->ids[i]);
			json_object_object_add(songs, st->ids[i], t);
		}
		json_object_array_add(tracks, json_object_get(t));
	}
	json_object_put(songs);
	return tracks;
}

/*
 * {state, revision, tracks} of st at revision as JSON text (in the arena),
 * or NULL after replying. It is serialised once, here, and that text is
 * cached and replied as it is.
 */
static const char *answer_or_reply(struct request *req, const struct uq_state *st, long long revision)
{
	struct json_object *tracks = tracks_or_reply(req, st), *data;
	const char *text;

	if (tracks == NULL)
		return NULL;
	data = json_object_new_object();
	json_object_object_add(data, "state", uq_to_json(st));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	json_object_object_add(data, "tracks", tracks);
	text = req_strdup(req, json_text(data));
	json_object_put(data);
	return text;
}

static void set_etag(struct request *req, long long revision)
{
	snprintf(req->res.etag, sizeof req->res.etag, "%lld", revision);
}

/* The ETag of revision; 1 (answered 304) when If-None-Match already names it. */
static int reply_not_modified(struct request *req, long long revision)
{
	set_etag(req, revision);
	if (!req_etag_matches(req->if_none_match, revision))
		return 0;
	req->res.status = 304;
	return 1;
}

/* GET /me/queue -> {state, revision, tracks}; ETag "revision", If-None-Match -> 304 */
void me_queue_get(struct request *req)
{
	const char *key = cache_key(req);
	char *cached = NULL;
	long long revision;
	enum cache_result cr = cache_get(key, &cached, NULL, &revision);
	struct uq_state st;
	const char *text;

	if (cr == CACHE_HIT) {
		req->res.data_source = "cache";
		if (!reply_not_modified(req, revision))
			reply_raw_data(req, 200, cached);
		goto out;
	}
	if (load_or_reply(req, &st, &revision) != 0)
		goto out;
	req->res.data_source = "database";
	if (reply_not_modified(req, revision) || (text = answer_or_reply(req, &st, revision)) == NULL)
		goto out;
	/* Stored only if no write has moved past this revision meanwhile (cache.h). */
	if (cr == CACHE_MISS)
		cache_put(key, revision, text, NULL, CACHE_TTL);
	reply_raw_data(req, 200, text);
out:
	free(cached);
}

/* Reply 409 with the queue as it is now. */
static void reply_conflict(struct request *req)
{
	struct uq_state st;
	long long revision;
	const char *text;

	if (load_or_reply(req, &st, &revision) != 0 || (text = answer_or_reply(req, &st, revision)) == NULL)
		return;
	set_etag(req, revision);
	reply_error_data(req, 409, json_tokener_parse(text),
			 "the queue changed: it is at revision %lld; the current queue is in data", revision);
}

/*
 * The revision If-Match names: -1 when absent or "*" (any), else >= 0.
 * Takes "7", W/"7" or a bare 7. -2 after replying 400 (or 428 when required).
 */
static long long if_match_or_reply(struct request *req, int required)
{
	const char *h = req->if_match, *p;
	char *end;
	long long n;

	if (h == NULL) {
		if (required) {
			reply_error(req, 428, "If-Match: \"<revision>\" is required: GET /me/queue gives the revision as its ETag");
			return -2;
		}
		return -1;
	}
	p = h;
	while (*p == ' ')
		p++;
	if (*p == '*')
		return -1;
	if (strncmp(p, "W/", 2) == 0)
		p += 2;
	if (*p == '"')
		p++;
	n = strtoll(p, &end, 10);
	if (end == p || n < 0 || (*end != '\0' && *end != '"')) {
		reply_error(req, 400, "If-Match must be a revision as GET /me/queue's ETag gives it, e.g. \"7\"");
		return -2;
	}
	return n;
}

/* What an action does to the state; -1 with a 400 message in *why. */
typedef int (*queue_action)(struct request *req, struct uq_state *st, const void *arg, const char **why);

/* The ids an action brings into the queue, which the database looks up. */
struct new_ids {
	const char *const *ids; /* NULL: every id of the new state (PUT) */
	int n;
};
static const struct new_ids NO_NEW_IDS = { (const char *const[]){ NULL }, 0 };

/*
 * Does the client ask for the answer without tracks (RFC 7240 "Prefer:
 * return=minimal")? A device that only reordered or removed entries knows
 * every track already; at 1,000 entries the hydrated answer is ~150 KB.
 */
static int prefers_minimal(const struct request *req)
{
	return req->prefer != NULL && strstr(req->prefer, "return=minimal") != NULL;
}

/* After a commit at revision: the cache, the other devices, the answer. state is st as JSON (taken). */
static void reply_committed(struct request *req, const char *type, const struct uq_state *st, long long revision,
			    struct json_object *state)
{
	const char *key = cache_key(req), *text;
	struct json_object *msg = json_object_new_object();
	const char *state_text = json_text(state);

	cache_invalidate(key, revision);
	set_etag(req, revision);
	if (prefers_minimal(req)) {
		/* The next GET builds and caches the whole answer. */
		req->res.preference_applied = "return=minimal";
		reply_raw_data(req, 200, req_printf(req, "{\"state\":%s,\"revision\":%lld}", state_text, revision));
	}
	json_object_object_add(msg, "type", json_object_new_string(type));
	json_object_object_add(msg, "revision", json_object_new_int64(revision));
	if (strlen(state_text) <= MESSAGE_STATE_MAX)
		json_object_object_add(msg, "state", json_object_get(state));
	/*
	 * Sent now, not after the reply as a room's message is: a user has a
	 * few devices, not a thousand listeners, so nginx's fan-out is short,
	 * and the other devices need not wait while this answer (up to ~150 KB)
	 * is built. The cache was invalidated first, so a device that fetches
	 * on this message cannot read an older queue.
	 */
	publish_send(req_printf(req, "users/%s", req->who.id), json_text(msg));
	json_object_put(msg);
	json_object_put(state);
	if (prefers_minimal(req) || (text = answer_or_reply(req, st, revision)) == NULL)
		return;
	cache_put(key, revision, text, NULL, CACHE_TTL);
	reply_raw_data(req, 200, text);
}

/* An action as queue_write takes it: the message's type, the field an unknown song id came in. */
struct queue_change {
	const char *type;
	const char *field;
	queue_action apply;
	const void *arg;
};

/*
 * Store state over revision, the one it was made from: user_queue_put()'s
 * word when the handler goes on with it (copied out, as are the revision
 * stored and the unknown id), or NULL after replying.
 */
static const char *store_or_reply(struct request *req, long long revision, struct json_object *state,
				  const char *check_text, long long *stored, const char **bad_id)
{
	char rev_text[24];
	const char *params[] = { req->who.id, rev_text, json_text(state), check_text };
	const char *status = NULL;
	PGresult *res = NULL;

	snprintf(rev_text, sizeof rev_text, "%lld", revision);
	if ((res = query_or_reply(req, &me_queue_store, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), user_queue_put_statuses) == NULL)
		goto out;
	status = req_strdup(req, db_text(res, 0, "status"));
	*bad_id = req_strdup(req, db_text(res, 0, "bad_id"));
	*stored = db_long(res, 0, "revision");
out:
	PQclear(res);
	return status;
}

/*
 * One round of queue_write: load, apply, store against the revision
 * loaded. 1 when another device wrote first and no If-Match forbids trying
 * again on the newer state; 0 once replied.
 */
static int write_round(struct request *req, const struct queue_change *c, long long expected,
		       const char *check_text)
{
	struct uq_state st;
	long long revision, stored;
	const char *why, *status, *bad_id;
	struct json_object *state = NULL;
	int again = 0;

	if (load_or_reply(req, &st, &revision) != 0)
		return 0;
	if (expected >= 0 && revision != expected) {
		reply_conflict(req);
		return 0;
	}
	if (c->apply(req, &st, c->arg, &why) != 0) {
		reply_error(req, 400, "%s", why);
		return 0;
	}
	state = uq_to_json(&st);
	if ((status = store_or_reply(req, revision, state, check_text, &stored, &bad_id)) == NULL)
		goto out;
	if (strcmp(status, "ok") == 0) {
		reply_committed(req, c->type, &st, stored, state);
		state = NULL; /* reply_committed() took it */
	} else if (strcmp(status, "no_song") == 0) {
		reply_error(req, 400, "\"%s\": no song with id \"%.100s\" in the catalog", c->field, bad_id);
	} else if (expected >= 0) {
		reply_conflict(req);
	} else {
		again = 1;
	}
out:
	json_object_put(state);
	return again;
}

/*
 * One revision per action. With If-Match the action applies only to that
 * revision (409 otherwise); without, a write that lost a race is tried again
 * on the newer state. field names what an unknown song id came in (400).
 */
static void queue_write(struct request *req, const char *type, const char *field, queue_action apply,
			const void *arg, struct new_ids check, int require_if_match)
{
	const struct queue_change change = { type, field, apply, arg };
	long long expected = if_match_or_reply(req, require_if_match);
	const char *check_text = NULL;

	if (expected == -2)
		return;
	if (check.ids != NULL) {
		struct json_object *c = uq_ids_json(check.ids, check.n);

		check_text = req_strdup(req, json_text(c));
		json_object_put(c);
	}
	for (unsigned attempt = 1; attempt <= WRITE_ATTEMPTS; attempt++) {
		if (!write_round(req, &change, expected, check_text))
			return;
		/*
		 * Another device wrote first. Every round has a winner, so retrying
		 * makes progress; a random pause that grows keeps the same writers
		 * from meeting again and again.
		 */
		usleep(randombytes_uniform(250u * attempt < 5000u ? 250u * attempt : 5000u));
	}
	reply_error(req, 503, "the queue is changing too fast, try again");
}

static int apply_replace(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	*st = *(const struct uq_state *)arg;
	return 0;
}

/* PUT /me/queue (the whole state), If-Match "revision" required -> the queue at revision + 1 */
void me_queue_put(struct request *req)
{
	struct uq_state st;
	const char *why;

	if (uq_parse(req, req->json, config.queue_max_tracks, &st, &why) != 0) {
		reply_error(req, 400, "%s", why);
		return;
	}
	queue_write(req, "put", "trackIds", apply_replace, &st, (struct new_ids){ NULL, 0 }, 1);
}

static int apply_repeat(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	st->repeat = *(const enum uq_repeat *)arg;
	return 0;
}

/* PATCH /me/queue {repeatMode} */
void me_queue_patch(struct request *req)
{
	const char *mode;
	enum uq_repeat repeat;
	int r;

	json_object_object_foreach(req->json, key, val) {
		(void)val;
		if (strcmp(key, "repeatMode") != 0) {
			reply_error(req, 400, "\"%.64s\" cannot be patched: PATCH takes repeatMode (PUT replaces the state)", key);
			return;
		}
	}
	if (field_string_or_reply(req, req->json, "repeatMode", 1, 8, &mode) != 0)
		return;
	if ((r = uq_repeat_parse(mode)) < 0) {
		reply_error(req, 400, "\"repeatMode\" must be \"none\", \"one\" or \"all\"");
		return;
	}
	repeat = (enum uq_repeat)r;
	queue_write(req, "repeat", "repeatMode", apply_repeat, &repeat, NO_NEW_IDS, 0);
}

struct add_args {
	const char **ids;
	int n;
	int next;
};

static int apply_add(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	const struct add_args *a = arg;

	return uq_add(req, st, a->ids, a->n, a->next, config.queue_max_tracks, why);
}

/*
 * The body's songs into a: a non-empty array of song ids, no more than a
 * queue holds ({"songIds"}), or one YouTube video ({"youtubeId"}, entering
 * the catalog as for a room); -1 after replying.
 */
static int song_ids_or_reply(struct request *req, struct add_args *a)
{
	struct json_object *arr;

	if (json_object_object_get_ex(req->json, "youtubeId", NULL) &&
	    !json_object_object_get_ex(req->json, "songIds", NULL)) {
		a->n = 1;
		a->ids = req_alloc(req, sizeof *a->ids);
		return (a->ids[0] = catalog_song_of_body_or_reply(req)) == NULL ? -1 : 0;
	}
	if (!json_object_object_get_ex(req->json, "songIds", &arr) || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0) {
		reply_error(req, 400, "\"songIds\" must be a non-empty array of song ids");
		return -1;
	}
	if (json_object_array_length(arr) > (size_t)config.queue_max_tracks) {
		reply_error(req, 400, "\"songIds\" holds more than %d ids, the most a queue holds", config.queue_max_tracks);
		return -1;
	}
	a->n = (int)json_object_array_length(arr);
	a->ids = req_alloc(req, (size_t)a->n * sizeof *a->ids);
	for (int i = 0; i < a->n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, (size_t)i);
		size_t chars;

		if (!json_object_is_type(v, json_type_string) ||
		    (chars = utf8_length(json_object_get_string(v))) == 0 || chars > 100 || chars == (size_t)-1) {
			reply_error(req, 400, "\"songIds\"[%d] must be a song id", i);
			return -1;
		}
		a->ids[i] = json_object_get_string(v);
	}
	return 0;
}

/* POST /me/queue/tracks {songIds or youtubeId, position?: "end"|"next"} */
void me_queue_add(struct request *req)
{
	struct add_args a = { 0 };
	const char *position;

	/* The position first: a video enters the catalog only for an add that can happen. */
	if (field_opt_string_or_reply(req, req->json, "position", 1, 8, &position) != 0)
		return;
	if (position != NULL && strcmp(position, "end") != 0 && strcmp(position, "next") != 0) {
		reply_error(req, 400, "\"position\" must be \"end\" or \"next\"");
		return;
	}
	if (song_ids_or_reply(req, &a) != 0)
		return;
	a.next = position != NULL && strcmp(position, "next") == 0;
	queue_write(req, "tracks_added", "songIds", apply_add, &a, (struct new_ids){ a.ids, a.n }, 0);
}

static int apply_play_now(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	return uq_play_now(req, st, arg, config.queue_max_tracks, why);
}

/* POST /me/queue/play-now {songId} or {youtubeId} */
void me_queue_play_now(struct request *req)
{
	const char *id;

	if ((id = catalog_song_of_body_or_reply(req)) == NULL)
		return;
	queue_write(req, "play_now", "songId", apply_play_now, id, (struct new_ids){ &id, 1 }, 0);
}

static int apply_shuffle(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	uq_shuffle(req, st);
	return 0;
}

static int apply_unshuffle(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	uq_unshuffle(req, st);
	return 0;
}

static int apply_next(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	uq_next(st);
	return 0;
}

static int apply_previous(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	uq_previous(st);
	return 0;
}

static int apply_clear(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	uq_clear_upcoming(st);
	return 0;
}

/* POST /me/queue/shuffle */
void me_queue_shuffle(struct request *req)
{
	queue_write(req, "shuffle", "trackIds", apply_shuffle, NULL, NO_NEW_IDS, 0);
}

/* POST /me/queue/unshuffle */
void me_queue_unshuffle(struct request *req)
{
	queue_write(req, "unshuffle", "trackIds", apply_unshuffle, NULL, NO_NEW_IDS, 0);
}

/* POST /me/queue/next */
void me_queue_next(struct request *req)
{
	queue_write(req, "next", "trackIds", apply_next, NULL, NO_NEW_IDS, 0);
}

/* POST /me/queue/previous */
void me_queue_previous(struct request *req)
{
	queue_write(req, "previous", "trackIds", apply_previous, NULL, NO_NEW_IDS, 0);
}

/* DELETE /me/queue/upcoming */
void me_queue_clear_upcoming(struct request *req)
{
	queue_write(req, "upcoming_cleared", "trackIds", apply_clear, NULL, NO_NEW_IDS, 0);
}

static int apply_remove(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	return uq_remove(st, *(const long long *)arg, why);
}

/* DELETE /me/queue/tracks/{position} (0-based) */
void me_queue_remove(struct request *req)
{
	const char *raw = req->params[0];
	char *end;
	long long pos = strtoll(raw, &end, 10);

	if (*raw == '\0' || *end != '\0' || strspn(raw, "0123456789") != strlen(raw) || strlen(raw) > 9) {
		reply_error(req, 400, "\"position\" must be a position in the queue (0, 1, ...)");
		return;
	}
	queue_write(req, "track_removed", "trackIds", apply_remove, &pos, NO_NEW_IDS, 0);
}

static int apply_move(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	const int64_t *ft = arg;

	return uq_move(st, ft[0], ft[1], why);
}

/* POST /me/queue/move {from, to} */
void me_queue_move(struct request *req)
{
	int64_t ft[2];

	if (field_int_or_reply(req, req->json, "from", 0, INT_MAX, &ft[0]) != 0 ||
	    field_int_or_reply(req, req->json, "to", 0, INT_MAX, &ft[1]) != 0)
		return;
	queue_write(req, "moved", "trackIds", apply_move, ft, NO_NEW_IDS, 0);
}

/* GET /me/queue/subscription -> {url, expiresAt}: where this user's devices hear of changes */
void me_queue_subscription(struct request *req)
{
	long expires;
	char *ticket = auth_subscribe_ticket(req->who.id, TICKET_PURPOSE, &expires);
	char when[32];
	time_t t;
	struct tm tm;
	struct json_object *data;

	if (ticket == NULL) {
		reply_error(req, 500, "internal error");
		return;
	}
	t = (time_t)expires;
	gmtime_r(&t, &tm);
	strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S.000Z", &tm);
	data = json_object_new_object();
	/* The ticket is base64url and dots: nothing in it needs escaping in a query. */
	json_object_object_add(data, "url", json_object_new_string(req_printf(req, "/me/queue/events?ticket=%s", ticket)));
	json_object_object_add(data, "expiresAt", json_object_new_string(when));
	free(ticket);
	reply_data(req, 200, data);
}

/*
 * GET /me/queue/events?ticket=... : nginx sends the subscriber here first; a
 * good ticket is answered with X-Accel-Redirect to the user's internal nchan
 * location (nginx/queued.conf.in), which then holds the connection.
 */
void me_queue_events(struct request *req)
{
	char user[64];
	const char *why;

	if (auth_verify_subscribe_ticket(req_query(req, "ticket"), TICKET_PURPOSE, user, sizeof user, &why) != 0) {
		reply_error(req, 403, "%s", why);
		return;
	}
	req->res.accel_redirect = req_printf(req, "/_sub/users/%s", user);
	req->res.status = 200;
}

static const char *const pref_keys[] = { "autoPlay", "showRemoteChanges", NULL };

/* GET /me/preferences -> {autoPlay, showRemoteChanges} (defaults true) */
void me_preferences_get(struct request *req)
{
	const char *params[] = { req->who.id };
	PGresult *res = NULL;
	struct json_object *stored = NULL, *data, *v;

	if ((res = query_or_reply(req, &me_prefs_load, params)) == NULL)
		goto out;
	if (PQntuples(res) == 1)
		stored = json_tokener_parse(db_text(res, 0, "preferences"));
	data = json_object_new_object();
	for (int i = 0; pref_keys[i] != NULL; i++) {
		int on = 1;

		if (stored != NULL && json_object_object_get_ex(stored, pref_keys[i], &v))
			on = json_object_get_boolean(v);
		json_object_object_add(data, pref_keys[i], json_object_new_boolean(on));
	}
	reply_data(req, 200, data);
out:
	json_object_put(stored);
	PQclear(res);
}

/* PUT /me/preferences {autoPlay?, showRemoteChanges?}: booleans; absent ones take their default */
void me_preferences_put(struct request *req)
{
	struct json_object *prefs = json_object_new_object(), *v;
	const char *params[2];
	PGresult *res = NULL;

	json_object_object_foreach(req->json, key, val) {
		int known = 0;

		for (int i = 0; pref_keys[i] != NULL; i++)
			known |= strcmp(pref_keys[i], key) == 0;
		if (!known) {
			reply_error(req, 400, "\"%.64s\" is not a preference (known: autoPlay, showRemoteChanges)", key);
			goto out;
		}
		if (!json_object_is_type(val, json_type_boolean)) {
			reply_error(req, 400, "\"%.64s\" must be true or false", key);
			goto out;
		}
	}
	for (int i = 0; pref_keys[i] != NULL; i++)
		json_object_object_add(prefs, pref_keys[i], json_object_new_boolean(
			!json_object_object_get_ex(req->json, pref_keys[i], &v) || json_object_get_boolean(v)));
	params[0] = req->who.id;
	params[1] = json_text(prefs);
	if ((res = query_or_reply(req, &me_prefs_store, params)) == NULL)
		goto out;
	reply_data(req, 200, json_object_get(prefs));
out:
	json_object_put(prefs);
	PQclear(res);
}
