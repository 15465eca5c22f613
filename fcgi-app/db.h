/* db.h: the worker's PostgreSQL connection and its named statements */
#ifndef QUEUED_DB_H
#define QUEUED_DB_H

#include <libpq-fe.h>

struct request;

/*
 * A named statement: constant SQL with $1..$n. It is prepared on first use on
 * each connection, and again after a reconnect. Define one with DB_STMT next to
 * the handler that runs it.
 */
struct db_stmt {
	const char *name;
	const char *sql;
	int nparams;
	unsigned prepared_on; /* connection generation it was prepared on; 0 never */
};

#define DB_STMT(ident, nparams, sql) static struct db_stmt ident = { #ident, sql, nparams, 0 }

enum db_result {
	DB_OK,          /* *res holds the rows (caller PQclears) */
	DB_FAILED,      /* the statement failed; *res holds the error (caller PQclears) */
	DB_UNAVAILABLE, /* no connection to the server; *res is NULL */
};

/*
 * Run st, a DB_STMT of "LISTEN channel" with no parameters, now and after
 * every reconnect. It goes through PQexecParams like every other statement;
 * it is not prepared (PREPARE takes no utility statements).
 */
void db_listen(const struct db_stmt *st);

/*
 * Wait up to timeout_ms for a notification on the LISTENed channel. Returns
 * the number that arrived (0 on timeout), or -1 while the server is away.
 */
int db_wait_notify(int timeout_ms);

/* Connect now; failure is not fatal, the next db_exec tries again. */
void db_connect(void);
void db_disconnect(void);

/*
 * Run st with text params (NULL entries are SQL NULL). A connection found
 * dead is re-established and the statement tried once more; deadlocks and
 * serialization failures are retried. Always sets *res (possibly NULL).
 */
enum db_result db_exec(struct db_stmt *st, const char *const *params, PGresult **res);

/* The SQLSTATE of a failed result, or "" . */
const char *db_sqlstate(const PGresult *res);

/*
 * The one mapping from a failed db_exec to an HTTP reply: unavailable or
 * retries exhausted 503, bad values 400, conflicts 409, the rest 500. Logs the
 * server's message; the client gets a safe one.
 */
void db_reply_error(struct request *req, enum db_result r, const PGresult *res);

/*
 * db_exec for handlers: the result (the caller clears it), or NULL after the
 * error has been replied.
 */
PGresult *db_query_or_reply(struct request *req, struct db_stmt *st, const char *const *params);

/*
 * The SQL functions of a write answer with a status word ("ok", "no_room",
 * "duplicate", ...). A handler lists the words that are refusals with their
 * HTTP answer; the list ends with { NULL }.
 */
struct db_status_reply {
	const char *status;
	int http_status;
	const char *message;
};

/*
 * 0 when status is "ok" or "unchanged"; otherwise replies as the table says
 * (500 for a word it does not list) and returns -1.
 */
int db_status_or_reply(struct request *req, const char *status, const struct db_status_reply *table);

#endif
