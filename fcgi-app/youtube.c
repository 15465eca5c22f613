/* youtube.c: the YouTube Data API v3 client: credentials, the calls, reading their answers, caching */
#define _GNU_SOURCE /* timegm */
#include "youtube.h"
#include "cache.h"
#include "config.h"
#include "http_client.h"
#include "ids.h"
#include "log.h"
#include "metrics.h"
#include "youtube_auth.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define SEARCH_RESULTS "10"
#define ITEMS_MAX 16            /* items read from an answer, whatever maxResults said */
#define VIDEO_TTL (3 * 86400)   /* seconds: a video's title and length hardly change; adds cost no quota */
#define VIDEO_MISSING_TTL 3600  /* an unknown or private video may be published later */
#define SEARCH_UNITS 100        /* YouTube's price of a search.list call */
#define VIDEOS_UNITS 1          /* of a videos.list call, up to 50 ids */
#define QUOTA_TTL (2 * 86400)   /* a day's counter outlives its day, whatever the time zone */
#define FAILURES_KEPT 8         /* distinct failures this worker remembers having logged */
#define FAILURE_QUIET 60        /* seconds the same failure goes unlogged after it was logged */

/* YouTube is out on the internet: an operator's proxy settings (https_proxy, no_proxy) apply to it. */
static const struct http_client_options youtube_http = {
	.protocols = "http,https",
	.timeout_ms = 2000, /* a search waits no longer for YouTube: the catalog's results go without it */
	.max_answer = 512 * 1024,
	.env_proxy = 1,
};

int youtube_configured(void)
{
	return youtube_auth_oauth() || (config.youtube_api_key != NULL && config.youtube_api_key[0] != '\0');
}

/*
 * Log a failure unless this worker logged the same one in the last minute:
 * a YouTube outage must not write a line per search. Oldest entry reused.
 */
static void log_failure(const char *fmt, ...)
{
	static struct { char what[200]; time_t at; } seen[FAILURES_KEPT];
	char what[200];
	time_t now = time(NULL);
	size_t oldest = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof what, fmt, ap);
	va_end(ap);
	for (size_t i = 0; i < FAILURES_KEPT; i++) {
		if (strcmp(seen[i].what, what) == 0) {
			if (now - seen[i].at < FAILURE_QUIET)
				return;
			oldest = i;
			break;
		}
		if (seen[i].at < seen[oldest].at)
			oldest = i;
	}
	snprintf(seen[oldest].what, sizeof seen[oldest].what, "%s", what);
	seen[oldest].at = now;
	log_warn("%s (not logged again for a minute)", what);
}

char *youtube_normalize_query(const char *q, char *out, size_t size)
{
	size_t n = 0;
	int space = 0;

	for (const unsigned char *p = (const unsigned char *)q; *p && n + 2 < size; p++) {
		if (*p < 0x80 && !isalnum(*p)) {
			space = n > 0;
			continue;
		}
		if (space)
			out[n++] = ' ';
		space = 0;
		out[n++] = (char)(*p < 0x80 ? tolower(*p) : *p);
	}
	out[n] = '\0';
	return out;
}

/* The UTC time of the nth Sunday of month (0-11) at hour UTC. */
static time_t sunday_utc(int year, int month, int nth, int hour)
{
	struct tm tm = { .tm_year = year - 1900, .tm_mon = month, .tm_mday = 1, .tm_hour = hour };
	time_t first = timegm(&tm);

	gmtime_r(&first, &tm);
	return first + (time_t)(((7 - tm.tm_wday) % 7) + 7 * (nth - 1)) * 86400;
}

void youtube_pacific_date(time_t now, char *out)
{
	struct tm tm;
	int year;

	gmtime_r(&now, &tm);
	year = tm.tm_year + 1900;
	/* US rules since 2007: PDT from the second Sunday of March, 02:00 PST
	 * (10:00 UTC), to the first Sunday of November, 02:00 PDT (09:00 UTC). */
	now -= now >= sunday_utc(year, 2, 2, 10) && now < sunday_utc(year, 10, 1, 9) ? 7 * 3600 : 8 * 3600;
	gmtime_r(&now, &tm);
	strftime(out, 11, "%Y-%m-%d", &tm);
}

/*
 * Count units against today's budget, shared by every worker and node: 1
 * when the call may go, 0 when the budget is spent. Without Redis the call
 * goes: searches keep working, and the budget is only as good as the count.
 */
static int quota_spend(long long units)
{
	char key[40];
	int rc;

	strcpy(key, "ytquota:");
	youtube_pacific_date(time(NULL), key + strlen(key));
	rc = cache_spend(key, units, config.youtube_daily_budget, QUOTA_TTL);
	if (rc < 0)
		log_failure("youtube: the quota count is out of reach (Redis); calling YouTube uncounted");
	return rc != 0;
}

/* One GET, with "Authorization: Bearer token" when token is not NULL: the status, or -1. */
static long perform_as(struct http_client *hc, const char *url, const char *token)
{
	struct curl_slist *headers = NULL;
	char *line = NULL;
	long status;

	curl_easy_setopt(hc->curl, CURLOPT_URL, url);
	if (token != NULL && (line = malloc(strlen(token) + 32)) != NULL) {
		sprintf(line, "Authorization: Bearer %s", token);
		headers = curl_slist_append(NULL, line);
	}
	curl_easy_setopt(hc->curl, CURLOPT_HTTPHEADER, headers);
	status = http_client_perform(hc);
	curl_easy_setopt(hc->curl, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(headers);
	free(line);
	return status;
}

/*
 * GET url (with OAuth, as the shared access token, refreshed once if YouTube
 * refuses it: 401) and parse the JSON answer; NULL (logged) on any failure.
 * Caller owns the result. The log names the call, never the URL: it may hold
 * the key.
 */
static struct json_object *upstream_get(struct http_client *hc, const char *call, const char *url)
{
	struct json_object *out = NULL;
	char *token = NULL, *fresh;
	long status;

	if (youtube_auth_oauth() && (token = youtube_access_token(NULL)) == NULL) {
		log_failure("youtube %s: no OAuth access token", call);
		return NULL;
	}
	status = perform_as(hc, url, token);
	if (status == 401 && token != NULL && (fresh = youtube_access_token(token)) != NULL) {
		free(token);
		token = fresh;
		status = perform_as(hc, url, token);
	}
	free(token);
	if (status < 0)
		log_failure("youtube %s: %s", call, hc->why);
	else if (status != 200)
		log_failure("youtube %s: upstream answered %ld", call, status);
	else if ((out = json_tokener_parse(hc->answer ? hc->answer : "")) == NULL)
		log_failure("youtube %s: upstream answer is not JSON", call);
	return out;
}

static struct json_object *value_at(struct json_object *obj, const char *a, const char *b)
{
	struct json_object *v = NULL;

	if (!json_object_object_get_ex(obj, a, &v) || (b != NULL && !json_object_object_get_ex(v, b, &v)))
		return NULL;
	return v;
}

static const char *string_at(struct json_object *obj, const char *a, const char *b)
{
	struct json_object *v = value_at(obj, a, b);

	return json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

long youtube_duration_seconds(const char *iso)
{
	long total = 0, n = 0;
	int in_time = 0, digits = 0, parts = 0;

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
		if (*p == 'T' && !digits && !in_time) {
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
		parts++;
	}
	return digits || parts == 0 || total > 100000000 ? -1 : total;
}

/*
 * What a URL carries to say who calls (caller frees): "&key=..." with a key,
 * "" with OAuth (a header says it); NULL when out of memory.
 */
static char *auth_param(struct http_client *hc)
{
	char *esc, *param;

	if (youtube_auth_oauth())
		return strdup("");
	if ((esc = curl_easy_escape(hc->curl, config.youtube_api_key, 0)) == NULL)
		return NULL;
	if ((param = malloc(strlen(esc) + 6)) != NULL)
		sprintf(param, "&key=%s", esc);
	curl_free(esc);
	return param;
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

/* The item of video id in a videos.list answer (borrowed), or NULL. */
static struct json_object *video_item(struct json_object *details, const char *id)
{
	struct json_object *items = value_at(details, "items", NULL);

	if (!json_object_is_type(items, json_type_array))
		return NULL;
	for (size_t j = 0; j < json_object_array_length(items); j++) {
		struct json_object *d = json_object_array_get_idx(items, j);
		const char *did = string_at(d, "id", NULL);

		if (did != NULL && strcmp(did, id) == 0)
			return d;
	}
	return NULL;
}

/*
 * Seconds of one videos.list item, or -1 when unknown: a live or upcoming
 * broadcast has no length yet (YouTube says "P0D"), whatever it says.
 */
static long item_seconds(struct json_object *item)
{
	const char *live = string_at(item, "snippet", "liveBroadcastContent");
	long seconds;

	if (item == NULL || (live != NULL && strcmp(live, "none") != 0))
		return -1;
	seconds = youtube_duration_seconds(string_at(item, "contentDetails", "duration"));
	return seconds == 0 ? -1 : seconds;
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
	seconds = item_seconds(video_item(details, id));
	r = json_object_new_object();
	json_object_object_add(r, "youtubeId", json_object_new_string(id));
	json_object_object_add(r, "title", json_object_new_string(title));
	json_object_object_add(r, "performer", json_object_new_string(channel && *channel ? channel : "YouTube"));
	json_object_object_add(r, "duration", seconds >= 0 ? json_object_new_int64(seconds) : NULL);
	return r;
}

/* The results of a search.list answer, durations from videos.list on the same connection. */
static struct json_object *search_results(struct http_client *hc, struct json_object *items, const char *auth)
{
	struct json_object *results = json_object_new_array(), *details = NULL, *r;
	char url[2048], ids[ITEMS_MAX * 12 + 1];
	int n;

	video_ids(items, ids);
	if (ids[0] == '\0')
		return results;
	n = snprintf(url, sizeof url, "%s/videos?part=snippet,contentDetails&id=%s%s",
		     config.youtube_api_url, ids, auth);
	/* Without durations (YouTube failed, or the budget ran out) the results still stand. */
	if (n > 0 && (size_t)n < sizeof url && quota_spend(VIDEOS_UNITS)) {
		metrics_count(METRIC_YOUTUBE_VIDEOS);
		details = upstream_get(hc, "videos.list", url);
	}
	for (size_t i = 0; i < json_object_array_length(items) && i < ITEMS_MAX; i++)
		if ((r = result_json(json_object_array_get_idx(items, i), details)) != NULL)
			json_object_array_add(results, r);
	json_object_put(details);
	return results;
}

enum youtube_status youtube_search(const char *q, struct json_object **results)
{
	struct http_client hc;
	char *q_esc = NULL, *auth = NULL;
	struct json_object *found = NULL, *items;
	enum youtube_status status = YOUTUBE_UNAVAILABLE;
	char url[2048];
	int n;

	*results = NULL;
	if (http_client_open(&hc, &youtube_http) != 0)
		goto out;
	q_esc = curl_easy_escape(hc.curl, q, 0);
	auth = auth_param(&hc);
	if (q_esc == NULL || auth == NULL)
		goto out;
	n = snprintf(url, sizeof url,
		     "%s/search?part=snippet&type=video&videoEmbeddable=true&maxResults=" SEARCH_RESULTS "&q=%s%s",
		     config.youtube_api_url, q_esc, auth);
	if (n < 0 || (size_t)n >= sizeof url)
		goto out;
	if (!quota_spend(SEARCH_UNITS)) {
		status = YOUTUBE_SKIPPED;
		goto out;
	}
	metrics_count(METRIC_YOUTUBE_SEARCHES);
	found = upstream_get(&hc, "search.list", url);
	items = value_at(found, "items", NULL);
	if (json_object_is_type(items, json_type_array)) {
		*results = search_results(&hc, items, auth);
		status = YOUTUBE_OK;
	} else if (found != NULL) {
		log_failure("youtube search.list: the answer has no items");
	}
out:
	json_object_put(found);
	curl_free(q_esc);
	free(auth);
	http_client_close(&hc);
	return status;
}

/* The first thumbnail URL of an item, best first (borrowed), or NULL. */
static const char *item_thumbnail(struct json_object *item)
{
	static const char *const sizes[] = { "high", "medium", "default" };
	struct json_object *thumbs = value_at(item, "snippet", "thumbnails");

	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
		const char *url = string_at(value_at(thumbs, sizes[i], NULL), "url", NULL);

		if (url != NULL)
			return url;
	}
	return NULL;
}

/*
 * The cache entry of one videos.list item (caller owns): {"result", and for
 * a playable video title, performer, duration, thumbnail}; NULL when the
 * item is unreadable (logged).
 */
static struct json_object *video_entry(struct json_object *item)
{
	const char *title = string_at(item, "snippet", "title");
	const char *channel = string_at(item, "snippet", "channelTitle");
	const char *privacy = string_at(item, "status", "privacyStatus"), *thumb = item_thumbnail(item);
	struct json_object *embeddable = value_at(item, "status", "embeddable"), *e;
	long seconds = item_seconds(item);

	if (title == NULL || *title == '\0') {
		log_failure("youtube videos.list: an item without a title");
		return NULL;
	}
	e = json_object_new_object();
	if (privacy != NULL && strcmp(privacy, "private") == 0) {
		json_object_object_add(e, "result", json_object_new_string("private"));
		return e;
	}
	/* Missing means embeddable: only an explicit false keeps a video out. */
	if (json_object_is_type(embeddable, json_type_boolean) && !json_object_get_boolean(embeddable)) {
		json_object_object_add(e, "result", json_object_new_string("not_embeddable"));
		return e;
	}
	json_object_object_add(e, "result", json_object_new_string("ok"));
	json_object_object_add(e, "title", json_object_new_string(title));
	json_object_object_add(e, "performer", json_object_new_string(channel && *channel ? channel : "YouTube"));
	json_object_object_add(e, "duration", seconds >= 0 ? json_object_new_int64(seconds) : NULL);
	json_object_object_add(e, "thumbnail", thumb ? json_object_new_string(thumb) : NULL);
	return e;
}

/*
 * videos.list for one id: the cache entry (caller owns), or NULL when
 * YouTube did not answer or (*over_budget set) the budget is spent.
 */
static struct json_object *video_fetch(const char *id, int *over_budget)
{
	struct http_client hc;
	char *auth = NULL, url[1024];
	struct json_object *answer = NULL, *item, *entry = NULL;
	int n;

	if (http_client_open(&hc, &youtube_http) != 0)
		goto out;
	if ((auth = auth_param(&hc)) == NULL)
		goto out;
	n = snprintf(url, sizeof url, "%s/videos?part=snippet,contentDetails,status&id=%s%s",
		     config.youtube_api_url, id, auth);
	if (n < 0 || (size_t)n >= sizeof url || (*over_budget = !quota_spend(VIDEOS_UNITS)))
		goto out;
	metrics_count(METRIC_YOUTUBE_VIDEOS);
	if ((answer = upstream_get(&hc, "videos.list", url)) == NULL)
		goto out;
	if (!json_object_is_type(value_at(answer, "items", NULL), json_type_array)) {
		log_failure("youtube videos.list: the answer has no items");
		goto out;
	}
	if ((item = video_item(answer, id)) != NULL) {
		entry = video_entry(item);
	} else {
		entry = json_object_new_object();
		json_object_object_add(entry, "result", json_object_new_string("missing"));
	}
out:
	json_object_put(answer);
	free(auth);
	http_client_close(&hc);
	return entry;
}

static enum youtube_video_result result_of(struct json_object *entry)
{
	const char *r = string_at(entry, "result", NULL);

	if (r == NULL)
		return YOUTUBE_VIDEO_UNAVAILABLE;
	if (strcmp(r, "ok") == 0)
		return YOUTUBE_VIDEO_OK;
	if (strcmp(r, "private") == 0)
		return YOUTUBE_VIDEO_PRIVATE;
	if (strcmp(r, "not_embeddable") == 0)
		return YOUTUBE_VIDEO_NOT_EMBEDDABLE;
	return YOUTUBE_VIDEO_MISSING;
}

enum youtube_video_result youtube_video(const char *id, struct json_object **video)
{
	char key[40], *cached = NULL;
	long long version;
	struct json_object *entry = NULL;
	enum youtube_video_result result;
	int over_budget = 0;

	*video = NULL;
	snprintf(key, sizeof key, "ytvideo:%s", id);
	if (cache_get(key, &cached, NULL, &version) == CACHE_HIT)
		entry = json_tokener_parse(cached);
	if (entry == NULL && (entry = video_fetch(id, &over_budget)) != NULL) {
		result = result_of(entry);
		cache_put(key, 0, json_object_to_json_string_ext(entry, JSON_C_TO_STRING_PLAIN), NULL,
			  result == YOUTUBE_VIDEO_MISSING ? VIDEO_MISSING_TTL : VIDEO_TTL);
	}
	free(cached);
	result = over_budget ? YOUTUBE_VIDEO_OVER_BUDGET : result_of(entry);
	if (result == YOUTUBE_VIDEO_OK)
		*video = json_object_get(entry);
	json_object_put(entry);
	return result;
}
