/* h_rooms.c: rooms: creation, state, settings, co-hosts, bans, members, history, the caller's view, the join QR code */
#include "auth.h"
#include "config.h"
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

#include <qrencode.h>
#include <stdio.h>
#include <string.h>

DB_STMT(room_create_stmt, 5, "SELECT " ROOM_SELECT " FROM room_create($1, $2, $3, $4, $5) r");

/* The room, its settings, its co-hosts and the entry now playing, in one query. */
DB_STMT(room_by_code, 1,
	"SELECT " ROOM_SELECT ", " ROOM_SETTINGS_SELECT ","
	"       coalesce((SELECT json_agg(c.member_id ORDER BY c.joined_at) FROM room_members c"
	"                  WHERE c.room_id = r.id AND c.role = 'cohost'), '[]') AS cohosts, "
	ROOM_ENTRY_SELECT
	"  FROM rooms r"
	"  LEFT JOIN (" ROOM_ENTRY_FROM ") ON e.room_id = r.id AND e.state = 'playing'"
	" WHERE r.code = $1");

DB_STMT(room_settings_stmt, 3, "SELECT status, revision FROM room_settings($1, $2, $3::jsonb)");

DB_STMT(room_settings_of, 1, "SELECT " ROOM_SETTINGS_SELECT ", r.name FROM rooms r WHERE r.code = $1");

DB_STMT(room_cohost_stmt, 4, "SELECT status, revision FROM room_cohost($1, $2, $3, $4::boolean)");

/* removed: [entry id]; scores: [{entryId, score}] of the entries whose score lost the member's vote */
DB_STMT(room_ban_stmt, 4,
	"SELECT status, revision, coalesce(array_to_json(removed), '[]') AS removed,"
	"       coalesce((SELECT json_agg(json_build_object('entryId', x.entry_id, 'score', x.score) ORDER BY x.n)"
	"                   FROM unnest(rescored, scores) WITH ORDINALITY AS x(entry_id, score, n)), '[]') AS scores"
	"  FROM room_ban($1, $2, $3, $4::boolean)");

DB_STMT(room_members_stmt, 1,
	"SELECT m.member_id, m.name, m.role, m.banned, m.played"
	"  FROM rooms r JOIN room_members m ON m.room_id = r.id"
	" WHERE r.code = $1 ORDER BY m.joined_at, m.member_id");

DB_STMT(room_history_stmt, 1,
	"SELECT r.id IS NOT NULL AS room_found, " ROOM_ENTRY_SELECT ", " ROOM_ENTRY_ENDED_SELECT
	"  FROM (SELECT 1) one"
	"  LEFT JOIN rooms r ON r.code = $1"
	"  LEFT JOIN queue_entries e ON e.room_id = r.id AND e.state = 'played'"
	"  LEFT JOIN songs s ON s.id = e.song_id"
	"  LEFT JOIN room_members m ON m.room_id = e.room_id AND m.member_id = e.added_by_id"
	" ORDER BY e.ended_at DESC NULLS LAST, e.id DESC LIMIT 100");

/* A column of JSON text (json_agg, array_to_json) as JSON; NULL (JSON null) for SQL NULL. Caller owns it. */
static struct json_object *col_json_parsed(const PGresult *res, int row, const char *name)
{
	const char *text = db_text_or_null(res, row, name);

	return text != NULL ? json_tokener_parse(text) : NULL;
}

/* {"status":"success","data":{key: value}}; takes value. */
static void reply_data_field(struct request *req, int status, const char *key, struct json_object *value)
{
	struct json_object *data = json_object_new_object();

	json_object_object_add(data, key, value);
	reply_data(req, status, data);
}

/* POST /rooms {"name"} -> 201 {room}; the caller becomes the host. */
void rooms_create(struct request *req)
{
	const char *name;
	char id[40], code[ROOM_CODE_LEN + 1];
	PGresult *res = NULL;
	enum db_result r = DB_FAILED;

	if (field_string_or_reply(req, req->json, "name", 1, 80, &name) != 0)
		return;
	ids_random("room", id, sizeof id);
	/* 31^6 codes: a collision is rare, and a new code settles it. */
	for (int attempt = 0; attempt < 8; attempt++) {
		ids_room_code(code);
		const char *params[] = { id, code, name, req->who.id, room_member_name(req) };
		PQclear(res);
		r = db_exec(&room_create_stmt, params, &res);
		if (r != DB_FAILED || strcmp(db_sqlstate(res), "23505") != 0)
			break;
	}
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	reply_data_field(req, 201, "room", room_json(res, 0));
out:
	PQclear(res);
}

/* GET /rooms/{code} -> {room: {..., settings, cohosts, nowPlaying, listeners}} */
void rooms_get(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	struct json_object *room;
	int playing;

	if (code == NULL)
		return;
	if (query_room_closed_or_reply(req, code))
		return;
	const char *params[] = { code };
	if ((res = query_row_or_reply(req, &room_by_code, params, "room not found")) == NULL)
		goto out;
	playing = !db_is_null(res, 0, "entry_id");
	/* A hidden queue hides what plays too, from all but the members. */
	if (playing && db_bool(res, 0, "hide_queue") && room_hidden_refused(code, req->who.id) != 0)
		playing = 0;
	room = room_json(res, 0);
	json_object_object_add(room, "settings", room_settings_json(res, 0));
	json_object_object_add(room, "cohosts", col_json_parsed(res, 0, "cohosts"));
	json_object_object_add(room, "nowPlaying", playing ? entry_json(res, 0, ENTRY_PLAYING) : NULL);
	json_object_object_add(room, "listeners", json_object_new_int(room_listeners(code, playing ?
							db_long(res, 0, "entry_id") : 0)));
	reply_data_field(req, 200, "room", room);
out:
	PQclear(res);
}

/* An optional field that is absent, null, or an integer in [min, max]. */
static int patch_int(struct request *req, struct json_object *patch, const char *key,
		     int64_t min, int64_t max)
{
	struct json_object *v;
	int64_t n;
	int present;

	if (!json_object_object_get_ex(req->json, key, &v))
		return 0;
	if (v == NULL) {
		json_object_object_add(patch, key, NULL);
		return 0;
	}
	if (field_opt_int_or_reply(req, req->json, key, min, max, &n, &present) != 0)
		return -1;
	json_object_object_add(patch, key, json_object_new_int64(n));
	return 0;
}

/* An optional string field restricted to the given words. */
static int patch_word(struct request *req, struct json_object *patch, const char *key,
		      const char *const *words)
{
	const char *s;

	if (field_opt_string_or_reply(req, req->json, key, 1, 32, &s) != 0)
		return -1;
	if (s == NULL)
		return 0;
	for (const char *const *w = words; *w; w++)
		if (strcmp(*w, s) == 0) {
			json_object_object_add(patch, key, json_object_new_string(s));
			return 0;
		}
	reply_error(req, 400, "\"%s\" must be one of the documented values", key);
	return -1;
}

/* "name": an optional string. */
static int patch_name(struct request *req, struct json_object *patch)
{
	const char *name;

	if (field_opt_string_or_reply(req, req->json, "name", 1, 80, &name) != 0)
		return -1;
	if (name != NULL)
		json_object_object_add(patch, "name", json_object_new_string(name));
	return 0;
}

/* "fallbackPlaylistId": absent, null or a string (room_settings() checks that it names a playlist). */
static int patch_playlist(struct request *req, struct json_object *patch)
{
	struct json_object *pl;

	if (!json_object_object_get_ex(req->json, "fallbackPlaylistId", &pl))
		return 0;
	if (pl != NULL && !json_object_is_type(pl, json_type_string)) {
		reply_error(req, 400, "\"fallbackPlaylistId\" must be a string or null");
		return -1;
	}
	json_object_object_add(patch, "fallbackPlaylistId", json_object_get(pl));
	return 0;
}

/*
 * "pin": absent, null (no PIN) or 4-8 digits, which room_settings() gets
 * only as "pinHash", the keyed hash: the digits are never stored nor shown.
 */
static int patch_pin(struct request *req, const char *code, struct json_object *patch)
{
	char hash[AUTH_PIN_HASH_HEX];
	struct json_object *v;
	int present = room_pin_hash_or_reply(req, code, "pin", hash);

	if (present < 0)
		return -1;
	if (present)
		json_object_object_add(patch, "pinHash", json_object_new_string(hash));
	else if (json_object_object_get_ex(req->json, "pin", &v))
		json_object_object_add(patch, "pinHash", NULL);
	return 0;
}

/* "hideQueue": absent, true or false. */
static int patch_hide(struct request *req, struct json_object *patch)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req->json, "hideQueue", &v))
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		reply_error(req, 400, "\"hideQueue\" must be true or false");
		return -1;
	}
	json_object_object_add(patch, "hideQueue", json_object_get(v));
	return 0;
}

/* The body names settings and nothing else; replies 400 and returns -1 otherwise. */
static int only_settings_or_reply(struct request *req)
{
	static const char *const known[] = { "name", "votingMode", "autoRemoveThreshold", "memberCap",
		"maxQueueLength", "maxSongDuration", "tieRule", "fallbackPlaylistId",
		"pin", "replayCooldownMinutes", "hideQueue", NULL };

	json_object_object_foreach(req->json, key, val) {
		int ok = 0;
		(void)val;
		for (const char *const *k = known; *k; k++)
			ok |= strcmp(*k, key) == 0;
		if (!ok) {
			reply_error(req, 400, "\"%s\" is not a room setting", key);
			return -1;
		}
	}
	if (json_object_object_length(req->json) == 0) {
		reply_error(req, 400, "the body names no setting to change");
		return -1;
	}
	return 0;
}

static const char *const voting_modes[] = { "updown", "up", "off", NULL };
static const char *const tie_rules[] = { "arrival", "fairness", NULL };

/* The PATCH body as room_settings()'s patch (caller owns it), or NULL after replying 400. */
static struct json_object *settings_patch_or_reply(struct request *req, const char *code)
{
	struct json_object *patch;

	if (only_settings_or_reply(req) != 0)
		return NULL;
	patch = json_object_new_object();
	if (patch_name(req, patch) != 0 ||
	    patch_word(req, patch, "votingMode", voting_modes) != 0 ||
	    patch_word(req, patch, "tieRule", tie_rules) != 0 ||
	    patch_int(req, patch, "autoRemoveThreshold", -1000000, 1000000) != 0 ||
	    patch_int(req, patch, "memberCap", 1, 10000) != 0 ||
	    patch_int(req, patch, "maxQueueLength", 1, 100000) != 0 ||
	    patch_int(req, patch, "maxSongDuration", 1, 86400) != 0 ||
	    patch_playlist(req, patch) != 0 ||
	    patch_pin(req, code, patch) != 0 ||
	    patch_int(req, patch, "replayCooldownMinutes", 0, 1440) != 0 ||
	    patch_hide(req, patch) != 0) {
		json_object_put(patch);
		return NULL;
	}
	return patch;
}

/* room_settings() */
const struct status_word room_settings_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "forbidden", 403, "only the room's host or a co-host may do this" },
	{ "no_playlist", 404, "fallback playlist not found" },
	{ "playlist_forbidden", 403, "the fallback playlist must be one you can read" },
	{ "hide_needs_pin", 400, "\"hideQueue\" needs a PIN: set \"pin\" too" },
	STATUS_END,
};

/* {settings, name} of a room_settings_of row. Caller owns it. */
static struct json_object *settings_and_name_json(const PGresult *res)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "settings", room_settings_json(res, 0));
	json_object_object_add(o, "name", col_json_text(res, 0, "name"));
	return o;
}

/* PATCH /rooms/{code} {name?, votingMode?, autoRemoveThreshold?, memberCap?, ...} -> 200 {settings, name, revision} */
void rooms_update(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	struct json_object *patch, *data;
	PGresult *res = NULL, *now = NULL;
	long long revision;

	if (code == NULL || (patch = settings_patch_or_reply(req, code)) == NULL)
		return;
	const char *params[] = { code, req->who.id, json_object_to_json_string(patch) };
	if ((res = query_or_reply(req, &room_settings_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), room_settings_statuses) == NULL)
		goto out;
	const char *of_code[] = { code };
	if ((now = query_row_or_reply(req, &room_settings_of, of_code, "room not found")) == NULL)
		goto out;
	revision = db_long(res, 0, "revision");
	/* Hidden from now on: who listened so far must be a member to go on (rooms_events). */
	if (db_bool(now, 0, "hide_queue") && json_object_object_get_ex(patch, "hideQueue", NULL))
		room_listeners_drop(code);
	queue_cache_changed(req, code, revision, "settings", settings_and_name_json(now));
	data = settings_and_name_json(now);
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	reply_data(req, 200, data);
out:
	json_object_put(patch);
	PQclear(res);
	PQclear(now);
}

#define PROTECTED_MEMBER "the host cannot be banned or demoted, and a banned member cannot be a co-host"

/* room_cohost() */
const struct status_word room_cohost_statuses[] = {
	{ "ok", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "forbidden", 403, "only the room's host names co-hosts" },
	{ "no_member", 404, "that member has not joined this room" },
	{ "protected", 403, PROTECTED_MEMBER },
	STATUS_END,
};

/* room_ban() */
const struct status_word room_ban_statuses[] = {
	{ "ok", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "forbidden", 403, "only the room's host or a co-host may do this" },
	{ "no_member", 404, "that member has not joined this room" },
	{ "protected", 403, PROTECTED_MEMBER },
	STATUS_END,
};

/*
 * A change of one member's standing: named co-host or not, banned or not.
 * Both SQL functions take (code, actor, member, on) and answer a status and
 * the revision; what differs is in this table.
 */
struct standing_change {
	struct db_stmt *stmt;
	const struct status_word *statuses;
	const char *message_type[2]; /* the change message's type: [0] off, [1] on */
	const char *done[2];         /* the reply's message */
	int reply_has_data;          /* the reply carries {memberId, revision, ...} */
	/* What a change adds to its message, and to the reply's data when there is one. */
	void (*describe)(const PGresult *res, int on, struct json_object *msg, struct json_object *data);
};

static void describe_role(const PGresult *res, int on, struct json_object *msg, struct json_object *data)
{
	json_object_object_add(msg, "role", json_object_new_string(on ? "cohost" : "member"));
}

/* A ban takes the member's waiting entries and their votes on the others with it. */
static void describe_ban(const PGresult *res, int on, struct json_object *msg, struct json_object *data)
{
	if (!on)
		return;
	json_object_object_add(msg, "removedEntryIds", col_json_parsed(res, 0, "removed"));
	json_object_object_add(msg, "scores", col_json_parsed(res, 0, "scores"));
	json_object_object_add(data, "removedEntryIds", col_json_parsed(res, 0, "removed"));
}

static const struct standing_change cohost_change = {
	&room_cohost_stmt, room_cohost_statuses, { "role", "role" },
	{ "co-host removed", "co-host named" }, 0, describe_role,
};

static const struct standing_change ban_change = {
	&room_ban_stmt, room_ban_statuses, { "member_unbanned", "member_banned" },
	{ "member unbanned", "member banned" }, 1, describe_ban,
};

/*
 * Room params[0]'s member set on (the body's memberId) or off (params[1]) as
 * how says: the change published and replied.
 */
static void member_standing_set(struct request *req, int on, const struct standing_change *how)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *member = req->params[1], *status;
	PGresult *res = NULL;
	struct json_object *data = NULL, *msg;

	if (code == NULL || (on && field_string_or_reply(req, req->json, "memberId", 1, 64, &member) != 0))
		return;
	const char *params[] = { code, req->who.id, member, on ? "true" : "false" };
	if ((res = query_or_reply(req, how->stmt, params)) == NULL)
		goto out;
	status = db_text(res, 0, "status");
	if (status_or_reply(req, status, how->statuses) == NULL)
		goto out;
	if (how->reply_has_data) {
		data = json_object_new_object();
		json_object_object_add(data, "memberId", json_object_new_string(member));
		json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	}
	if (strcmp(status, "ok") == 0) {
		msg = json_object_new_object();
		json_object_object_add(msg, "memberId", json_object_new_string(member));
		how->describe(res, on, msg, data);
		queue_cache_changed(req, code, db_long(res, 0, "revision"), how->message_type[on], msg);
		/* Banned from a room that hides its queue: their open stream goes with everyone's, and only members come back. */
		if (on && how == &ban_change && room_hidden_refused(code, member) == 1)
			room_listeners_drop(code);
	}
	reply_message(req, 200, how->done[on], data);
out:
	PQclear(res);
}

/* POST /rooms/{code}/cohosts {memberId} -> 200; the host only */
void rooms_cohost_add(struct request *req)
{
	member_standing_set(req, 1, &cohost_change);
}

/* DELETE /rooms/{code}/cohosts/{memberId} -> 200; the host only */
void rooms_cohost_delete(struct request *req)
{
	member_standing_set(req, 0, &cohost_change);
}

/* POST /rooms/{code}/bans {memberId} -> 200; hosts only */
void rooms_ban_add(struct request *req)
{
	member_standing_set(req, 1, &ban_change);
}

/* DELETE /rooms/{code}/bans/{memberId} -> 200; hosts only */
void rooms_ban_delete(struct request *req)
{
	member_standing_set(req, 0, &ban_change);
}

/* GET /rooms/{code}/members -> {members: [{id, name, role, banned, played}]} */
void rooms_members(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	struct json_object *members;

	if (code == NULL || room_hidden_refused_or_reply(req, code) != 0)
		return;
	if (query_room_closed_or_reply(req, code))
		return;
	const char *params[] = { code };
	/* Every room has its host as a member: no row, no room. */
	if ((res = query_row_or_reply(req, &room_members_stmt, params, "room not found")) == NULL)
		goto out;
	members = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(members, room_member_json(res, i));
	reply_data_field(req, 200, "members", members);
out:
	PQclear(res);
}

/* GET /rooms/{code}/history -> {entries: [... endedAt, endReason]}, newest first, at most 100 */
void rooms_history(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	struct json_object *played;

	if (code == NULL || room_hidden_refused_or_reply(req, code) != 0)
		return;
	if (query_room_closed_or_reply(req, code))
		return;
	const char *params[] = { code };
	if ((res = query_or_reply(req, &room_history_stmt, params)) == NULL)
		goto out;
	if (!db_bool(res, 0, "room_found")) {
		reply_error(req, 404, "room not found");
		goto out;
	}
	played = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++)
		if (!db_is_null(res, i, "entry_id"))
			json_object_array_add(played, entry_json(res, i, ENTRY_PLAYED));
	reply_data_field(req, 200, "entries", played);
out:
	PQclear(res);
}

/*
 * The caller as this room sees them, with their own votes: the shared queue
 * snapshot is one cached document for everybody, so a screen asks for what
 * is personal here. A caller who has not acted yet is a plain member.
 */
DB_STMT(room_me_stmt, 2,
	"SELECT m.member_id IS NOT NULL AS known, m.name, m.role, m.banned,"
	"       (SELECT coalesce(json_agg(json_build_object('entryId', e.id, 'value', v.value) ORDER BY e.id), '[]')"
	"          FROM queue_entries e JOIN votes v ON v.entry_id = e.id AND v.voter_id = $2"
	"         WHERE e.room_id = r.id AND e.state IN ('waiting', 'playing') AND v.value <> 0) AS votes,"
	"       EXISTS (SELECT 1 FROM queue_entries e JOIN skip_votes k ON k.entry_id = e.id AND k.member_id = $2"
	"                WHERE e.room_id = r.id AND e.state = 'playing') AS skip_voted"
	"  FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id AND m.member_id = $2"
	" WHERE r.code = $1");

/* GET /rooms/{code}/me -> {member: {id, name, role, banned}, votes: [{entryId, value}], skipVoted} */
void rooms_me(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	struct json_object *member, *votes, *data;
	int known;

	if (code == NULL)
		return;
	if (query_room_closed_or_reply(req, code))
		return;
	const char *params[] = { code, req->who.id };
	if ((res = query_row_or_reply(req, &room_me_stmt, params, "room not found")) == NULL)
		goto out;
	known = db_bool(res, 0, "known");
	member = json_object_new_object();
	json_object_object_add(member, "id", json_object_new_string(req->who.id));
	json_object_object_add(member, "name", json_object_new_string(known ? db_text(res, 0, "name")
									   : room_member_name(req)));
	json_object_object_add(member, "role", json_object_new_string(known ? db_text(res, 0, "role") : "member"));
	json_object_object_add(member, "banned", json_object_new_boolean(known && db_bool(res, 0, "banned")));
	votes = col_json_parsed(res, 0, "votes");
	data = json_object_new_object();
	json_object_object_add(data, "member", member);
	json_object_object_add(data, "votes", votes ? votes : json_object_new_array());
	json_object_object_add(data, "skipVoted", json_object_new_boolean(db_bool(res, 0, "skip_voted")));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/*
 * link as an SVG QR code: one path of dark modules, with the quiet zone the
 * standard asks for. The SVG (malloc'd, the caller frees it) and its *len,
 * or NULL.
 */
static char *qr_svg(const char *code, const char *link, size_t *len)
{
	char *svg = NULL;
	FILE *out;
	QRcode *qr = QRcode_encodeString(link, 0, QR_ECLEVEL_M, QR_MODE_8, 1);

	out = qr ? open_memstream(&svg, len) : NULL;
	if (out == NULL) {
		QRcode_free(qr);
		return NULL;
	}
	int size = qr->width + 8;
	fprintf(out, "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 %d %d\" shape-rendering=\"crispEdges\">"
		"<title>Join room %s</title><rect width=\"%d\" height=\"%d\" fill=\"#fff\"/><path fill=\"#000\" d=\"",
		size, size, code, size, size);
	for (int y = 0; y < qr->width; y++)
		for (int x = 0; x < qr->width; x++)
			if (qr->data[y * qr->width + x] & 1)
				fprintf(out, "M%d %dh1v1h-1z", x + 4, y + 4);
	fputs("\"/></svg>\n", out);
	fclose(out);
	QRcode_free(qr);
	return svg;
}

DB_STMT(room_exists_stmt, 1, "SELECT 1 FROM rooms WHERE code = $1");

/* GET /rooms/{code}/qr.svg -> the join link as a QR code (image/svg+xml), for the room's screen: phones scan it to join */
void rooms_qr(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	char *svg;
	size_t len = 0;

	if (code == NULL)
		return;
	if (query_room_closed_or_reply(req, code))
		return;
	const char *params[] = { code };
	if ((res = query_row_or_reply(req, &room_exists_stmt, params, "room not found")) == NULL)
		goto out;
	svg = qr_svg(code, req_printf(req, "%s/#/r/%s", config.public_base_url, code), &len);
	if (svg == NULL)
		reply_error(req, 500, "could not make the QR code");
	else
		reply_file(req, "image/svg+xml", svg, len);
out:
	PQclear(res);
}
