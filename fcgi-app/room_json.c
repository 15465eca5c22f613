/* room_json.c: a room, its settings, its members and its queue entries as the API shows them */
#include "room_json.h"
#include "query.h"

static const struct column_field room_fields[] = {
	{ "id", "id", col_json_text },
	{ "code", "code", col_json_text },
	{ "name", "name", col_json_text },
	{ "revision", "revision", col_json_int },
	{ NULL, NULL, NULL },
}, host_fields[] = {
	{ "id", "host_id", col_json_text },
	{ "name", "host_name", col_json_text },
	{ NULL, NULL, NULL },
};

struct json_object *room_json(const PGresult *res, int row)
{
	struct json_object *room = col_fields_json(json_object_new_object(), res, row, room_fields);

	json_object_object_add(room, "host", col_fields_json(json_object_new_object(), res, row, host_fields));
	json_object_object_add(room, "createdAt", col_json_text(res, row, "created_at"));
	return room;
}

static const struct column_field settings_fields[] = {
	{ "votingMode", "voting_mode", col_json_text },
	{ "autoRemoveThreshold", "auto_remove_threshold", col_json_int },
	{ "memberCap", "member_cap", col_json_int },
	{ "maxQueueLength", "max_queue", col_json_int },
	{ "maxSongDuration", "max_duration", col_json_int },
	{ "tieRule", "tie_rule", col_json_text },
	{ "fallbackPlaylistId", "fallback_playlist_id", col_json_text },
	{ "hasPin", "has_pin", col_json_bool },
	{ "replayCooldownMinutes", "replay_cooldown", col_json_int },
	{ "hideQueue", "hide_queue", col_json_bool },
	{ NULL, NULL, NULL },
};

struct json_object *room_settings_json(const PGresult *res, int row)
{
	return col_fields_json(json_object_new_object(), res, row, settings_fields);
}

static const struct column_field member_fields[] = {
	{ "id", "member_id", col_json_text },
	{ "name", "name", col_json_text },
	{ "role", "role", col_json_text },
	{ "banned", "banned", col_json_bool },
	{ "played", "played", col_json_int },
	{ NULL, NULL, NULL },
};

struct json_object *room_member_json(const PGresult *res, int row)
{
	return col_fields_json(json_object_new_object(), res, row, member_fields);
}

static const struct column_field song_fields[] = {
	{ "id", "song_id", col_json_text },
	{ "title", "title", col_json_text },
	{ "performer", "performer", col_json_text },
	{ "duration", "duration", col_json_int },
	{ "youtubeId", "youtube_id", col_json_text },
	{ NULL, NULL, NULL },
}, adder_fields[] = {
	{ "id", "added_by_id", col_json_text },
	{ "name", "added_by_name", col_json_text },
	{ NULL, NULL, NULL },
}, entry_tail_fields[] = {
	{ "addedAt", "added_at", col_json_text },
	{ "fallback", "fallback", col_json_bool },
	{ "adderPlayed", "adder_played", col_json_int },
	{ NULL, NULL, NULL },
}, playing_fields[] = {
	{ "startedAt", "started_at", col_json_text },
	{ "skipVotes", "skip_votes", col_json_int },
	{ "paused", "paused", col_json_bool },
	{ "positionMs", "paused_ms", col_json_int },
	{ NULL, NULL, NULL },
}, played_fields[] = {
	{ "startedAt", "started_at", col_json_text },
	{ "endedAt", "ended_at", col_json_text },
	{ "endReason", "end_reason", col_json_text },
	{ NULL, NULL, NULL },
};

/* Up next shows where a pinned entry stands among the pinned ones (its query selects "pinned"). */
static const struct column_field waiting_fields[] = {
	{ "pinned", "pinned", col_json_int },
	{ NULL, NULL, NULL },
};

struct json_object *entry_json(const PGresult *res, int row, enum entry_kind kind)
{
	struct json_object *entry = json_object_new_object();

	json_object_object_add(entry, "id", col_json_int(res, row, "entry_id"));
	json_object_object_add(entry, "song", col_fields_json(json_object_new_object(), res, row, song_fields));
	json_object_object_add(entry, "score", col_json_int(res, row, "score"));
	json_object_object_add(entry, "addedBy", col_fields_json(json_object_new_object(), res, row, adder_fields));
	col_fields_json(entry, res, row, entry_tail_fields);
	if (kind == ENTRY_WAITING)
		col_fields_json(entry, res, row, waiting_fields);
	if (kind == ENTRY_PLAYING)
		col_fields_json(entry, res, row, playing_fields);
	else if (kind == ENTRY_PLAYED)
		col_fields_json(entry, res, row, played_fields);
	return entry;
}

static const struct column_field playback_fields[] = {
	{ "entryId", "entry_id", col_json_int },
	{ "paused", "paused", col_json_bool },
	{ "positionMs", "position_ms", col_json_int },
	{ "startedAt", "started_at", col_json_text },
	{ NULL, NULL, NULL },
};

struct json_object *room_playback_json(const PGresult *res, int row)
{
	return col_fields_json(json_object_new_object(), res, row, playback_fields);
}
