/* room_json.h: a room, its settings, its members and its queue entries as the API shows them, and the columns they are read from */
#ifndef QUEUED_ROOM_JSON_H
#define QUEUED_ROOM_JSON_H

#include <libpq-fe.h>
#include <json-c/json.h>

/*
 * The renderers read columns by name, so a query selects them with these
 * lists (r: rooms; e, s, m: an entry, its song, its adder's membership, as
 * ROOM_ENTRY_FROM joins them). The names are distinct, so one query can
 * select a room and an entry side by side.
 */
#define ROOM_SELECT \
	"r.id, r.code, r.name, r.revision, r.host_id, r.host_name, iso_time(r.created_at) AS created_at"
#define ROOM_SETTINGS_SELECT \
	"r.voting_mode, r.auto_remove_threshold, r.member_cap, r.max_queue, r.max_duration," \
	" r.tie_rule, r.fallback_playlist_id, r.pin_hash IS NOT NULL AS has_pin, r.replay_cooldown," \
	" r.hide_queue"
#define ROOM_ENTRY_SELECT \
	"e.id AS entry_id, e.song_id, s.title, s.performer, s.duration, e.score, e.added_by_id," \
	" e.added_by_name, iso_time(e.added_at) AS added_at, e.fallback," \
	" coalesce(m.played, 0) AS adder_played, iso_time(e.started_at) AS started_at," \
	" (SELECT count(*) FROM skip_votes k WHERE k.entry_id = e.id) AS skip_votes, s.youtube_id," \
	" e.paused_ms IS NOT NULL AS paused, e.paused_ms"
#define ROOM_ENTRY_FROM \
	" queue_entries e JOIN songs s ON s.id = e.song_id" \
	" LEFT JOIN room_members m ON m.room_id = e.room_id AND m.member_id = e.added_by_id"
/* What a played entry adds to ROOM_ENTRY_SELECT for entry_json(..., ENTRY_PLAYED). */
#define ROOM_ENTRY_ENDED_SELECT "iso_time(e.ended_at) AS ended_at, e.end_reason"

/* {id, code, name, revision, host: {id, name}, createdAt} from ROOM_SELECT's columns. Caller owns it. */
struct json_object *room_json(const PGresult *res, int row);

/*
 * {votingMode, autoRemoveThreshold, memberCap, ..., hasPin, replayCooldownMinutes, hideQueue}
 * from ROOM_SETTINGS_SELECT's columns (never the PIN's hash). Caller owns it.
 */
struct json_object *room_settings_json(const PGresult *res, int row);

/* {id, name, role, banned, played} from room_members columns member_id, name, role, banned, played. Caller owns it. */
struct json_object *room_member_json(const PGresult *res, int row);

/* Where an entry is in its life: what it shows besides what every entry shows. */
enum entry_kind {
	ENTRY_WAITING, /* in the queue: + pinned (its query selects a "pinned" column) */
	ENTRY_PLAYING, /* + startedAt, skipVotes, paused, positionMs (frozen while paused, else null) */
	ENTRY_PLAYED,  /* + startedAt, endedAt, endReason (ROOM_ENTRY_ENDED_SELECT) */
};

/*
 * The entry of ROOM_ENTRY_SELECT's columns: {id, song, score, addedBy,
 * addedAt, fallback, adderPlayed} and what its kind adds. Caller owns it.
 */
struct json_object *entry_json(const PGresult *res, int row, enum entry_kind kind);

/*
 * {entryId, paused, positionMs, startedAt} from room_playback()'s columns
 * (entry_id, paused, position_ms, started_at): the "playback" message and the
 * core of its answer. Caller owns it.
 */
struct json_object *room_playback_json(const PGresult *res, int row);

#endif
