/* db.h: the worker's PostgreSQL connection and its named statements */
#ifndef QUEUED_DB_H
#define QUEUED_DB_H

#include <libpq-fe.h>

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
 * Is PostgreSQL reachable now? A round trip on the worker's connection
 * (connecting first if it has none). 0 when it answered, -1 when not.
 */
int db_ping(void);

/*
 * Run st with text params (NULL entries are SQL NULL). A connection found
 * dead is re-established and the statement tried once more; deadlocks and
 * serialization failures are retried. Always sets *res (possibly NULL).
 */
enum db_result db_exec(struct db_stmt *st, const char *const *params, PGresult **res);

/* The SQLSTATE of a failed result, or "" . */
const char *db_sqlstate(const PGresult *res);

/*
 * Columns by name, never by number: a query's select list can change without
 * a reader going wrong. A name the result lacks is a bug: logged, and read as
 * NULL.
 */
int db_is_null(const PGresult *res, int row, const char *name);
/* The text of a column; "" for NULL. */
const char *db_text(const PGresult *res, int row, const char *name);
/* The text of a column, or NULL for SQL NULL. */
const char *db_text_or_null(const PGresult *res, int row, const char *name);
/* An integer column; 0 for NULL. */
long long db_long(const PGresult *res, int row, const char *name);
/* A boolean column: 1 for true; 0 for false or NULL. */
int db_bool(const PGresult *res, int row, const char *name);

#endif
