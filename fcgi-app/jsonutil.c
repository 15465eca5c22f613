/* jsonutil.c: strict JSON body parsing, typed field getters that reply 400, a one-field object */
#include "jsonutil.h"
#include "request.h"

#include <errno.h>
#include <string.h>

/*
 * json-c 0.16 accepts 'single-quoted' strings even in strict mode; JSON does
 * not. A quote outside a double-quoted string is the only way to spell one.
 */
static int has_single_quoted_string(const char *text, size_t len)
{
	int in_string = 0;

	for (size_t i = 0; i < len; i++) {
		if (in_string) {
			if (text[i] == '\\')
				i++;
			else if (text[i] == '"')
				in_string = 0;
		} else if (text[i] == '"') {
			in_string = 1;
		} else if (text[i] == '\'') {
			return 1;
		}
	}
	return 0;
}

struct json_object *parse_json_strict(const char *text, size_t len, const char **why)
{
	struct json_tokener *tok;
	struct json_object *value;
	size_t used;

	if (len == 0) {
		*why = "request body is empty";
		return NULL;
	}
	if (len > (size_t)INT32_MAX) {
		*why = "request body is too large";
		return NULL;
	}
	if (has_single_quoted_string(text, len)) {
		*why = "request body is not valid JSON";
		return NULL;
	}
	tok = json_tokener_new();
	if (tok == NULL) {
		*why = "out of memory";
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	value = json_tokener_parse_ex(tok, text, (int)len);
	if (value == NULL) {
		enum json_tokener_error err = json_tokener_get_error(tok);

		*why = err == json_tokener_continue ? "request body is not complete JSON"
						    : "request body is not valid JSON";
		json_tokener_free(tok);
		return NULL;
	}
	used = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	/* Whitespace may follow the value; anything else is a second value or junk. */
	for (; used < len; used++) {
		char c = text[used];

		if (c != ' ' && c != '\t' && c != '\n' && c != '\r') {
			json_object_put(value);
			*why = "request body has data after the JSON value";
			return NULL;
		}
	}
	return value;
}

size_t utf8_length(const char *s)
{
	size_t n = 0;
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int extra;

		if (*p < 0x80)
			extra = 0;
		else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2)
			extra = 1;
		else if ((*p & 0xF0) == 0xE0)
			extra = 2;
		else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4)
			extra = 3;
		else
			return (size_t)-1;
		p++;
		for (int i = 0; i < extra; i++, p++)
			if ((*p & 0xC0) != 0x80)
				return (size_t)-1;
		n++;
	}
	return n;
}

struct json_object *object_with_string(const char *key, const char *value)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, key, json_object_new_string(value));
	return o;
}

/*
 * obj's field key in *v when it has the type that type_name names for the
 * client ("a string"): 1. Absent or null: 0 when optional; otherwise, and
 * for another type, replies 400 and returns -1.
 */
static int typed_field_or_reply(struct request *req, struct json_object *obj, const char *key,
				enum json_type type, const char *type_name, int optional,
				struct json_object **v)
{
	*v = NULL;
	if (obj == NULL || !json_object_object_get_ex(obj, key, v) || *v == NULL) {
		if (optional)
			return 0;
		reply_error(req, 400, "\"%s\" is required and must be %s", key, type_name);
		return -1;
	}
	if (!json_object_is_type(*v, type)) {
		reply_error(req, 400, "\"%s\" must be %s", key, type_name);
		return -1;
	}
	return 1;
}

static int string_field(struct request *req, struct json_object *obj, const char *key,
			size_t min, size_t max, const char **out, int optional)
{
	struct json_object *v;
	const char *s;
	size_t len;
	int found = typed_field_or_reply(req, obj, key, json_type_string, "a string", optional, &v);

	*out = NULL;
	if (found <= 0)
		return found;
	s = json_object_get_string(v);
	/* An embedded NUL would silently truncate the value downstream. */
	if (strlen(s) != (size_t)json_object_get_string_len(v)) {
		reply_error(req, 400, "\"%s\" must not contain NUL characters", key);
		return -1;
	}
	len = utf8_length(s);
	if (len == (size_t)-1) {
		reply_error(req, 400, "\"%s\" is not valid UTF-8", key);
		return -1;
	}
	if (len < min || len > max) {
		if (min > 0 && len < min && min == 1)
			reply_error(req, 400, "\"%s\" must not be empty", key);
		else
			reply_error(req, 400, "\"%s\" must be %zu to %zu characters long", key, min, max);
		return -1;
	}
	*out = s;
	return 0;
}

int field_string_or_reply(struct request *req, struct json_object *obj, const char *key,
			 size_t min, size_t max, const char **out)
{
	return string_field(req, obj, key, min, max, out, 0);
}

int field_opt_string_or_reply(struct request *req, struct json_object *obj, const char *key,
			     size_t min, size_t max, const char **out)
{
	return string_field(req, obj, key, min, max, out, 1);
}

static int int_field(struct request *req, struct json_object *obj, const char *key,
		     int64_t min, int64_t max, int64_t *out, int *present)
{
	struct json_object *v;
	int64_t n;
	int found = typed_field_or_reply(req, obj, key, json_type_int, "an integer", present != NULL, &v);

	if (present != NULL)
		*present = 0;
	if (found <= 0)
		return found;
	errno = 0;
	n = json_object_get_int64(v);
	/* json-c clamps out-of-range numbers to INT64_MIN/MAX and sets errno. */
	if (errno != 0 || n < min || n > max) {
		reply_error(req, 400, "\"%s\" must be an integer from %lld to %lld", key,
			    (long long)min, (long long)max);
		return -1;
	}
	*out = n;
	if (present != NULL)
		*present = 1;
	return 0;
}

int field_int_or_reply(struct request *req, struct json_object *obj, const char *key,
		      int64_t min, int64_t max, int64_t *out)
{
	return int_field(req, obj, key, min, max, out, NULL);
}

int field_opt_int_or_reply(struct request *req, struct json_object *obj, const char *key,
			  int64_t min, int64_t max, int64_t *out, int *present)
{
	return int_field(req, obj, key, min, max, out, present);
}
