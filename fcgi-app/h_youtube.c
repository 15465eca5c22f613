/* h_youtube.c: search YouTube (Data API v3) for songs to add to a room */
#include "cache.h"
#include "config.h"
#include "handlers.h"
#include "http_client.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "metrics.h"
#include "request.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_TTL 600          /* seconds: the same query from a room full of phones costs one call */
#define SEARCH_RESULTS "10"
#define ITEMS_MAX 16            /* items read from an answer, whatever maxResults said */

/* YouTube is out on the internet: an operator's proxy settings (https_proxy, no_proxy) apply to it. */
static const struct http_client_options youtube_http = {
	.protocols = "http,https",
	.timeout_ms = 4000,
	.max_answer = 512 * 1024,
	.env_proxy = 1,
};

/* GET url and parse the JSON answer; NULL (logged) on any failure. Caller owns the result. */
static struct json_object *upstream_get(struct http_client *hc, const char *url)
{
	struct json_object *out = NULL;
	long status;

	curl_easy_setopt(hc->curl, CURLOPT_URL, url);
	status = http_client_perform(hc);
	if (status < 0)
		log_warn("youtube: %s", hc->why);
	else if (status != 200)
		log_warn("youtube: upstream answered %ld", status);
	else if ((out = json_tokener_parse(hc->answer ? hc->answer : "")) == NULL)
		log_warn("youtube: upstream answer is not JSON");
	return out;
}

static const char *string_at(struct json_object *obj, const char *a, const char *b)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, a, &v) || (b != NULL && !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

/* Seconds of an ISO 8601 duration as YouTube writes them ("PT4M13S", "P1DT2H"); -1 if unreadable. */
static long youtube_duration_seconds(const char *iso)
{
	long total = 0, n = 0;
	int in_time = 0, digits = 0;

	if (iso == NULL || *iso != 'P')
		return -1;
	for (const char *p = iso + 1; *p; p++) {
		if (isdigit((unsigned char)*p)) {
			if (n > 1000000)
				return -1;
			n = n * 10 + (*p - '0');
			digits = 1;
			continue;
		}
		if (*p == 'T' && !digits) {
			in_time = 1;
			continue;
		}
		if (!digits)
			return -1;
		switch (*p) {
		case 'W': total += n * 604800; break;
		case 'D': total += n * 86400; break;
		case 'H': total += n * 3600; break;
		case 'M': total += in_time ? n * 60 : n * 2592000; break;
		case 'S': total += n; break;
		default: return -1;
		}
		n = 0;
		digits = 0;
	}
	return digits ? -1 : total;
}

/* The valid video ids among the search's items, comma-separated in ids (room for ITEMS_MAX). */
static void video_ids(struct json_object *items, char *ids)
{
	ids[0] = '\0';
	for (size_t i = 0; i < json_object_array_length(items) && i < ITEMS_MAX; i++) {
		const char *id = string_at(json_object_array_get_idx(items, i), "id", "videoId");

		if (id != NULL && ids_youtube_valid(id)) {
			if (ids[0])
				strcat(ids, ",");
			strcat(ids, id);
		}
	}
}

/* Seconds of video id from the videos.list answer; -1 when it is not there. */
static long video_seconds(struct json_object *details, const char *id)
{
	struct json_object *items;
	long seconds = -1;

	if (details == NULL || !json_object_object_get_ex(details, "items", &items) ||
	    !json_object_is_type(items, json_type_array))
		return -1;
	for (size_t j = 0; j < json_object_array_length(items); j++) {
		struct json_object *d = json_object_array_get_idx(items, j);
		const char *did = string_at(d, "id", NULL);

		if (did != NULL && strcmp(did, id) == 0)
			seconds = youtube_duration_seconds(string_at(d, "contentDetails", "duration"));
	}
	return seconds;
}

/* {youtubeId, title, performer, duration} of one search item; NULL for an item to leave out. */
static struct json_object *result_json(struct json_object *item, struct json_object *details)
{
	const char *id = string_at(item, "id", "videoId"), *title = string_at(item, "snippet", "title");
	const char *channel = string_at(item, "snippet", "channelTitle");
	struct json_object *r;
	long seconds;

	if (id == NULL || !ids_youtube_valid(id) || title == NULL)
		return NULL;
	seconds = video_seconds(details, id);
	r = json_object_new_object();
	json_object_object_add(r, "youtubeId", json_object_new_string(id));
	json_object_object_add(r, "title", json_object_new_string(title));
	json_object_object_add(r, "performer", json_object_new_string(channel && *channel ? channel : "YouTube"));
	json_object_object_add(r, "duration", seconds >= 0 ? json_object_new_int64(seconds) : NULL);
	return r;
}

/*
 * The search, two upstream calls on one connection: search.list for ids and
 * titles, videos.list for durations. The results (caller owns), or NULL when
 * YouTube did not answer.
 */
static struct json_object *youtube_search(const char *q)
{
	struct http_client hc;
	char *q_esc = NULL, *key_esc = NULL;
	struct json_object *found = NULL, *details = NULL, *items, *results = NULL, *r;
	char url[2048], ids[ITEMS_MAX * 12 + 1];
	int n;

	if (http_client_open(&hc, &youtube_http) != 0)
		goto out;
	q_esc = curl_easy_escape(hc.curl, q, 0);
	key_esc = curl_easy_escape(hc.curl, config.youtube_api_key, 0);
	if (q_esc == NULL || key_esc == NULL)
		goto out;
	n = snprintf(url, sizeof url,
		     "%s/search?part=snippet&type=video&videoEmbeddable=true&maxResults=" SEARCH_RESULTS "&q=%s&key=%s",
		     config.youtube_api_url, q_esc, key_esc);
	if (n < 0 || (size_t)n >= sizeof url)
		goto out;
	metrics_count(METRIC_YOUTUBE_SEARCHES);
	found = upstream_get(&hc, url);
	if (found == NULL || !json_object_object_get_ex(found, "items", &items) ||
	    !json_object_is_type(items, json_type_array))
		goto out;
	results = json_object_new_array();
	video_ids(items, ids);
	if (ids[0] == '\0')
		goto out;
	n = snprintf(url, sizeof url, "%s/videos?part=contentDetails&id=%s&key=%s", config.youtube_api_url, ids, key_esc);
	if (n > 0 && (size_t)n < sizeof url) {
		metrics_count(METRIC_YOUTUBE_VIDEOS);
		details = upstream_get(&hc, url); /* without durations the results still stand */
	}
	for (size_t i = 0; i < json_object_array_length(items) && i < ITEMS_MAX; i++)
		if ((r = result_json(json_object_array_get_idx(items, i), details)) != NULL)
			json_object_array_add(results, r);
out:
	json_object_put(found);
	json_object_put(details);
	curl_free(q_esc);
	curl_free(key_esc);
	http_client_close(&hc);
	return results;
}

/* GET /youtube/search?q= -> {results: [{youtubeId, title, performer, duration}]}; 404 when not configured */
void youtube_search_get(struct request *req)
{
	const char *q = req_query(req, "q");
	size_t q_chars = q ? utf8_length(q) : 0;
	char *cached = NULL, *key;
	long long version;
	struct json_object *results, *data;

	if (config.youtube_api_key == NULL) {
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
	results = youtube_search(q);
	if (results == NULL) {
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
