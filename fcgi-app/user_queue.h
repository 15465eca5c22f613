/* user_queue.h: a personal queue's state and the actions on it, without I/O */
#ifndef QUEUED_USER_QUEUE_H
#define QUEUED_USER_QUEUE_H

#include <json-c/json.h>

struct request;

enum uq_repeat { UQ_REPEAT_NONE, UQ_REPEAT_ONE, UQ_REPEAT_ALL };

/*
 * The state of docs/personal-queue.md. Strings and arrays live in the
 * request's arena; currentTrackId is not stored, it is ids[current] (or
 * null for -1), so it can never disagree with the index.
 */
struct uq_state {
	const char **ids;
	int n;
	int current;            /* -1: nothing is current */
	int shuffle;
	const char **orig;      /* the order before the first shuffle; norig 0 when not shuffled */
	int norig;
	enum uq_repeat repeat;
};

/* Every action fails the same way: a 400 message naming the field, in *why (constant or arena). */

/* The empty state: no entries, nothing current, repeat off. */
void uq_empty(struct uq_state *st);

/*
 * Read a state object as a client sends it (PUT) or as it is stored.
 * At most max entries in trackIds and in originalOrderIds. Returns 0, or -1
 * with the message in *why.
 */
int uq_parse(struct request *req, struct json_object *obj, int max, struct uq_state *st,
	     const char **why);

/* The state as JSON (caller owns it), keys in the documented order. */
struct json_object *uq_to_json(const struct uq_state *st);

/* The ids as a JSON array (caller owns it). */
struct json_object *uq_ids_json(const char *const *ids, int n);

/* Insert k ids at the end, or right after the current entry (next). */
int uq_add(struct request *req, struct uq_state *st, const char *const *ids, int k, int next,
	   int max, const char **why);

/* id becomes current, right after the entry that was; up next is untouched. */
int uq_play_now(struct request *req, struct uq_state *st, const char *id, int max, const char **why);

/*
 * Shuffle up next (Fisher-Yates with libsodium's uniform numbers); history
 * and the current entry stay. Whenever up next holds two different ids the
 * result differs from the order before.
 */
void uq_shuffle(struct request *req, struct uq_state *st);

/* Up next back in its order before the shuffle; ids added since go last. */
void uq_unshuffle(struct request *req, struct uq_state *st);

/* Move on or back, honouring the repeat mode. */
void uq_next(struct uq_state *st);
void uq_previous(struct uq_state *st);

/* Drop everything after the current entry. */
void uq_clear_upcoming(struct uq_state *st);

/* Remove the entry at pos; the current one cannot be removed. */
int uq_remove(struct uq_state *st, long long pos, const char **why);

/* Move an up-next entry from one up-next position to another. */
int uq_move(struct uq_state *st, long long from, long long to, const char **why);

/* "none", "one", "all" to enum; -1 for anything else. */
int uq_repeat_parse(const char *s);

#endif
