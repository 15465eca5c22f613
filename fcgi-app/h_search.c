/* h_search.c: GET /search, one search over the catalog and YouTube, each result marked with its source */
#include "cache.h"
#include "db.h"
#include "handlers.h"
#include "jsonutil.h"
#include "query.h"
#include "request.h"
#include "youtube.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define YT_SEARCH_TTL (6 * 3600) /* seconds: a party searches the same songs all night; 100 units a miss */
#define LIMIT_DEFAULT 20
#define LIMIT_MAX 50

/* Title or performer, case-insensitive; strpos needs no escaping of % or _. */
DB_STMT(catalog_search_stmt, 2,
	"SELECT id, title, performer, duration, youtube_id FROM songs"
	" WHERE strpos(lower(title), lower($1)) > 0 OR strpos(lower(performer), lower($1)) > 0"
	" ORDER BY lower(title), id LIMIT $2::integer");

static const struct column_field catalog_result_fields[] = {
	{ "songId", "id", col_json_text },
	{ "youtubeId", "youtube_id", col_json_text },
	{ "title", "title", col_json_text },
	{ "performer", "performer", col_json_text },
	{ "duration", "duration", col_json_int },
	{ NULL, NULL, NULL },
};

/* The catalog's matches as results (caller owns), or NULL after a reply. */
static struct json_object *catalog_results_or_reply(struct request *req, const char *q, const char *limit)
{
	const char *params[] = { q, limit };
	PGresult *res = query_or_reply(req, &catalog_search_stmt, params);
	struct json_object *results, *r;

	if (res == NULL)
		return NULL;
	results = json_object_new_array();
	for (int i = 0; i < PQntuples(res); i++) {
		r = json_object_new_object();
		json_object_object_add(r, "source", json_object_new_string("catalog"));
		json_object_array_add(results, col_fields_json(r, res, i, catalog_result_fields));
	}
	PQclear(res);
	return results;
}

/*
 * YouTube's results for the normalised query, from the cache or YouTube
 * (caller owns; NULL unless YOUTUBE_OK). Near-repeats share one entry.
 */
static enum youtube_status youtube_results(struct request *req, const char *normal, struct json_object **found)
{
	char *key = req_printf(req, "ytsearch:%s", normal), *cached = NULL;
	long long version;
	enum youtube_status status;

	*found = NULL;
	if (cache_get(key, &cached, NULL, &version) == CACHE_HIT && (*found = json_tokener_parse(cached)) != NULL) {
		free(cached);
		return YOUTUBE_OK;
	}
	free(cached);
	status = youtube_search(normal, found);
	if (status == YOUTUBE_OK)
		cache_put(key, 0, json_object_to_json_string_ext(*found, JSON_C_TO_STRING_PLAIN), NULL, YT_SEARCH_TTL);
	return status;
}

/* Is video id already among the catalog's results (a song made from it)? */
static int in_catalog(struct json_object *results, size_t catalog, const char *id)
{
	for (size_t j = 0; j < catalog; j++) {
		const char *cid = json_object_get_string(json_object_object_get(json_object_array_get_idx(results, j), "youtubeId"));

		if (cid != NULL && id != NULL && strcmp(cid, id) == 0)
			return 1;
	}
	return 0;
}

/* Append up to limit of YouTube's results, marked as such, to results; a video the catalog showed is left out. */
static void add_youtube(struct json_object *results, struct json_object *found, long limit)
{
	size_t catalog = json_object_array_length(results);
	long added = 0;

	for (size_t i = 0; i < json_object_array_length(found) && added < limit; i++) {
		struct json_object *r = json_object_array_get_idx(found, i);

		if (in_catalog(results, catalog, json_object_get_string(json_object_object_get(r, "youtubeId"))))
			continue;
		json_object_get(r);
		json_object_object_add(r, "source", json_object_new_string("youtube"));
		json_object_array_add(results, r);
		added++;
	}
}

/* The limit query parameter as text for the statement, or NULL after a 400. */
static const char *limit_or_reply(struct request *req, long *limit)
{
	const char *text = req_query(req, "limit");
	char *end;

	*limit = LIMIT_DEFAULT;
	if (text != NULL) {
		*limit = strtol(text, &end, 10);
		if (*text == '\0' || *end != '\0' || *limit < 1 || *limit > LIMIT_MAX) {
			reply_error(req, 400, "limit must be a whole number from 1 to %d", LIMIT_MAX);
			return NULL;
		}
	}
	return req_printf(req, "%ld", *limit);
}

/*
 * GET /search?q=&limit= -> {results: [{source, songId?, youtubeId?, title,
 * performer, duration}], youtube: ok|skipped|unavailable|off, reason?}: up
 * to limit catalog matches, then up to limit YouTube results. YouTube's
 * failures never fail the search: the catalog's results go without them.
 */
void search_get(struct request *req)
{
	const char *q = req_query(req, "q"), *limit_text, *state = "off", *reason = NULL;
	size_t q_chars = q ? utf8_length(q) : 0;
	char normal[400];
	long limit;
	struct json_object *results = NULL, *found = NULL, *data;

	if (q_chars == 0 || q_chars == (size_t)-1 || q_chars > 100 || youtube_normalize_query(q, normal, sizeof normal)[0] == '\0') {
		reply_error(req, 400, "q must be a search text of 1 to 100 characters, with a letter or digit");
		goto out;
	}
	if ((limit_text = limit_or_reply(req, &limit)) == NULL ||
	    (results = catalog_results_or_reply(req, q, limit_text)) == NULL)
		goto out;
	if (youtube_configured()) {
		switch (youtube_results(req, normal, &found)) {
		case YOUTUBE_OK:
			state = "ok";
			add_youtube(results, found, limit);
			break;
		case YOUTUBE_SKIPPED:
			state = "skipped";
			reason = "this server's daily YouTube quota budget is spent until midnight Pacific time";
			break;
		default:
			state = "unavailable";
			reason = "YouTube did not answer";
			break;
		}
	}
	data = json_object_new_object();
	json_object_object_add(data, "results", results);
	results = NULL;
	json_object_object_add(data, "youtube", json_object_new_string(state));
	if (reason != NULL)
		json_object_object_add(data, "reason", json_object_new_string(reason));
	reply_data(req, 200, data);
out:
	json_object_put(results);
	json_object_put(found);
}
