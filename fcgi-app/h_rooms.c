/* h_rooms.c: rooms: creation, state, settings, co-hosts, bans, members, history */
#include "config.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"
#include "room_util.h"

#include <qrencode.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

DB_STMT(room_create_stmt, 5,
	"SELECT id, code, name, revision, host_id, host_name, iso_time(created_at)"
	"  FROM room_create($1, $2, $3, $4, $5)");

/* The room, its settings, its co-hosts and the entry now playing, in one query. */
DB_STMT(room_by_code, 1,
	"SELECT r.id, r.code, r.name, r.revision, r.host_id, r.host_name, iso_time(r.created_at), "
	ROOM_SETTINGS_SELECT ","
	"       (SELECT string_agg(c.member_id, ',' ORDER BY c.joined_at) FROM room_members c"
	"         WHERE c.room_id = r.id AND c.role = 'cohost'), "
	ROOM_ENTRY_SELECT
	"  FROM rooms r"
	"  LEFT JOIN (" ROOM_ENTRY_FROM ") ON e.room_id = r.id AND e.state = 'playing'"
	" WHERE r.code = $1");

DB_STMT(room_settings_stmt, 3, "SELECT status, revision FROM room_settings($1, $2, $3::jsonb)");

DB_STMT(room_settings_of, 1, "SELECT " ROOM_SETTINGS_SELECT ", r.name FROM rooms r WHERE r.code = $1");

DB_STMT(room_cohost_stmt, 4, "SELECT status, revision FROM room_cohost($1, $2, $3, $4::boolean)");

DB_STMT(room_ban_stmt, 4,
	"SELECT status, revision, array_to_string(removed, ','), array_to_string(rescored, ','),"
	"       array_to_string(scores, ',')"
	"  FROM room_ban($1, $2, $3, $4::boolean)");

DB_STMT(room_members_stmt, 1,
	"SELECT m.member_id, m.name, m.role, m.banned, m.played"
	"  FROM rooms r JOIN room_members m ON m.room_id = r.id"
	" WHERE r.code = $1 ORDER BY m.joined_at, m.member_id");

DB_STMT(room_history_stmt, 1,
	"SELECT r.id IS NOT NULL, " ROOM_ENTRY_SELECT ", iso_time(e.ended_at), e.end_reason"
	"  FROM (SELECT 1) one"
	"  LEFT JOIN rooms r ON r.code = $1"
	"  LEFT JOIN queue_entries e ON e.room_id = r.id AND e.state = 'played'"
	"  LEFT JOIN songs s ON s.id = e.song_id"
	"  LEFT JOIN room_members m ON m.room_id = e.room_id AND m.member_id = e.added_by_id"
	" ORDER BY e.ended_at DESC NULLS LAST, e.id DESC LIMIT 100");

#define COL_SETTINGS 7
#define COL_COHOSTS (COL_SETTINGS + 7)
#define COL_PLAYING (COL_COHOSTS + 1)

/* POST /rooms {"name"} -> 201 {room}; the caller becomes the host. */
void rooms_create(struct request *req)
{
	const char *name;
	char id[40], code[ROOM_CODE_LEN + 1];
	PGresult *res = NULL;
	enum db_result r = DB_FAILED;
	struct json_object *data, *room, *host;

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
		PQclear(res);
		return;
	}
	room = json_object_new_object();
	host = json_object_new_object();
	json_object_object_add(room, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
	json_object_object_add(room, "code", json_object_new_string(PQgetvalue(res, 0, 1)));
	json_object_object_add(room, "name", json_object_new_string(PQgetvalue(res, 0, 2)));
	json_object_object_add(room, "revision", json_object_new_int64(strtoll(PQgetvalue(res, 0, 3), NULL, 10)));
	json_object_object_add(host, "id", json_object_new_string(PQgetvalue(res, 0, 4)));
	json_object_object_add(host, "name", json_object_new_string(PQgetvalue(res, 0, 5)));
	json_object_object_add(room, "host", host);
	json_object_object_add(room, "createdAt", json_object_new_string(PQgetvalue(res, 0, 6)));
	data = json_object_new_object();
	json_object_object_add(data, "room", room);
	reply_data(req, 201, data);
	PQclear(res);
}

/* GET /rooms/{code} -> {room: {..., settings, cohosts, nowPlaying, listeners}} */
void rooms_get(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	enum db_result r;

	if (code == NULL)
		return;
	const char *params[] = { code };
	r = db_exec(&room_by_code, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		reply_error(req, 404, "room not found");
		goto out;
	}
	struct json_object *room = json_object_new_object(), *host = json_object_new_object();
	struct json_object *cohosts = json_object_new_array();
	json_object_object_add(room, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
	json_object_object_add(room, "code", json_object_new_string(PQgetvalue(res, 0, 1)));
	json_object_object_add(room, "name", json_object_new_string(PQgetvalue(res, 0, 2)));
	json_object_object_add(room, "revision", json_object_new_int64(strtoll(PQgetvalue(res, 0, 3), NULL, 10)));
	json_object_object_add(host, "id", json_object_new_string(PQgetvalue(res, 0, 4)));
	json_object_object_add(host, "name", json_object_new_string(PQgetvalue(res, 0, 5)));
	json_object_object_add(room, "host", host);
	json_object_object_add(room, "createdAt", json_object_new_string(PQgetvalue(res, 0, 6)));
	json_object_object_add(room, "settings", room_settings_json(res, 0, COL_SETTINGS));
	if (!PQgetisnull(res, 0, COL_COHOSTS)) {
		char *list = req_strdup(req, PQgetvalue(res, 0, COL_COHOSTS)), *save = NULL;
		for (char *id = strtok_r(list, ",", &save); id; id = strtok_r(NULL, ",", &save))
			json_object_array_add(cohosts, json_object_new_string(id));
	}
	json_object_object_add(room, "cohosts", cohosts);
	json_object_object_add(room, "nowPlaying", PQgetisnull(res, 0, COL_PLAYING) ? NULL :
			       room_entry_json(res, 0, COL_PLAYING, 1));
	json_object_object_add(room, "listeners", json_object_new_int(room_listeners(code)));
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "room", room);
	reply_data(req, 200, data);
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

static const char *const voting_modes[] = { "updown", "up", "off", NULL };
static const char *const tie_rules[] = { "arrival", "fairness", NULL };

/* room_settings() */
const struct status_word room_settings_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "forbidden", 403, "only the room's host or a co-host may do this" },
	{ "no_playlist", 404, "fallback playlist not found" },
	{ "playlist_forbidden", 403, "the fallback playlist must be one you can read" },
	STATUS_END,
};

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

/* PATCH /rooms/{code} {name?, votingMode?, autoRemoveThreshold?, memberCap?, ...} -> 200 {settings} */
void rooms_update(struct request *req)
{
	static const char *const known[] = { "name", "votingMode", "autoRemoveThreshold", "memberCap",
		"maxQueueLength", "maxSongDuration", "tieRule", "fallbackPlaylistId", NULL };
	const char *code = room_code_or_reply(req, req->params[0]);
	struct json_object *patch = json_object_new_object();
	PGresult *res = NULL, *now = NULL;
	enum db_result r;
	const char *s;

	if (code == NULL)
		goto out;
	json_object_object_foreach(req->json, key, val) {
		int ok = 0;
		(void)val;
		for (const char *const *k = known; *k; k++)
			ok |= strcmp(*k, key) == 0;
		if (!ok) {
			reply_error(req, 400, "\"%s\" is not a room setting", key);
			goto out;
		}
	}
	if (json_object_object_length(req->json) == 0) {
		reply_error(req, 400, "the body names no setting to change");
		goto out;
	}
	if (field_opt_string_or_reply(req, req->json, "name", 1, 80, &s) != 0)
		goto out;
	if (s != NULL)
		json_object_object_add(patch, "name", json_object_new_string(s));
	if (patch_word(req, patch, "votingMode", voting_modes) != 0 ||
	    patch_word(req, patch, "tieRule", tie_rules) != 0 ||
	    patch_int(req, patch, "autoRemoveThreshold", -1000000, 1000000) != 0 ||
	    patch_int(req, patch, "memberCap", 1, 10000) != 0 ||
	    patch_int(req, patch, "maxQueueLength", 1, 100000) != 0 ||
	    patch_int(req, patch, "maxSongDuration", 1, 86400) != 0)
		goto out;
	struct json_object *pl;
	if (json_object_object_get_ex(req->json, "fallbackPlaylistId", &pl)) {
		if (pl != NULL && !json_object_is_type(pl, json_type_string)) {
			reply_error(req, 400, "\"fallbackPlaylistId\" must be a string or null");
			goto out;
		}
		json_object_object_add(patch, "fallbackPlaylistId", json_object_get(pl));
	}
	const char *params[] = { code, req->who.id, json_object_to_json_string(patch) };
	r = db_exec(&room_settings_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (status_or_reply(req, PQgetvalue(res, 0, 0), room_settings_statuses) == NULL)
		goto out;
	long long revision = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	const char *p2[] = { code };
	r = db_exec(&room_settings_of, p2, &now);
	if (r != DB_OK || PQntuples(now) == 0) {
		reply_db_error(req, r, now);
		goto out;
	}
	struct json_object *msg = json_object_new_object(), *data = json_object_new_object();
	json_object_object_add(msg, "settings", room_settings_json(now, 0, 0));
	json_object_object_add(msg, "name", json_object_new_string(PQgetvalue(now, 0, 7)));
	json_object_object_add(data, "settings", room_settings_json(now, 0, 0));
	json_object_object_add(data, "name", json_object_new_string(PQgetvalue(now, 0, 7)));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	room_changed(req, code, revision, "settings", msg);
	reply_data(req, 200, data);
out:
	json_object_put(patch);
	PQclear(res);
	PQclear(now);
}

static void cohost_change(struct request *req, const char *member, int cohost)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	enum db_result r;

	if (code == NULL)
		return;
	const char *params[] = { code, req->who.id, member, cohost ? "true" : "false" };
	r = db_exec(&room_cohost_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	const char *status = PQgetvalue(res, 0, 0);
	if (status_or_reply(req, status, room_cohost_statuses) == NULL)
		goto out;
	long long revision = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (strcmp(status, "ok") == 0) {
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "memberId", json_object_new_string(member));
		json_object_object_add(msg, "role", json_object_new_string(cohost ? "cohost" : "member"));
		room_changed(req, code, revision, "role", msg);
	}
	reply_message(req, 200, cohost ? "co-host named" : "co-host removed", NULL);
out:
	PQclear(res);
}

/* POST /rooms/{code}/cohosts {memberId} -> 200; the host only */
void rooms_cohost_add(struct request *req)
{
	const char *member;

	if (field_string_or_reply(req, req->json, "memberId", 1, 64, &member) == 0)
		cohost_change(req, member, 1);
}

/* DELETE /rooms/{code}/cohosts/{memberId} -> 200; the host only */
void rooms_cohost_delete(struct request *req)
{
	cohost_change(req, req->params[1], 0);
}

/* "1,2,3" -> [1,2,3] */
static struct json_object *int_list(const char *text)
{
	struct json_object *a = json_object_new_array();

	for (const char *p = text; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
		json_object_array_add(a, json_object_new_int64(strtoll(p, NULL, 10)));
	return a;
}

static void ban_change(struct request *req, const char *member, int ban)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	enum db_result r;

	if (code == NULL)
		return;
	const char *params[] = { code, req->who.id, member, ban ? "true" : "false" };
	r = db_exec(&room_ban_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	const char *status = PQgetvalue(res, 0, 0);
	if (status_or_reply(req, status, room_ban_statuses) == NULL)
		goto out;
	long long revision = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "memberId", json_object_new_string(member));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	if (strcmp(status, "ok") == 0) {
		struct json_object *msg = json_object_new_object();
		json_object_object_add(msg, "memberId", json_object_new_string(member));
		if (ban) {
			struct json_object *ids = int_list(PQgetvalue(res, 0, 3));
			struct json_object *scores = int_list(PQgetvalue(res, 0, 4)), *pairs = json_object_new_array();

			for (size_t i = 0; i < json_object_array_length(ids); i++) {
				struct json_object *p = json_object_new_object();
				json_object_object_add(p, "entryId", json_object_get(json_object_array_get_idx(ids, i)));
				json_object_object_add(p, "score", json_object_get(json_object_array_get_idx(scores, i)));
				json_object_array_add(pairs, p);
			}
			json_object_put(ids);
			json_object_put(scores);
			json_object_object_add(msg, "removedEntryIds", int_list(PQgetvalue(res, 0, 2)));
			json_object_object_add(msg, "scores", pairs);
			json_object_object_add(data, "removedEntryIds", int_list(PQgetvalue(res, 0, 2)));
		}
		room_changed(req, code, revision, ban ? "member_banned" : "member_unbanned", msg);
	}
	reply_message(req, 200, ban ? "member banned" : "member unbanned", data);
out:
	PQclear(res);
}

/* POST /rooms/{code}/bans {memberId} -> 200; hosts only */
void rooms_ban_add(struct request *req)
{
	const char *member;

	if (field_string_or_reply(req, req->json, "memberId", 1, 64, &member) == 0)
		ban_change(req, member, 1);
}

/* DELETE /rooms/{code}/bans/{memberId} -> 200; hosts only */
void rooms_ban_delete(struct request *req)
{
	ban_change(req, req->params[1], 0);
}

/* GET /rooms/{code}/members -> {members: [{id, name, role, banned, played}]} */
void rooms_members(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;

	if (code == NULL)
		return;
	const char *params[] = { code };
	if ((res = query_or_reply(req, &room_members_stmt, params)) == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(req, 404, "room not found"); /* every room has its host as a member */
	} else {
		struct json_object *list = json_object_new_array(), *data = json_object_new_object();

		for (int i = 0; i < PQntuples(res); i++) {
			struct json_object *m = json_object_new_object();
			json_object_object_add(m, "id", json_object_new_string(PQgetvalue(res, i, 0)));
			json_object_object_add(m, "name", json_object_new_string(PQgetvalue(res, i, 1)));
			json_object_object_add(m, "role", json_object_new_string(PQgetvalue(res, i, 2)));
			json_object_object_add(m, "banned", json_object_new_boolean(PQgetvalue(res, i, 3)[0] == 't'));
			json_object_object_add(m, "played", json_object_new_int(atoi(PQgetvalue(res, i, 4))));
			json_object_array_add(list, m);
		}
		json_object_object_add(data, "members", list);
		reply_data(req, 200, data);
	}
	PQclear(res);
}

/* GET /rooms/{code}/history -> {entries: [... endedAt, endReason]}, newest first, at most 100 */
void rooms_history(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;

	if (code == NULL)
		return;
	const char *params[] = { code };
	if ((res = query_or_reply(req, &room_history_stmt, params)) == NULL)
		return;
	if (PQgetvalue(res, 0, 0)[0] != 't') {
		reply_error(req, 404, "room not found");
	} else {
		struct json_object *list = json_object_new_array(), *data = json_object_new_object();

		for (int i = 0; i < PQntuples(res); i++) {
			if (PQgetisnull(res, i, 1))
				continue;
			struct json_object *e = room_entry_json(res, i, 1, 1);
			json_object_object_del(e, "skipVotes");
			json_object_object_add(e, "endedAt", json_object_new_string(PQgetvalue(res, i, 1 + ROOM_ENTRY_COLUMNS)));
			json_object_object_add(e, "endReason", json_object_new_string(PQgetvalue(res, i, 2 + ROOM_ENTRY_COLUMNS)));
			json_object_array_add(list, e);
		}
		json_object_object_add(data, "entries", list);
		reply_data(req, 200, data);
	}
	PQclear(res);
}

/*
 * The caller as this room sees them, with their own votes: the shared queue
 * snapshot is one cached document for everybody, so a screen asks for what
 * is personal here. A caller who has not acted yet is a plain member.
 */
DB_STMT(room_me_stmt, 2,
	"SELECT m.member_id IS NOT NULL, m.name, m.role, m.banned,"
	"       (SELECT coalesce(json_agg(json_build_object('entryId', e.id, 'value', v.value) ORDER BY e.id), '[]')"
	"          FROM queue_entries e JOIN votes v ON v.entry_id = e.id AND v.voter_id = $2"
	"         WHERE e.room_id = r.id AND e.state IN ('waiting', 'playing') AND v.value <> 0),"
	"       EXISTS (SELECT 1 FROM queue_entries e JOIN skip_votes k ON k.entry_id = e.id AND k.member_id = $2"
	"                WHERE e.room_id = r.id AND e.state = 'playing')"
	"  FROM rooms r LEFT JOIN room_members m ON m.room_id = r.id AND m.member_id = $2"
	" WHERE r.code = $1");

/* GET /rooms/{code}/me -> {member: {id, name, role, banned}, votes: [{entryId, value}], skipVoted} */
void rooms_me(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;

	if (code == NULL)
		return;
	const char *params[] = { code, req->who.id };
	if ((res = query_or_reply(req, &room_me_stmt, params)) == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(req, 404, "room not found");
	} else {
		int known = PQgetvalue(res, 0, 0)[0] == 't';
		struct json_object *member = json_object_new_object(), *data = json_object_new_object();
		struct json_object *votes = json_tokener_parse(PQgetvalue(res, 0, 4));

		json_object_object_add(member, "id", json_object_new_string(req->who.id));
		json_object_object_add(member, "name", json_object_new_string(known ? PQgetvalue(res, 0, 1)
										   : room_member_name(req)));
		json_object_object_add(member, "role", json_object_new_string(known ? PQgetvalue(res, 0, 2) : "member"));
		json_object_object_add(member, "banned", json_object_new_boolean(known && PQgetvalue(res, 0, 3)[0] == 't'));
		json_object_object_add(data, "member", member);
		json_object_object_add(data, "votes", votes ? votes : json_object_new_array());
		json_object_object_add(data, "skipVoted", json_object_new_boolean(PQgetvalue(res, 0, 5)[0] == 't'));
		reply_data(req, 200, data);
	}
	PQclear(res);
}

/*
 * GET /rooms/{code}/qr.svg -> the join link as a QR code (image/svg+xml), for
 * the room's screen: phones scan it to join. One SVG path of dark modules,
 * with the quiet zone the standard asks for.
 */
DB_STMT(room_exists_stmt, 1, "SELECT 1 FROM rooms WHERE code = $1");

void rooms_qr(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	char *svg = NULL;
	size_t len = 0;
	FILE *out;
	QRcode *qr;
	PGresult *res = NULL;

	if (code == NULL)
		return;
	const char *params[] = { code };
	if ((res = query_or_reply(req, &room_exists_stmt, params)) == NULL)
		return;
	int found = PQntuples(res) > 0;
	PQclear(res);
	if (!found) {
		reply_error(req, 404, "room not found");
		return;
	}
	const char *link = req_printf(req, "%s/#/r/%s", config.public_base_url, code);
	qr = QRcode_encodeString(link, 0, QR_ECLEVEL_M, QR_MODE_8, 1);
	out = qr ? open_memstream(&svg, &len) : NULL;
	if (out == NULL) {
		QRcode_free(qr);
		reply_error(req, 500, "could not make the QR code");
		return;
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
	reply_file(req, "image/svg+xml", svg, len);
}
