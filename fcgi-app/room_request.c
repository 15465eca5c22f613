/* room_request.c: what a room request names: the room and entry of its path, the member who asks, the room's channel */
#include "room_request.h"
#include "ids.h"
#include "request.h"

#include <stdio.h>
#include <string.h>

const char *room_code_or_reply(struct request *req, const char *raw)
{
	char code[ROOM_CODE_LEN + 1];

	if (ids_normalize_room_code(raw, code) != 0) {
		reply_error(req, 404, "room not found");
		return NULL;
	}
	req->room_code = req_strdup(req, code);
	return req->room_code;
}

const char *room_entry_id_or_reply(struct request *req, const char *raw)
{
	size_t n = strlen(raw);

	/* 18 digits always fit a bigint; a leading zero would be a second spelling of one id. */
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

void room_channel(char *out, size_t cap, const char *code)
{
	snprintf(out, cap, "rooms/%s", code);
}
