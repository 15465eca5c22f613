/* youtube.h: the YouTube Data API v3 client: credentials, the calls, reading their answers, caching */
#ifndef QUEUED_YOUTUBE_H
#define QUEUED_YOUTUBE_H

#include <json-c/json.h>
#include <time.h>

/* Is YouTube configured on this server (an API key)? 1 or 0. */
int youtube_configured(void);

/*
 * Seconds of an ISO 8601 duration as YouTube writes them ("PT4M13S",
 * "P1DT2H"); -1 when unreadable or missing. "P0D" (what a live broadcast
 * says) is 0: the caller decides what a live video's length is.
 */
long youtube_duration_seconds(const char *iso);

/*
 * The Pacific-time date of now ("2026-12-04" in out, 11 bytes): YouTube's
 * quota day starts at midnight in California, daylight saving included.
 */
void youtube_pacific_date(time_t now, char *out);

/*
 * A search text as a cache key and the query sent: ASCII letters lower-cased,
 * ASCII punctuation and spaces of any length one space, none at either end,
 * other bytes (UTF-8 letters) kept. So "Never  gonna, GIVE" and "never gonna
 * give" share one entry. Returns out (size bytes; longer text is cut).
 */
char *youtube_normalize_query(const char *q, char *out, size_t size);

/* Why there are no YouTube results. */
enum youtube_status {
	YOUTUBE_OK,
	YOUTUBE_SKIPPED,     /* the day's quota budget (YOUTUBE_DAILY_BUDGET) is spent: no call made */
	YOUTUBE_UNAVAILABLE, /* YouTube failed: an error status, a timeout, an unreadable answer (logged) */
};

/*
 * search.list then videos.list for the durations. On YOUTUBE_OK *results is
 * an array of {youtubeId, title, performer, duration} (caller owns); NULL
 * otherwise. Each call's units are counted against the day's budget first.
 * Not cached here.
 */
enum youtube_status youtube_search(const char *q, struct json_object **results);

/* What videos.list said about one video id. */
enum youtube_video_result {
	YOUTUBE_VIDEO_OK,
	YOUTUBE_VIDEO_MISSING,        /* no such video, or it is not public (videos.list has no item) */
	YOUTUBE_VIDEO_PRIVATE,        /* status.privacyStatus is "private" */
	YOUTUBE_VIDEO_NOT_EMBEDDABLE, /* status.embeddable is false: it cannot play in a room */
	YOUTUBE_VIDEO_UNAVAILABLE,    /* YouTube did not answer, or answered nonsense (logged) */
	YOUTUBE_VIDEO_OVER_BUDGET,    /* not in the cache, and the day's quota budget is spent */
};

/*
 * The metadata of video id (a valid id) as the server read it itself, from
 * the Redis cache (days) or videos.list: on YOUTUBE_VIDEO_OK *video is
 * {title, performer, duration (seconds, or null when unknown: a live
 * broadcast, a missing or unreadable duration), thumbnail (or null)},
 * the caller's to put. Requires youtube_configured().
 */
enum youtube_video_result youtube_video(const char *id, struct json_object **video);

#endif
