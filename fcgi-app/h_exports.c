/* h_exports.c: playlist exports by email: record a durable job, show its state */
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"

#include <ctype.h>
#include <string.h>

DB_STMT(export_request_stmt, 4, "SELECT status FROM export_request($1, $2, $3, $4)");

DB_STMT(export_job_stmt, 2,
	"SELECT id, playlist_id, target_email, state, attempts, last_error,"
	"       iso_time(created_at) AS created_at, iso_time(sent_at) AS sent_at, owner_id = $2 AS is_owner"
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

	if (field_string_or_reply(req, req->json, "targetEmail", 3, 254, &email) != 0)
		return;
	if (!email_ok(email)) {
		reply_error(req, 400, "\"targetEmail\" must be an email address");
		return;
	}
	ids_random("export", id, sizeof id);
	const char *params[] = { id, req->params[0], req->who.id, email };
	if ((res = query_or_reply(req, &export_request_stmt, params)) == NULL ||
	    status_or_reply(req, db_text(res, 0, "status"), export_request_statuses) == NULL)
		goto out;
	/* The consumer logs under the job's id; this line ties that id to the request's. */
	log_info("export %s queued", id);
	reply_message(req, 201, "your export is queued", object_with_string("jobId", id));
out:
	PQclear(res);
}

/* {id, playlistId, targetEmail, state, attempts, lastError, createdAt, sentAt} of export_job_stmt's row */
static struct json_object *export_job_json(const PGresult *res)
{
	struct json_object *job = json_object_new_object();

	json_object_object_add(job, "id", col_json_text(res, 0, "id"));
	json_object_object_add(job, "playlistId", col_json_text(res, 0, "playlist_id"));
	json_object_object_add(job, "targetEmail", col_json_text(res, 0, "target_email"));
	json_object_object_add(job, "state", col_json_text(res, 0, "state"));
	json_object_object_add(job, "attempts", col_json_int(res, 0, "attempts"));
	json_object_object_add(job, "lastError", col_json_text(res, 0, "last_error"));
	json_object_object_add(job, "createdAt", col_json_text(res, 0, "created_at"));
	json_object_object_add(job, "sentAt", col_json_text(res, 0, "sent_at"));
	return job;
}

/* GET /export/jobs/{jobId} -> {job: {...}}; the playlist's owner only */
void exports_get(struct request *req)
{
	const char *params[] = { req->params[0], req->who.id };
	PGresult *res = NULL;
	struct json_object *data;

	if ((res = query_row_or_reply(req, &export_job_stmt, params, "export job not found")) == NULL)
		goto out;
	if (!db_bool(res, 0, "is_owner")) {
		reply_error(req, 403, "only the playlist's owner may see its exports");
		goto out;
	}
	data = json_object_new_object();
	json_object_object_add(data, "job", export_job_json(res));
	reply_data(req, 200, data);
out:
	PQclear(res);
}
