/* h_songs.c: the song catalog */
#include "db.h"
#include "handlers.h"
#include "request.h"

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
		db_reply_error(req, r, res);
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
