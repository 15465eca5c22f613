/* h_playlists.c: private playlists, their songs and their activity log */
#include "cache.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"

#include <stdlib.h>
#include <string.h>


DB_STMT(playlist_insert, 3, "INSERT INTO playlists (id, name, owner) VALUES ($1, $2, $3)");

DB_STMT(playlists_of_user, 1,
	"SELECT p.id, p.name, u.username FROM playlists p JOIN users u ON u.id = p.owner"
	" WHERE p.owner = $1"
	"    OR p.id IN (SELECT c.playlist_id FROM collaborations c WHERE c.user_id = $1)"
	" ORDER BY p.created_at, p.id");

DB_STMT(playlist_delete, 2,
	"WITH a AS (SELECT playlist_access($1, $2) AS access),"
	"     d AS (DELETE FROM playlists p WHERE p.id = $1 AND (SELECT access FROM a) = 'owner'"
	"           RETURNING p.version)"
	" SELECT (SELECT access FROM a), (SELECT version FROM d)");

/*
 * One query with JOINs: the playlist, its owner's name, the users who may read
 * it (for the cached copy) and its songs in the order they were added.
 */
DB_STMT(playlist_with_songs, 1,
	"SELECT p.id, p.name, u.username, p.version, p.owner,"
	"       (SELECT string_agg(c.user_id, ',') FROM collaborations c WHERE c.playlist_id = p.id),"
	"       s.id, s.title, s.performer"
	"  FROM playlists p JOIN users u ON u.id = p.owner"
	"  LEFT JOIN playlist_songs ps ON ps.playlist_id = p.id"
	"  LEFT JOIN songs s ON s.id = ps.song_id"
	" WHERE p.id = $1 ORDER BY ps.added_at, s.id");

DB_STMT(playlist_song_change_stmt, 4,
	"SELECT status, version FROM playlist_song_change($1, $2, $3, $4)");

DB_STMT(playlist_access_stmt, 2, "SELECT playlist_access($1, $2)");

DB_STMT(playlist_activities, 1,
	"SELECT username, title, action, iso_time(time) FROM playlist_song_activities"
	" WHERE playlist_id = $1 ORDER BY id");

/* POST /playlists {name} -> 201 {playlistId} */
void playlists_create(struct request *req)
{
	const char *name;
	char id[40];
	PGresult *res = NULL;
	enum db_result r;

	if (field_string_or_reply(req, req->json, "name", 1, 200, &name) != 0)
		return;
	ids_random("playlist", id, sizeof id);
	const char *params[] = { id, name, req->who.id };
	r = db_exec(&playlist_insert, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else {
		struct json_object *data = json_object_new_object();

		json_object_object_add(data, "playlistId", json_object_new_string(id));
		reply_message(req, 201, "playlist added", data);
	}
	PQclear(res);
}

/* GET /playlists -> {playlists: [{id, name, username}]}: own and collaborated */
void playlists_list(struct request *req)
{
	PGresult *res = NULL;
	enum db_result r;

	const char *params[] = { req->who.id };
	r = db_exec(&playlists_of_user, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else {
		struct json_object *list = json_object_new_array(), *data = json_object_new_object();

		for (int i = 0; i < PQntuples(res); i++) {
			struct json_object *p = json_object_new_object();

			json_object_object_add(p, "id", json_object_new_string(PQgetvalue(res, i, 0)));
			json_object_object_add(p, "name", json_object_new_string(PQgetvalue(res, i, 1)));
			json_object_object_add(p, "username", json_object_new_string(PQgetvalue(res, i, 2)));
			json_object_array_add(list, p);
		}
		json_object_object_add(data, "playlists", list);
		reply_data(req, 200, data);
	}
	PQclear(res);
}

/* 404 for none, 403 for the others not in allowed ("owner" or "member"); 0 when allowed. */
static int access_or_reply(struct request *req, const char *access, int owner_only)
{
	if (strcmp(access, "none") == 0) {
		reply_error(req, 404, "playlist not found");
		return -1;
	}
	if (strcmp(access, "owner") == 0 || (!owner_only && strcmp(access, "collaborator") == 0))
		return 0;
	reply_error(req, 403, owner_only ? "only the playlist's owner may do this"
					 : "you may not access this playlist");
	return -1;
}

/* DELETE /playlists/{id} -> 200, owner only */
void playlists_delete(struct request *req)
{
	PGresult *res = NULL;
	enum db_result r;

	const char *params[] = { req->params[0], req->who.id };
	r = db_exec(&playlist_delete, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else if (access_or_reply(req, PQgetvalue(res, 0, 0), 1) == 0) {
		cache_invalidate(req_printf(req, "playlist:%s", req->params[0]),
				 strtoll(PQgetvalue(res, 0, 1), NULL, 10) + 1);
		reply_message(req, 200, "playlist deleted", NULL);
	}
	PQclear(res);
}

/* Is user the owner or in the comma-separated collaborator list? */
static int may_read(const char *owner, const char *collaborators, const char *user)
{
	size_t n = strlen(user);
	const char *p = collaborators;

	if (strcmp(owner, user) == 0)
		return 1;
	while (p != NULL && *p != '\0') {
		if (strncmp(p, user, n) == 0 && (p[n] == ',' || p[n] == '\0'))
			return 1;
		p = strchr(p, ',');
		if (p != NULL)
			p++;
	}
	return 0;
}

/* GET /playlists/{id}/songs -> {playlist: {id, name, username, songs}}; cached */
void playlist_songs_list(struct request *req)
{
	const char *key;
	char *cached = NULL, *meta = NULL;
	long long version;
	enum cache_result cr;
	PGresult *res = NULL;
	enum db_result r;

	key = req_printf(req, "playlist:%s", req->params[0]);
	cr = cache_get(key, &cached, &meta, &version);
	if (cr == CACHE_HIT && meta != NULL) {
		/* meta is "owner;collaborator,collaborator" */
		char *semi = strchr(meta, ';');
		if (semi != NULL) {
			*semi = '\0';
			if (may_read(meta, semi + 1, req->who.id)) {
				req->res.data_source = "cache";
				reply_raw_data(req, 200, cached);
			} else {
				reply_error(req, 403, "you may not access this playlist");
			}
			free(cached);
			free(meta);
			return;
		}
	}
	free(cached);
	free(meta);

	const char *params[] = { req->params[0] };
	r = db_exec(&playlist_with_songs, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		reply_error(req, 404, "playlist not found");
		goto out;
	}
	const char *owner = PQgetvalue(res, 0, 4), *collaborators = PQgetvalue(res, 0, 5);
	struct json_object *playlist = json_object_new_object(), *songs = json_object_new_array();
	json_object_object_add(playlist, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
	json_object_object_add(playlist, "name", json_object_new_string(PQgetvalue(res, 0, 1)));
	json_object_object_add(playlist, "username", json_object_new_string(PQgetvalue(res, 0, 2)));
	for (int i = 0; i < PQntuples(res); i++) {
		if (PQgetisnull(res, i, 6))
			continue;
		struct json_object *song = json_object_new_object();
		json_object_object_add(song, "id", json_object_new_string(PQgetvalue(res, i, 6)));
		json_object_object_add(song, "title", json_object_new_string(PQgetvalue(res, i, 7)));
		json_object_object_add(song, "performer", json_object_new_string(PQgetvalue(res, i, 8)));
		json_object_array_add(songs, song);
	}
	json_object_object_add(playlist, "songs", songs);
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "playlist", playlist);
	const char *text = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
	if (cr == CACHE_MISS)
		cache_put(key, strtoll(PQgetvalue(res, 0, 3), NULL, 10), text,
			  req_printf(req, "%s;%s", owner, collaborators), CACHE_TTL);
	if (may_read(owner, collaborators, req->who.id)) {
		req->res.data_source = "database";
		reply_raw_data(req, 200, text);
	} else {
		reply_error(req, 403, "you may not access this playlist");
	}
	json_object_put(data);
out:
	PQclear(res);
}

/* playlist_song_change(): add answers 201, remove 200 */
const struct status_word playlist_song_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_playlist", 404, "playlist not found" },
	{ "forbidden", 403, "you may not access this playlist" },
	{ "no_song", 404, "song not found" },
	{ "duplicate", 400, "the song is already in the playlist" },
	{ "absent", 404, "the song is not in the playlist" },
	STATUS_END,
};

static void song_change(struct request *req, const char *action)
{
	const char *song_id;
	PGresult *res = NULL;
	enum db_result r;
	int add = strcmp(action, "add") == 0;

	if (field_string_or_reply(req, req->json, "songId", 1, 100, &song_id) != 0)
		return;
	const char *params[] = { req->params[0], song_id, req->who.id, action };
	r = db_exec(&playlist_song_change_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (status_or_reply(req, PQgetvalue(res, 0, 0), playlist_song_statuses) != NULL) {
		cache_invalidate(req_printf(req, "playlist:%s", req->params[0]),
				 strtoll(PQgetvalue(res, 0, 1), NULL, 10));
		reply_message(req, add ? 201 : 200,
			      add ? "song added to the playlist" : "song removed from the playlist", NULL);
	}
out:
	PQclear(res);
}

/* POST /playlists/{id}/songs {songId} -> 201 */
void playlist_songs_add(struct request *req)
{
	song_change(req, "add");
}

/* DELETE /playlists/{id}/songs {songId} -> 200 */
void playlist_songs_delete(struct request *req)
{
	song_change(req, "delete");
}

/* GET /playlists/{id}/activities -> {playlistId, activities: [{username, title, action, time}]} */
void playlist_activities_list(struct request *req)
{
	PGresult *acc = NULL, *res = NULL;
	enum db_result r;

	const char *params[] = { req->params[0], req->who.id };
	r = db_exec(&playlist_access_stmt, params, &acc);
	if (r != DB_OK) {
		reply_db_error(req, r, acc);
		goto out;
	}
	if (access_or_reply(req, PQgetvalue(acc, 0, 0), 0) != 0)
		goto out;
	r = db_exec(&playlist_activities, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	struct json_object *list = json_object_new_array(), *data = json_object_new_object();
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *a = json_object_new_object();

		json_object_object_add(a, "username", json_object_new_string(PQgetvalue(res, i, 0)));
		json_object_object_add(a, "title", json_object_new_string(PQgetvalue(res, i, 1)));
		json_object_object_add(a, "action", json_object_new_string(PQgetvalue(res, i, 2)));
		json_object_object_add(a, "time", json_object_new_string(PQgetvalue(res, i, 3)));
		json_object_array_add(list, a);
	}
	json_object_object_add(data, "playlistId", json_object_new_string(req->params[0]));
	json_object_object_add(data, "activities", list);
	reply_data(req, 200, data);
out:
	PQclear(acc);
	PQclear(res);
}
