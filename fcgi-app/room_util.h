/* room_util.h: what the room and queue handlers share: codes, entry JSON, change messages */
#ifndef QUEUED_ROOM_UTIL_H
#define QUEUED_ROOM_UTIL_H

#include <libpq-fe.h>
#include <json-c/json.h>

struct request;

/* The canonical room code of a path segment, in the arena; replies 404 and returns NULL otherwise. */
const char *room_code_or_reply(struct request *req, const char *raw);

/* A positive integer path segment as text; replies 404 and returns NULL otherwise. */
const char *room_entry_id_or_reply(struct request *req, const char *raw);

/* Member and voter identity: guests and users alike; their display name. */
const char *room_member_name(const struct request *req);

/*
 * Columns of an entry row, in this order, as every entry query selects them:
 * id, song_id, title, performer, duration, score, added_by_id, added_by_name,
 * added_at, fallback, adder_played, started_at, skip_votes, youtube_id.
 */
#define ROOM_ENTRY_COLUMNS 14
#define ROOM_ENTRY_SELECT \
	"e.id, e.song_id, s.title, s.performer, s.duration, e.score, e.added_by_id," \
	" e.added_by_name, iso_time(e.added_at), e.fallback, coalesce(m.played, 0)," \
	" iso_time(e.started_at), (SELECT count(*) FROM skip_votes k WHERE k.entry_id = e.id)," \
	" s.youtube_id"
#define ROOM_ENTRY_FROM \
	" queue_entries e JOIN songs s ON s.id = e.song_id" \
	" LEFT JOIN room_members m ON m.room_id = e.room_id AND m.member_id = e.added_by_id"

/*
 * The entry starting at column col of row: {id, song, score, addedBy, addedAt,
 * fallback, adderPlayed}, plus startedAt and skipVotes when playing is set.
 * Caller owns it.
 */
struct json_object *room_entry_json(const PGresult *res, int row, int col, int playing);

/* The settings object of a rooms row whose settings start at column col. */
struct json_object *room_settings_json(const PGresult *res, int row, int col);
#define ROOM_SETTINGS_SELECT \
	"r.voting_mode, r.auto_remove_threshold, r.member_cap, r.max_queue, r.max_duration," \
	" r.tie_rule, r.fallback_playlist_id"

/*
 * After a committed change: invalidate the room's cached queue at revision and
 * queue msg (taken; "type" set to type, "revision" added) for the room channel.
 */
void room_changed(struct request *req, const char *code, long long revision,
		  const char *type, struct json_object *msg);

/* Listeners present: the room channel's subscriber count as nchan reports it (0 if unknown). */
int room_listeners(const char *code);

#endif
