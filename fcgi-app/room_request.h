/* room_request.h: what a room request names: the room and entry of its path, the member who asks, the room's channel */
#ifndef QUEUED_ROOM_REQUEST_H
#define QUEUED_ROOM_REQUEST_H

#include <stddef.h>

struct request;

/*
 * The canonical room code of a path segment, in the arena (and kept as
 * req->room_code, see status_or_reply); replies 404 and returns NULL otherwise.
 */
const char *room_code_or_reply(struct request *req, const char *raw);

/* A positive integer path segment as text; replies 404 and returns NULL otherwise. */
const char *room_entry_id_or_reply(struct request *req, const char *raw);

/* Member and voter identity: guests and users alike; their display name. */
const char *room_member_name(const struct request *req);

/* The room's nchan channel ("rooms/CODE": what GET /rooms/{code}/events subscribes to), into out. */
void room_channel(char *out, size_t cap, const char *code);

#endif
