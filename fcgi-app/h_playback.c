/* h_playback.c: a room's playback state: pause, resume and seek of the entry now playing */
#include "db.h"
#include "handlers.h"
#include "jsonutil.h"
#include "query.h"
#include "queue_cache.h"
#include "request.h"
#include "room_json.h"
#include "room_request.h"

#include <stdio.h>
#include <string.h>

/* A position beyond any song's length, kept in int range for clients' timers. */
#define PLAYBACK_MAX_POSITION_MS 2147483647LL

DB_STMT(room_playback_stmt, 5,
	"SELECT status, revision, entry_id, paused, position_ms, started_at"
	"  FROM room_playback($1, $2, $3::bigint, $4::boolean, $5::bigint)");

/* room_playback(): "unchanged" is a request for the state the entry is already in */
const struct status_word room_playback_statuses[] = {
	{ "ok", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "forbidden", 403, "only the room's host or a co-host may pause, resume or seek" },
	{ "not_playing", 409, "nothing is playing in this room" },
	{ "conflict", 409, "entryId is not what is playing any more: nothing changed" },
	{ "past_end", 400, "\"positionMs\" is past the end of the song" },
	STATUS_END,
};

/*
 * The optional boolean "paused" as "true"/"false" in *text, or NULL when
 * absent or null. Another type replies 400 and returns -1.
 */
static int paused_or_reply(struct request *req, const char **text)
{
	struct json_object *v = NULL;

	*text = NULL;
	if (!json_object_object_get_ex(req->json, "paused", &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_boolean)) {
		reply_error(req, 400, "\"paused\" must be true or false");
		return -1;
	}
	*text = json_object_get_boolean(v) ? "true" : "false";
	return 0;
}

/*
 * PUT /rooms/{code}/playback {"entryId", "paused"?, "positionMs"?}
 * -> 200 {entryId, paused, positionMs, startedAt, revision, changed}; 409 if
 * entryId is not what plays. A change publishes one "playback" message.
 */
void playback_update(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *paused, *status;
	int64_t entry, position = 0;
	int has_position, changed;
	char entry_text[24], position_text[24];
	PGresult *res = NULL;
	struct json_object *data;

	if (code == NULL || field_int_or_reply(req, req->json, "entryId", 1, INT64_MAX, &entry) != 0 ||
	    paused_or_reply(req, &paused) != 0 ||
	    field_opt_int_or_reply(req, req->json, "positionMs", 0, PLAYBACK_MAX_POSITION_MS, &position,
				   &has_position) != 0)
		return;
	if (paused == NULL && !has_position) {
		reply_error(req, 400, "give \"paused\" or \"positionMs\" (or both): nothing to change");
		return;
	}
	snprintf(entry_text, sizeof entry_text, "%lld", (long long)entry);
	snprintf(position_text, sizeof position_text, "%lld", (long long)position);
	const char *params[] = { code, req->who.id, entry_text, paused, has_position ? position_text : NULL };
	if ((res = query_or_reply(req, &room_playback_stmt, params)) == NULL)
		goto out;
	status = db_text(res, 0, "status");
	if (status_or_reply(req, status, room_playback_statuses) == NULL)
		goto out;
	changed = strcmp(status, "ok") == 0;
	if (changed)
		queue_cache_changed(req, code, db_long(res, 0, "revision"), "playback", room_playback_json(res, 0));
	data = room_playback_json(res, 0);
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	json_object_object_add(data, "changed", json_object_new_boolean(changed));
	reply_data(req, 200, data);
out:
	PQclear(res);
}
