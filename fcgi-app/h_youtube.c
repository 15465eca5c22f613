/* h_youtube.c: search YouTube (Data API v3) for songs to add to a room */
#include "cache.h"
#include "config.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "request.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_TTL 600          /* seconds: the same query from a room full of phones costs one call */
#define SEARCH_RESULTS "10"
#define UPSTREAM_TIMEOUT_MS 4000L
#define UPSTREAM_MAX_BODY (512 * 1024)

struct upstream_body {
	char *data;
	size_t len;
};

static size_t collect(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct upstream_body *b = userdata;
	size_t n = size * nmemb;
	char *grown;

	if (b->len + n > UPSTREAM_MAX_BODY)
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	grown = realloc(b->data, b->len + n + 1);
	if (grown == NULL)
		return 0;
	b->data = grown;
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}

/* GET url and parse the JSON answer; NULL (logged) on any failure. Caller owns the result. */
static struct json_object *upstream_get(const char *url)
{
	struct upstream_body body = { NULL, 0 };
	struct json_object *out = NULL;
	long status = 0;
	CURL *curl = curl_easy_init();
	CURLcode rc;

	if (curl == NULL)
		return NULL;
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, UPSTREAM_TIMEOUT_MS);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "http,https");
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK)
		log_warn("youtube: %s", curl_easy_strerror(rc));
	else if (status != 200)
		log_warn("youtube: upstream answered %ld", status);
	else if ((out = json_tokener_parse(body.data ? body.data : "")) == NULL)
		log_warn("youtube: upstream answer is not JSON");
	curl_easy_cleanup(curl);
	free(body.data);
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

/* The search, two upstream calls: search.list for ids and titles, videos.list for durations. */
static struct json_object *youtube_search(const char *q)
{
	CURL *esc = curl_easy_init();
	char *q_esc = esc ? curl_easy_escape(esc, q, 0) : NULL;
	char *key_esc = esc ? curl_easy_escape(esc, config.youtube_api_key, 0) : NULL;
	struct json_object *found = NULL, *details = NULL, *items, *results = NULL;
	char url[2048], ids[16 * 12 + 1] = "";

	if (q_esc == NULL || key_esc == NULL)
		goto out;
	snprintf(url, sizeof url,
		 "%s/search?part=snippet&type=video&videoEmbeddable=true&maxResults=" SEARCH_RESULTS "&q=%s&key=%s",
		 config.youtube_api_url, q_esc, key_esc);
	found = upstream_get(url);
	if (found == NULL || !json_object_object_get_ex(found, "items", &items) ||
	    !json_object_is_type(items, json_type_array))
		goto out;
	for (size_t i = 0; i < json_object_array_length(items) && i < 16; i++) {
		const char *id = string_at(json_object_array_get_idx(items, i), "id", "videoId");
		if (id != NULL && ids_youtube_valid(id)) {
			if (ids[0])
				strcat(ids, ",");
			strcat(ids, id);
		}
	}
	results = json_object_new_array();
	if (ids[0] == '\0')
		goto out;
	snprintf(url, sizeof url, "%s/videos?part=contentDetails&id=%s&key=%s", config.youtube_api_url, ids, key_esc);
	details = upstream_get(url); /* without durations the results still stand */
	for (size_t i = 0; i < json_object_array_length(items) && i < 16; i++) {
		struct json_object *item = json_object_array_get_idx(items, i), *r, *ditems;
		const char *id = string_at(item, "id", "videoId"), *title = string_at(item, "snippet", "title");
		long seconds = -1;

		if (id == NULL || strstr(ids, id) == NULL || title == NULL)
			continue;
		if (details != NULL && json_object_object_get_ex(details, "items", &ditems) &&
		    json_object_is_type(ditems, json_type_array)) {
			for (size_t j = 0; j < json_object_array_length(ditems); j++) {
				struct json_object *d = json_object_array_get_idx(ditems, j);
				const char *did = string_at(d, "id", NULL);
				if (did != NULL && strcmp(did, id) == 0)
					seconds = youtube_duration_seconds(string_at(d, "contentDetails", "duration"));
			}
		}
		const char *channel = string_at(item, "snippet", "channelTitle");
		r = json_object_new_object();
		json_object_object_add(r, "youtubeId", json_object_new_string(id));
		json_object_object_add(r, "title", json_object_new_string(title));
		json_object_object_add(r, "performer", json_object_new_string(channel && *channel ? channel : "YouTube"));
		json_object_object_add(r, "duration", seconds >= 0 ? json_object_new_int64(seconds) : NULL);
		json_object_array_add(results, r);
	}
out:
	json_object_put(found);
	json_object_put(details);
	curl_free(q_esc);
	curl_free(key_esc);
	if (esc)
		curl_easy_cleanup(esc);
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
		return;
	}
	if (q_chars == 0 || q_chars == (size_t)-1 || q_chars > 100) {
		reply_error(req, 400, "q must be a search text of 1 to 100 characters");
		return;
	}
	key = req_printf(req, "youtube:%s", q);
	for (char *p = key; *p; p++)
		*p = (char)tolower((unsigned char)*p);
	if (cache_get(key, &cached, NULL, &version) == CACHE_HIT) {
		req->res.data_source = "cache";
		reply_raw_data(req, 200, cached);
		free(cached);
		return;
	}
	results = youtube_search(q);
	if (results == NULL) {
		reply_error(req, 502, "YouTube search is not answering; try again, or search the catalog");
		return;
	}
	data = json_object_new_object();
	json_object_object_add(data, "results", results);
	cache_put(key, 0, json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN), NULL, SEARCH_TTL);
	req->res.data_source = "youtube";
	reply_data(req, 200, data);
}
