/* catalog.c: who may change the catalog (CATALOG_WRITES, CATALOG_ADMINS) */
#include "catalog.h"
#include "config.h"
#include "db.h"
#include "query.h"
#include "request.h"

#include <string.h>

DB_STMT(catalog_may_change_stmt, 5, "SELECT catalog_may_change($1, $2, $3, $4::boolean, $5)");

const char *catalog_creator(const struct request *req)
{
	return req->who.kind == IDENTITY_USER ? req->who.id : NULL;
}

int catalog_may_change_or_reply(struct request *req, const char *kind, const char *id)
{
	const char *params[] = { kind, id, catalog_creator(req), config.catalog_writes_open ? "true" : "false",
				 config.catalog_admins };
	PGresult *res = query_or_reply(req, &catalog_may_change_stmt, params);
	const char *status;
	int rc = -1;

	if (res == NULL)
		return -1;
	status = PQgetvalue(res, 0, 0);
	if (strcmp(status, "ok") == 0)
		rc = 0;
	else if (strcmp(status, "no_item") == 0)
		reply_error(req, 404, "%s not found", kind);
	else if (strcmp(status, "forbidden") == 0)
		reply_error(req, 403, "only the user who added this %s or a catalog admin may change it", kind);
	else
		reply_error(req, 500, "internal error");
	PQclear(res);
	return rc;
}
