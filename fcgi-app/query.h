/* query.h: what a handler does with the database: rows or the reply for a failure, status words, columns as JSON */
#ifndef QUEUED_QUERY_H
#define QUEUED_QUERY_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "db.h"

struct request;

/*
 * The one mapping from a failed db_exec to an HTTP reply: unavailable or
 * retries exhausted 503, bad values 400, conflicts 409, the rest 500. Logs the
 * server's message; the client gets a safe one.
 */
void reply_db_error(struct request *req, enum db_result r, const PGresult *res);

/* What every request about a closed room is answered, with 410 (sql/012_lifecycle.sql). */
#define ROOM_CLOSED_MESSAGE "this room is closed"

/*
 * 1 after replying 410 when room code is closed; 0 when it is open, does
 * not exist or the database cannot say (the caller's own query answers
 * those). Reads call it; writes to a closed room fail in the database.
 */
int query_room_closed_or_reply(struct request *req, const char *code);

/* db_exec for handlers: the rows (the caller clears them), or NULL once the failure is replied. */
PGresult *query_or_reply(struct request *req, struct db_stmt *st, const char *const *params);

/*
 * As query_or_reply, for a statement that finds one thing: no row is a 404
 * with not_found as its message (and NULL).
 */
PGresult *query_row_or_reply(struct request *req, struct db_stmt *st, const char *const *params,
			     const char *not_found);

/*
 * The SQL functions that change things answer with a status word ("ok",
 * "no_room", "voted", ...). Each handler lists every word its function can
 * return: a refusal with its HTTP status and message; a word the handler
 * goes on with (a success, or an outcome it answers itself, such as a
 * conflict it retries) with the status it usually answers and no message.
 * tests/unit/test_statuses.c reads sql/ and checks that the words each
 * function can return and its handler's table are the same set.
 */
struct status_word {
	const char *word;
	int http_status;
	const char *message; /* NULL: a success */
};
#define STATUS_END { NULL, 0, NULL }

/*
 * The table's entry for word when the handler goes on with it. A refusal is replied (and
 * NULL returned); a word the table lacks is logged as the bug it is and
 * answered 500, here and nowhere else. Any word but "ok" from a function
 * about req->room_code is answered 410 when that room is closed: a write
 * to a closed room that its function refused before writing anything (an
 * entry no longer waiting, say) is refused for the closing first.
 */
const struct status_word *status_or_reply(struct request *req, const char *word,
					  const struct status_word *table);

/* The entry for word, or NULL: for tests. */
const struct status_word *status_find(const char *word, const struct status_word *table);

/* Column name of row as JSON: a string, an integer or a boolean; JSON null for SQL NULL. */
struct json_object *col_json_text(const PGresult *res, int row, const char *name);
struct json_object *col_json_int(const PGresult *res, int row, const char *name);
struct json_object *col_json_bool(const PGresult *res, int row, const char *name);

/* One JSON field from one column: its key, the column's name, how its text reads. */
struct column_field {
	const char *key;
	const char *column;
	struct json_object *(*read)(const PGresult *res, int row, const char *name);
};

/* The fields of fields (a table ended by a NULL key) of row into obj, in the table's order; returns obj. */
struct json_object *col_fields_json(struct json_object *obj, const PGresult *res, int row,
				    const struct column_field *fields);

#endif
