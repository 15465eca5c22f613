/* h_albums.c: albums, their covers and their likes */
#include "cache.h"
#include "catalog.h"
#include "db.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "log.h"
#include "multipart.h"
#include "query.h"
#include "request.h"
#include "storage.h"

#include <magic.h>
#include <stdlib.h>
#include <string.h>

#define LIKES_TTL 1800 /* seconds: the contract's 30 minutes */
#define YEAR_MIN 0
#define YEAR_MAX 9999
#define COVER_AREA "covers" /* the storage area of cover images */

DB_STMT(album_insert, 4, "INSERT INTO albums (id, name, year, created_by) VALUES ($1, $2, $3::integer, $4)");

DB_STMT(albums_list_stmt, 0, "SELECT id, name, year, cover FROM albums ORDER BY lower(name), id LIMIT 500");

/* One query: the album and its songs (none gives one row with NULL song columns). */
DB_STMT(album_with_songs, 1,
	"SELECT a.id, a.name, a.year, a.cover, s.id AS song_id, s.title, s.performer"
	"  FROM albums a LEFT JOIN songs s ON s.album_id = a.id"
	" WHERE a.id = $1 ORDER BY s.inserted_at, s.id");

DB_STMT(album_update, 3,
	"UPDATE albums SET name = $2, year = $3::integer, updated_at = now() WHERE id = $1 RETURNING id");

DB_STMT(album_delete, 1, "DELETE FROM albums WHERE id = $1 RETURNING likes_version");

/* Swap the cover and hand back the old file name, under the row lock. */
DB_STMT(album_set_cover, 2,
	"WITH old AS (SELECT id, cover FROM albums WHERE id = $1 FOR UPDATE)"
	" UPDATE albums a SET cover = $2, updated_at = now() FROM old WHERE a.id = old.id"
	" RETURNING old.cover AS old_cover");

DB_STMT(album_like_stmt, 3, "SELECT status, version FROM album_like_change($1, $2, $3)");

DB_STMT(album_likes_count, 1,
	"SELECT a.likes_version,"
	"       (SELECT count(*) FROM user_album_likes l WHERE l.album_id = a.id) AS likes"
	"  FROM albums a WHERE a.id = $1");

/* The validated {name, year} body of POST and PUT; replies 400 and returns -1 otherwise. */
static int album_body_or_reply(struct request *req, const char **name, char year[16])
{
	int64_t y;

	if (field_string_or_reply(req, req->json, "name", 1, 200, name) != 0 ||
	    field_int_or_reply(req, req->json, "year", YEAR_MIN, YEAR_MAX, &y) != 0)
		return -1;
	snprintf(year, 16, "%lld", (long long)y);
	return 0;
}

/* The public URL of a stored cover, or JSON null without one. */
static struct json_object *cover_url_json(const char *name)
{
	char *url = name != NULL ? storage_url(COVER_AREA, name) : NULL;
	struct json_object *out = url != NULL ? json_object_new_string(url) : NULL;

	free(url);
	return out;
}

/* {id, name, year, coverUrl} of the album in row's columns id, name, year and cover. */
static struct json_object *album_json(const PGresult *res, int row)
{
	struct json_object *album = json_object_new_object();

	json_object_object_add(album, "id", col_json_text(res, row, "id"));
	json_object_object_add(album, "name", col_json_text(res, row, "name"));
	json_object_object_add(album, "year", col_json_int(res, row, "year"));
	json_object_object_add(album, "coverUrl", cover_url_json(db_text_or_null(res, row, "cover")));
	return album;
}

/* The cache key of the album's like count (the request owns it). */
static const char *likes_cache_key(struct request *req)
{
	return req_printf(req, "likes:%s", req->params[0]);
}

/* POST /albums {name, year} -> 201 {albumId} */
void albums_create(struct request *req)
{
	const char *name;
	char year[16], id[40];
	PGresult *res = NULL;
	struct json_object *data;

	if (album_body_or_reply(req, &name, year) != 0)
		return;
	ids_random("album", id, sizeof id);
	const char *params[] = { id, name, year, catalog_creator(req) };
	res = query_or_reply(req, &album_insert, params);
	if (res == NULL)
		goto out;
	data = json_object_new_object();
	json_object_object_add(data, "albumId", json_object_new_string(id));
	reply_message(req, 201, "album added", data);
out:
	PQclear(res);
}

/* GET /albums -> {albums: [{id, name, year, coverUrl}]}: for browsing; OpenMusic has no list */
void albums_list(struct request *req)
{
	PGresult *res = query_or_reply(req, &albums_list_stmt, NULL);
	struct json_object *list, *data;

	if (res == NULL)
		return;
	list = json_object_new_array_ext(PQntuples(res));
	for (int i = 0; i < PQntuples(res); i++)
		json_object_array_add(list, album_json(res, i));
	data = json_object_new_object();
	json_object_object_add(data, "albums", list);
	reply_data(req, 200, data);
	PQclear(res);
}

/* GET /albums/{id} -> {album: {id, name, year, coverUrl, songs}} */
void albums_get(struct request *req)
{
	const char *params[] = { req->params[0] };
	PGresult *res = query_row_or_reply(req, &album_with_songs, params, "album not found");
	struct json_object *album, *data;

	if (res == NULL)
		return;
	album = album_json(res, 0);
	json_object_object_add(album, "songs", song_summaries_json(res));
	data = json_object_new_object();
	json_object_object_add(data, "album", album);
	reply_data(req, 200, data);
	PQclear(res);
}

/* PUT /albums/{id} {name, year} -> 200 */
void albums_update(struct request *req)
{
	const char *name;
	char year[16];
	PGresult *res = NULL;

	if (album_body_or_reply(req, &name, year) != 0 ||
	    catalog_may_change_or_reply(req, "album", req->params[0]) != 0)
		return;
	const char *params[] = { req->params[0], name, year };
	res = query_row_or_reply(req, &album_update, params, "album not found");
	if (res == NULL)
		goto out;
	reply_message(req, 200, "album updated", NULL);
out:
	PQclear(res);
}

/* DELETE /albums/{id} -> 200; its songs stay, without the album */
void albums_delete(struct request *req)
{
	const char *params[] = { req->params[0] };
	PGresult *res = NULL;

	if (catalog_may_change_or_reply(req, "album", req->params[0]) != 0)
		return;
	res = query_row_or_reply(req, &album_delete, params, "album not found");
	if (res == NULL)
		goto out;
	/* A count cached for the deleted album must not outlive it. */
	cache_invalidate(likes_cache_key(req), db_long(res, 0, "likes_version") + 1);
	reply_message(req, 200, "album deleted", NULL);
out:
	PQclear(res);
}

/* album_like_change(): like answers 201, unlike 200 */
const struct status_word album_like_statuses[] = {
	{ "ok", 200, NULL },
	{ "no_album", 404, "album not found" },
	{ "duplicate", 400, "you already like this album" },
	{ "absent", 404, "you do not like this album" },
	STATUS_END,
};

/* Like or unlike (action, album_like_change()'s word) the album for the caller. */
static void album_like_change_reply(struct request *req, const char *action)
{
	const char *params[] = { req->params[0], req->who.id, action };
	int like = strcmp(action, "like") == 0;
	PGresult *res = query_or_reply(req, &album_like_stmt, params);

	if (res == NULL)
		return;
	if (status_or_reply(req, db_text(res, 0, "status"), album_like_statuses) != NULL) {
		cache_invalidate(likes_cache_key(req), db_long(res, 0, "version"));
		reply_message(req, like ? 201 : 200, like ? "album liked" : "album unliked", NULL);
	}
	PQclear(res);
}

/* POST /albums/{id}/likes -> 201; twice is 400 */
void album_likes_add(struct request *req)
{
	album_like_change_reply(req, "like");
}

/* DELETE /albums/{id}/likes -> 200 */
void album_likes_delete(struct request *req)
{
	album_like_change_reply(req, "unlike");
}

/* GET /albums/{id}/likes -> {likes}; cached for 30 minutes, X-Data-Source: cache when so */
void album_likes_get(struct request *req)
{
	const char *key = likes_cache_key(req);
	const char *params[] = { req->params[0] };
	char *cached = NULL;
	long long version;
	enum cache_result cr = cache_get(key, &cached, NULL, &version);
	PGresult *res = NULL;
	struct json_object *data;

	if (cr == CACHE_HIT) {
		req->res.data_source = "cache";
		reply_raw_data(req, 200, cached);
		free(cached);
		return;
	}
	res = query_row_or_reply(req, &album_likes_count, params, "album not found");
	if (res == NULL)
		goto out;
	data = json_object_new_object();
	json_object_object_add(data, "likes", col_json_int(res, 0, "likes"));
	if (cr == CACHE_MISS)
		cache_put(key, db_long(res, 0, "likes_version"),
			  json_object_to_json_string_ext(data, JSON_C_TO_STRING_PLAIN), NULL, LIKES_TTL);
	req->res.data_source = "database";
	reply_data(req, 200, data);
out:
	PQclear(res);
}

/* What the multipart callbacks gather: the first "cover" part, up to COVER_MAX_BYTES. */
struct cover_upload {
	char *data;
	size_t len;
	int in_cover, seen_cover, too_big;
};

static int cover_part_begin(void *ctx, const struct multipart_part *part)
{
	struct cover_upload *up = ctx;

	up->in_cover = !up->seen_cover && strcmp(part->name, "cover") == 0;
	return 0;
}

static int cover_part_data(void *ctx, const struct multipart_part *part, const char *data, size_t len)
{
	struct cover_upload *up = ctx;

	if (!up->in_cover || up->too_big)
		return 0;
	if (up->len + len > COVER_MAX_BYTES) {
		up->too_big = 1; /* keep parsing: the client gets 413, not a cut connection */
		return 0;
	}
	memcpy(up->data + up->len, data, len);
	up->len += len;
	return 0;
}

static int cover_part_end(void *ctx, const struct multipart_part *part)
{
	struct cover_upload *up = ctx;

	if (up->in_cover)
		up->seen_cover = 1;
	up->in_cover = 0;
	return 0;
}

/* The image type by its bytes (never the client's word): file extension, or NULL. */
static const char *image_extension(const char *data, size_t len)
{
	static magic_t cookie;
	static const struct { const char *mime, *ext; } allowed[] = {
		{ "image/jpeg", "jpg" }, { "image/png", "png" }, { "image/webp", "webp" }, { "image/gif", "gif" },
	};
	const char *mime;

	if (cookie == NULL) {
		cookie = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
		if (cookie == NULL || magic_load(cookie, NULL) != 0) {
			log_error("libmagic: %s", cookie ? magic_error(cookie) : "cannot open");
			if (cookie != NULL)
				magic_close(cookie);
			cookie = NULL;
			return NULL;
		}
	}
	mime = magic_buffer(cookie, data, len);
	for (size_t i = 0; mime != NULL && i < sizeof allowed / sizeof allowed[0]; i++)
		if (strcmp(mime, allowed[i].mime) == 0)
			return allowed[i].ext;
	return NULL;
}

/*
 * Read the whole body (even after an error, so nginx sees a whole exchange)
 * and gather its "cover" part into up. Returns the image's file extension, or
 * NULL once the reply (415, 400, 413, 500) is given.
 */
static const char *cover_read_or_reply(struct request *req, struct cover_upload *up)
{
	static const struct multipart_callbacks cbs = { cover_part_begin, cover_part_data, cover_part_end };
	char boundary[80], chunk[16384];
	struct multipart *mp;
	const char *ext = NULL;
	long n;
	int bad = 0;

	if (multipart_boundary(req->content_type, boundary, sizeof boundary) != 0) {
		reply_error(req, 415, "the cover must be sent as multipart/form-data");
		return NULL;
	}
	up->data = req_alloc(req, COVER_MAX_BYTES);
	mp = multipart_new(boundary, &cbs, up);
	if (mp == NULL) {
		reply_error(req, 500, "out of memory");
		return NULL;
	}
	while ((n = req->read_body(req, chunk, sizeof chunk)) > 0)
		if (!bad && multipart_feed(mp, chunk, (size_t)n) != 0)
			bad = 1;
	if (bad || multipart_finish(mp) != 0)
		reply_error(req, 400, "malformed multipart body: %s", multipart_error(mp));
	else if (up->too_big)
		reply_error(req, 413, "the cover is larger than %d bytes", COVER_MAX_BYTES);
	else if (!up->seen_cover || up->len == 0)
		reply_error(req, 400, "a file field named \"cover\" is required");
	else if ((ext = image_extension(up->data, up->len)) == NULL)
		reply_error(req, 400, "the cover must be a JPEG, PNG, WebP or GIF image");
	multipart_free(mp);
	return ext;
}

/* POST /albums/{id}/covers, multipart/form-data with a file field "cover" -> 201 {coverUrl} */
void albums_cover_upload(struct request *req)
{
	struct cover_upload up = { .data = NULL };
	const char *ext;
	char *name = NULL;
	PGresult *res = NULL;
	struct json_object *data;

	if (catalog_may_change_or_reply(req, "album", req->params[0]) != 0 ||
	    (ext = cover_read_or_reply(req, &up)) == NULL)
		return;
	/* Put the new file first, swap the row, then delete the old file: a
	 * failure at any step leaves the album with a cover that exists. A backend
	 * that cannot take the file (S3 down or refusing, a full disk) is
	 * temporary for the client: 503, the album unchanged. */
	name = storage_put(COVER_AREA, ext, up.data, up.len);
	if (name == NULL) {
		reply_error(req, 503, "the cover could not be stored; try again later");
		goto out;
	}
	const char *params[] = { req->params[0], name };
	res = query_row_or_reply(req, &album_set_cover, params, "album not found");
	if (res == NULL) {
		storage_delete(COVER_AREA, name);
		goto out;
	}
	storage_delete(COVER_AREA, db_text_or_null(res, 0, "old_cover"));
	data = json_object_new_object();
	json_object_object_add(data, "coverUrl", cover_url_json(name));
	reply_message(req, 201, "cover uploaded", data);
out:
	free(name);
	PQclear(res);
}
