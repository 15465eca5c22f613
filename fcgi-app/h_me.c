/* h_me.c: a registered user's own queue, preferences and live channel (docs/personal-queue.md) */
#include "auth.h"
#include "cache.h"
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

DB_STMT(me_queue_load, 1, "SELECT revision, state::text FROM user_queues WHERE user_id = $1");

/* Each song of the queue once; answer_or_reply() puts them at their positions. */
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

DB_STMT(me_prefs_load, 1, "SELECT preferences::text FROM user_preferences WHERE user_id = $1");

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
	PGresult *res = query_or_reply(req, &me_queue_load, params);
	struct json_object *obj;
	const char *why;
	int rc = -1;

	if (res == NULL)
		return -1;
	uq_empty(st);
	*revision = 0;
	if (PQntuples(res) == 0) {
		PQclear(res);
		return 0;
	}
	*revision = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	obj = json_tokener_parse(PQgetvalue(res, 0, 1));
	/* Stored states were checked on the way in; a lower limit set since does not hide them. */
	if (uq_parse(req, obj, INT_MAX, st, &why) == 0) {
		rc = 0;
	} else {
		log_error("stored queue of %s does not parse: %s", req->who.id, why);
		reply_error(req, 500, "internal error");
	}
	json_object_put(obj);
	PQclear(res);
	return rc;
}

static struct json_object *text_or_null(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : json_object_new_string(PQgetvalue(res, row, col));
}

/*
 * {state, revision, tracks} of st at revision as JSON text (in the arena),
 * or NULL after replying. It is serialised once, here, and that text is
 * cached and replied as it is.
 */
static const char *answer_or_reply(struct request *req, const struct uq_state *st, long long revision)
{
	struct json_object *ids = uq_ids_json(st->ids, st->n), *tracks, *data, *songs;
	const char *params[] = { json_text(ids) }, *text;
	PGresult *res = query_or_reply(req, &me_queue_tracks, params);

	json_object_put(ids);
	if (res == NULL)
		return NULL;
	/*
	 * One object per song, referenced at each of its positions: a queue
	 * often holds a song many times, and building the objects is most of
	 * the work.
	 */
	songs = json_object_new_object();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *t = json_object_new_object();

		json_object_object_add(t, "id", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(t, "title", text_or_null(res, i, 1));
		json_object_object_add(t, "performer", text_or_null(res, i, 2));
		json_object_object_add(t, "duration", PQgetisnull(res, i, 3) ? NULL :
				       json_object_new_int(atoi(PQgetvalue(res, i, 3))));
		json_object_object_add(t, "youtubeId", text_or_null(res, i, 4));
		json_object_object_add(t, "albumId", text_or_null(res, i, 5));
		json_object_object_add(songs, PQgetvalue(res, i, 0), t);
	}
	PQclear(res);
	tracks = json_object_new_array_ext(st->n);
	for (int i = 0; i < st->n; i++) {
		struct json_object *t;

		if (!json_object_object_get_ex(songs, st->ids[i], &t)) {
			/* Deleted from the catalog after this state was read: its place stays, empty. */
			t = json_object_new_object();
			json_object_object_add(t, "id", json_object_new_string(st->ids[i]));
			json_object_object_add(t, "title", NULL);
			json_object_object_add(t, "performer", NULL);
			json_object_object_add(t, "duration", NULL);
			json_object_object_add(t, "youtubeId", NULL);
			json_object_object_add(t, "albumId", NULL);
			json_object_object_add(songs, st->ids[i], t);
		}
		json_object_array_add(tracks, json_object_get(t));
	}
	data = json_object_new_object();
	json_object_object_add(data, "state", uq_to_json(st));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	json_object_object_add(data, "tracks", tracks);
	text = req_strdup(req, json_text(data));
	json_object_put(data);
	json_object_put(songs);
	return text;
}

static void set_etag(struct request *req, long long revision)
{
	snprintf(req->res.etag, sizeof req->res.etag, "%lld", revision);
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
		set_etag(req, revision);
		req->res.data_source = "cache";
		if (req_etag_matches(req->if_none_match, revision))
			req->res.status = 304;
		else
			reply_raw_data(req, 200, cached);
		free(cached);
		return;
	}
	if (load_or_reply(req, &st, &revision) != 0)
		return;
	set_etag(req, revision);
	req->res.data_source = "database";
	if (req_etag_matches(req->if_none_match, revision)) {
		req->res.status = 304;
		return;
	}
	if ((text = answer_or_reply(req, &st, revision)) == NULL)
		return;
	/* Stored only if no write has moved past this revision meanwhile (cache.h). */
	if (cr == CACHE_MISS)
		cache_put(key, revision, text, NULL, CACHE_TTL);
	reply_raw_data(req, 200, text);
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
static void committed(struct request *req, const char *type, const struct uq_state *st, long long revision,
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

/*
 * Load, apply, store against the revision loaded: one revision per action.
 * With If-Match the action applies only to that revision (409 otherwise);
 * without, a write that lost a race is tried again on the newer state.
 * field names what an unknown song id came in (400).
 */
static void queue_write(struct request *req, const char *type, const char *field, queue_action apply,
			const void *arg, struct new_ids check, int require_if_match)
{
	long long expected = if_match_or_reply(req, require_if_match);
	const char *check_text = NULL;

	if (expected == -2)
		return;
	if (check.ids != NULL) {
		struct json_object *c = uq_ids_json(check.ids, check.n);

		check_text = req_strdup(req, json_text(c));
		json_object_put(c);
	}
	for (int attempt = 0; attempt < WRITE_ATTEMPTS; attempt++) {
		struct uq_state st;
		long long revision;
		const char *why;
		char rev_text[24];
		struct json_object *state;
		PGresult *res;

		if (load_or_reply(req, &st, &revision) != 0)
			return;
		if (expected >= 0 && revision != expected) {
			reply_conflict(req);
			return;
		}
		if (apply(req, &st, arg, &why) != 0) {
			reply_error(req, 400, "%s", why);
			return;
		}
		snprintf(rev_text, sizeof rev_text, "%lld", revision);
		state = uq_to_json(&st);
		const char *params[] = { req->who.id, rev_text, json_text(state), check_text };
		res = query_or_reply(req, &me_queue_store, params);
		if (res == NULL) {
			json_object_put(state);
			return;
		}
		/* Copied out: the result is cleared before any of the outcomes below. */
		const char *status = req_strdup(req, PQgetvalue(res, 0, 0));
		const char *bad_id = req_strdup(req, PQgetvalue(res, 0, 2));
		long long stored = strtoll(PQgetvalue(res, 0, 1), NULL, 10);

		PQclear(res);
		if (status_or_reply(req, status, user_queue_put_statuses) == NULL) {
			json_object_put(state);
			return;
		}
		if (strcmp(status, "ok") == 0) {
			committed(req, type, &st, stored, state);
			return;
		}
		json_object_put(state);
		if (strcmp(status, "no_song") == 0) {
			reply_error(req, 400, "\"%s\": no song with id \"%.100s\" in the catalog", field, bad_id);
			return;
		}
		if (expected >= 0) {
			reply_conflict(req);
			return;
		}
		/*
		 * Another device wrote first. Every round has a winner, so retrying
		 * makes progress; a random pause that grows keeps the same writers
		 * from meeting again and again.
		 */
		usleep(randombytes_uniform(250u * (unsigned)(attempt + 1) < 5000u ? 250u * (unsigned)(attempt + 1) : 5000u));
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

/* POST /me/queue/tracks {songIds, position?: "end"|"next"} */
void me_queue_add(struct request *req)
{
	struct json_object *arr;
	struct add_args a = { 0 };
	const char *position;

	if (!json_object_object_get_ex(req->json, "songIds", &arr) || !json_object_is_type(arr, json_type_array) ||
	    json_object_array_length(arr) == 0) {
		reply_error(req, 400, "\"songIds\" must be a non-empty array of song ids");
		return;
	}
	if (json_object_array_length(arr) > (size_t)config.queue_max_tracks) {
		reply_error(req, 400, "\"songIds\" holds more than %d ids, the most a queue holds", config.queue_max_tracks);
		return;
	}
	a.n = (int)json_object_array_length(arr);
	a.ids = req_alloc(req, (size_t)a.n * sizeof *a.ids);
	for (int i = 0; i < a.n; i++) {
		struct json_object *v = json_object_array_get_idx(arr, (size_t)i);
		size_t chars;

		if (!json_object_is_type(v, json_type_string) ||
		    (chars = utf8_length(json_object_get_string(v))) == 0 || chars > 100 || chars == (size_t)-1) {
			reply_error(req, 400, "\"songIds\"[%d] must be a song id", i);
			return;
		}
		a.ids[i] = json_object_get_string(v);
	}
	if (field_opt_string_or_reply(req, req->json, "position", 1, 8, &position) != 0)
		return;
	if (position != NULL && strcmp(position, "end") != 0 && strcmp(position, "next") != 0) {
		reply_error(req, 400, "\"position\" must be \"end\" or \"next\"");
		return;
	}
	a.next = position != NULL && strcmp(position, "next") == 0;
	queue_write(req, "tracks_added", "songIds", apply_add, &a, (struct new_ids){ a.ids, a.n }, 0);
}

static int apply_play_now(struct request *req, struct uq_state *st, const void *arg, const char **why)
{
	return uq_play_now(req, st, arg, config.queue_max_tracks, why);
}

/* POST /me/queue/play-now {songId} */
void me_queue_play_now(struct request *req)
{
	const char *id;

	if (field_string_or_reply(req, req->json, "songId", 1, 100, &id) != 0)
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
	PGresult *res = query_or_reply(req, &me_prefs_load, params);
	struct json_object *stored = NULL, *data = json_object_new_object(), *v;

	if (res == NULL) {
		json_object_put(data);
		return;
	}
	if (PQntuples(res) == 1)
		stored = json_tokener_parse(PQgetvalue(res, 0, 0));
	for (int i = 0; pref_keys[i] != NULL; i++) {
		int on = 1;

		if (stored != NULL && json_object_object_get_ex(stored, pref_keys[i], &v))
			on = json_object_get_boolean(v);
		json_object_object_add(data, pref_keys[i], json_object_new_boolean(on));
	}
	json_object_put(stored);
	PQclear(res);
	reply_data(req, 200, data);
}

/* PUT /me/preferences {autoPlay?, showRemoteChanges?}: booleans; absent ones take their default */
void me_preferences_put(struct request *req)
{
	struct json_object *prefs = json_object_new_object(), *v;
	const char *params[2];
	PGresult *res;

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
	PQclear(res);
	reply_data(req, 200, json_object_get(prefs));
out:
	json_object_put(prefs);
}
