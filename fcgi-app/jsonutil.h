/* jsonutil.h: strict JSON body parsing, typed field getters that reply 400, a one-field object */
#ifndef QUEUED_JSONUTIL_H
#define QUEUED_JSONUTIL_H

#include <stdint.h>
#include <stddef.h>
#include <json-c/json.h>

struct request;

/*
 * Parse text (len bytes) strictly: one JSON value, nothing after it. Returns the
 * value (caller owns it) or NULL with a short reason in *why.
 */
struct json_object *parse_json_strict(const char *text, size_t len, const char **why);

/*
 * Required string field of obj, between min and max characters (UTF-8 code
 * points) after trimming nothing. On success *out borrows from obj and 0 is
 * returned; otherwise replies 400 naming the field and returns -1.
 */
int field_string_or_reply(struct request *req, struct json_object *obj, const char *key,
			 size_t min, size_t max, const char **out);

/* As field_string_or_reply, but absent or null leaves *out NULL and succeeds. */
int field_opt_string_or_reply(struct request *req, struct json_object *obj, const char *key,
			     size_t min, size_t max, const char **out);

/* Required JSON integer (not a float, string or boolean) within [min, max]. */
int field_int_or_reply(struct request *req, struct json_object *obj, const char *key,
		      int64_t min, int64_t max, int64_t *out);

/* Optional integer: absent or null sets *present to 0 and succeeds. */
int field_opt_int_or_reply(struct request *req, struct json_object *obj, const char *key,
			  int64_t min, int64_t max, int64_t *out, int *present);

/* A new object {key: value} (caller owns it): the id or token a reply hands back. */
struct json_object *object_with_string(const char *key, const char *value);

/* Number of UTF-8 code points in s, or (size_t)-1 when s is not valid UTF-8. */
size_t utf8_length(const char *s);

#endif
