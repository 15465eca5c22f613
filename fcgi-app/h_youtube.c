/* h_youtube.c: GET /youtube/search, YouTube's own results (youtube.c) cached per query */
#include "cache.h"
#include "handlers.h"
#include "jsonutil.h"
#include "request.h"
#include "youtube.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_TTL 600          /* seconds: the same query from a room full of phones costs one call */

/* GET /youtube/search?q= -> {results: [{youtubeId, title, performer, duration}]}; 404 when not configured */
void youtube_search_get(struct request *req)
{
	const char *q = req_query(req, "q");
	size_t q_chars = q ? utf8_length(q) : 0;
	char *cached = NULL, *key;
	long long version;
	struct json_object *results, *data;

	if (!youtube_configured()) {
		reply_error(req, 404, "YouTube search is not configured on this server");
		goto out;
	}
	if (q_chars == 0 || q_chars == (size_t)-1 || q_chars > 100) {
		reply_error(req, 400, "q must be a search text of 1 to 100 characters");
		goto out;
	}
	key = req_printf(req, "youtube:%s", q);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (cache_get(key, &cached, NULL, &version) == CACHE_HIT) {
		req->res.data_source = "cache";
		reply_raw_data(req, 200, cached);
		goto out;
	}
	switch (youtube_search(q, &results)) {
	case YOUTUBE_OK:
		break;
	case YOUTUBE_SKIPPED:
		reply_error(req, 503, "YouTube search is paused: this server's daily YouTube quota budget is spent; search the catalog");
		goto out;
	default:
		reply_error(req, 502, "YouTube search is not answering; try again, or search the catalog");
		goto out;
	}
	data = json_object_new_object();
	json_object_object_add(data, "results", results);
	cache_put(key, 0, json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN), NULL, SEARCH_TTL);
	req->res.data_source = "youtube";
	reply_data(req, 200, data);
out:
	free(cached);
}
