/* room_util.c: what the room and queue handlers share: codes, entry JSON, change messages */
#include "room_util.h"
#include "cache.h"
#include "db.h"
#include "ids.h"
#include "publish.h"
#include "request.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *room_code_or_reply(struct request *req, const char *raw)
{
	char code[ROOM_CODE_LEN + 1];

	if (ids_normalize_room_code(raw, code) != 0) {
		reply_error(req, 404, "room not found");
		return NULL;
	}
	return req_strdup(req, code);
}

const char *room_entry_id_or_reply(struct request *req, const char *raw)
{
	size_t n = strlen(raw);

	if (n == 0 || n > 18 || strspn(raw, "0123456789") != n || raw[0] == '0') {
		reply_error(req, 404, "queue entry not found");
		return NULL;
	}
	return raw;
}

const char *room_member_name(const struct request *req)
{
	return req->who.name[0] ? req->who.name : req->who.id;
}

static struct json_object *int_or_null(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return json_object_new_int64(strtoll(PQgetvalue(res, row, col), NULL, 10));
}

static struct json_object *text_or_null(const PGresult *res, int row, int col)
{
	if (PQgetisnull(res, row, col))
		return NULL;
	return json_object_new_string(PQgetvalue(res, row, col));
}

struct json_object *room_entry_json(const PGresult *res, int row, int c, int playing)
{
	struct json_object *entry = json_object_new_object();
	struct json_object *song = json_object_new_object(), *by = json_object_new_object();

	json_object_object_add(entry, "id", int_or_null(res, row, c));
	json_object_object_add(song, "id", text_or_null(res, row, c + 1));
	json_object_object_add(song, "title", text_or_null(res, row, c + 2));
	json_object_object_add(song, "performer", text_or_null(res, row, c + 3));
	json_object_object_add(song, "duration", int_or_null(res, row, c + 4));
	json_object_object_add(song, "youtubeId", text_or_null(res, row, c + 13));
	json_object_object_add(entry, "song", song);
	json_object_object_add(entry, "score", int_or_null(res, row, c + 5));
	json_object_object_add(by, "id", text_or_null(res, row, c + 6));
	json_object_object_add(by, "name", text_or_null(res, row, c + 7));
	json_object_object_add(entry, "addedBy", by);
	json_object_object_add(entry, "addedAt", text_or_null(res, row, c + 8));
	json_object_object_add(entry, "fallback",
			       json_object_new_boolean(strcmp(PQgetvalue(res, row, c + 9), "t") == 0));
	json_object_object_add(entry, "adderPlayed", int_or_null(res, row, c + 10));
	if (playing) {
		json_object_object_add(entry, "startedAt", text_or_null(res, row, c + 11));
		json_object_object_add(entry, "skipVotes", int_or_null(res, row, c + 12));
	}
	return entry;
}

struct json_object *room_settings_json(const PGresult *res, int row, int c)
{
	struct json_object *s = json_object_new_object();

	json_object_object_add(s, "votingMode", text_or_null(res, row, c));
	json_object_object_add(s, "autoRemoveThreshold", int_or_null(res, row, c + 1));
	json_object_object_add(s, "memberCap", int_or_null(res, row, c + 2));
	json_object_object_add(s, "maxQueueLength", int_or_null(res, row, c + 3));
	json_object_object_add(s, "maxSongDuration", int_or_null(res, row, c + 4));
	json_object_object_add(s, "tieRule", text_or_null(res, row, c + 5));
	json_object_object_add(s, "fallbackPlaylistId", text_or_null(res, row, c + 6));
	return s;
}

void room_changed(struct request *req, const char *code, long long revision,
		  const char *type, struct json_object *msg)
{
	char channel[32];
	struct json_object *out = json_object_new_object();

	cache_invalidate(req_printf(req, "queue:%s", code), revision);
	/* type and revision first, so a reader of the raw stream sees them at once */
	json_object_object_add(out, "type", json_object_new_string(type));
	json_object_object_add(out, "revision", json_object_new_int64(revision));
	json_object_object_foreach(msg, key, val)
		json_object_object_add(out, key, json_object_get(val));
	json_object_put(msg);
	snprintf(channel, sizeof channel, "rooms/%s", code);
	reply_publish(req, channel, json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN |
								   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
}

int room_listeners(const char *code)
{
	char channel[32];
	int n;

	snprintf(channel, sizeof channel, "rooms/%s", code);
	n = publish_subscribers(channel);
	return n < 0 ? 0 : n;
}
