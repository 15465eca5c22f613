/* h_collaborations.c: who else may edit a playlist (the owner decides) */
#include "cache.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "request.h"

#include <stdlib.h>
#include <string.h>

DB_STMT(collaboration_change_stmt, 5,
	"SELECT status, collaboration_id, version FROM collaboration_change($1, $2, $3, $4, $5)");

/* collaboration_change(): add answers 201, remove 200 */
const struct status_word collaboration_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_playlist", 404, "playlist not found" },
	{ "forbidden", 403, "only the playlist's owner manages its collaborators" },
	{ "no_user", 404, "user not found" },
	{ "duplicate", 400, "that user already collaborates on the playlist" },
	{ "absent", 404, "that user does not collaborate on the playlist" },
	STATUS_END,
};

static void change(struct request *req, const char *action)
{
	const char *playlist_id, *user_id;
	char id[40];
	PGresult *res = NULL;
	enum db_result r;
	int add = strcmp(action, "add") == 0;

	if (field_string_or_reply(req, req->json, "playlistId", 1, 100, &playlist_id) != 0 ||
	    field_string_or_reply(req, req->json, "userId", 1, 100, &user_id) != 0)
		return;
	ids_random("collab", id, sizeof id);
	const char *params[] = { playlist_id, req->who.id, user_id, id, action };
	r = db_exec(&collaboration_change_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (status_or_reply(req, PQgetvalue(res, 0, 0), collaboration_statuses) != NULL) {
		/* The cached playlist carries who may read it: that changed. */
		cache_invalidate(req_printf(req, "playlist:%s", playlist_id),
				 strtoll(PQgetvalue(res, 0, 2), NULL, 10));
		if (add) {
			struct json_object *data = json_object_new_object();

			json_object_object_add(data, "collaborationId",
					       json_object_new_string(PQgetvalue(res, 0, 1)));
			reply_message(req, 201, "collaborator added", data);
		} else {
			reply_message(req, 200, "collaborator removed", NULL);
		}
	}
out:
	PQclear(res);
}

/* POST /collaborations {playlistId, userId} -> 201 {collaborationId}; owner only */
void collaborations_create(struct request *req)
{
	change(req, "add");
}

/* DELETE /collaborations {playlistId, userId} -> 200; owner only */
void collaborations_delete(struct request *req)
{
	change(req, "delete");
}
