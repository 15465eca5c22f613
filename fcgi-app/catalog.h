/* catalog.h: what the catalog handlers share: who may change an item (CATALOG_WRITES, CATALOG_ADMINS), the song summaries, songs named by a body (a catalog id or a YouTube video) */
#ifndef QUEUED_CATALOG_H
#define QUEUED_CATALOG_H

#include <json-c/json.h>
#include <libpq-fe.h>

#include "query.h"

struct request;

/* catalog_may_change(): the handler names the kind in its refusals */
extern const struct status_word catalog_may_change_statuses[];

/*
 * The registered user to record as an album's or song's creator, or NULL
 * (an anonymous write, possible only with CATALOG_WRITES=open).
 */
const char *catalog_creator(const struct request *req);

/*
 * May the caller edit or delete the album or song id? kind is "album" or
 * "song". Returns 0; or replies 404 (no such item) or 403 (neither its
 * creator nor an admin, and the catalog is not open) and returns -1.
 */
int catalog_may_change_or_reply(struct request *req, const char *kind, const char *id);

/*
 * {id, title, performer} of the song in row's columns song_id, title and
 * performer, as every list of songs shows it; NULL when song_id is NULL (a
 * left join that found no song).
 */
struct json_object *song_summary_json(const PGresult *res, int row);

/* The array of every row's song summary, rows without a song left out (caller owns it). */
struct json_object *song_summaries_json(const PGresult *res);

/*
 * The catalog id of the song a request body names: {"songId"} as it is, or
 * {"youtubeId"}, a video that enters the catalog (once) with the metadata the
 * server read from YouTube itself; any title or duration sent with it is
 * ignored. Used by every place a song is added: a room queue, a playlist, the
 * personal queue. NULL after a reply: 400 (bad id, unknown, private or
 * non-embeddable video), 404 (YouTube not configured), 502 or 503.
 */
const char *catalog_song_of_body_or_reply(struct request *req);

#endif
