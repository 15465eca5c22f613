/* h_queue.c: a room's queue: snapshot, add, vote, remove, advance, vote-to-skip */
#include "cache.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"
#include "room_util.h"
#include "snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>


/*
 * One statement, so one snapshot: revision, now playing and the waiting
 * entries always agree. Order: now playing first, then the documented order.
 * A room with nothing queued still yields one row (entry columns NULL).
 */
DB_STMT(queue_snapshot, 1,
	"SELECT r.revision, r.tie_rule, e.state, " ROOM_ENTRY_SELECT
	"  FROM rooms r"
	"  LEFT JOIN (" ROOM_ENTRY_FROM ") ON e.room_id = r.id AND e.state IN ('waiting', 'playing')"
	" WHERE r.code = $1"
	" ORDER BY e.state = 'playing' DESC, e.fallback, e.score DESC,"
	"          CASE WHEN r.tie_rule = 'fairness' THEN coalesce(m.played, 0) ELSE 0 END, e.id");

DB_STMT(entry_by_id, 1, "SELECT " ROOM_ENTRY_SELECT " FROM " ROOM_ENTRY_FROM " WHERE e.id = $1::bigint");

DB_STMT(queue_add_stmt, 4,
	"SELECT status, entry_id, revision, score FROM queue_add($1, $2, $3, $4)");

DB_STMT(queue_vote_stmt, 5,
	"SELECT status, score, revision FROM queue_vote($1, $2::bigint, $3, $4, $5::integer)");

DB_STMT(queue_remove_stmt, 3, "SELECT status, revision FROM queue_remove($1, $2::bigint, $3)");

DB_STMT(room_advance_stmt, 3,
	"SELECT status, revision, ended_id, next_id, played_member, played_count"
	"  FROM room_advance($1, $2::bigint, $3)");

DB_STMT(room_skip_stmt, 5,
	"SELECT status, revision, votes, needed, ended_id, next_id, played_member, played_count"
	"  FROM room_skip($1, $2::bigint, $3, $4, $5::integer)");

/* queue_add(): "voted" is an add of a song already waiting, which became an upvote */
const struct status_word queue_add_statuses[] = {
	{ "ok", 201, NULL },
	{ "voted", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "banned", 403, "you are banned from this room" },
	{ "no_song", 404, "song not found" },
	{ "too_long", 403, "the song is longer than this room's maximum song duration" },
	{ "member_cap", 403, "you already have as many songs waiting as this room allows per member" },
	{ "queue_full", 403, "the queue is full: this room's maximum queue length is reached" },
	STATUS_END,
};

/* queue_vote(): "removed" is a vote that took the entry under the room's threshold */
const struct status_word queue_vote_statuses[] = {
	{ "ok", 200, NULL },
	{ "removed", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "banned", 403, "you are banned from this room" },
	{ "voting_off", 403, "voting is off in this room" },
	{ "down_off", 403, "this room takes up votes only" },
	{ "no_entry", 404, "queue entry not found" },
	{ "not_waiting", 409, "that entry is no longer waiting in the queue" },
	STATUS_END,
};

/* queue_remove() */
const struct status_word queue_remove_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "no_entry", 404, "queue entry not found" },
	{ "forbidden", 403, "only a host, a co-host or the member who added it may remove an entry" },
	{ "not_waiting", 409, "that entry is no longer waiting in the queue" },
	STATUS_END,
};

/* room_advance() */
const struct status_word room_advance_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "forbidden", 403, "only the room's host or a co-host may advance the queue" },
	{ "conflict", 409, "currentEntryId is not what is playing any more: nothing moved" },
	STATUS_END,
};

/* room_skip(): "ok" is a vote counted, "skipped" the vote that moved the queue on */
const struct status_word room_skip_statuses[] = {
	{ "ok", 200, NULL },
	{ "skipped", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "banned", 403, "you are banned from this room" },
	{ "not_playing", 409, "that entry is not playing any more" },
	STATUS_END,
};

static void reply_snapshot(struct request *req, const char *text, long long revision, const char *source)
{
	req->res.data_source = source;
	snapshot_etag(req->res.etag, sizeof req->res.etag, revision,
		      strlen(RAW_DATA_HEAD) + strlen(text) + strlen(RAW_DATA_TAIL));
	if (snapshot_etag_matches(req->if_none_match, revision))
		req->res.status = 304;
	else
		reply_raw_data(req, 200, text);
}

/* GET /rooms/{code}/queue -> {code, revision, tieRule, nowPlaying, entries}, ETag = revision */
void queue_get(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	char *cached = NULL;
	long long revision = 0;
	enum cache_result cr;
	PGresult *res = NULL;
	enum db_result r;

	if (code == NULL)
		return;
	const char *key = req_printf(req, "queue:%s", code);
	cr = cache_get(key, &cached, NULL, &revision);
	if (cr == CACHE_HIT) {
		/*
		 * nginx serves the file to a plain GET when there is one, so this
		 * one found none (or asked with If-None-Match): leave one.
		 */
		if (req->if_none_match == NULL)
			snapshot_store(key, revision, RAW_DATA_HEAD, cached, RAW_DATA_TAIL);
		reply_snapshot(req, cached, revision, "cache");
		free(cached);
		return;
	}
	const char *params[] = { code };
	r = db_exec(&queue_snapshot, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		reply_error(req, 404, "room not found");
		goto out;
	}
	revision = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	struct json_object *data = json_object_new_object(), *entries = json_object_new_array();
	struct json_object *playing = NULL;
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 3))
			continue;
		if (strcmp(PQgetvalue(res, i, 2), "playing") == 0)
			playing = room_entry_json(res, i, 3, 1);
		else
			json_object_array_add(entries, room_entry_json(res, i, 3, 0));
	}
	json_object_object_add(data, "code", json_object_new_string(code));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	json_object_object_add(data, "tieRule", json_object_new_string(PQgetvalue(res, 0, 1)));
	json_object_object_add(data, "nowPlaying", playing);
	json_object_object_add(data, "entries", entries);
	const char *text = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (cr == CACHE_MISS) {
		cache_put(key, revision, text, NULL, CACHE_TTL);
		snapshot_store(key, revision, RAW_DATA_HEAD, text, RAW_DATA_TAIL);
	}
	reply_snapshot(req, text, revision, "database");
	json_object_put(data);
out:
	PQclear(res);
}

/* The entry id as JSON, read again after a change; NULL (JSON null) when it is gone. */
static struct json_object *entry_now(const char *id, int playing)
{
	PGresult *res = NULL;
	struct json_object *e = NULL;
	const char *params[] = { id };

	if (id == NULL)
		return NULL;
	if (db_exec(&entry_by_id, params, &res) == DB_OK && PQntuples(res) == 1)
		e = room_entry_json(res, 0, 0, playing);
	PQclear(res);
	return e;
}

/*
 * A YouTube video as a catalog song: the first add of a video creates the row,
 * later adds find it (the video id is unique), so a video waiting in a room
 * is one entry however many people add it.
 */
DB_STMT(youtube_song_upsert, 5,
	"INSERT INTO songs (id, title, year, genre, performer, duration, youtube_id)"
	" VALUES ($1, $2, extract(year FROM now())::integer, 'YouTube', $3, $4::integer, $5)"
	" ON CONFLICT (youtube_id) DO UPDATE SET youtube_id = EXCLUDED.youtube_id"
	" RETURNING id");

/* The catalog id of the body's song: {"songId"} or {"youtubeId", "title", "performer"?, "duration"?}. */
static const char *song_of_body_or_reply(struct request *req)
{
	const char *song_id, *video, *title, *performer;
	int64_t duration;
	int has_duration;
	char id[40], duration_text[16];
	PGresult *res;

	if (!json_object_object_get_ex(req->json, "youtubeId", NULL)) {
		if (field_string_or_reply(req, req->json, "songId", 1, 100, &song_id) != 0)
			return NULL;
		return song_id;
	}
	if (field_string_or_reply(req, req->json, "youtubeId", 1, 11, &video) != 0 ||
	    field_string_or_reply(req, req->json, "title", 1, 200, &title) != 0 ||
	    field_opt_string_or_reply(req, req->json, "performer", 1, 200, &performer) != 0 ||
	    field_opt_int_or_reply(req, req->json, "duration", 0, 86400, &duration, &has_duration) != 0)
		return NULL;
	if (!ids_youtube_valid(video)) {
		reply_error(req, 400, "youtubeId must be an 11-character YouTube video id");
		return NULL;
	}
	snprintf(duration_text, sizeof duration_text, "%lld", (long long)duration);
	ids_random("song", id, sizeof id);
	const char *params[] = { id, title, performer ? performer : "YouTube", has_duration ? duration_text : NULL, video };
	if ((res = query_or_reply(req, &youtube_song_upsert, params)) == NULL)
		return NULL;
	song_id = req_strdup(req, PQgetvalue(res, 0, 0));
	PQclear(res);
	return song_id;
}

/*
 * POST /rooms/{code}/queue {"songId"} or {"youtubeId", "title", ...}
 * -> 201 {entry, revision}, or 200 when it became a vote
 */
void queue_add(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *song_id;
	PGresult *res = NULL;
	enum db_result r;

	if (code == NULL || (song_id = song_of_body_or_reply(req)) == NULL)
		return;
	const char *params[] = { code, song_id, req->who.id, room_member_name(req) };
	r = db_exec(&queue_add_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	const char *status = PQgetvalue(res, 0, 0);
	const struct status_word *outcome = status_or_reply(req, status, queue_add_statuses);
	if (outcome == NULL)
		goto out;
	const char *entry_id = PQgetvalue(res, 0, 1);
	long long revision = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	struct json_object *entry = entry_now(entry_id, 0);
	struct json_object *data = json_object_new_object(), *msg = json_object_new_object();
	int added = strcmp(status, "ok") == 0, voted = strcmp(status, "voted") == 0;

	if (added) {
		json_object_object_add(msg, "entry", json_object_get(entry));
		room_changed(req, code, revision, "entry_added", msg);
	} else if (voted) {
		json_object_object_add(msg, "entryId", json_object_new_int64(strtoll(entry_id, NULL, 10)));
		json_object_object_add(msg, "score", json_object_new_int64(strtoll(PQgetvalue(res, 0, 3), NULL, 10)));
		room_changed(req, code, revision, "vote", msg);
	} else {
		json_object_put(msg);
	}
	json_object_object_add(data, "entry", entry);
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	/* "added": a new entry; "voted": the song was waiting, the add became an upvote. */
	json_object_object_add(data, "result", json_object_new_string(added ? "added" : voted ? "voted" : "unchanged"));
	reply_data(req, outcome->http_status, data);
out:
	PQclear(res);
}

/* PUT /rooms/{code}/queue/{entryId}/vote {"value": -1|0|1} -> 200 {entryId, value, score, revision, changed} */
void queue_vote(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *entry_id = code ? room_entry_id_or_reply(req, req->params[1]) : NULL;
	int64_t value;
	char value_text[8];
	PGresult *res = NULL;
	enum db_result r;

	if (entry_id == NULL || field_int_or_reply(req, req->json, "value", -1, 1, &value) != 0)
		return;
	snprintf(value_text, sizeof value_text, "%d", (int)value);
	const char *params[] = { code, entry_id, req->who.id, room_member_name(req), value_text };
	r = db_exec(&queue_vote_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	const char *status = PQgetvalue(res, 0, 0);
	if (status_or_reply(req, status, queue_vote_statuses) == NULL)
		goto out;
	int removed = strcmp(status, "removed") == 0;
	long long revision = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	long long score = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	long long entry = strtoll(entry_id, NULL, 10);
	int changed = strcmp(status, "unchanged") != 0;

	if (changed) {
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "entryId", json_object_new_int64(entry));
		json_object_object_add(msg, "score", json_object_new_int64(score));
		if (removed)
			json_object_object_add(msg, "removed", json_object_new_boolean(1));
		room_changed(req, code, revision, "vote", msg);
	}
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "entryId", json_object_new_int64(entry));
	json_object_object_add(data, "value", json_object_new_int64(value));
	json_object_object_add(data, "score", json_object_new_int64(score));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	json_object_object_add(data, "changed", json_object_new_boolean(changed));
	json_object_object_add(data, "removed", json_object_new_boolean(removed));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/* DELETE /rooms/{code}/queue/{entryId} -> 200; hosts any waiting entry, members their own */
void queue_remove(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *entry_id = code ? room_entry_id_or_reply(req, req->params[1]) : NULL;
	PGresult *res = NULL;
	enum db_result r;

	if (entry_id == NULL)
		return;
	const char *params[] = { code, entry_id, req->who.id };
	r = db_exec(&queue_remove_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (status_or_reply(req, PQgetvalue(res, 0, 0), queue_remove_statuses) == NULL)
		goto out;
	long long revision = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	struct json_object *msg = json_object_new_object(), *data = json_object_new_object();
	json_object_object_add(msg, "entryId", json_object_new_int64(strtoll(entry_id, NULL, 10)));
	json_object_object_add(msg, "reason", json_object_new_string("removed"));
	room_changed(req, code, revision, "entry_removed", msg);
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	reply_message(req, 200, "entry removed", data);
out:
	PQclear(res);
}

/*
 * The "advance" change message and reply data from a room_advance or room_skip
 * row whose ended_id, next_id, played_member, played_count start at column c.
 */
static void advanced(struct request *req, const char *code, long long revision, const PGresult *res,
		     int c, const char *reason, struct json_object *data)
{
	struct json_object *msg = json_object_new_object(), *playing;

	playing = entry_now(PQgetisnull(res, 0, c + 1) ? NULL : PQgetvalue(res, 0, c + 1), 1);
	json_object_object_add(msg, "endedEntryId", PQgetisnull(res, 0, c) ? NULL :
			       json_object_new_int64(strtoll(PQgetvalue(res, 0, c), NULL, 10)));
	json_object_object_add(msg, "reason", json_object_new_string(reason));
	json_object_object_add(msg, "nowPlaying", json_object_get(playing));
	if (!PQgetisnull(res, 0, c + 2)) {
		struct json_object *p = json_object_new_object();
		json_object_object_add(p, "memberId", json_object_new_string(PQgetvalue(res, 0, c + 2)));
		json_object_object_add(p, "played", json_object_new_int(atoi(PQgetvalue(res, 0, c + 3))));
		json_object_object_add(msg, "adderPlayed", p);
	}
	json_object_object_add(data, "endedEntryId", json_object_get(json_object_object_get(msg, "endedEntryId")));
	json_object_object_add(data, "nowPlaying", playing);
	room_changed(req, code, revision, "advance", msg);
}

/* POST /rooms/{code}/advance {"currentEntryId": id|null} -> 200 {nowPlaying, endedEntryId, revision}; 409 if stale */
void queue_advance(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	struct json_object *v;
	int64_t current = 0;
	char current_text[24];
	PGresult *res = NULL;
	enum db_result r;

	if (code == NULL)
		return;
	if (!json_object_object_get_ex(req->json, "currentEntryId", &v)) {
		reply_error(req, 400, "\"currentEntryId\" is required: the entry playing now, or null");
		return;
	}
	if (v != NULL && field_int_or_reply(req, req->json, "currentEntryId", 1, INT64_MAX, &current) != 0)
		return;
	snprintf(current_text, sizeof current_text, "%lld", (long long)current);
	const char *params[] = { code, v != NULL ? current_text : NULL, req->who.id };
	r = db_exec(&room_advance_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (status_or_reply(req, PQgetvalue(res, 0, 0), room_advance_statuses) == NULL)
		goto out;
	long long revision = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	struct json_object *data = json_object_new_object();
	advanced(req, code, revision, res, 2, "finished", data);
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/* POST /rooms/{code}/skip {"entryId"} -> 200 {votes, needed, skipped, revision} */
void queue_skip(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	int64_t entry;
	char entry_text[24], listeners[16];
	PGresult *res = NULL;
	enum db_result r;

	if (code == NULL || field_int_or_reply(req, req->json, "entryId", 1, INT64_MAX, &entry) != 0)
		return;
	snprintf(entry_text, sizeof entry_text, "%lld", (long long)entry);
	snprintf(listeners, sizeof listeners, "%d", room_listeners(code));
	const char *params[] = { code, entry_text, req->who.id, room_member_name(req), listeners };
	r = db_exec(&room_skip_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	const char *status = PQgetvalue(res, 0, 0);
	if (status_or_reply(req, status, room_skip_statuses) == NULL)
		goto out;
	int skipped = strcmp(status, "skipped") == 0;
	long long revision = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	int votes = atoi(PQgetvalue(res, 0, 2)), needed = atoi(PQgetvalue(res, 0, 3));
	struct json_object *data = json_object_new_object();

	if (skipped) {
		advanced(req, code, revision, res, 4, "skipped", data);
	} else if (strcmp(status, "ok") == 0) {
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "entryId", json_object_new_int64(entry));
		json_object_object_add(msg, "votes", json_object_new_int(votes));
		json_object_object_add(msg, "needed", json_object_new_int(needed));
		room_changed(req, code, revision, "skip_vote", msg);
	}
	json_object_object_add(data, "votes", json_object_new_int(votes));
	json_object_object_add(data, "needed", json_object_new_int(needed));
	json_object_object_add(data, "skipped", json_object_new_boolean(skipped));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	reply_data(req, 200, data);
out:
	PQclear(res);
}
