/* query.c: what a handler does with the database: rows or the reply for a failure, status words, columns as JSON */
#include "query.h"
#include "log.h"
#include "request.h"

#include <string.h>

void reply_db_error(struct request *req, enum db_result r, const PGresult *res)
{
	const char *state = db_sqlstate(res);

	if (r == DB_UNAVAILABLE) {
		reply_error(req, 503, "the database is unavailable, try again shortly");
		return;
	}
	/* A write to a closed room, stopped by sql/012_lifecycle.sql's triggers: no error of ours. */
	if (strcmp(state, "QC410") == 0) {
		reply_error(req, 410, ROOM_CLOSED_MESSAGE);
		return;
	}
	if (strcmp(state, "QPIN1") == 0) {
		/* room_member_touch(): a first write in a room with a PIN by a caller not admitted */
		reply_error(req, 403, "this room has a PIN: join with POST /rooms/{code}/join first");
		return;
	}
	log_error("SQLSTATE %s: %s", state,
		  res ? PQresultErrorMessage(res) : "no result");
	if (strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0 ||
	    strcmp(state, "55P03") == 0 || strcmp(state, "57014") == 0)
		reply_error(req, 503, "the database is busy, try again");
	else if (strcmp(state, "23505") == 0)
		reply_error(req, 409, "that already exists");
	else if (strcmp(state, "23503") == 0)
		reply_error(req, 400, "a referenced resource does not exist");
	else if (strncmp(state, "22", 2) == 0 || strcmp(state, "23514") == 0 ||
		 strcmp(state, "23502") == 0)
		reply_error(req, 400, "a value is out of range or of the wrong form");
	else if (strncmp(state, "08", 2) == 0 || strncmp(state, "57P", 3) == 0)
		reply_error(req, 503, "the database is unavailable, try again shortly");
	else
		reply_error(req, 500, "internal error");
}

PGresult *query_or_reply(struct request *req, struct db_stmt *st, const char *const *params)
{
	PGresult *res = NULL;
	enum db_result r = db_exec(st, params, &res);

	if (r == DB_OK)
		return res;
	reply_db_error(req, r, res);
	PQclear(res);
	return NULL;
}

PGresult *query_row_or_reply(struct request *req, struct db_stmt *st, const char *const *params,
			     const char *not_found)
{
	PGresult *res = query_or_reply(req, st, params);

	if (res != NULL && PQntuples(res) == 0) {
		reply_error(req, 404, "%s", not_found);
		PQclear(res);
		return NULL;
	}
	return res;
}

/* A row when room $1 exists and is closed. */
DB_STMT(room_closed_stmt, 1, "SELECT 1 FROM rooms WHERE code = $1 AND closed_at IS NOT NULL");

int query_room_closed_or_reply(struct request *req, const char *code)
{
	const char *params[] = { code };
	PGresult *res = NULL;
	int closed = db_exec(&room_closed_stmt, params, &res) == DB_OK && PQntuples(res) > 0;

	PQclear(res);
	if (closed)
		reply_error(req, 410, ROOM_CLOSED_MESSAGE);
	return closed;
}

const struct status_word *status_find(const char *word, const struct status_word *table)
{
	for (; table->word != NULL; table++)
		if (strcmp(table->word, word) == 0)
			return table;
	return NULL;
}

const struct status_word *status_or_reply(struct request *req, const char *word,
					  const struct status_word *table)
{
	const struct status_word *s = status_find(word, table);

	if (s == NULL) {
		log_error("status \"%s\" from the database is not in the handler's table", word);
		reply_error(req, 500, "internal error");
		return NULL;
	}
	if (req->room_code != NULL && strcmp(word, "ok") != 0 && query_room_closed_or_reply(req, req->room_code))
		return NULL;
	if (s->message != NULL) {
		reply_error(req, s->http_status, "%s", s->message);
		return NULL;
	}
	return s;
}

struct json_object *col_json_text(const PGresult *res, int row, const char *name)
{
	return db_is_null(res, row, name) ? NULL : json_object_new_string(db_text(res, row, name));
}

struct json_object *col_json_int(const PGresult *res, int row, const char *name)
{
	return db_is_null(res, row, name) ? NULL : json_object_new_int64(db_long(res, row, name));
}

struct json_object *col_json_bool(const PGresult *res, int row, const char *name)
{
	return db_is_null(res, row, name) ? NULL : json_object_new_boolean(db_bool(res, row, name));
}

struct json_object *col_fields_json(struct json_object *obj, const PGresult *res, int row,
				    const struct column_field *fields)
{
	for (; fields->key != NULL; fields++)
		json_object_object_add(obj, fields->key, fields->read(res, row, fields->column));
	return obj;
}
