/* catalog.c: what the catalog handlers share: who may change an item (CATALOG_WRITES, CATALOG_ADMINS), the song summaries, songs named by a body (a catalog id or a YouTube video) */
#include "catalog.h"
#include "config.h"
#include "db.h"
#include "ids.h"
#include "jsonutil.h"
#include "query.h"
#include "request.h"
#include "youtube.h"

#include <string.h>

DB_STMT(catalog_may_change_stmt, 5,
	"SELECT catalog_may_change($1, $2, $3, $4::boolean, $5) AS status");

const struct status_word catalog_may_change_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_item", 404, NULL },
	{ "forbidden", 403, NULL },
	STATUS_END,
};

const char *catalog_creator(const struct request *req)
{
	return req->who.kind == IDENTITY_USER ? req->who.id : NULL;
}

int catalog_may_change_or_reply(struct request *req, const char *kind, const char *id)
{
	const char *params[] = { kind, id, catalog_creator(req), config.catalog_writes_open ? "true" : "false",
				 config.catalog_admins };
	PGresult *res = query_or_reply(req, &catalog_may_change_stmt, params);
	const char *status;
	int rc = -1;

	if (res == NULL)
		return -1;
	status = db_text(res, 0, "status");
	if (status_or_reply(req, status, catalog_may_change_statuses) != NULL) {
		if (strcmp(status, "ok") == 0)
			rc = 0;
		else if (strcmp(status, "no_item") == 0)
			reply_error(req, 404, "%s not found", kind);
		else
			reply_error(req, 403, "only the user who added this %s or a catalog admin may change it", kind);
	}
	PQclear(res);
	return rc;
}

struct json_object *song_summary_json(const PGresult *res, int row)
{
	struct json_object *song;

	if (db_is_null(res, row, "song_id"))
		return NULL;
	song = json_object_new_object();
	json_object_object_add(song, "id", col_json_text(res, row, "song_id"));
	json_object_object_add(song, "title", col_json_text(res, row, "title"));
	json_object_object_add(song, "performer", col_json_text(res, row, "performer"));
	return song;
}

struct json_object *song_summaries_json(const PGresult *res)
{
	struct json_object *songs = json_object_new_array_ext(PQntuples(res));

	for (int i = 0; i < PQntuples(res); i++) {
		struct json_object *song = song_summary_json(res, i);

		if (song != NULL)
			json_object_array_add(songs, song);
	}
	return songs;
}

/*
 * A YouTube video as a catalog song: the first add of a video creates the row,
 * later adds find it (the video id is unique), so a video waiting in a room
 * is one entry however many people add it.
 */
DB_STMT(youtube_song_upsert, 5,
	"INSERT INTO songs (id, title, year, genre, performer, duration, youtube_id)"
	" VALUES ($1, $2, extract(year FROM now())::integer, 'YouTube', $3, $4::integer, $5)"
	" ON CONFLICT (youtube_id) DO UPDATE SET youtube_id = EXCLUDED.youtube_id"
	" RETURNING id");

/* Why videos.list keeps a video out of the catalog, said to the client. */
static void reply_video_refused(struct request *req, enum youtube_video_result result)
{
	switch (result) {
	case YOUTUBE_VIDEO_MISSING:
		reply_error(req, 400, "YouTube has no public video with this youtubeId (unknown, removed or unlisted for us)");
		break;
	case YOUTUBE_VIDEO_PRIVATE:
		reply_error(req, 400, "this YouTube video is private");
		break;
	case YOUTUBE_VIDEO_NOT_EMBEDDABLE:
		reply_error(req, 400, "this YouTube video's owner does not allow it to play outside YouTube");
		break;
	case YOUTUBE_VIDEO_OVER_BUDGET:
		reply_error(req, 503, "this server's daily YouTube quota budget is spent: videos new to it can be added tomorrow (Pacific time)");
		break;
	default:
		reply_error(req, 502, "YouTube is not answering; try again, or add a song from the catalog");
		break;
	}
}

/*
 * The catalog id of a YouTube video, made from what the server read from
 * YouTube itself: a client's title or duration would let anyone write into
 * the catalog and bypass a room's maximum song duration. NULL after a reply.
 */
static const char *youtube_song_or_reply(struct request *req, const char *video)
{
	struct json_object *meta = NULL, *duration = NULL;
	enum youtube_video_result result;
	const char *song_id = NULL;
	char id[40];
	PGresult *res;

	if (!youtube_configured()) {
		reply_error(req, 404, "YouTube is not configured on this server: add songs from the catalog");
		goto out;
	}
	if ((result = youtube_video(video, &meta)) != YOUTUBE_VIDEO_OK) {
		reply_video_refused(req, result);
		goto out;
	}
	json_object_object_get_ex(meta, "duration", &duration);
	ids_random("song", id, sizeof id);
	/* An unknown length (a live broadcast) is NULL: queue_add() refuses it where a maximum is set. */
	const char *params[] = { id, json_object_get_string(json_object_object_get(meta, "title")),
				 json_object_get_string(json_object_object_get(meta, "performer")),
				 duration ? json_object_get_string(duration) : NULL, video };
	if ((res = query_or_reply(req, &youtube_song_upsert, params)) == NULL)
		goto out;
	song_id = req_strdup(req, db_text(res, 0, "id"));
	PQclear(res);
out:
	json_object_put(meta);
	return song_id;
}

const char *catalog_song_of_body_or_reply(struct request *req)
{
	const char *song_id, *video;

	if (!json_object_object_get_ex(req->json, "youtubeId", NULL)) {
		if (field_string_or_reply(req, req->json, "songId", 1, 100, &song_id) != 0)
			return NULL;
		return song_id;
	}
	if (field_string_or_reply(req, req->json, "youtubeId", 1, 11, &video) != 0)
		return NULL;
	if (!ids_youtube_valid(video)) {
		reply_error(req, 400, "youtubeId must be an 11-character YouTube video id");
		return NULL;
	}
	return youtube_song_or_reply(req, video);
}
