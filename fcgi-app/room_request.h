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

/*
 * The body's field key as a room PIN, hashed for storage or comparison
 * (auth_pin_hash) into out: 1 when it is a string of 4 to 8 ASCII digits, 0
 * when it is absent or null, -1 after replying 400 naming the rule.
 */
int room_pin_hash_or_reply(struct request *req, const char *code, const char *key, char *out);

/*
 * A room that hides its queue (hideQueue) shows it, its history, its members
 * and its live changes only to its members (not banned) who send their token:
 * 0 when the caller may read room code, -1 after replying 403 (or 404 for no
 * such room, 410 for a closed one, 503).
 */
int room_hidden_refused_or_reply(struct request *req, const char *code);

/* The same question without a reply: 0 allowed, 1 refused, 2 no such room, 3 closed, -1 when the database cannot say. */
int room_hidden_refused(const char *code, const char *member);

#endif
