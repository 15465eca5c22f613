/* catalog.c: what the catalog handlers share: who may change an item (CATALOG_WRITES, CATALOG_ADMINS), the song summaries */
#include "catalog.h"
#include "config.h"
#include "db.h"
#include "query.h"
#include "request.h"

#include <string.h>

DB_STMT(catalog_may_change_stmt, 5,
	"SELECT catalog_may_change($1, $2, $3, $4::boolean, $5) AS status");

const struct status_word catalog_may_change_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_item", 404, NULL },
	{ "forbidden", 403, NULL },
	STATUS_END,
};

const char *catalog_creator(const struct request *req)
{
	return req->who.kind == IDENTITY_USER ? req->who.id : NULL;
}

int catalog_may_change_or_reply(struct request *req, const char *kind, const char *id)
{
	const char *params[] = { kind, id, catalog_creator(req), config.catalog_writes_open ? "true" : "false",
				 config.catalog_admins };
	PGresult *res = query_or_reply(req, &catalog_may_change_stmt, params);
	const char *status;
	int rc = -1;

	if (res == NULL)
		return -1;
	status = db_text(res, 0, "status");
	if (status_or_reply(req, status, catalog_may_change_statuses) != NULL) {
		if (strcmp(status, "ok") == 0)
			rc = 0;
		else if (strcmp(status, "no_item") == 0)
			reply_error(req, 404, "%s not found", kind);
		else
			reply_error(req, 403, "only the user who added this %s or a catalog admin may change it", kind);
	}
	PQclear(res);
	return rc;
}

struct json_object *song_summary_json(const PGresult *res, int row)
{
	struct json_object *song;

	if (db_is_null(res, row, "song_id"))
		return NULL;
	song = json_object_new_object();
	json_object_object_add(song, "id", col_json_text(res, row, "song_id"));
	json_object_object_add(song, "title", col_json_text(res, row, "title"));
	json_object_object_add(song, "performer", col_json_text(res, row, "performer"));
	return song;
}

struct json_object *song_summaries_json(const PGresult *res)
{
	struct json_object *songs = json_object_new_array_ext(PQntuples(res));

	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *song = song_summary_json(res, i);

		if (song != NULL)
			json_object_array_add(songs, song);
	}
	return songs;
}
