/* h_history.c: a room's history saved as one of the caller's playlists */
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "request.h"
#include "room_request.h"

#include <stdio.h>

DB_STMT(room_history_playlist_stmt, 5,
	"SELECT status, songs FROM room_history_playlist($1, $2, $3, $4, $5::integer)");

/* room_history_playlist() */
const struct status_word room_history_playlist_statuses[] = {
	{ "ok", 201, NULL },
	{ "no_room", 404, "room not found" },
	{ "not_member", 403, "only a member of the room may save its history: add or vote on a song first" },
	{ "banned", 403, "you are banned from this room" },
	{ "nothing_played", 409, "nothing has played in this room yet" },
	STATUS_END,
};

/*
 * POST /rooms/{code}/history/playlist {"name", "last"?} -> 201 {playlistId, songs}:
 * what played in the room (the last `last` plays), each song once, oldest
 * first, as a new playlist of the caller's. Names are checked as POST
 * /playlists checks them. The room does not change, so nothing is published.
 */
void rooms_history_playlist(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *name;
	int64_t last = 0;
	int has_last = 0;
	char id[40], last_text[24];
	PGresult *res = NULL;
	struct json_object *data;

	if (code == NULL || field_string_or_reply(req, req->json, "name", 1, 200, &name) != 0 ||
	    field_opt_int_or_reply(req, req->json, "last", 1, 1000, &last, &has_last) != 0)
		return;
	/* The room is only read here, so its closing is asked (a closed room answers nothing but 410) */
	if (query_room_closed_or_reply(req, code))
		return;
	snprintf(last_text, sizeof last_text, "%lld", (long long)last);
	ids_random("playlist", id, sizeof id);
	const char *params[] = { code, req->who.id, id, name, has_last ? last_text : NULL };
	if ((res = query_or_reply(req, &room_history_playlist_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), room_history_playlist_statuses) == NULL)
		goto out;
	data = object_with_string("playlistId", id);
	json_object_object_add(data, "songs", col_json_int(res, 0, "songs"));
	reply_message(req, 201, "the room's history is saved as a playlist", data);
out:
	PQclear(res);
}
