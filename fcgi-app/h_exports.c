/* h_exports.c: playlist exports by email: record a durable job, show its state */
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "request.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

DB_STMT(export_request_stmt, 4, "SELECT status FROM export_request($1, $2, $3, $4)");

DB_STMT(export_job_stmt, 2,
	"SELECT id, playlist_id, target_email, state, attempts, last_error, iso_time(created_at),"
	"       iso_time(sent_at), owner_id = $2"
	"  FROM export_jobs WHERE id = $1");

/* export_request() */
const struct status_word export_request_statuses[] = {
	{ "ok", 201, NULL },
	{ "no_playlist", 404, "playlist not found" },
	{ "forbidden", 403, "only the playlist's owner may export it" },
	STATUS_END,
};

/*
 * A plausible address: one '@', a local part and a dotted domain of allowed
 * characters, no spaces or controls (which could inject SMTP commands).
 */
static int email_ok(const char *s)
{
	const char *at = strchr(s, '@');
	size_t n = strlen(s);

	if (at == NULL || at == s || strchr(at + 1, '@') != NULL || n > 254 || at - s > 64)
		return 0;
	for (const char *p = s; *p; p++)
		if (!isgraph((unsigned char)*p) || strchr("<>()[]\\,;:\"", *p) != NULL)
			return 0;
	const char *domain = at + 1, *dot = strrchr(domain, '.');
	return dot != NULL && dot > domain && dot[1] != '\0' && domain[0] != '.' && strstr(domain, "..") == NULL;
}

/* POST /export/playlists/{playlistId} {targetEmail} -> 201 {jobId}; owner only */
void exports_create(struct request *req)
{
	const char *email;
	char id[40];
	PGresult *res = NULL;
	enum db_result r;

	if (field_string_or_reply(req, req->json, "targetEmail", 3, 254, &email) != 0)
		return;
	if (!email_ok(email)) {
		reply_error(req, 400, "\"targetEmail\" must be an email address");
		return;
	}
	ids_random("export", id, sizeof id);
	const char *params[] = { id, req->params[0], req->who.id, email };
	r = db_exec(&export_request_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else if (status_or_reply(req, PQgetvalue(res, 0, 0), export_request_statuses) != NULL) {
		struct json_object *data = json_object_new_object();

		json_object_object_add(data, "jobId", json_object_new_string(id));
		reply_message(req, 201, "your export is queued", data);
	}
	PQclear(res);
}

/* GET /export/jobs/{jobId} -> {job: {id, playlistId, targetEmail, state, attempts, lastError, createdAt, sentAt}} */
void exports_get(struct request *req)
{
	PGresult *res = NULL;
	enum db_result r;

	const char *params[] = { req->params[0], req->who.id };
	r = db_exec(&export_job_stmt, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
	} else if (PQntuples(res) == 0) {
		reply_error(req, 404, "export job not found");
	} else if (PQgetvalue(res, 0, 8)[0] != 't') {
		reply_error(req, 403, "only the playlist's owner may see its exports");
	} else {
		struct json_object *job = json_object_new_object(), *data = json_object_new_object();

		json_object_object_add(job, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
		json_object_object_add(job, "playlistId", json_object_new_string(PQgetvalue(res, 0, 1)));
		json_object_object_add(job, "targetEmail", json_object_new_string(PQgetvalue(res, 0, 2)));
		json_object_object_add(job, "state", json_object_new_string(PQgetvalue(res, 0, 3)));
		json_object_object_add(job, "attempts", json_object_new_int(atoi(PQgetvalue(res, 0, 4))));
		json_object_object_add(job, "lastError", PQgetisnull(res, 0, 5) ? NULL :
				       json_object_new_string(PQgetvalue(res, 0, 5)));
		json_object_object_add(job, "createdAt", json_object_new_string(PQgetvalue(res, 0, 6)));
		json_object_object_add(job, "sentAt", PQgetisnull(res, 0, 7) ? NULL :
				       json_object_new_string(PQgetvalue(res, 0, 7)));
		json_object_object_add(data, "job", job);
		reply_data(req, 200, data);
	}
	PQclear(res);
}
