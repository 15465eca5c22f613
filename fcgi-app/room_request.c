/* room_request.c: what a room request names: the room and entry of its path, the member who asks, the room's channel */
#include "room_request.h"
#include "auth.h"
#include "db.h"
#include "ids.h"
#include "query.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

const char *room_code_or_reply(struct request *req, const char *raw)
{
	char code[ROOM_CODE_LEN + 1];

	if (ids_normalize_room_code(raw, code) != 0) {
		reply_error(req, 404, "room not found");
		return NULL;
	}
	req->room_code = req_strdup(req, code);
	return req->room_code;
}

const char *room_entry_id_or_reply(struct request *req, const char *raw)
{
	size_t n = strlen(raw);

	/* 18 digits always fit a bigint; a leading zero would be a second spelling of one id. */
	if (n == 0 || n > 18 || strspn(raw, "0123456789") != n || raw[0] == '0') {
		reply_error(req, 404, "queue entry not found");
		return NULL;
	}
	return raw;
}

const char *room_member_name(const struct request *req)
{
	return req->who.name[0] ? req->who.name : req->who.id;
}

void room_channel(char *out, size_t cap, const char *code)
{
	snprintf(out, cap, "rooms/%s", code);
}

int room_pin_hash_or_reply(struct request *req, const char *code, const char *key, char *out)
{
	struct json_object *v;
	const char *pin;
	size_t n;

	if (req->json == NULL || !json_object_object_get_ex(req->json, key, &v) || v == NULL)
		return 0;
	pin = json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
	n = strlen(pin);
	/* An embedded NUL would hide what follows it. */
	if (json_object_is_type(v, json_type_string) && n != (size_t)json_object_get_string_len(v))
		n = 0;
	if (n < 4 || n > 8 || strspn(pin, "0123456789") != n) {
		reply_error(req, 400, "\"%s\" must be a string of 4 to 8 digits (0-9)", key);
		return -1;
	}
	auth_pin_hash(code, pin, out);
	return 1;
}

DB_STMT(room_hidden_access, 2,
	"SELECT r.hide_queue AND NOT EXISTS (SELECT 1 FROM room_members m"
	"        WHERE m.room_id = r.id AND m.member_id = $2 AND NOT m.banned) AS refused,"
	"       r.closed_at IS NOT NULL AS closed"
	"  FROM rooms r WHERE r.code = $1");

int room_hidden_refused(const char *code, const char *member)
{
	const char *params[] = { code, member };
	PGresult *res = NULL;
	int refused = -1;

	if (db_exec(&room_hidden_access, params, &res) == DB_OK)
		refused = PQntuples(res) == 0 ? 2 : db_bool(res, 0, "closed") ? 3 : db_bool(res, 0, "refused");
	PQclear(res);
	return refused;
}

int room_hidden_refused_or_reply(struct request *req, const char *code)
{
	int refused = room_hidden_refused(code, req->who.id);

	if (refused < 0)
		reply_error(req, 503, "the database is unavailable, try again shortly");
	else if (refused == 2)
		reply_error(req, 404, "room not found");
	else if (refused == 3)
		reply_error(req, 410, ROOM_CLOSED_MESSAGE);
	else if (refused)
		reply_error(req, 403, "this room hides its queue from all but its members: join with "
			    "POST /rooms/{code}/join (and the PIN), then send your token");
	return refused ? -1 : 0;
}
