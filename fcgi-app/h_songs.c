/* h_songs.c: the song catalog */
#include "cache.h"
#include "catalog.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "publish.h"
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Empty filters match everything; strpos needs no escaping of % or _. */
DB_STMT(songs_search_stmt, 2,
	"SELECT id, title, performer FROM songs"
	" WHERE ($1::text IS NULL OR strpos(lower(title), lower($1)) > 0)"
	"   AND ($2::text IS NULL OR strpos(lower(performer), lower($2)) > 0)"
	" ORDER BY lower(title), id LIMIT 500");

/* GET /songs?title=&performer= -> {songs: [{id, title, performer}]} */
void songs_search(struct request *req)
{
	const char *params[] = { req_query(req, "title"), req_query(req, "performer") };
	PGresult *res = NULL;
	enum db_result r = db_exec(&songs_search_stmt, params, &res);
	struct json_object *songs, *data;

	if (r != DB_OK) {
		reply_db_error(req, r, res);
		PQclear(res);
		return;
	}
	songs = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *song = json_object_new_object();

		json_object_object_add(song, "id", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(song, "title", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(song, "performer", json_object_new_string(PQgetvalue(res, i, 2)));
		json_object_array_add(songs, song);
	}
	data = json_object_new_object();
	json_object_object_add(data, "songs", songs);
	reply_data(req, 200, data);
	PQclear(res);
}

DB_STMT(song_insert, 8,
	"INSERT INTO songs (id, title, year, genre, performer, duration, album_id, created_by)"
	" SELECT $1, $2, $3::integer, $4, $5, $6::integer, $7, $8"
	"  WHERE $7::text IS NULL OR EXISTS (SELECT 1 FROM albums WHERE id = $7)"
	" RETURNING id");

DB_STMT(song_by_id, 1,
	"SELECT id, title, year, performer, genre, duration, album_id,"
	"       iso_time(inserted_at), iso_time(updated_at)"
	"  FROM songs WHERE id = $1");

/* The song and the snapshots that show it change together. */
DB_STMT(song_update, 7,
	"WITH s AS ("
	"  UPDATE songs SET title = $2, year = $3::integer, genre = $4, performer = $5,"
	"         duration = $6::integer, album_id = $7, updated_at = now()"
	"   WHERE id = $1 AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM albums WHERE id = $7))"
	"  RETURNING id)"
	" SELECT (SELECT count(*) FROM s), EXISTS (SELECT 1 FROM songs WHERE id = $1), t.key, t.version"
	"   FROM (SELECT 1) one LEFT JOIN song_touch($1) t ON EXISTS (SELECT 1 FROM s)");

DB_STMT(song_delete_stmt, 1, "SELECT status, key, version FROM song_delete($1)");

/* song_delete() */
const struct status_word song_delete_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_song", 404, "song not found" },
	{ "playing", 409, "the song is playing in a room: it can be deleted once it has finished" },
	STATUS_END,
};

/* Validated song body of POST and PUT, as statement text parameters 2..7. */
static int song_body_or_reply(struct request *req, const char *params[7], char year[16], char duration[16])
{
	const char *title, *genre, *performer, *album_id;
	int64_t y, d;
	int has_duration;

	if (field_string_or_reply(req, req->json, "title", 1, 200, &title) != 0 ||
	    field_int_or_reply(req, req->json, "year", 0, 9999, &y) != 0 ||
	    field_string_or_reply(req, req->json, "genre", 1, 100, &genre) != 0 ||
	    field_string_or_reply(req, req->json, "performer", 1, 200, &performer) != 0 ||
	    field_opt_int_or_reply(req, req->json, "duration", 0, 86400, &d, &has_duration) != 0 ||
	    field_opt_string_or_reply(req, req->json, "albumId", 1, 100, &album_id) != 0)
		return -1;
	snprintf(year, 16, "%lld", (long long)y);
	snprintf(duration, 16, "%lld", (long long)d);
	params[1] = title;
	params[2] = year;
	params[3] = genre;
	params[4] = performer;
	params[5] = has_duration ? duration : NULL;
	params[6] = album_id;
	/* Putting a song on an album changes the album: its creator's (or an admin's) to do. */
	if (album_id != NULL && catalog_may_change_or_reply(req, "album", album_id) != 0)
		return -1;
	return 0;
}

/* POST /songs {title, year, genre, performer, duration?, albumId?} -> 201 {songId} */
void songs_create(struct request *req)
{
	const char *params[8];
	char year[16], duration[16], id[40];
	PGresult *res = NULL;
	enum db_result r;

	if (song_body_or_reply(req, params, year, duration) != 0)
		return;
	ids_random("song", id, sizeof id);
	params[0] = id;
	params[7] = catalog_creator(req);
	r = db_exec(&song_insert, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else if (PQntuples(res) == 0) {
		reply_error(req, 404, "album not found");
	} else {
		struct json_object *data = json_object_new_object();

		json_object_object_add(data, "songId", json_object_new_string(id));
		reply_message(req, 201, "song added", data);
	}
	PQclear(res);
}

/* GET /songs/{id} -> {song: {id, title, year, performer, genre, duration, albumId, insertedAt, updatedAt}} */
void songs_get(struct request *req)
{
	const char *params[] = { req->params[0] };
	PGresult *res = NULL;
	enum db_result r = db_exec(&song_by_id, params, &res);

	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else if (PQntuples(res) == 0) {
		reply_error(req, 404, "song not found");
	} else {
		struct json_object *song = json_object_new_object(), *data = json_object_new_object();

		json_object_object_add(song, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
		json_object_object_add(song, "title", json_object_new_string(PQgetvalue(res, 0, 1)));
		json_object_object_add(song, "year", json_object_new_int(atoi(PQgetvalue(res, 0, 2))));
		json_object_object_add(song, "performer", json_object_new_string(PQgetvalue(res, 0, 3)));
		json_object_object_add(song, "genre", json_object_new_string(PQgetvalue(res, 0, 4)));
		json_object_object_add(song, "duration", PQgetisnull(res, 0, 5) ? NULL :
				       json_object_new_int(atoi(PQgetvalue(res, 0, 5))));
		json_object_object_add(song, "albumId", PQgetisnull(res, 0, 6) ? NULL :
				       json_object_new_string(PQgetvalue(res, 0, 6)));
		json_object_object_add(song, "insertedAt", json_object_new_string(PQgetvalue(res, 0, 7)));
		json_object_object_add(song, "updatedAt", json_object_new_string(PQgetvalue(res, 0, 8)));
		json_object_object_add(data, "song", song);
		reply_data(req, 200, data);
	}
	PQclear(res);
}

/*
 * After a song changed (song set: its new fields) or was deleted (NULL):
 * invalidate the (key, version) pairs in columns kcol, kcol+1 of every row,
 * then tell whoever shows it. A room gets song_changed or song_removed
 * (docs/protocol.md), so its screens need not wait for their watchdog; a
 * personal queue's devices get "catalog" and fetch the queue again.
 */
static void song_touched(const PGresult *res, int kcol, const char *song_id, struct json_object *song)
{
	for (int i = 0; i < PQntuples(res); i++) {
		const char *key = PQgetvalue(res, i, kcol);
		long long version = strtoll(PQgetvalue(res, i, kcol + 1), NULL, 10);
		struct json_object *msg;
		char channel[96];

		if (PQgetisnull(res, i, kcol))
			continue;
		cache_invalidate(key, version);
		msg = json_object_new_object();
		if (strncmp(key, "me_queue:", 9) == 0) {
			snprintf(channel, sizeof channel, "users/%s", key + 9);
			json_object_object_add(msg, "type", json_object_new_string("catalog"));
		} else if (strncmp(key, "queue:", 6) == 0) {
			snprintf(channel, sizeof channel, "rooms/%s", key + 6);
			json_object_object_add(msg, "type", json_object_new_string(song ? "song_changed" : "song_removed"));
		} else {
			json_object_put(msg);
			continue;
		}
		json_object_object_add(msg, "revision", json_object_new_int64(version));
		json_object_object_add(msg, "songId", json_object_new_string(song_id));
		if (song != NULL && key[0] == 'q')
			json_object_object_add(msg, "song", json_object_get(song));
		publish_send(channel, json_object_to_json_string_ext(msg, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(msg);
	}
}

/* PUT /songs/{id} (the POST body) -> 200 */
void songs_update(struct request *req)
{
	const char *params[7];
	char year[16], duration[16];
	PGresult *res = NULL;
	enum db_result r;

	if (song_body_or_reply(req, params, year, duration) != 0 ||
	    catalog_may_change_or_reply(req, "song", req->params[0]) != 0)
		return;
	params[0] = req->params[0];
	r = db_exec(&song_update, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else if (strcmp(PQgetvalue(res, 0, 0), "0") == 0) {
		reply_error(req, 404, strcmp(PQgetvalue(res, 0, 1), "t") == 0 ? "album not found"
									       : "song not found");
	} else {
		struct json_object *song = json_object_new_object();

		json_object_object_add(song, "title", json_object_new_string(params[1]));
		json_object_object_add(song, "performer", json_object_new_string(params[4]));
		json_object_object_add(song, "duration", params[5] ? json_object_new_int(atoi(params[5])) : NULL);
		song_touched(res, 2, req->params[0], song);
		json_object_put(song);
		reply_message(req, 200, "song updated", NULL);
	}
	PQclear(res);
}

/* DELETE /songs/{id} -> 200; 409 while it plays in a room */
void songs_delete(struct request *req)
{
	const char *params[] = { req->params[0] };
	PGresult *res;
	const char *status;

	if (catalog_may_change_or_reply(req, "song", req->params[0]) != 0 ||
	    (res = query_or_reply(req, &song_delete_stmt, params)) == NULL)
		return;
	status = PQgetvalue(res, 0, 0);
	if (status_or_reply(req, status, song_delete_statuses) != NULL) {
		song_touched(res, 1, req->params[0], NULL);
		reply_message(req, 200, "song deleted", NULL);
	}
	PQclear(res);
}
