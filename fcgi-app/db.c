/* db.c: the worker's PostgreSQL connection and its named statements */
#include "db.h"
#include "log.h"
#include "metrics.h"

#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static PGconn *conn;
static unsigned conn_generation;       /* bumped on every new connection */
static struct timespec next_attempt;   /* no reconnect before this while the server is down */
static const struct db_stmt *listen_stmt; /* LISTEN statement, run again on every new connection */

#define RECONNECT_BACKOFF_MS 250
#define MAX_ATTEMPTS 4

static int before(const struct timespec *a, const struct timespec *b)
{
	return a->tv_sec < b->tv_sec || (a->tv_sec == b->tv_sec && a->tv_nsec < b->tv_nsec);
}

static int try_connect(void)
{
	static const char *const keys[] = { "connect_timeout", "application_name", NULL };
	static const char *const values[] = { "2", "queued-fcgi", NULL };
	struct timespec now, done;

	clock_gettime(CLOCK_MONOTONIC, &now);
	if (conn == NULL && before(&now, &next_attempt))
		return -1;
	if (conn != NULL)
		PQfinish(conn);
	/* Host, port, user, password and database come from the PG* variables. */
	conn = PQconnectdbParams(keys, values, 0);
	if (conn == NULL || PQstatus(conn) != CONNECTION_OK) {
		log_warn("cannot connect to PostgreSQL: %s",
			 conn ? PQerrorMessage(conn) : "out of memory");
		PQfinish(conn);
		conn = NULL;
		/*
		 * A refused connection costs nothing to retry; a slow one (a host that
		 * does not answer) would stall every request, so those back off.
		 */
		clock_gettime(CLOCK_MONOTONIC, &done);
		if ((done.tv_sec - now.tv_sec) * 1000 + (done.tv_nsec - now.tv_nsec) / 1000000 < 50)
			return -1;
		next_attempt = done;
		next_attempt.tv_nsec += RECONNECT_BACKOFF_MS * 1000000L;
		if (next_attempt.tv_nsec >= 1000000000L) {
			next_attempt.tv_sec++;
			next_attempt.tv_nsec -= 1000000000L;
		}
		return -1;
	}
	conn_generation++;
	log_info("connected to PostgreSQL (connection %u)", conn_generation);
	if (conn_generation > 1)
		metrics_count(METRIC_DB_RECONNECTS);
	if (listen_stmt != NULL) {
		PGresult *r = PQexecParams(conn, listen_stmt->sql, 0, NULL, NULL, NULL, NULL, 0);

		if (PQresultStatus(r) != PGRES_COMMAND_OK)
			log_error("%s: %s", listen_stmt->sql, PQerrorMessage(conn));
		PQclear(r);
	}
	return 0;
}

static int ensure_connection(void);

void db_listen(const struct db_stmt *st)
{
	listen_stmt = st;
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
		PQfinish(conn);
		conn = NULL;
	}
	try_connect();
}

int db_wait_notify(int timeout_ms)
{
	struct pollfd pfd;
	PGnotify *n;
	int count = 0;

	if (ensure_connection() != 0) {
		poll(NULL, 0, timeout_ms < 1000 ? timeout_ms : 1000);
		return -1;
	}
	pfd.fd = PQsocket(conn);
	pfd.events = POLLIN;
	if (poll(&pfd, 1, timeout_ms) > 0)
		PQconsumeInput(conn);
	while ((n = PQnotifies(conn)) != NULL) {
		count++;
		PQfreemem(n);
	}
	return PQstatus(conn) == CONNECTION_OK ? count : -1;
}

void db_connect(void)
{
	try_connect();
}

void db_disconnect(void)
{
	PQfinish(conn);
	conn = NULL;
}

/*
 * A server that restarted closed our socket while we were idle. Reading what
 * is pending turns that into CONNECTION_BAD before we send anything, so a
 * clean restart never costs a failed request.
 */
static int ensure_connection(void)
{
	if (conn != NULL && PQstatus(conn) == CONNECTION_OK) {
		struct pollfd pfd = { .fd = PQsocket(conn), .events = POLLIN };

		if (poll(&pfd, 1, 0) > 0) {
			PGnotify *n;

			PQconsumeInput(conn);
			while ((n = PQnotifies(conn)) != NULL)
				PQfreemem(n);
		}
		if (PQstatus(conn) == CONNECTION_OK)
			return 0;
		log_warn("PostgreSQL connection lost: %s", PQerrorMessage(conn));
		PQfinish(conn);
		conn = NULL;
	}
	return try_connect();
}

int db_ping(void)
{
	PGresult *r;
	int ok;

	if (ensure_connection() != 0)
		return -1;
	r = PQexec(conn, "SELECT 1");
	ok = PQresultStatus(r) == PGRES_TUPLES_OK;
	PQclear(r);
	return ok ? 0 : -1;
}

static int retryable(const PGresult *res)
{
	const char *state = db_sqlstate(res);

	return strcmp(state, "40001") == 0 || strcmp(state, "40P01") == 0;
}

enum db_result db_exec(struct db_stmt *st, const char *const *params, PGresult **res)
{
	PGresult *r = NULL;
	int lost = 0;

	*res = NULL;
	for (int attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		if (ensure_connection() != 0)
			return DB_UNAVAILABLE;
		if (st->prepared_on != conn_generation) {
			r = PQprepare(conn, st->name, st->sql, st->nparams, NULL);
			if (r == NULL || PQresultStatus(r) != PGRES_COMMAND_OK) {
				if (PQstatus(conn) != CONNECTION_OK && !lost++) {
					PQclear(r);
					continue;
				}
				log_error("prepare %s: %s", st->name, PQerrorMessage(conn));
				*res = r;
				return PQstatus(conn) == CONNECTION_OK ? DB_FAILED : DB_UNAVAILABLE;
			}
			PQclear(r);
			st->prepared_on = conn_generation;
		}
		r = PQexecPrepared(conn, st->name, st->nparams, params, NULL, NULL, 0);
		if (r != NULL && (PQresultStatus(r) == PGRES_TUPLES_OK ||
				  PQresultStatus(r) == PGRES_COMMAND_OK)) {
			*res = r;
			return DB_OK;
		}
		if (PQstatus(conn) != CONNECTION_OK) {
			/* The server went away under us: one more try on a new connection. */
			log_warn("%s: connection lost: %s", st->name, PQerrorMessage(conn));
			PQclear(r);
			r = NULL;
			if (lost++)
				return DB_UNAVAILABLE;
			continue;
		}
		if (r != NULL && retryable(r) && attempt + 1 < MAX_ATTEMPTS) {
			PQclear(r);
			r = NULL;
			continue;
		}
		break;
	}
	*res = r;
	return DB_FAILED;
}

const char *db_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}

static int column(const PGresult *res, int row, const char *name)
{
	int col = PQfnumber(res, name);

	if (col < 0)
		log_error("the result has no column \"%s\"", name);
	else if (row >= PQntuples(res))
		log_error("the result has no row %d for \"%s\"", row, name);
	else if (!PQgetisnull(res, row, col))
		return col;
	return -1;
}

int db_is_null(const PGresult *res, int row, const char *name)
{
	return column(res, row, name) < 0;
}

const char *db_text(const PGresult *res, int row, const char *name)
{
	int col = column(res, row, name);

	return col < 0 ? "" : PQgetvalue(res, row, col);
}

const char *db_text_or_null(const PGresult *res, int row, const char *name)
{
	int col = column(res, row, name);

	return col < 0 ? NULL : PQgetvalue(res, row, col);
}

long long db_long(const PGresult *res, int row, const char *name)
{
	return strtoll(db_text(res, row, name), NULL, 10);
}

int db_bool(const PGresult *res, int row, const char *name)
{
	return strcmp(db_text(res, row, name), "t") == 0;
}
