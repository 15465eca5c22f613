/* h_collaborations.c: who else may edit a playlist (the owner decides) */
#include "cache.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "request.h"

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

/* Add the body's userId to the body's playlistId's collaborators or delete them (action "add" or "delete"). */
static void change_collaboration(struct request *req, const char *action)
{
	const char *playlist_id, *user_id;
	char id[40];
	PGresult *res = NULL;

	if (field_string_or_reply(req, req->json, "playlistId", 1, 100, &playlist_id) != 0 ||
	    field_string_or_reply(req, req->json, "userId", 1, 100, &user_id) != 0)
		return;
	ids_random("collab", id, sizeof id);
	const char *params[] = { playlist_id, req->who.id, user_id, id, action };
	if ((res = query_or_reply(req, &collaboration_change_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), collaboration_statuses) == NULL)
		goto out;
	/* The cached playlist carries who may read it: that changed. */
	cache_invalidate(req_printf(req, "playlist:%s", playlist_id), db_long(res, 0, "version"));
	if (strcmp(action, "add") == 0)
		reply_message(req, 201, "collaborator added",
			      object_with_string("collaborationId", db_text(res, 0, "collaboration_id")));
	else
		reply_message(req, 200, "collaborator removed", NULL);
out:
	PQclear(res);
}

/* POST /collaborations {playlistId, userId} -> 201 {collaborationId}; owner only */
void collaborations_create(struct request *req)
{
	change_collaboration(req, "add");
}

/* DELETE /collaborations {playlistId, userId} -> 200; owner only */
void collaborations_delete(struct request *req)
{
	change_collaboration(req, "delete");
}
