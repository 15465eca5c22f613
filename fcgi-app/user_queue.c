/* user_queue.c: a personal queue's state and the actions on it, without I/O */
#include "user_queue.h"
#include "jsonutil.h"
#include "request.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define ID_MAX 100 /* characters of a song id, as the catalog allows */

static const char *const repeat_names[] = { "none", "one", "all" };

int uq_repeat_parse(const char *s)
{
	for (int i = 0; i < 3; i++)
		if (strcmp(s, repeat_names[i]) == 0)
			return i;
	return -1;
}

void uq_empty(struct uq_state *st)
{
	memset(st, 0, sizeof *st);
	st->current = -1;
	st->repeat = UQ_REPEAT_NONE;
}

/* An array of song ids: each a string of 1..ID_MAX characters, at most max of them. */
static int ids_field(struct request *req, struct json_object *obj, const char *key, int max,
		     const char ***ids, int *n, const char **why)
{
	struct json_object *arr;
	size_t len;

	if (!json_object_object_get_ex(obj, key, &arr) || !json_object_is_type(arr, json_type_array)) {
		*why = req_printf(req, "\"%s\" must be an array of song ids", key);
		return -1;
	}
	len = json_object_array_length(arr);
	if (len > (size_t)max) {
		*why = req_printf(req, "\"%s\" holds %zu entries: a queue holds at most %d", key, len, max);
		return -1;
	}
	*ids = req_alloc(req, (len ? len : 1) * sizeof **ids);
	for (size_t i = 0; i < len; i++) {
		struct json_object *v = json_object_array_get_idx(arr, i);
		size_t chars;

		if (!json_object_is_type(v, json_type_string) ||
		    (chars = utf8_length(json_object_get_string(v))) == 0 || chars > ID_MAX ||
		    chars == (size_t)-1) {
			*why = req_printf(req, "\"%s\"[%zu] must be a song id (a string of 1 to %d characters)",
					  key, i, ID_MAX);
			return -1;
		}
		(*ids)[i] = req_strdup(req, json_object_get_string(v));
	}
	*n = (int)len;
	return 0;
}

int uq_parse(struct request *req, struct json_object *obj, int max, struct uq_state *st,
	     const char **why)
{
	static const char *const known[] = { "trackIds", "currentIndex", "currentTrackId", "shuffle",
					     "originalOrderIds", "repeatMode", NULL };
	struct json_object *v;
	int64_t index;

	uq_empty(st);
	if (obj == NULL || !json_object_is_type(obj, json_type_object)) {
		*why = "the queue state must be a JSON object";
		return -1;
	}
	json_object_object_foreach(obj, key, val) {
		int ok = 0;

		(void)val;
		for (int i = 0; known[i] != NULL; i++)
			ok |= strcmp(known[i], key) == 0;
		if (!ok) {
			*why = req_printf(req, "\"%.64s\" is not a field of the queue state", key);
			return -1;
		}
	}
	if (ids_field(req, obj, "trackIds", max, &st->ids, &st->n, why) != 0)
		return -1;
	if (!json_object_object_get_ex(obj, "currentIndex", &v) || !json_object_is_type(v, json_type_int)) {
		*why = "\"currentIndex\" is required and must be an integer";
		return -1;
	}
	index = json_object_get_int64(v);
	if (index < -1 || index >= st->n) {
		*why = req_printf(req, "\"currentIndex\" must be -1 or a position in trackIds (0 to %d)", st->n - 1);
		return -1;
	}
	st->current = (int)index;
	if (!json_object_object_get_ex(obj, "currentTrackId", &v)) {
		*why = "\"currentTrackId\" is required: trackIds[currentIndex], or null";
		return -1;
	}
	if (st->current < 0 ? v != NULL
			    : (!json_object_is_type(v, json_type_string) ||
			       strcmp(json_object_get_string(v), st->ids[st->current]) != 0)) {
		*why = "\"currentTrackId\" must equal trackIds[currentIndex] (null when currentIndex is -1)";
		return -1;
	}
	if (json_object_object_get_ex(obj, "shuffle", &v)) {
		if (!json_object_is_type(v, json_type_boolean)) {
			*why = "\"shuffle\" must be true or false";
			return -1;
		}
		st->shuffle = json_object_get_boolean(v);
	}
	if (json_object_object_get_ex(obj, "originalOrderIds", &v) &&
	    ids_field(req, obj, "originalOrderIds", max, &st->orig, &st->norig, why) != 0)
		return -1;
	if (json_object_object_get_ex(obj, "repeatMode", &v)) {
		int r = json_object_is_type(v, json_type_string) ? uq_repeat_parse(json_object_get_string(v)) : -1;

		if (r < 0) {
			*why = "\"repeatMode\" must be \"none\", \"one\" or \"all\"";
			return -1;
		}
		st->repeat = (enum uq_repeat)r;
	}
	return 0;
}

struct json_object *uq_ids_json(const char *const *ids, int n)
{
	struct json_object *arr = json_object_new_array_ext(n);

	for (int i = 0; i < n; i++)
		json_object_array_add(arr, json_object_new_string(ids[i]));
	return arr;
}

struct json_object *uq_to_json(const struct uq_state *st)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "trackIds", uq_ids_json(st->ids, st->n));
	json_object_object_add(o, "currentIndex", json_object_new_int(st->current));
	json_object_object_add(o, "currentTrackId",
			       st->current >= 0 ? json_object_new_string(st->ids[st->current]) : NULL);
	json_object_object_add(o, "shuffle", json_object_new_boolean(st->shuffle));
	json_object_object_add(o, "originalOrderIds", uq_ids_json(st->orig, st->norig));
	json_object_object_add(o, "repeatMode", json_object_new_string(repeat_names[st->repeat]));
	return o;
}

/* Room for n + k entries: a fresh arena array (the old one stays until the request ends). */
static const char **grown(struct request *req, const struct uq_state *st, int k)
{
	const char **ids = req_alloc(req, (size_t)(st->n + k + 1) * sizeof *ids);

	if (st->n > 0)
		memcpy(ids, st->ids, (size_t)st->n * sizeof *ids);
	return ids;
}

/* Insert k ids at position at (0..n). */
static void insert_at(struct request *req, struct uq_state *st, int at, const char *const *add, int k)
{
	const char **ids = grown(req, st, k);

	memmove(ids + at + k, ids + at, (size_t)(st->n - at) * sizeof *ids);
	for (int i = 0; i < k; i++)
		ids[at + i] = req_strdup(req, add[i]);
	st->ids = ids;
	st->n += k;
}

static int room_for(struct request *req, const struct uq_state *st, int k, int max, const char *field,
		    const char **why)
{
	if (st->n + k > max) {
		*why = req_printf(req, "\"%s\": the queue holds %d entries and at most %d", field, st->n, max);
		return -1;
	}
	return 0;
}

int uq_add(struct request *req, struct uq_state *st, const char *const *ids, int k, int next,
	   int max, const char **why)
{
	int was_empty = st->n == 0;

	if (room_for(req, st, k, max, "songIds", why) != 0)
		return -1;
	insert_at(req, st, next ? st->current + 1 : st->n, ids, k);
	/* Something to play as soon as there is something. */
	if (was_empty && st->n > 0)
		st->current = 0;
	return 0;
}

int uq_play_now(struct request *req, struct uq_state *st, const char *id, int max, const char **why)
{
	if (room_for(req, st, 1, max, "songId", why) != 0)
		return -1;
	insert_at(req, st, st->current + 1, &id, 1);
	st->current++;
	return 0;
}

/* Does up next hold at least two different ids (so another order exists)? */
static int upcoming_varies(const struct uq_state *st)
{
	for (int i = st->current + 2; i < st->n; i++)
		if (strcmp(st->ids[i], st->ids[st->current + 1]) != 0)
			return 1;
	return 0;
}

static int same_order(const char *const *a, const char *const *b, int n)
{
	for (int i = 0; i < n; i++)
		if (strcmp(a[i], b[i]) != 0)
			return 0;
	return 1;
}

void uq_shuffle(struct request *req, struct uq_state *st)
{
	int first = st->current + 1, m = st->n - first;
	const char **before, **ids = grown(req, st, 0);

	if (!st->shuffle) {
		/* Remember the order only once: reshuffling keeps the first original. */
		st->orig = grown(req, st, 0);
		st->norig = st->n;
		st->shuffle = 1;
	}
	st->ids = ids;
	if (m < 2 || !upcoming_varies(st))
		return;
	before = grown(req, st, 0);
	for (int attempt = 0; attempt < 8; attempt++) {
		for (int i = m - 1; i > 0; i--) {
			int j = (int)randombytes_uniform((uint32_t)i + 1);
			const char *t = ids[first + i];

			ids[first + i] = ids[first + j];
			ids[first + j] = t;
		}
		if (!same_order(ids + first, before + first, m))
			return;
	}
	/* Eight shuffles that all came back unchanged: swap two that differ. */
	for (int i = first + 1; i < st->n; i++)
		if (strcmp(ids[i], ids[first]) != 0) {
			const char *t = ids[i];

			ids[i] = ids[first];
			ids[first] = t;
			return;
		}
}

void uq_unshuffle(struct request *req, struct uq_state *st)
{
	int first = st->current + 1, m = st->n - first;
	char *used = req_alloc(req, (size_t)st->norig + 1);
	int *rank = req_alloc(req, (size_t)(m > 0 ? m : 1) * sizeof *rank);
	const char **ids = grown(req, st, 0);

	/*
	 * Each entry takes the first unused occurrence of its id in the old
	 * order, history and current first, so duplicates keep their places;
	 * ids that were not there (added since) rank after all others, in
	 * their present order.
	 */
	memset(used, 0, (size_t)st->norig + 1);
	for (int i = 0; i < st->n; i++) {
		int r = -1;

		for (int j = 0; j < st->norig; j++)
			if (!used[j] && strcmp(st->orig[j], ids[i]) == 0) {
				used[j] = 1;
				r = j;
				break;
			}
		if (i >= first)
			rank[i - first] = r >= 0 ? r : st->norig + (i - first);
	}
	/* Insertion sort: stable, and m is at most a thousand. */
	for (int i = 1; i < m; i++) {
		const char *id = ids[first + i];
		int r = rank[i], j = i - 1;

		while (j >= 0 && rank[j] > r) {
			rank[j + 1] = rank[j];
			ids[first + j + 1] = ids[first + j];
			j--;
		}
		rank[j + 1] = r;
		ids[first + j + 1] = id;
	}
	st->ids = ids;
	st->shuffle = 0;
	st->orig = NULL;
	st->norig = 0;
}

void uq_next(struct uq_state *st)
{
	if (st->n == 0)
		st->current = -1;
	else if (st->current < 0)
		st->current = 0;
	else if (st->repeat == UQ_REPEAT_ONE)
		return;
	else if (st->current + 1 < st->n)
		st->current++;
	else
		st->current = st->repeat == UQ_REPEAT_ALL ? 0 : -1;
}

void uq_previous(struct uq_state *st)
{
	if (st->n == 0)
		st->current = -1;
	else if (st->current < 0)
		st->current = st->n - 1;
	else if (st->repeat == UQ_REPEAT_ONE)
		return;
	else if (st->current > 0)
		st->current--;
	else if (st->repeat == UQ_REPEAT_ALL)
		st->current = st->n - 1;
}

void uq_clear_upcoming(struct uq_state *st)
{
	st->n = st->current + 1;
}

int uq_remove(struct uq_state *st, long long pos, const char **why)
{
	if (pos < 0 || pos >= st->n) {
		*why = "\"position\" is not a position in the queue";
		return -1;
	}
	if (pos == st->current) {
		*why = "\"position\": the current entry cannot be removed";
		return -1;
	}
	memmove(st->ids + pos, st->ids + pos + 1, (size_t)(st->n - pos - 1) * sizeof *st->ids);
	st->n--;
	if (pos < st->current)
		st->current--;
	return 0;
}

int uq_move(struct uq_state *st, long long from, long long to, const char **why)
{
	const char *id;

	if (from <= st->current || from >= st->n) {
		*why = "\"from\" must be a position in up next (after the current entry)";
		return -1;
	}
	if (to <= st->current || to >= st->n) {
		*why = "\"to\" must be a position in up next (after the current entry)";
		return -1;
	}
	id = st->ids[from];
	if (from < to)
		memmove(st->ids + from, st->ids + from + 1, (size_t)(to - from) * sizeof *st->ids);
	else
		memmove(st->ids + to + 1, st->ids + to, (size_t)(from - to) * sizeof *st->ids);
	st->ids[to] = id;
	return 0;
}
