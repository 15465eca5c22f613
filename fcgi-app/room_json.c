/* room_json.c: a room, its settings and its queue entries as the API shows them */
#include "room_json.h"
#include "query.h"

struct json_object *room_json(const PGresult *res, int row)
{
	struct json_object *room = json_object_new_object(), *host = json_object_new_object();

	json_object_object_add(room, "id", col_json_text(res, row, "id"));
	json_object_object_add(room, "code", col_json_text(res, row, "code"));
	json_object_object_add(room, "name", col_json_text(res, row, "name"));
	json_object_object_add(room, "revision", col_json_int(res, row, "revision"));
	json_object_object_add(host, "id", col_json_text(res, row, "host_id"));
	json_object_object_add(host, "name", col_json_text(res, row, "host_name"));
	json_object_object_add(room, "host", host);
	json_object_object_add(room, "createdAt", col_json_text(res, row, "created_at"));
	return room;
}

struct json_object *room_settings_json(const PGresult *res, int row)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "votingMode", col_json_text(res, row, "voting_mode"));
	json_object_object_add(s, "autoRemoveThreshold", col_json_int(res, row, "auto_remove_threshold"));
	json_object_object_add(s, "memberCap", col_json_int(res, row, "member_cap"));
	json_object_object_add(s, "maxQueueLength", col_json_int(res, row, "max_queue"));
	json_object_object_add(s, "maxSongDuration", col_json_int(res, row, "max_duration"));
	json_object_object_add(s, "tieRule", col_json_text(res, row, "tie_rule"));
	json_object_object_add(s, "fallbackPlaylistId", col_json_text(res, row, "fallback_playlist_id"));
	return s;
}

/* {id, title, performer, duration, youtubeId} */
static struct json_object *entry_song_json(const PGresult *res, int row)
{
	struct json_object *song = json_object_new_object();

	json_object_object_add(song, "id", col_json_text(res, row, "song_id"));
	json_object_object_add(song, "title", col_json_text(res, row, "title"));
	json_object_object_add(song, "performer", col_json_text(res, row, "performer"));
	json_object_object_add(song, "duration", col_json_int(res, row, "duration"));
	json_object_object_add(song, "youtubeId", col_json_text(res, row, "youtube_id"));
	return song;
}

struct json_object *entry_json(const PGresult *res, int row, enum entry_kind kind)
{
	struct json_object *entry = json_object_new_object(), *by = json_object_new_object();

	json_object_object_add(entry, "id", col_json_int(res, row, "entry_id"));
	json_object_object_add(entry, "song", entry_song_json(res, row));
	json_object_object_add(entry, "score", col_json_int(res, row, "score"));
	json_object_object_add(by, "id", col_json_text(res, row, "added_by_id"));
	json_object_object_add(by, "name", col_json_text(res, row, "added_by_name"));
	json_object_object_add(entry, "addedBy", by);
	json_object_object_add(entry, "addedAt", col_json_text(res, row, "added_at"));
	json_object_object_add(entry, "fallback", col_json_bool(res, row, "fallback"));
	json_object_object_add(entry, "adderPlayed", col_json_int(res, row, "adder_played"));
	if (kind == ENTRY_WAITING)
		return entry;
	json_object_object_add(entry, "startedAt", col_json_text(res, row, "started_at"));
	if (kind == ENTRY_PLAYING) {
		json_object_object_add(entry, "skipVotes", col_json_int(res, row, "skip_votes"));
	} else {
		json_object_object_add(entry, "endedAt", col_json_text(res, row, "ended_at"));
		json_object_object_add(entry, "endReason", col_json_text(res, row, "end_reason"));
	}
	return entry;
}
