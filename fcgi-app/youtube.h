/* youtube.h: the YouTube Data API v3 client: credentials, the calls, reading their answers, caching */
#ifndef QUEUED_YOUTUBE_H
#define QUEUED_YOUTUBE_H

#include <json-c/json.h>

/* Is YouTube configured on this server (an API key)? 1 or 0. */
int youtube_configured(void);

/*
 * Seconds of an ISO 8601 duration as YouTube writes them ("PT4M13S",
 * "P1DT2H"); -1 when unreadable or missing. "P0D" (what a live broadcast
 * says) is 0: the caller decides what a live video's length is.
 */
long youtube_duration_seconds(const char *iso);

/*
 * search.list then videos.list for the durations: the results, an array of
 * {youtubeId, title, performer, duration} (caller owns), or NULL when
 * YouTube did not answer (logged). Not cached here.
 */
struct json_object *youtube_search(const char *q);

/* What videos.list said about one video id. */
enum youtube_video_result {
	YOUTUBE_VIDEO_OK,
	YOUTUBE_VIDEO_MISSING,        /* no such video, or it is not public (videos.list has no item) */
	YOUTUBE_VIDEO_PRIVATE,        /* status.privacyStatus is "private" */
	YOUTUBE_VIDEO_NOT_EMBEDDABLE, /* status.embeddable is false: it cannot play in a room */
	YOUTUBE_VIDEO_UNAVAILABLE,    /* YouTube did not answer, or answered nonsense (logged) */
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
