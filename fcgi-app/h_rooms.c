/* h_rooms.c: rooms, their shared queue and the votes on it */
#include "cache.h"
#include "db.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_TTL 3600 /* seconds; every write invalidates sooner */

DB_STMT(room_insert, 5,
	"INSERT INTO rooms (id, code, name, host_id, host_name) VALUES ($1, $2, $3, $4, $5)"
	" RETURNING id, code, name, revision, host_id, host_name, iso_time(created_at)");

DB_STMT(room_by_code, 1,
	"SELECT id, code, name, revision, host_id, host_name, iso_time(created_at)"
	" FROM rooms WHERE code = $1");

/*
 * One statement, so one snapshot: the revision and the entries always agree.
 * A room without waiting entries still yields one row (entry columns NULL).
 */
DB_STMT(queue_snapshot, 1,
	"SELECT r.revision, e.id, e.song_id, s.title, s.performer, s.duration, e.score,"
	"       e.added_by_id, e.added_by_name, iso_time(e.added_at)"
	"  FROM rooms r"
	"  LEFT JOIN queue_entries e ON e.room_id = r.id AND e.state = 'waiting'"
	"  LEFT JOIN songs s ON s.id = e.song_id"
	" WHERE r.code = $1"
	" ORDER BY e.score DESC, e.id ASC");

DB_STMT(queue_add_stmt, 4,
	"SELECT status, entry_id, revision, added_at, title, performer, duration"
	"  FROM queue_add($1, $2, $3, $4)");

DB_STMT(queue_vote_stmt, 4,
	"SELECT status, score, revision FROM queue_vote($1, $2::bigint, $3, $4::integer)");

/* The room code of the path, canonical; replies 404 and returns NULL if it cannot be one. */
static const char *room_code_or_reply(struct request *req, const char *raw)
{
	char code[ROOM_CODE_LEN + 1];

	if (ids_normalize_room_code(raw, code) != 0) {
		reply_error(req, 404, "room not found");
		return NULL;
	}
	return req_strdup(req, code);
}

/* A positive integer path segment as text; replies 404 and returns NULL otherwise. */
static const char *entry_id_or_reply(struct request *req, const char *raw)
{
	size_t n = strlen(raw);

	if (n == 0 || n > 18 || strspn(raw, "0123456789") != n || raw[0] == '0') {
		reply_error(req, 404, "queue entry not found");
		return NULL;
	}
	return raw;
}

static struct json_object *json_int_text(const char *text)
{
	return json_object_new_int64(text ? strtoll(text, NULL, 10) : 0);
}

static struct json_object *json_text_or_null(const char *text)
{
	return text ? json_object_new_string(text) : NULL;
}

/* A room from a row of room_insert or room_by_code. Caller owns it. */
static struct json_object *room_json(const PGresult *res)
{
	struct json_object *room = json_object_new_object(), *host = json_object_new_object();

	json_object_object_add(room, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
	json_object_object_add(room, "code", json_object_new_string(PQgetvalue(res, 0, 1)));
	json_object_object_add(room, "name", json_object_new_string(PQgetvalue(res, 0, 2)));
	json_object_object_add(room, "revision", json_int_text(PQgetvalue(res, 0, 3)));
	json_object_object_add(host, "id", json_object_new_string(PQgetvalue(res, 0, 4)));
	json_object_object_add(host, "name", json_object_new_string(PQgetvalue(res, 0, 5)));
	json_object_object_add(room, "host", host);
	json_object_object_add(room, "createdAt", json_object_new_string(PQgetvalue(res, 0, 6)));
	return room;
}

/* The queue entry shape shared by snapshots and change messages. Caller owns it. */
static struct json_object *entry_json(const char *id, const char *song_id, const char *title,
				      const char *performer, const char *duration,
				      const char *score, const char *by_id, const char *by_name,
				      const char *added_at)
{
	struct json_object *entry = json_object_new_object();
	struct json_object *song = json_object_new_object(), *by = json_object_new_object();

	json_object_object_add(entry, "id", json_int_text(id));
	json_object_object_add(song, "id", json_object_new_string(song_id));
	json_object_object_add(song, "title", json_object_new_string(title));
	json_object_object_add(song, "performer", json_object_new_string(performer));
	json_object_object_add(song, "duration", duration ? json_int_text(duration) : NULL);
	json_object_object_add(entry, "song", song);
	json_object_object_add(entry, "score", json_int_text(score));
	json_object_object_add(by, "id", json_object_new_string(by_id));
	json_object_object_add(by, "name", json_object_new_string(by_name));
	json_object_object_add(entry, "addedBy", by);
	json_object_object_add(entry, "addedAt", json_text_or_null(added_at));
	return entry;
}

/* Serialise msg, queue it for the room's channel, and release it. */
static void publish_change(struct request *req, const char *code, struct json_object *msg)
{
	char channel[32];

	snprintf(channel, sizeof channel, "rooms/%s", code);
	reply_publish(req, channel, json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN));
	json_object_put(msg);
}

/* POST /rooms {"name"} -> 201 {room}; the caller becomes the host. */
void rooms_create(struct request *req)
{
	const char *name;
	char id[40], code[ROOM_CODE_LEN + 1];
	PGresult *res = NULL;
	enum db_result r = DB_FAILED;
	struct json_object *data;

	if (json_string_or_reply(req, req->json, "name", 1, 80, &name) != 0)
		return;
	ids_random("room", id, sizeof id);
	const char *host_name = req->who.name[0] ? req->who.name : req->who.id;
	/* 31^6 codes: a collision is rare, and a new code settles it. */
	for (int attempt = 0; attempt < 8; attempt++) {
		ids_room_code(code);
		const char *params[] = { id, code, name, req->who.id, host_name };
		PQclear(res);
		r = db_exec(&room_insert, params, &res);
		if (r != DB_FAILED || strcmp(db_sqlstate(res), "23505") != 0)
			break;
	}
	if (r != DB_OK) {
		db_reply_error(req, r, res);
		PQclear(res);
		return;
	}
	data = json_object_new_object();
	json_object_object_add(data, "room", room_json(res));
	reply_data(req, 201, data);
	PQclear(res);
}

/* GET /rooms/{code} -> {room} */
void rooms_get(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	enum db_result r;
	struct json_object *data;

	if (code == NULL)
		return;
	const char *params[] = { code };
	r = db_exec(&room_by_code, params, &res);
	if (r != DB_OK)
		db_reply_error(req, r, res);
	else if (PQntuples(res) == 0)
		reply_error(req, 404, "room not found");
	else {
		data = json_object_new_object();
		json_object_object_add(data, "room", room_json(res));
		reply_data(req, 200, data);
	}
	PQclear(res);
}

/* Does an If-None-Match header name revision ("*", a list, weak tags)? */
static int etag_matches(const char *header, long long revision)
{
	char want[32];
	const char *p = header;

	if (header == NULL)
		return 0;
	snprintf(want, sizeof want, "\"%lld\"", revision);
	while (*p != '\0') {
		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*')
			return 1;
		if (strncmp(p, want, strlen(want)) == 0)
			return 1;
		p += strcspn(p, ",");
	}
	return 0;
}

/* GET /rooms/{code}/queue -> {code, revision, entries}, ETag = revision */
void queue_get(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	char *cached = NULL;
	long long revision = 0;
	enum cache_result cr;
	PGresult *res = NULL;
	enum db_result r;
	struct json_object *data, *entries;

	if (code == NULL)
		return;
	const char *key = req_printf(req, "queue:%s", code);
	cr = cache_get(key, &cached, NULL, &revision);
	if (cr == CACHE_HIT) {
		req->res.data_source = "cache";
		snprintf(req->res.etag, sizeof req->res.etag, "%lld", revision);
		if (etag_matches(req->if_none_match, revision))
			req->res.status = 304;
		else
			reply_raw_data(req, 200, cached);
		free(cached);
		return;
	}
	const char *params[] = { code };
	r = db_exec(&queue_snapshot, params, &res);
	if (r != DB_OK) {
		db_reply_error(req, r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		reply_error(req, 404, "room not found");
		goto out;
	}
	revision = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	entries = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 1))
			continue;
		json_object_array_add(entries, entry_json(
			db_value(res, i, 1), db_value(res, i, 2), db_value(res, i, 3),
			db_value(res, i, 4), db_value(res, i, 5), db_value(res, i, 6),
			db_value(res, i, 7), db_value(res, i, 8), db_value(res, i, 9)));
	}
	data = json_object_new_object();
	json_object_object_add(data, "code", json_object_new_string(code));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	json_object_object_add(data, "entries", entries);
	const char *text = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (cr == CACHE_MISS)
		cache_put(key, revision, text, NULL, QUEUE_TTL);
	req->res.data_source = "database";
	snprintf(req->res.etag, sizeof req->res.etag, "%lld", revision);
	if (etag_matches(req->if_none_match, revision))
		req->res.status = 304;
	else
		reply_raw_data(req, 200, text);
	json_object_put(data);
out:
	PQclear(res);
}

static const struct db_status_reply add_refusals[] = {
	{ "no_room", 404, "room not found" },
	{ "no_song", 404, "song not found" },
	{ NULL, 0, NULL },
};

static const struct db_status_reply vote_refusals[] = {
	{ "no_room", 404, "room not found" },
	{ "no_entry", 404, "queue entry not found" },
	{ "not_waiting", 409, "that entry is no longer waiting in the queue" },
	{ NULL, 0, NULL },
};

/* POST /rooms/{code}/queue {"songId"} -> 201 {entry, revision} */
void queue_add(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *song_id;
	PGresult *res = NULL;
	enum db_result r;
	struct json_object *data, *msg;
	long long revision;

	if (code == NULL || json_string_or_reply(req, req->json, "songId", 1, 100, &song_id) != 0)
		return;
	const char *by_name = req->who.name[0] ? req->who.name : req->who.id;
	const char *params[] = { code, song_id, req->who.id, by_name };
	r = db_exec(&queue_add_stmt, params, &res);
	if (r != DB_OK) {
		db_reply_error(req, r, res);
		goto out;
	}
	if (db_status_or_reply(req, PQgetvalue(res, 0, 0), add_refusals) != 0)
		goto out;
	revision = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	cache_invalidate(req_printf(req, "queue:%s", code), revision);

	struct json_object *entry = entry_json(
		db_value(res, 0, 1), song_id, db_value(res, 0, 4), db_value(res, 0, 5),
		db_value(res, 0, 6), "0", req->who.id, by_name, db_value(res, 0, 3));
	msg = json_object_new_object();
	json_object_object_add(msg, "type", json_object_new_string("entry_added"));
	json_object_object_add(msg, "revision", json_object_new_int64(revision));
	json_object_object_add(msg, "entry", json_object_get(entry));
	publish_change(req, code, msg);

	data = json_object_new_object();
	json_object_object_add(data, "entry", entry);
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	reply_data(req, 201, data);
out:
	PQclear(res);
}

/* PUT /rooms/{code}/queue/{entryId}/vote {"value": -1|0|1} -> 200 {entryId, value, score, revision} */
void queue_vote(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *entry_id = code ? entry_id_or_reply(req, req->params[1]) : NULL;
	int64_t value;
	char value_text[8];
	PGresult *res = NULL;
	enum db_result r;
	const char *status;
	struct json_object *data, *msg;

	if (entry_id == NULL || json_int_or_reply(req, req->json, "value", -1, 1, &value) != 0)
		return;
	snprintf(value_text, sizeof value_text, "%d", (int)value);
	const char *params[] = { code, entry_id, req->who.id, value_text };
	r = db_exec(&queue_vote_stmt, params, &res);
	if (r != DB_OK) {
		db_reply_error(req, r, res);
		goto out;
	}
	status = PQgetvalue(res, 0, 0);
	if (db_status_or_reply(req, status, vote_refusals) != 0)
		goto out;
	long long revision = strtoll(PQgetvalue(res, 0, 2), NULL, 10);
	long long score = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	long long entry = strtoll(entry_id, NULL, 10);

	if (strcmp(status, "ok") == 0) {
		cache_invalidate(req_printf(req, "queue:%s", code), revision);
		msg = json_object_new_object();
		json_object_object_add(msg, "type", json_object_new_string("vote"));
		json_object_object_add(msg, "revision", json_object_new_int64(revision));
		json_object_object_add(msg, "entryId", json_object_new_int64(entry));
		json_object_object_add(msg, "score", json_object_new_int64(score));
		publish_change(req, code, msg);
	}
	data = json_object_new_object();
	json_object_object_add(data, "entryId", json_object_new_int64(entry));
	json_object_object_add(data, "value", json_object_new_int64(value));
	json_object_object_add(data, "score", json_object_new_int64(score));
	json_object_object_add(data, "revision", json_object_new_int64(revision));
	json_object_object_add(data, "changed", json_object_new_boolean(strcmp(status, "ok") == 0));
	reply_data(req, 200, data);
out:
	PQclear(res);
}
