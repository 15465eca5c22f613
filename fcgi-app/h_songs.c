/* h_songs.c: the song catalog */
#include "cache.h"
#include "catalog.h"
#include "db.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "publish.h"
#include "query.h"
#include "queue_cache.h"
#include "request.h"
#include "room_request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Empty filters match everything; strpos needs no escaping of % or _. */
DB_STMT(songs_search_stmt, 2,
	"SELECT id AS song_id, title, performer FROM songs"
	" WHERE ($1::text IS NULL OR strpos(lower(title), lower($1)) > 0)"
	"   AND ($2::text IS NULL OR strpos(lower(performer), lower($2)) > 0)"
	" ORDER BY lower(title), id LIMIT 500");

DB_STMT(song_insert, 8,
	"INSERT INTO songs (id, title, year, genre, performer, duration, album_id, created_by)"
	" SELECT $1, $2, $3::integer, $4, $5, $6::integer, $7, $8"
	"  WHERE $7::text IS NULL OR EXISTS (SELECT 1 FROM albums WHERE id = $7)"
	" RETURNING id");

DB_STMT(song_by_id, 1,
	"SELECT id, title, year, performer, genre, duration, album_id,"
	"       iso_time(inserted_at) AS inserted_at, iso_time(updated_at) AS updated_at"
	"  FROM songs WHERE id = $1");

/* The song and the snapshots that show it change together. */
DB_STMT(song_update, 7,
	"WITH s AS ("
	"  UPDATE songs SET title = $2, year = $3::integer, genre = $4, performer = $5,"
	"         duration = $6::integer, album_id = $7, updated_at = now()"
	"   WHERE id = $1 AND ($7::text IS NULL OR EXISTS (SELECT 1 FROM albums WHERE id = $7))"
	"  RETURNING id)"
	" SELECT (SELECT count(*) FROM s) AS updated,"
	"        EXISTS (SELECT 1 FROM songs WHERE id = $1) AS song_exists, t.key, t.version"
	"   FROM (SELECT 1) one LEFT JOIN song_touch($1) t ON EXISTS (SELECT 1 FROM s)");

DB_STMT(song_delete_stmt, 1, "SELECT status, key, version FROM song_delete($1)");

/* song_delete() */
const struct status_word song_delete_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_song", 404, "song not found" },
	{ "playing", 409, "the song is playing in a room: it can be deleted once it has finished" },
	STATUS_END,
};

/* GET /songs?title=&performer= -> {songs: [{id, title, performer}]} */
void songs_search(struct request *req)
{
	const char *params[] = { req_query(req, "title"), req_query(req, "performer") };
	PGresult *res = query_or_reply(req, &songs_search_stmt, params);
	struct json_object *data;

	if (res == NULL)
		return;
	data = json_object_new_object();
	json_object_object_add(data, "songs", song_summaries_json(res));
	reply_data(req, 200, data);
	PQclear(res);
}

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
	struct json_object *data;

	if (song_body_or_reply(req, params, year, duration) != 0)
		return;
	ids_random("song", id, sizeof id);
	params[0] = id;
	params[7] = catalog_creator(req);
	/* No row: the insert found no such album. */
	res = query_row_or_reply(req, &song_insert, params, "album not found");
	if (res == NULL)
		goto out;
	data = json_object_new_object();
	json_object_object_add(data, "songId", json_object_new_string(id));
	reply_message(req, 201, "song added", data);
out:
	PQclear(res);
}

/*
 * The song object of GET /songs/{id}: {id, title, year, performer, genre,
 * duration, albumId, insertedAt, updatedAt} from song_by_id's columns.
 */
static const struct column_field song_fields[] = {
	{ "id", "id", col_json_text },
	{ "title", "title", col_json_text },
	{ "year", "year", col_json_int },
	{ "performer", "performer", col_json_text },
	{ "genre", "genre", col_json_text },
	{ "duration", "duration", col_json_int },
	{ "albumId", "album_id", col_json_text },
	{ "insertedAt", "inserted_at", col_json_text },
	{ "updatedAt", "updated_at", col_json_text },
	{ NULL, NULL, NULL },
};

static struct json_object *song_json(const PGresult *res, int row)
{
	return col_fields_json(json_object_new_object(), res, row, song_fields);
}

/* GET /songs/{id} -> {song: {id, title, year, performer, genre, duration, albumId, insertedAt, updatedAt}} */
void songs_get(struct request *req)
{
	const char *params[] = { req->params[0] };
	PGresult *res = query_row_or_reply(req, &song_by_id, params, "song not found");
	struct json_object *data;

	if (res == NULL)
		return;
	data = json_object_new_object();
	json_object_object_add(data, "song", song_json(res, 0));
	reply_data(req, 200, data);
	PQclear(res);
}

/*
 * The channel that shows the snapshot cache key and the message type it gets
 * for a changed (changed set) or deleted song: a room gets song_changed or
 * song_removed (docs/protocol.md), so its screens need not wait for their
 * watchdog; a personal queue's devices get "catalog" and fetch the queue
 * again. NULL for a key nobody watches live (a playlist's).
 */
static const char *song_change_channel(const char *key, int changed, char *channel, size_t cap)
{
	const char *code;

	if (strncmp(key, "me_queue:", 9) == 0) {
		snprintf(channel, cap, "users/%s", key + 9);
		return "catalog";
	}
	if ((code = queue_cache_room_of_key(key)) != NULL) {
		room_channel(channel, cap, code);
		return changed ? "song_changed" : "song_removed";
	}
	return NULL;
}

/*
 * After a song changed (song set: its new fields) or was deleted (NULL):
 * invalidate the snapshot in the columns key and version of every row, then
 * tell whoever shows it live. A room's message carries the new fields.
 */
static void song_change_announce(const PGresult *res, const char *song_id, struct json_object *song)
{
	for (int i = 0; i < PQntuples(res); i++) {
		const char *key = db_text_or_null(res, i, "key"), *type;
		long long version = db_long(res, i, "version");
		struct json_object *msg;
		char channel[96];

		if (key == NULL)
			continue;
		cache_invalidate(key, version);
		type = song_change_channel(key, song != NULL, channel, sizeof channel);
		if (type == NULL)
			continue;
		msg = json_object_new_object();
		json_object_object_add(msg, "type", json_object_new_string(type));
		json_object_object_add(msg, "revision", json_object_new_int64(version));
		json_object_object_add(msg, "songId", json_object_new_string(song_id));
		if (song != NULL && queue_cache_room_of_key(key) != NULL)
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
	struct json_object *song;

	if (song_body_or_reply(req, params, year, duration) != 0 ||
	    catalog_may_change_or_reply(req, "song", req->params[0]) != 0)
		return;
	params[0] = req->params[0];
	res = query_or_reply(req, &song_update, params);
	if (res == NULL)
		goto out;
	if (db_long(res, 0, "updated") == 0) {
		/* The song is there, so the album it names is not. */
		reply_error(req, 404, db_bool(res, 0, "song_exists") ? "album not found" : "song not found");
		goto out;
	}
	/* What a room's screens show of a song; the rest they fetch. */
	song = json_object_new_object();
	json_object_object_add(song, "title", json_object_new_string(params[1]));
	json_object_object_add(song, "performer", json_object_new_string(params[4]));
	json_object_object_add(song, "duration", params[5] ? json_object_new_int(atoi(params[5])) : NULL);
	song_change_announce(res, req->params[0], song);
	json_object_put(song);
	reply_message(req, 200, "song updated", NULL);
out:
	PQclear(res);
}

/* DELETE /songs/{id} -> 200; 409 while it plays in a room */
void songs_delete(struct request *req)
{
	const char *params[] = { req->params[0] };
	PGresult *res = NULL;

	if (catalog_may_change_or_reply(req, "song", req->params[0]) != 0)
		return;
	res = query_or_reply(req, &song_delete_stmt, params);
	if (res == NULL || status_or_reply(req, db_text(res, 0, "status"), song_delete_statuses) == NULL)
		goto out;
	song_change_announce(res, req->params[0], NULL);
	reply_message(req, 200, "song deleted", NULL);
out:
	PQclear(res);
}
