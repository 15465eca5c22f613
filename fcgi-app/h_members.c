/* h_members.c: a room's members: joining (with the room's PIN), renaming oneself, who may follow the room live */
#include "auth.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "jsonutil.h"
#include "queue_cache.h"
#include "ratelimit.h"
#include "request.h"
#include "room_json.h"
#include "room_request.h"

#include <string.h>

/* Does the room ask this caller for a PIN? (has one, and they are not a member yet) */
DB_STMT(room_join_needs_pin, 2,
	"SELECT r.pin_hash IS NOT NULL AND NOT EXISTS (SELECT 1 FROM room_members m"
	"        WHERE m.room_id = r.id AND m.member_id = $2) AS needs_pin"
	"  FROM rooms r WHERE r.code = $1");

DB_STMT(room_join_stmt, 4,
	"SELECT status, member_id, name, role, banned, played FROM room_join($1, $2, $3, $4)");

DB_STMT(room_member_rename_stmt, 4,
	"SELECT status, revision, name FROM room_member_rename($1, $2, $3, $4)");

/* room_join(): "member" is a caller who was one already (the PIN is not asked again) */
const struct status_word room_join_statuses[] = {
	{ "ok", 200, NULL },
	{ "member", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "banned", 403, "you are banned from this room" },
	{ "pin_required", 400, "\"pin\" is required: this room has a PIN" },
	{ "wrong_pin", 403, "wrong PIN" },
	STATUS_END,
};

/* room_member_rename() */
const struct status_word room_member_rename_statuses[] = {
	{ "ok", 200, NULL },
	{ "unchanged", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "banned", 403, "you are banned from this room" },
	STATUS_END,
};

/*
 * POST /rooms/{code}/join {"pin"?} -> 200 {member}: the caller becomes a
 * member. A room with a PIN wants it from whoever is not a member yet, and
 * counts those tries per caller and room (RATE_PIN): past the limit 429,
 * right PIN or not, so the PIN cannot be guessed by trying them all.
 */
void rooms_join(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	char hash[AUTH_PIN_HASH_HEX];
	int sent;
	PGresult *pre = NULL, *res = NULL;
	struct json_object *data;

	if (code == NULL || (sent = room_pin_hash_or_reply(req, code, "pin", hash)) < 0)
		return;
	const char *pre_params[] = { code, req->who.id };
	if ((pre = query_row_or_reply(req, &room_join_needs_pin, pre_params, "room not found")) == NULL)
		goto out;
	if (sent && db_bool(pre, 0, "needs_pin") &&
	    ratelimit_hit_or_reply(req, RATE_PIN, req_printf(req, "%s:%s", req->who.id, code)) != 0)
		goto out;
	const char *params[] = { code, req->who.id, room_member_name(req), sent ? hash : NULL };
	if ((res = query_or_reply(req, &room_join_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), room_join_statuses) == NULL)
		goto out;
	data = json_object_new_object();
	json_object_object_add(data, "member", room_member_json(res, 0));
	reply_data(req, 200, data);
out:
	PQclear(pre);
	PQclear(res);
}

#define NAME_SPACE " \t\r\n\f\v"

/*
 * The body's "name" trimmed of white space, in the arena: 1 to 40 characters
 * and no control characters. Replies 400 and returns NULL otherwise.
 */
static const char *member_name_or_reply(struct request *req)
{
	const char *raw, *end;
	char *name;

	if (field_string_or_reply(req, req->json, "name", 0, 4096, &raw) != 0)
		return NULL;
	raw += strspn(raw, NAME_SPACE);
	for (end = raw + strlen(raw); end > raw && strchr(NAME_SPACE, end[-1]) != NULL; end--)
		;
	name = req_printf(req, "%.*s", (int)(end - raw), raw);
	for (const unsigned char *c = (const unsigned char *)name; *c; c++)
		if (*c < 0x20 || *c == 0x7f) {
			reply_error(req, 400, "\"name\" must not contain control characters");
			return NULL;
		}
	if (utf8_length(name) < 1 || utf8_length(name) > 40) {
		reply_error(req, 400, "\"name\" must be 1 to 40 characters long once spaces around it are trimmed");
		return NULL;
	}
	return name;
}

/*
 * PATCH /rooms/{code}/me {"name"} -> 200 {memberId, name, revision}: the
 * caller's name in this room (with a suffix when another member has it);
 * their waiting and playing entries show it too. One revision and the
 * message member_renamed {memberId, name}; the same name again changes nothing.
 */
void rooms_rename(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *name, *status;
	PGresult *res = NULL;
	struct json_object *data, *msg;

	if (code == NULL || (name = member_name_or_reply(req)) == NULL)
		return;
	const char *params[] = { code, req->who.id, room_member_name(req), name };
	if ((res = query_or_reply(req, &room_member_rename_stmt, params)) == NULL ||
	    (status = db_text(res, 0, "status"), status_or_reply(req, status, room_member_rename_statuses)) == NULL)
		goto out;
	if (strcmp(status, "ok") == 0) {
		msg = json_object_new_object();
		json_object_object_add(msg, "memberId", json_object_new_string(req->who.id));
		json_object_object_add(msg, "name", col_json_text(res, 0, "name"));
		queue_cache_changed(req, code, db_long(res, 0, "revision"), "member_renamed", msg);
	}
	data = json_object_new_object();
	json_object_object_add(data, "memberId", json_object_new_string(req->who.id));
	json_object_object_add(data, "name", col_json_text(res, 0, "name"));
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/*
 * GET /rooms/{code}/events: who may follow the room live. nginx passes every
 * subscription here first; the answer is an X-Accel-Redirect to the internal
 * nchan location of the room's channel (nginx hands the connection over:
 * EventSource, WebSocket or long-poll, with the query such as
 * ?last_event_id= kept), or a 403 for a room that hides its queue from a
 * caller who is not its member. EventSource cannot send headers: the token
 * may come as ?token= as well as in Authorization.
 */
void rooms_events(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *token = req_query(req, "token"), *why;

	if (code == NULL)
		return;
	if (req->who.id[0] == '\0' && token != NULL &&
	    auth_identify(req_printf(req, "Bearer %s", token), &req->who, &why) != 0)
		memset(&req->who, 0, sizeof req->who);
	if (room_hidden_refused_or_reply(req, code) != 0)
		return;
	req->res.accel_redirect = req_printf(req, "/_sub/rooms/%s%s%s", code,
					     req->query && *req->query ? "?" : "", req->query ? req->query : "");
	req->res.status = 200;
}
