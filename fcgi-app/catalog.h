/* catalog.h: what the catalog handlers share: who may change an item (CATALOG_WRITES, CATALOG_ADMINS), the song summaries */
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

#endif
