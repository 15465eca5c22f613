/* h_playlists.c: private playlists, their songs and their activity log */
#include "cache.h"
#include "catalog.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
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
	" SELECT (SELECT access FROM a) AS access, (SELECT version FROM d) AS version");

/*
 * One query with JOINs: the playlist, its owner's name, the users who may read
 * it (for the cached copy) and its songs in the order they were added.
 */
DB_STMT(playlist_with_songs, 1,
	"SELECT p.id, p.name, u.username, p.version, p.owner,"
	"       (SELECT string_agg(c.user_id, ',') FROM collaborations c WHERE c.playlist_id = p.id)"
	"         AS collaborators,"
	"       s.id AS song_id, s.title, s.performer"
	"  FROM playlists p JOIN users u ON u.id = p.owner"
	"  LEFT JOIN playlist_songs ps ON ps.playlist_id = p.id"
	"  LEFT JOIN songs s ON s.id = ps.song_id"
	" WHERE p.id = $1 ORDER BY ps.added_at, s.id");

DB_STMT(playlist_song_change_stmt, 4,
	"SELECT status, version FROM playlist_song_change($1, $2, $3, $4)");

DB_STMT(playlist_access_stmt, 2, "SELECT playlist_access($1, $2) AS access");

DB_STMT(playlist_activities, 1,
	"SELECT username, title, action, iso_time(time) AS time FROM playlist_song_activities"
	" WHERE playlist_id = $1 ORDER BY id");

/* The text columns cols (NULL-terminated) of row as an object, keyed and ordered as cols. */
static struct json_object *text_columns_json(const PGresult *res, int row, const char *const *cols)
{
	struct json_object *o = json_object_new_object();

	for (int i = 0; cols[i] != NULL; i++)
		json_object_object_add(o, cols[i], col_json_text(res, row, cols[i]));
	return o;
}

/* Every row as text_columns_json renders it, in an array (caller owns it). */
static struct json_object *rows_json(const PGresult *res, const char *const *cols)
{
	struct json_object *list = json_object_new_array();

	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, text_columns_json(res, i, cols));
	return list;
}

/* POST /playlists {name} -> 201 {playlistId} */
void playlists_create(struct request *req)
{
	const char *name;
	char id[40];
	PGresult *res = NULL;

	if (field_string_or_reply(req, req->json, "name", 1, 200, &name) != 0)
		return;
	ids_random("playlist", id, sizeof id);
	const char *params[] = { id, name, req->who.id };
	if ((res = query_or_reply(req, &playlist_insert, params)) == NULL)
		goto out;
	reply_message(req, 201, "playlist added", object_with_string("playlistId", id));
out:
	PQclear(res);
}

/* GET /playlists -> {playlists: [{id, name, username}]}: own and collaborated */
void playlists_list(struct request *req)
{
	static const char *const cols[] = { "id", "name", "username", NULL };
	const char *params[] = { req->who.id };
	PGresult *res = NULL;
	struct json_object *data;

	if ((res = query_or_reply(req, &playlists_of_user, params)) == NULL)
		goto out;
	data = json_object_new_object();
	json_object_object_add(data, "playlists", rows_json(res, cols));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/*
 * 0 when access (playlist_access()'s word) allows: the owner always, a
 * collaborator unless owner_only. Otherwise replies 404 for "none", else 403.
 */
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
	const char *params[] = { req->params[0], req->who.id };
	PGresult *res = NULL;

	if ((res = query_or_reply(req, &playlist_delete, params)) == NULL ||
	    access_or_reply(req, db_text(res, 0, "access"), 1) != 0)
		goto out;
	cache_invalidate(req_printf(req, "playlist:%s", req->params[0]), db_long(res, 0, "version") + 1);
	reply_message(req, 200, "playlist deleted", NULL);
out:
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

/* The playlist text to the caller if they may read it, else 403; source says where it came from. */
static void reply_playlist_if_readable(struct request *req, const char *owner, const char *collaborators,
				       const char *text, const char *source)
{
	if (may_read(owner, collaborators, req->who.id)) {
		req->res.data_source = source;
		reply_raw_data(req, 200, text);
	} else {
		reply_error(req, 403, "you may not access this playlist");
	}
}

/*
 * Answer from the cached copy of key when there is one: 1 once replied. The
 * cache's answer goes to *cr either way (only a miss may be filled).
 */
static int reply_cached_playlist(struct request *req, const char *key, enum cache_result *cr)
{
	char *cached = NULL, *meta = NULL, *semi;
	long long version;
	int replied = 0;

	*cr = cache_get(key, &cached, &meta, &version);
	/* meta is "owner;collaborator,collaborator" */
	if (*cr == CACHE_HIT && meta != NULL && (semi = strchr(meta, ';')) != NULL) {
		*semi = '\0';
		reply_playlist_if_readable(req, meta, semi + 1, cached, "cache");
		replied = 1;
	}
	free(cached);
	free(meta);
	return replied;
}

/* {playlist: {id, name, username, songs}} from the rows of playlist_with_songs (caller owns it). */
static struct json_object *playlist_json(const PGresult *res)
{
	static const char *const cols[] = { "id", "name", "username", NULL };
	struct json_object *playlist = text_columns_json(res, 0, cols), *songs = json_object_new_array();
	struct json_object *data = json_object_new_object();

	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *song = song_summary_json(res, i);

		if (song != NULL)
			json_object_array_add(songs, song);
	}
	json_object_object_add(playlist, "songs", songs);
	json_object_object_add(data, "playlist", playlist);
	return data;
}

/* GET /playlists/{id}/songs -> {playlist: {id, name, username, songs}}; cached */
void playlist_songs_list(struct request *req)
{
	const char *key = req_printf(req, "playlist:%s", req->params[0]);
	const char *params[] = { req->params[0] };
	const char *owner, *collaborators, *text;
	enum cache_result cr;
	PGresult *res = NULL;
	struct json_object *data = NULL;

	if (reply_cached_playlist(req, key, &cr))
		return;
	if ((res = query_row_or_reply(req, &playlist_with_songs, params, "playlist not found")) == NULL)
		goto out;
	owner = db_text(res, 0, "owner");
	collaborators = db_text(res, 0, "collaborators");
	data = playlist_json(res);
	text = json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	if (cr == CACHE_MISS)
		cache_put(key, db_long(res, 0, "version"), text,
			  req_printf(req, "%s;%s", owner, collaborators), CACHE_TTL);
	reply_playlist_if_readable(req, owner, collaborators, text, "database");
out:
	json_object_put(data);
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

/*
 * The catalog id of the song a POST names. A YouTube video enters the catalog
 * only once the caller may add to the playlist, so a refused add leaves
 * nothing behind and spends no quota. NULL after a reply.
 */
static const char *song_to_add_or_reply(struct request *req)
{
	const char *params[] = { req->params[0], req->who.id };
	const char *song_id = NULL;
	PGresult *access = NULL;

	if (json_object_object_get_ex(req->json, "youtubeId", NULL) &&
	    ((access = query_or_reply(req, &playlist_access_stmt, params)) == NULL ||
	     access_or_reply(req, db_text(access, 0, "access"), 0) != 0))
		goto out;
	song_id = catalog_song_of_body_or_reply(req);
out:
	PQclear(access);
	return song_id;
}

/*
 * Add the body's song to the playlist ({"songId"} or {"youtubeId"}) or delete
 * its songId from there (action "add" or "delete").
 */
static void change_playlist_song(struct request *req, const char *action)
{
	const char *song_id;
	PGresult *res = NULL;
	int add = strcmp(action, "add") == 0;

	if (add ? (song_id = song_to_add_or_reply(req)) == NULL
		: field_string_or_reply(req, req->json, "songId", 1, 100, &song_id) != 0)
		return;
	const char *params[] = { req->params[0], song_id, req->who.id, action };
	if ((res = query_or_reply(req, &playlist_song_change_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), playlist_song_statuses) == NULL)
		goto out;
	cache_invalidate(req_printf(req, "playlist:%s", req->params[0]), db_long(res, 0, "version"));
	reply_message(req, add ? 201 : 200,
		      add ? "song added to the playlist" : "song removed from the playlist", NULL);
out:
	PQclear(res);
}

/* POST /playlists/{id}/songs {songId} or {youtubeId} -> 201 */
void playlist_songs_add(struct request *req)
{
	change_playlist_song(req, "add");
}

/* DELETE /playlists/{id}/songs {songId} -> 200 */
void playlist_songs_delete(struct request *req)
{
	change_playlist_song(req, "delete");
}

/* GET /playlists/{id}/activities -> {playlistId, activities: [{username, title, action, time}]} */
void playlist_activities_list(struct request *req)
{
	static const char *const cols[] = { "username", "title", "action", "time", NULL };
	const char *params[] = { req->params[0], req->who.id };
	PGresult *access = NULL, *res = NULL;
	struct json_object *data;

	if ((access = query_or_reply(req, &playlist_access_stmt, params)) == NULL ||
	    access_or_reply(req, db_text(access, 0, "access"), 0) != 0 ||
	    (res = query_or_reply(req, &playlist_activities, params)) == NULL)
		goto out;
	data = json_object_new_object();
	json_object_object_add(data, "playlistId", json_object_new_string(req->params[0]));
	json_object_object_add(data, "activities", rows_json(res, cols));
	reply_data(req, 200, data);
out:
	PQclear(access);
	PQclear(res);
}
