/* h_queue.c: a room's queue: snapshot, add, vote, pins, remove, advance, vote-to-skip */
#include "catalog.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "queue_cache.h"
#include "request.h"
#include "room_json.h"
#include "room_listeners.h"
#include "room_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * A waiting entry's index among the room's pinned waiting entries (NULL: not
 * pinned), r being its room. Counted, not stored: r.pins may still name
 * entries that played or left (sql/014_pins.sql), and the list closes up
 * without them.
 */
#define ENTRY_PINNED_SELECT \
	"CASE WHEN e.state = 'waiting' AND e.id = ANY (r.pins) THEN" \
	" (SELECT count(*) FROM queue_entries p WHERE p.room_id = e.room_id AND p.state = 'waiting'" \
	"    AND array_position(r.pins, p.id) < array_position(r.pins, e.id)) END AS pinned"

/*
 * One statement, so one snapshot: revision, now playing and the waiting
 * entries always agree. Order: now playing first, then the documented order
 * (pinned entries first, in pin order).
 * A room with nothing queued still yields one row (entry columns NULL).
 */
DB_STMT(queue_snapshot, 1,
	"SELECT r.revision, r.tie_rule, r.hide_queue, e.state, " ROOM_ENTRY_SELECT ", " ENTRY_PINNED_SELECT
	"  FROM rooms r"
	"  LEFT JOIN (" ROOM_ENTRY_FROM ") ON e.room_id = r.id AND e.state IN ('waiting', 'playing')"
	" WHERE r.code = $1"
	" ORDER BY e.state = 'playing' DESC, array_position(r.pins, e.id) NULLS LAST, e.fallback, e.score DESC,"
	"          CASE WHEN r.tie_rule = 'fairness' THEN coalesce(m.played, 0) ELSE 0 END, e.id");

DB_STMT(entry_by_id, 1, "SELECT " ROOM_ENTRY_SELECT ", " ENTRY_PINNED_SELECT
	" FROM " ROOM_ENTRY_FROM " JOIN rooms r ON r.id = e.room_id WHERE e.id = $1::bigint");

DB_STMT(queue_add_stmt, 4,
	"SELECT status, entry_id, revision, score, allowed_at, played_ago FROM queue_add($1, $2, $3, $4)");

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
	{ "cooldown", 403, NULL }, /* answered by reply_cooldown() */
	{ "too_long", 403, "the song is longer than this room's maximum song duration" },
	{ "no_duration", 403, "the song's length is unknown (a live broadcast?) and this room has a maximum song duration" },
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

/* The queue's data from queue_snapshot's rows: {code, revision, tieRule, nowPlaying, entries}. */
static struct json_object *queue_json(const PGresult *res, const char *code)
{
	struct json_object *data = json_object_new_object(), *entries = json_object_new_array();
	struct json_object *playing = NULL;

	for (int i = 0; i < PQntuples(res); i++) {
		if (db_is_null(res, i, "entry_id"))
			continue;
		if (strcmp(db_text(res, i, "state"), "playing") == 0)
			playing = entry_json(res, i, ENTRY_PLAYING);
		else
			json_object_array_add(entries, entry_json(res, i, ENTRY_WAITING));
	}
	json_object_object_add(data, "code", json_object_new_string(code));
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	json_object_object_add(data, "tieRule", col_json_text(res, 0, "tie_rule"));
	json_object_object_add(data, "nowPlaying", playing);
	json_object_object_add(data, "entries", entries);
	return data;
}

/* GET /rooms/{code}/queue -> {code, revision, tieRule, nowPlaying, entries}, ETag = revision */
void queue_get(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	struct json_object *data = NULL;
	const char *json;

	if (code == NULL || queue_cache_reply_cached(req, code))
		return;
	const char *params[] = { code };
	if ((res = query_row_or_reply(req, &queue_snapshot, params, "room not found")) == NULL)
		goto out;
	/* After the read, so a room closed meanwhile is never cached again (h_room_lifecycle.c) */
	if (query_room_closed_or_reply(req, code))
		goto out;
	/* Hidden: read in the same statement as the rows, so no hidden revision is ever cached. */
	if (db_bool(res, 0, "hide_queue") && room_hidden_refused_or_reply(req, code) != 0)
		goto out;
	data = queue_json(res, code);
	json = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (db_bool(res, 0, "hide_queue"))
		queue_cache_reply_private(req, db_long(res, 0, "revision"), json);
	else
		queue_cache_reply_fresh(req, code, db_long(res, 0, "revision"), json);
out:
	json_object_put(data);
	PQclear(res);
}

/* Entry id as JSON, read again after a change; NULL (JSON null) when id is NULL or the entry is gone. */
static struct json_object *entry_json_by_id(const char *id, enum entry_kind kind)
{
	PGresult *res = NULL;
	struct json_object *e = NULL;
	const char *params[] = { id };

	if (id == NULL)
		return NULL;
	if (db_exec(&entry_by_id, params, &res) == DB_OK && PQntuples(res) == 1)
		e = entry_json(res, 0, kind);
	PQclear(res);
	return e;
}

/*
 * The change message of a queue_add row: the new entry ("ok"), or the vote
 * it became ("voted"); an unchanged add tells nobody.
 */
static void publish_add(struct request *req, const char *code, const PGresult *res,
			struct json_object *entry)
{
	const char *status = db_text(res, 0, "status");
	long long revision = db_long(res, 0, "revision");
	struct json_object *msg;

	if (strcmp(status, "unchanged") == 0)
		return;
	msg = json_object_new_object();
	if (strcmp(status, "ok") == 0) {
		json_object_object_add(msg, "entry", json_object_get(entry));
		queue_cache_changed(req, code, revision, "entry_added", msg);
	} else {
		json_object_object_add(msg, "entryId", col_json_int(res, 0, "entry_id"));
		json_object_object_add(msg, "score", col_json_int(res, 0, "score"));
		queue_cache_changed(req, code, revision, "vote", msg);
	}
}

/* 403 for a queue_add row refused by the room's replay cooldown, with data {allowedAt}. */
static void reply_cooldown(struct request *req, const PGresult *res)
{
	const char *at = db_text(res, 0, "allowed_at");
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, "allowedAt", json_object_new_string(at));
	if (db_is_null(res, 0, "played_ago"))
		reply_error_data(req, 403, data, "this song is playing now; the room's replay cooldown allows it "
				 "again at %s (when it ends, plus the cooldown)", at);
	else
		reply_error_data(req, 403, data, "this song played %lld minutes ago; the room's replay cooldown "
				 "allows it again at %s", db_long(res, 0, "played_ago"), at);
}

/*
 * POST /rooms/{code}/queue {"songId"} or {"youtubeId"}
 * -> 201 {entry, revision, result}, or 200 when it became a vote or changed nothing
 */
void queue_add(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *song_id, *status;
	const struct status_word *outcome;
	struct json_object *entry, *data;
	PGresult *res = NULL;

	if (code == NULL || (song_id = catalog_song_of_body_or_reply(req)) == NULL)
		return;
	const char *params[] = { code, song_id, req->who.id, room_member_name(req) };
	if ((res = query_or_reply(req, &queue_add_stmt, params)) == NULL)
		goto out;
	status = db_text(res, 0, "status");
	if ((outcome = status_or_reply(req, status, queue_add_statuses)) == NULL)
		goto out;
	if (strcmp(status, "cooldown") == 0) {
		reply_cooldown(req, res);
		goto out;
	}
	entry = entry_json_by_id(db_text_or_null(res, 0, "entry_id"), ENTRY_WAITING);
	publish_add(req, code, res, entry);
	data = json_object_new_object();
	json_object_object_add(data, "entry", entry);
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	/* "added": a new entry; "voted": the song was waiting, the add became an upvote. */
	json_object_object_add(data, "result", json_object_new_string(strcmp(status, "ok") == 0 ? "added" :
								       strcmp(status, "voted") == 0 ? "voted" :
								       "unchanged"));
	reply_data(req, outcome->http_status, data);
out:
	PQclear(res);
}

/* PUT /rooms/{code}/queue/{entryId}/vote {"value": -1|0|1} -> 200 {entryId, value, score, revision, changed, removed} */
void queue_vote(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *entry_id = code ? room_entry_id_or_reply(req, req->params[1]) : NULL;
	const char *status;
	int64_t value;
	char value_text[8];
	int removed, changed;
	PGresult *res = NULL;
	struct json_object *data;

	if (entry_id == NULL || field_int_or_reply(req, req->json, "value", -1, 1, &value) != 0)
		return;
	snprintf(value_text, sizeof value_text, "%d", (int)value);
	const char *params[] = { code, entry_id, req->who.id, room_member_name(req), value_text };
	if ((res = query_or_reply(req, &queue_vote_stmt, params)) == NULL)
		goto out;
	status = db_text(res, 0, "status");
	if (status_or_reply(req, status, queue_vote_statuses) == NULL)
		goto out;
	removed = strcmp(status, "removed") == 0;
	changed = strcmp(status, "unchanged") != 0;
	if (changed) {
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "entryId", json_object_new_int64(strtoll(entry_id, NULL, 10)));
		json_object_object_add(msg, "score", col_json_int(res, 0, "score"));
		if (removed)
			json_object_object_add(msg, "removed", json_object_new_boolean(1));
		queue_cache_changed(req, code, db_long(res, 0, "revision"), "vote", msg);
	}
	data = json_object_new_object();
	json_object_object_add(data, "entryId", json_object_new_int64(strtoll(entry_id, NULL, 10)));
	json_object_object_add(data, "value", json_object_new_int64(value));
	json_object_object_add(data, "score", col_json_int(res, 0, "score"));
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	json_object_object_add(data, "changed", json_object_new_boolean(changed));
	json_object_object_add(data, "removed", json_object_new_boolean(removed));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

DB_STMT(queue_pin_stmt, 5,
	"SELECT status, revision, array_to_json(pinned) AS pinned"
	"  FROM queue_pin($1, $2::bigint, $3, $4, $5::bigint)");

/* queue_pin(): an entry that is no longer waiting is named by where it went */
const struct status_word queue_pin_statuses[] = {
	{ "ok", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "forbidden", 403, "only the room's host or a co-host may pin or reorder entries" },
	{ "no_entry", 404, "queue entry not found" },
	{ "played", 409, "that entry has already played: only a waiting entry can be pinned" },
	{ "playing", 409, "that entry is playing now: only a waiting entry can be pinned" },
	{ "removed", 409, "that entry was removed from the queue: only a waiting entry can be pinned" },
	STATUS_END,
};

/*
 * One queue_pin() call, action "pin" (with the body's optional "position")
 * or "unpin"; a change publishes {type:"pins", revision, pinned}.
 * -> 200 {entryId, pinned: [entry ids in pin order], revision, changed}
 */
static void pin_change(struct request *req, const char *action)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *entry_id = code ? room_entry_id_or_reply(req, req->params[1]) : NULL;
	int64_t position = 0;
	int present = 0, changed;
	char position_text[24];
	PGresult *res = NULL;
	struct json_object *data;

	if (entry_id == NULL)
		return;
	/* Negative or not an integer: 400. Past the end is clamped by queue_pin(). */
	if (req->json != NULL &&
	    field_opt_int_or_reply(req, req->json, "position", 0, INT64_MAX, &position, &present) != 0)
		return;
	snprintf(position_text, sizeof position_text, "%lld", (long long)position);
	const char *params[] = { code, entry_id, req->who.id, action, present ? position_text : NULL };
	if ((res = query_or_reply(req, &queue_pin_stmt, params)) == NULL)
		goto out;
	if (status_or_reply(req, db_text(res, 0, "status"), queue_pin_statuses) == NULL)
		goto out;
	changed = strcmp(db_text(res, 0, "status"), "ok") == 0;
	if (changed) {
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "pinned", json_tokener_parse(db_text(res, 0, "pinned")));
		queue_cache_changed(req, code, db_long(res, 0, "revision"), "pins", msg);
	}
	data = json_object_new_object();
	json_object_object_add(data, "entryId", json_object_new_int64(strtoll(entry_id, NULL, 10)));
	json_object_object_add(data, "pinned", json_tokener_parse(db_text(res, 0, "pinned")));
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	json_object_object_add(data, "changed", json_object_new_boolean(changed));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/* PUT /rooms/{code}/queue/{entryId}/pin {"position"?} -> 200; hosts and co-hosts: play next, or move within up next */
void queue_pin(struct request *req)
{
	pin_change(req, "pin");
}

/* DELETE /rooms/{code}/queue/{entryId}/pin -> 200; hosts and co-hosts */
void queue_unpin(struct request *req)
{
	pin_change(req, "unpin");
}

/* DELETE /rooms/{code}/queue/{entryId} -> 200; hosts any waiting entry, members their own */
void queue_remove(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *entry_id = code ? room_entry_id_or_reply(req, req->params[1]) : NULL;
	PGresult *res = NULL;
	struct json_object *msg, *data;

	if (entry_id == NULL)
		return;
	const char *params[] = { code, entry_id, req->who.id };
	if ((res = query_or_reply(req, &queue_remove_stmt, params)) == NULL)
		goto out;
	if (status_or_reply(req, db_text(res, 0, "status"), queue_remove_statuses) == NULL)
		goto out;
	msg = json_object_new_object();
	json_object_object_add(msg, "entryId", json_object_new_int64(strtoll(entry_id, NULL, 10)));
	json_object_object_add(msg, "reason", json_object_new_string("removed"));
	queue_cache_changed(req, code, db_long(res, 0, "revision"), "entry_removed", msg);
	data = json_object_new_object();
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	reply_message(req, 200, "entry removed", data);
out:
	PQclear(res);
}

/*
 * A room_advance or room_skip row that moved the queue on: publishes the
 * "advance" message and puts endedEntryId and nowPlaying into data.
 */
static void publish_advance(struct request *req, const char *code, const PGresult *res,
			    const char *reason, struct json_object *data)
{
	struct json_object *msg = json_object_new_object();
	struct json_object *playing = entry_json_by_id(db_text_or_null(res, 0, "next_id"), ENTRY_PLAYING);

	json_object_object_add(msg, "endedEntryId", col_json_int(res, 0, "ended_id"));
	json_object_object_add(msg, "reason", json_object_new_string(reason));
	json_object_object_add(msg, "nowPlaying", json_object_get(playing));
	if (!db_is_null(res, 0, "played_member")) {
		struct json_object *played = json_object_new_object();
		json_object_object_add(played, "memberId", col_json_text(res, 0, "played_member"));
		json_object_object_add(played, "played", col_json_int(res, 0, "played_count"));
		json_object_object_add(msg, "adderPlayed", played);
	}
	json_object_object_add(data, "endedEntryId", col_json_int(res, 0, "ended_id"));
	json_object_object_add(data, "nowPlaying", playing);
	queue_cache_changed(req, code, db_long(res, 0, "revision"), "advance", msg);
}

/* POST /rooms/{code}/advance {"currentEntryId": id|null} -> 200 {nowPlaying, endedEntryId, revision}; 409 if stale */
void queue_advance(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	struct json_object *v, *data;
	int64_t current = 0;
	char current_text[24];
	PGresult *res = NULL;

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
	if ((res = query_or_reply(req, &room_advance_stmt, params)) == NULL)
		goto out;
	if (status_or_reply(req, db_text(res, 0, "status"), room_advance_statuses) == NULL)
		goto out;
	data = json_object_new_object();
	publish_advance(req, code, res, "finished", data);
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/* POST /rooms/{code}/skip {"entryId"} -> 200 {votes, needed, skipped, revision} */
void queue_skip(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *status;
	int64_t entry;
	char entry_text[24], listeners[16];
	int skipped;
	PGresult *res = NULL;
	struct json_object *data;

	if (code == NULL || field_int_or_reply(req, req->json, "entryId", 1, INT64_MAX, &entry) != 0)
		return;
	snprintf(entry_text, sizeof entry_text, "%lld", (long long)entry);
	/* Listeners of the song voted on; if it no longer plays, the vote is refused anyway. */
	snprintf(listeners, sizeof listeners, "%d", room_listeners(code, entry));
	const char *params[] = { code, entry_text, req->who.id, room_member_name(req), listeners };
	if ((res = query_or_reply(req, &room_skip_stmt, params)) == NULL)
		goto out;
	status = db_text(res, 0, "status");
	if (status_or_reply(req, status, room_skip_statuses) == NULL)
		goto out;
	skipped = strcmp(status, "skipped") == 0;
	data = json_object_new_object();
	if (skipped) {
		publish_advance(req, code, res, "skipped", data);
	} else if (strcmp(status, "ok") == 0) {
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "entryId", json_object_new_int64(entry));
		json_object_object_add(msg, "votes", col_json_int(res, 0, "votes"));
		json_object_object_add(msg, "needed", col_json_int(res, 0, "needed"));
		queue_cache_changed(req, code, db_long(res, 0, "revision"), "skip_vote", msg);
	}
	json_object_object_add(data, "votes", col_json_int(res, 0, "votes"));
	json_object_object_add(data, "needed", col_json_int(res, 0, "needed"));
	json_object_object_add(data, "skipped", json_object_new_boolean(skipped));
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	reply_data(req, 200, data);
out:
	PQclear(res);
}
