/* export.c: the playlist export consumer: claim a job, build the JSON, mail it */
#include "export.h"
#include "config.h"
#include "db.h"
#include "log.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

DB_STMT(export_claim_stmt, 1,
	"SELECT id, playlist_id, target_email, attempts FROM export_claim($1::integer)");

DB_STMT(export_finish_stmt, 5,
	"SELECT state FROM export_finish($1, $2::boolean, $3, $4::integer, $5::integer)");

DB_STMT(export_next_due_stmt, 0, "SELECT export_next_due()");

DB_STMT(export_playlist_stmt, 1,
	"SELECT p.id, p.name, s.id, s.title, s.performer"
	"  FROM playlists p"
	"  LEFT JOIN playlist_songs ps ON ps.playlist_id = p.id"
	"  LEFT JOIN songs s ON s.id = ps.song_id"
	" WHERE p.id = $1 ORDER BY ps.added_at, s.id");

/* {"playlist":{"id","name","songs":[{"id","title","performer"}]}}; caller frees. NULL if gone. */
static char *playlist_json(const char *playlist_id)
{
	const char *params[] = { playlist_id };
	PGresult *res = NULL;
	char *out = NULL;

	if (db_exec(&export_playlist_stmt, params, &res) == DB_OK && PQntuples(res) > 0) {
		struct json_object *root = json_object_new_object(), *pl = json_object_new_object();
		struct json_object *songs = json_object_new_array();

		json_object_object_add(pl, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
		json_object_object_add(pl, "name", json_object_new_string(PQgetvalue(res, 0, 1)));
		for (int i = 0; i < PQntuples(res); i++) {
			if (PQgetisnull(res, i, 2))
				continue;
			struct json_object *s = json_object_new_object();
			json_object_object_add(s, "id", json_object_new_string(PQgetvalue(res, i, 2)));
			json_object_object_add(s, "title", json_object_new_string(PQgetvalue(res, i, 3)));
			json_object_object_add(s, "performer", json_object_new_string(PQgetvalue(res, i, 4)));
			json_object_array_add(songs, s);
		}
		json_object_object_add(pl, "songs", songs);
		json_object_object_add(root, "playlist", pl);
		out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
							    JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	PQclear(res);
	return out;
}

int export_send_mail(const char *to, const char *playlist_id, const char *json, char *err, size_t cap)
{
	CURL *c = curl_easy_init();
	curl_mime *mime = NULL;
	curl_mimepart *part;
	struct curl_slist *rcpt = NULL, *headers = NULL;
	char url[300], from[300], rcpt_to[300], filename[128], line[400];
	char errbuf[CURL_ERROR_SIZE] = "";
	CURLcode rc;

	if (c == NULL) {
		snprintf(err, cap, "out of memory");
		return -1;
	}
	snprintf(url, sizeof url, "%s://%s:%d", strcmp(config.smtp_tls, "tls") == 0 ? "smtps" : "smtp",
		 config.smtp_host, config.smtp_port);
	snprintf(from, sizeof from, "<%s>", config.export_from);
	snprintf(rcpt_to, sizeof rcpt_to, "<%s>", to);
	snprintf(filename, sizeof filename, "playlist-%s.json", playlist_id);
	rcpt = curl_slist_append(rcpt, rcpt_to);
	snprintf(line, sizeof line, "From: queued <%s>", config.export_from);
	headers = curl_slist_append(headers, line);
	snprintf(line, sizeof line, "To: <%s>", to);
	headers = curl_slist_append(headers, line);
	headers = curl_slist_append(headers, "Subject: Your playlist export");

	mime = curl_mime_init(c);
	part = curl_mime_addpart(mime);
	curl_mime_data(part, "Your playlist is attached as JSON.\r\n", CURL_ZERO_TERMINATED);
	curl_mime_type(part, "text/plain; charset=utf-8");
	part = curl_mime_addpart(mime);
	curl_mime_data(part, json, CURL_ZERO_TERMINATED);
	curl_mime_type(part, "application/json");
	curl_mime_filename(part, filename);
	curl_mime_encoder(part, "base64");

	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_MAIL_FROM, from);
	curl_easy_setopt(c, CURLOPT_MAIL_RCPT, rcpt);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
	/*
	 * SMTP_TLS: "starttls" and "tls" require TLS (a server that does not
	 * offer it fails the attempt: credentials never travel in clear);
	 * "none" never asks; unset without credentials, STARTTLS when offered.
	 */
	if (strcmp(config.smtp_tls, "starttls") == 0 || strcmp(config.smtp_tls, "tls") == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_ALL);
	else if (strcmp(config.smtp_tls, "none") == 0)
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_NONE);
	else
		curl_easy_setopt(c, CURLOPT_USE_SSL, (long)CURLUSESSL_TRY);
	if (config.smtp_user != NULL) {
		curl_easy_setopt(c, CURLOPT_USERNAME, config.smtp_user);
		curl_easy_setopt(c, CURLOPT_PASSWORD, config.smtp_password ? config.smtp_password : "");
	}
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, 10L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 60L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
	rc = curl_easy_perform(c);
	if (rc != CURLE_OK)
		snprintf(err, cap, "%s%s%s", curl_easy_strerror(rc), errbuf[0] ? ": " : "", errbuf);
	curl_slist_free_all(rcpt);
	curl_slist_free_all(headers);
	curl_mime_free(mime);
	curl_easy_cleanup(c);
	return rc == CURLE_OK ? 0 : -1;
}

/* Seconds to wait after the n-th failed attempt: 1, 2, 4, ... up to EXPORT_BACKOFF_MAX. */
static int backoff(int attempts)
{
	long s = 1L << (attempts > 16 ? 16 : (attempts < 1 ? 0 : attempts - 1));

	return s > config.export_backoff_max ? config.export_backoff_max : (int)s;
}

int export_run_one(void)
{
	char lease[16], max[16], wait[16], err[512] = "";
	PGresult *job = NULL, *fin = NULL;
	enum db_result r;
	char *json = NULL;
	int ok;

	snprintf(lease, sizeof lease, "%d", config.export_lease);
	const char *params[] = { lease };
	r = db_exec(&export_claim_stmt, params, &job);
	if (r != DB_OK) {
		PQclear(job);
		return -1;
	}
	if (PQntuples(job) == 0) {
		PQclear(job);
		return 0;
	}
	const char *id = PQgetvalue(job, 0, 0), *playlist = PQgetvalue(job, 0, 1);
	const char *to = PQgetvalue(job, 0, 2);
	int attempts = atoi(PQgetvalue(job, 0, 3));

	log_info("export %s: attempt %d to send playlist %s", id, attempts, playlist);
	json = playlist_json(playlist);
	if (json == NULL) {
		snprintf(err, sizeof err, "the playlist could not be read");
		ok = 0;
	} else {
		ok = export_send_mail(to, playlist, json, err, sizeof err) == 0;
	}
	snprintf(max, sizeof max, "%d", config.export_max_attempts);
	snprintf(wait, sizeof wait, "%d", backoff(attempts));
	const char *fparams[] = { id, ok ? "true" : "false", ok ? NULL : err, max, wait };
	r = db_exec(&export_finish_stmt, fparams, &fin);
	if (r == DB_OK && PQntuples(fin) == 1)
		log_info("export %s: %s%s%s", id, PQgetvalue(fin, 0, 0), ok ? "" : ": ", ok ? "" : err);
	else
		log_error("export %s: outcome not recorded; the lease will hand it out again", id);
	free(json);
	PQclear(job);
	PQclear(fin);
	return 1;
}

int export_next_due_ms(int cap_ms)
{
	PGresult *res = NULL;
	int ms = cap_ms;

	if (db_exec(&export_next_due_stmt, NULL, &res) == DB_OK && !PQgetisnull(res, 0, 0)) {
		double s = strtod(PQgetvalue(res, 0, 0), NULL);
		if (s * 1000 < cap_ms)
			ms = (int)(s * 1000) + 20;
	}
	PQclear(res);
	return ms;
}
