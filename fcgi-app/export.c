/* export.c: the playlist export consumer: claim a job, build the JSON, mail it */
#include "export.h"
#include "catalog.h"
#include "config.h"
#include "db.h"
#include "http_client.h"
#include "log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

DB_STMT(export_claim_stmt, 1,
	"SELECT id, playlist_id, target_email, attempts FROM export_claim($1::integer)");

DB_STMT(export_finish_stmt, 5,
	"SELECT state FROM export_finish($1, $2::boolean, $3, $4::integer, $5::integer)");

DB_STMT(export_next_due_stmt, 0, "SELECT export_next_due() AS due_in");

DB_STMT(export_playlist_stmt, 1,
	"SELECT p.id, p.name, s.id AS song_id, s.title, s.performer"
	"  FROM playlists p"
	"  LEFT JOIN playlist_songs ps ON ps.playlist_id = p.id"
	"  LEFT JOIN songs s ON s.id = ps.song_id"
	" WHERE p.id = $1 ORDER BY ps.added_at, s.id");

/* A mail server may be slow to greet and slower to take a large attachment. */
static const struct http_client_options smtp_http = {
	.protocols = "smtp,smtps",
	.connect_timeout_ms = 10000,
	.timeout_ms = 60000,
	.max_answer = 4096,
};

/* {"playlist":{"id","name","songs":[{"id","title","performer"}]}}; caller frees. NULL if gone. */
static char *playlist_json(const char *playlist_id)
{
	const char *params[] = { playlist_id };
	PGresult *res = NULL;
	struct json_object *root = NULL, *pl, *songs;
	const char *text;
	char *out = NULL;

	if (db_exec(&export_playlist_stmt, params, &res) != DB_OK || PQntuples(res) == 0)
		goto out;
	root = json_object_new_object();
	pl = json_object_new_object();
	songs = json_object_new_array();
	json_object_object_add(pl, "id", json_object_new_string(db_text(res, 0, "id")));
	json_object_object_add(pl, "name", json_object_new_string(db_text(res, 0, "name")));
	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *song = song_summary_json(res, i);

		if (song != NULL) /* NULL: the left join found a playlist without songs */
			json_object_array_add(songs, song);
	}
	json_object_object_add(pl, "songs", songs);
	json_object_object_add(root, "playlist", pl);
	text = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	out = text != NULL ? strdup(text) : NULL;
out:
	json_object_put(root);
	PQclear(res);
	return out;
}

/* The envelope and headers of an export mail, owned by the caller (curl_slist_free_all). */
static struct curl_slist *mail_headers(const char *to)
{
	struct curl_slist *headers = NULL;
	char line[400];

	snprintf(line, sizeof line, "From: queued <%s>", config.export_from);
	headers = curl_slist_append(headers, line);
	snprintf(line, sizeof line, "To: <%s>", to);
	headers = curl_slist_append(headers, line);
	return curl_slist_append(headers, "Subject: Your playlist export");
}

/* A short note, and the playlist as an attachment named playlist-<id>.json. Freed with the handle's mime. */
static curl_mime *mail_body(CURL *curl, const char *playlist_id, const char *json)
{
	curl_mime *mime = curl_mime_init(curl);
	curl_mimepart *part;
	char filename[128];

	snprintf(filename, sizeof filename, "playlist-%s.json", playlist_id);
	part = curl_mime_addpart(mime);
	curl_mime_data(part, "Your playlist is attached as JSON.\r\n", CURL_ZERO_TERMINATED);
	curl_mime_type(part, "text/plain; charset=utf-8");
	part = curl_mime_addpart(mime);
	curl_mime_data(part, json, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "application/json");
	curl_mime_filename(part, filename);
	curl_mime_encoder(part, "base64");
	return mime;
}

/* SMTP_TLS and SMTP_USER on the handle. */
static void mail_security(CURL *curl)
{
	/*
	 * SMTP_TLS: "starttls" and "tls" require TLS (a server that does not
	 * offer it fails the attempt: credentials never travel in clear);
	 * "none" never asks; unset without credentials, STARTTLS when offered.
	 */
	if (strcmp(config.smtp_tls, "starttls") == 0 || strcmp(config.smtp_tls, "tls") == 0)
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	else if (strcmp(config.smtp_tls, "none") == 0)
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
	else
		curl_easy_setopt(curl, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (config.smtp_user != NULL) {
		curl_easy_setopt(curl, CURLOPT_USERNAME, config.smtp_user);
		curl_easy_setopt(curl, CURLOPT_PASSWORD, config.smtp_password ? config.smtp_password : "");
	}
}

int export_send_mail(const char *to, const char *playlist_id, const char *json, char *err, size_t cap)
{
	struct http_client hc;
	curl_mime *mime = NULL;
	struct curl_slist *rcpt = NULL, *headers = NULL;
	char url[300], from[300], rcpt_to[300];
	int rc = -1;

	if (http_client_open(&hc, &smtp_http) != 0) {
		snprintf(err, cap, "out of memory");
		goto out;
	}
	snprintf(url, sizeof url, "%s://%s:%d", strcmp(config.smtp_tls, "tls") == 0 ? "smtps" : "smtp",
		 config.smtp_host, config.smtp_port);
	snprintf(from, sizeof from, "<%s>", config.export_from);
	snprintf(rcpt_to, sizeof rcpt_to, "<%s>", to);
	rcpt = curl_slist_append(NULL, rcpt_to);
	headers = mail_headers(to);
	mime = mail_body(hc.curl, playlist_id, json);
	curl_easy_setopt(hc.curl, CURLOPT_URL, url);
	curl_easy_setopt(hc.curl, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(hc.curl, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(hc.curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(hc.curl, CURLOPT_MIMEPOST, mime);
	mail_security(hc.curl);
	if (http_client_perform(&hc) < 0)
		snprintf(err, cap, "%s", hc.why);
	else
		rc = 0;
out:
	http_client_close(&hc);
	curl_slist_free_all(rcpt);
	curl_slist_free_all(headers);
	curl_mime_free(mime);
	return rc;
}

/* Seconds to wait after the n-th failed attempt: 1, 2, 4, ... up to EXPORT_BACKOFF_MAX. */
static int backoff(int attempts)
{
	long s = 1L << (attempts > 16 ? 16 : (attempts < 1 ? 0 : attempts - 1));

	return s > config.export_backoff_max ? config.export_backoff_max : (int)s;
}

/* Record how job id's attempt went: sent, or failed with err (retried after a backoff, or given up). */
static void record_outcome(const char *id, int attempts, int ok, const char *err)
{
	char max[16], wait[16];
	PGresult *res = NULL;

	snprintf(max, sizeof max, "%d", config.export_max_attempts);
	snprintf(wait, sizeof wait, "%d", backoff(attempts));
	const char *params[] = { id, ok ? "true" : "false", ok ? NULL : err, max, wait };
	if (db_exec(&export_finish_stmt, params, &res) == DB_OK && PQntuples(res) == 1)
		log_info("export %s: %s%s%s", id, db_text(res, 0, "state"), ok ? "" : ": ", ok ? "" : err);
	else
		log_error("export %s: outcome not recorded; the lease will hand it out again", id);
	PQclear(res);
}

int export_run_one(void)
{
	char lease[16], err[512] = "";
	PGresult *job = NULL;
	char *json = NULL;
	int rc = -1, ok = 0;

	snprintf(lease, sizeof lease, "%d", config.export_lease);
	const char *params[] = { lease };
	if (db_exec(&export_claim_stmt, params, &job) != DB_OK)
		goto out;
	rc = 0;
	if (PQntuples(job) == 0)
		goto out;
	rc = 1;
	const char *id = db_text(job, 0, "id"), *playlist = db_text(job, 0, "playlist_id");
	int attempts = (int)db_long(job, 0, "attempts");

	/*
	 * Every line of this attempt (SMTP, libcurl, database) carries the job's
	 * id where a worker's carry the request's. The id of the request that
	 * created the job is not stored (export_jobs has no column for it): the
	 * job id ("export-..."), which the request's answer holds, is what links
	 * the two logs.
	 */
	log_set_request_id(id);
	log_info("export %s: attempt %d to send playlist %s", id, attempts, playlist);
	json = playlist_json(playlist);
	if (json == NULL)
		snprintf(err, sizeof err, "the playlist could not be read");
	else
		ok = export_send_mail(db_text(job, 0, "target_email"), playlist, json, err, sizeof err) == 0;
	record_outcome(id, attempts, ok, err);
out:
	log_set_request_id(NULL);
	free(json);
	PQclear(job);
	return rc;
}

int export_next_due_ms(int cap_ms)
{
	PGresult *res = NULL;
	int ms = cap_ms;

	if (db_exec(&export_next_due_stmt, NULL, &res) == DB_OK && !db_is_null(res, 0, "due_in")) {
		double s = strtod(db_text(res, 0, "due_in"), NULL);
		if (s * 1000 < cap_ms)
			ms = (int)(s * 1000) + 20;
	}
	PQclear(res);
	return ms;
}
