/* h_room_lifecycle.c: a room's life: handing the host role over, leaving, closing (by the host or the idle job), the caller's rooms */
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "jsonutil.h"
#include "log.h"
#include "publish.h"
#include "queue_cache.h"
#include "request.h"
#include "room_request.h"

#include <stdio.h>
#include <string.h>

DB_STMT(room_close_stmt, 2, "SELECT status, revision FROM room_close($1, $2)");

DB_STMT(room_close_idle_stmt, 2, "SELECT code, revision FROM room_close_idle($1::integer, $2::integer)");

DB_STMT(room_host_stmt, 3,
	"SELECT status, revision, host_id, previous_host_id FROM room_host_transfer($1, $2, $3)");

DB_STMT(room_leave_stmt, 2, "SELECT status, revision, host_id, previous_host_id FROM room_leave($1, $2)");

/* Open rooms the caller hosts or co-hosts, the most recently active first. */
DB_STMT(my_rooms_stmt, 1,
	"SELECT r.code, r.name, m.role, r.revision, iso_time(r.created_at) AS created_at,"
	"       iso_time(r.last_activity_at) AS last_activity_at"
	"  FROM room_members m JOIN rooms r ON r.id = m.room_id"
	" WHERE m.member_id = $1 AND m.role IN ('host', 'cohost') AND NOT m.banned AND r.closed_at IS NULL"
	" ORDER BY r.last_activity_at DESC, r.code");

/* room_close() */
const struct status_word room_close_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "closed", 410, ROOM_CLOSED_MESSAGE },
	{ "forbidden", 403, "only the room's host may close it" },
	STATUS_END,
};

/* room_host_transfer() */
const struct status_word room_host_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "closed", 410, ROOM_CLOSED_MESSAGE },
	{ "forbidden", 403, "only the room's host may hand the host role over" },
	{ "self", 400, "\"memberId\" is you: you are the host already" },
	{ "no_member", 404, "\"memberId\": that member has not joined this room" },
	{ "banned", 409, "\"memberId\": that member is banned from this room" },
	STATUS_END,
};

/* room_leave(): "alone" is a host with nobody to pass the role to, who stays */
const struct status_word room_leave_statuses[] = {
	{ "ok", 200, NULL },
	{ "host_changed", 200, NULL },
	{ "alone", 200, NULL },
	{ "no_room", 404, "room not found" },
	{ "closed", 410, ROOM_CLOSED_MESSAGE },
	{ "not_member", 404, "you have not joined this room" },
	{ "banned", 403, "you are banned from this room: the ban stays, so you stay on its list" },
	STATUS_END,
};

/* The message and answer data of a change of host: {hostId, previousHostId}. Caller owns it. */
static struct json_object *host_change_json(const PGresult *res)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "hostId", col_json_text(res, 0, "host_id"));
	json_object_object_add(o, "previousHostId", col_json_text(res, 0, "previous_host_id"));
	return o;
}

/*
 * The closing of room code at revision, as every closing ends: the queue's
 * cached answer and its file go, and the final message is published. No
 * reader places them again: a read of a closed room is a 410 (queue_get).
 */
static void room_closed(struct request *req, const char *code, long long revision)
{
	queue_cache_changed(req, code, revision, "closed", json_object_new_object());
}

/* POST /rooms/{code}/close -> 200 {revision}; the host only. Every later request about the room is a 410. */
void rooms_close(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	PGresult *res = NULL;
	struct json_object *data;

	if (code == NULL)
		return;
	const char *params[] = { code, req->who.id };
	if ((res = query_or_reply(req, &room_close_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), room_close_statuses) == NULL)
		goto out;
	room_closed(req, code, db_long(res, 0, "revision"));
	data = json_object_new_object();
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	reply_message(req, 200, "room closed", data);
out:
	PQclear(res);
}

/* POST /rooms/{code}/host {memberId} -> 200 {hostId, previousHostId, revision}; the host only */
void rooms_host_transfer(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *member;
	PGresult *res = NULL;
	struct json_object *data;

	if (code == NULL || field_string_or_reply(req, req->json, "memberId", 1, 64, &member) != 0)
		return;
	const char *params[] = { code, req->who.id, member };
	if ((res = query_or_reply(req, &room_host_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), room_host_statuses) == NULL)
		goto out;
	queue_cache_changed(req, code, db_long(res, 0, "revision"), "host_changed", host_change_json(res));
	data = host_change_json(res);
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	reply_message(req, 200, "host handed over", data);
out:
	PQclear(res);
}

/*
 * POST /rooms/{code}/leave -> 200 {left, hostId, previousHostId?, revision}.
 * The caller stops being a member (their entries stay); a host passes the
 * role on, or stays when nobody else is there (left: false).
 */
void rooms_leave(struct request *req)
{
	const char *code = room_code_or_reply(req, req->params[0]);
	const char *status;
	PGresult *res = NULL;
	struct json_object *data, *msg;
	int alone, host_left;

	if (code == NULL)
		return;
	const char *params[] = { code, req->who.id };
	if ((res = query_or_reply(req, &room_leave_stmt, params)) == NULL ||
	    status_or_reply(req, (status = db_text(res, 0, "status")), room_leave_statuses) == NULL)
		goto out;
	alone = strcmp(status, "alone") == 0;
	data = host_change_json(res);
	json_object_object_add(data, "left", json_object_new_boolean(!alone));
	json_object_object_add(data, "revision", col_json_int(res, 0, "revision"));
	if (alone) {
		reply_message(req, 200, "nobody else is in the room: you stay its host", data);
		goto out;
	}
	/* The host's leave is news of the new host; anyone else's, of a member fewer. */
	host_left = strcmp(status, "host_changed") == 0;
	if (host_left) {
		msg = host_change_json(res);
	} else {
		msg = json_object_new_object();
		json_object_object_add(msg, "memberId", json_object_new_string(req->who.id));
	}
	queue_cache_changed(req, code, db_long(res, 0, "revision"), host_left ? "host_changed" : "member_left", msg);
	reply_message(req, 200, "you left the room", data);
out:
	PQclear(res);
}

static const struct column_field my_room_fields[] = {
	{ "code", "code", col_json_text },
	{ "name", "name", col_json_text },
	{ "role", "role", col_json_text },
	{ "revision", "revision", col_json_int },
	{ "createdAt", "created_at", col_json_text },
	{ "lastActivityAt", "last_activity_at", col_json_text },
	{ NULL, NULL, NULL },
};

/* GET /me/rooms -> {rooms: [{code, name, role, revision, createdAt, lastActivityAt}]}, newest activity first */
void me_rooms(struct request *req)
{
	const char *params[] = { req->who.id };
	PGresult *res = NULL;
	struct json_object *rooms, *data;

	if ((res = query_or_reply(req, &my_rooms_stmt, params)) == NULL)
		return;
	rooms = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		json_object_array_add(rooms, col_fields_json(json_object_new_object(), res, i, my_room_fields));
	}
	data = json_object_new_object();
	json_object_object_add(data, "rooms", rooms);
	reply_data(req, 200, data);
	PQclear(res);
}

/* Rooms the idle job closes at most per run; the next run takes the rest. */
#define IDLE_BATCH 200

int rooms_close_idle(int days)
{
	char days_text[16], batch_text[16];
	const char *params[] = { days_text, batch_text };
	PGresult *res = NULL;
	int n = -1;

	snprintf(days_text, sizeof days_text, "%d", days);
	snprintf(batch_text, sizeof batch_text, "%d", IDLE_BATCH);
	if (db_exec(&room_close_idle_stmt, params, &res) == DB_OK) {
		n = PQntuples(res);
		for (int i = 0; i < n; i++) {
			struct request req;

			/* queue_cache_changed() leaves the message on a request, as a handler's is */
			request_init(&req);
			room_closed(&req, db_text(res, i, "code"), db_long(res, i, "revision"));
			if (req.res.publish_channel != NULL)
				publish_send(req.res.publish_channel, req.res.publish_message);
			request_free(&req);
			log_info("room %s closed: no activity for %d days", db_text(res, i, "code"), days);
		}
	} else {
		log_error("closing idle rooms failed: %s", db_sqlstate(res));
	}
	PQclear(res);
	return n;
}
