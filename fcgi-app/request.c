/* request.c: request arena, query decoding and the one reply path */
#include "request.h"
#include "log.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct arena_block {
	struct arena_block *next;
	size_t used, size;
	max_align_t data[];
};

#define ARENA_BLOCK_SIZE 8192

/*
 * Memory for a request once malloc has failed it: the handler runs to its
 * end with real memory (its answer is a fixed 500 by then) and the worker
 * lives on. In .bss, so the pages cost nothing until a request needs them.
 * More than a request ever takes: the largest single piece is a cover upload's
 * buffer (500 kB); JSON bodies are read outside the arena.
 */
#define RESERVE_BYTES (2u << 20)
static max_align_t reserve[RESERVE_BYTES / sizeof(max_align_t)];
static size_t reserve_used;

void request_init(struct request *req)
{
	memset(req, 0, sizeof *req);
	req->content_length = -1;
	req->res.status = 500;
	req->route = -1;
	clock_gettime(CLOCK_MONOTONIC, &req->started); /* vDSO: no system call */
}

void request_free(struct request *req)
{
	struct arena_block *b = req->arena, *next;

	for (; b != NULL; b = next) {
		next = b->next;
		free(b);
	}
	req->arena = NULL;
	if (req->out_of_memory)
		reserve_used = 0; /* a worker serves one request at a time: the reserve was this one's */
	if (req->json != NULL)
		json_object_put(req->json);
	if (req->res.body != NULL)
		json_object_put(req->res.body);
	free(req->res.publish_channel);
	free(req->res.publish_message);
	free(req->res.raw_data);
	req->res.raw_data = NULL;
	free(req->res.file_body);
	req->res.file_body = NULL;
	req->json = NULL;
	req->res.body = NULL;
	req->res.publish_channel = req->res.publish_message = NULL;
}

void req_out_of_memory(struct request *req)
{
	if (!req->out_of_memory)
		log_error("out of memory: %s %s is answered 500", req->method ? req->method : "-",
			  req->path ? req->path : "-");
	req->out_of_memory = 1;
	req->res.status = 500;
	free(req->res.publish_channel);
	free(req->res.publish_message);
	req->res.publish_channel = req->res.publish_message = NULL;
}

/* need bytes (aligned) from the reserve, for a request malloc has failed. */
static void *reserve_alloc(struct request *req, size_t need)
{
	void *p;

	req_out_of_memory(req);
	if (need > RESERVE_BYTES - reserve_used) {
		/*
		 * Less than asked would be overwritten by what the handler writes
		 * next, corrupting what it may still store. This worker ends; the
		 * supervisor starts another.
		 */
		log_error("out of memory, and the reserve cannot hold %zu more bytes: the worker exits", need);
		_exit(EXIT_FAILURE);
	}
	p = (char *)reserve + reserve_used;
	reserve_used += need;
	return p;
}

void *req_alloc(struct request *req, size_t size)
{
	struct arena_block *b = req->arena;
	size_t align = sizeof(max_align_t);
	size_t need = size > SIZE_MAX - align ? SIZE_MAX : (size + align - 1) / align * align;

	if (b == NULL || b->size - b->used < need) {
		size_t cap = need > ARENA_BLOCK_SIZE ? need : ARENA_BLOCK_SIZE;

		b = cap > SIZE_MAX - sizeof *b ? NULL : malloc(sizeof *b + cap);
		if (b == NULL)
			return reserve_alloc(req, need);
		b->size = cap;
		b->used = 0;
		b->next = req->arena;
		req->arena = b;
	}
	void *p = (char *)b->data + b->used;
	b->used += need;
	return p;
}

char *req_strdup(struct request *req, const char *s)
{
	size_t len = strlen(s);
	char *copy = req_alloc(req, len + 1);

	memcpy(copy, s, len + 1);
	return copy;
}

char *req_printf(struct request *req, const char *fmt, ...)
{
	va_list ap;
	int len;
	char *s;

	va_start(ap, fmt);
	len = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (len < 0)
		len = 0;
	s = req_alloc(req, (size_t)len + 1);
	va_start(ap, fmt);
	vsnprintf(s, (size_t)len + 1, fmt, ap);
	va_end(ap);
	return s;
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decode n bytes of a form-encoded component into the arena. */
static char *form_decode(struct request *req, const char *s, size_t n)
{
	char *out = req_alloc(req, n + 1), *o = out;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '+') {
			*o++ = ' ';
		} else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 &&
			   hexval(s[i + 2]) >= 0) {
			*o++ = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else {
			*o++ = s[i];
		}
	}
	*o = '\0';
	return out;
}

const char *req_query(struct request *req, const char *name)
{
	const char *q = req->query;
	size_t name_len = strlen(name);

	while (q != NULL && *q != '\0') {
		const char *amp = strchr(q, '&');
		size_t len = amp ? (size_t)(amp - q) : strlen(q);
		const char *eq = memchr(q, '=', len);
		size_t key_len = eq ? (size_t)(eq - q) : len;
		char *key = form_decode(req, q, key_len);

		if (strlen(key) == name_len && memcmp(key, name, name_len) == 0) {
			if (eq == NULL)
				return "";
			return form_decode(req, eq + 1, len - key_len - 1);
		}
		q = amp ? amp + 1 : NULL;
	}
	return NULL;
}

static void set_body(struct request *req, struct json_object *body)
{
	if (req->res.body != NULL)
		json_object_put(req->res.body);
	free(req->res.raw_data);
	req->res.raw_data = NULL;
	free(req->res.file_body);
	req->res.file_body = NULL;
	req->res.body = body;
}

/* A malloc'd copy of s, or NULL when out of memory. */
static char *copy_text(const char *s)
{
	size_t len = strlen(s) + 1;
	char *copy = malloc(len);

	return copy != NULL ? memcpy(copy, s, len) : NULL;
}

void reply_raw_data(struct request *req, int status, const char *data_json)
{
	set_body(req, NULL);
	req->res.raw_data = copy_text(data_json);
	if (req->res.raw_data == NULL)
		req_out_of_memory(req);
	req->res.status = status;
}

void reply_file(struct request *req, const char *type, char *body, size_t len)
{
	set_body(req, NULL);
	req->res.file_body = body;
	req->res.file_len = len;
	req->res.file_type = type;
	req->res.status = 200;
}

/*
 * The reply {"status":word[,"message":message][,"data":data]}; data is taken,
 * and written even when NULL (as null) if with_data.
 */
static void reply_json(struct request *req, int status, const char *word, const char *message,
		       struct json_object *data, int with_data)
{
	struct json_object *body = json_object_new_object();

	if (body == NULL) {
		json_object_put(data);
		req_out_of_memory(req);
		return;
	}
	json_object_object_add(body, "status", json_object_new_string(word));
	if (message != NULL)
		json_object_object_add(body, "message", json_object_new_string(message));
	if (with_data)
		json_object_object_add(body, "data", data);
	req->res.status = status;
	set_body(req, body);
}

static void reply_error_v(struct request *req, int status, struct json_object *data, const char *fmt, va_list ap)
{
	char message[512];

	vsnprintf(message, sizeof message, fmt, ap);
	if (status >= 500)
		log_warn("%d %s %s: %s", status, req->method ? req->method : "-",
			 req->path ? req->path : "-", message);
	else
		log_debug("%d %s %s: %s", status, req->method ? req->method : "-",
			  req->path ? req->path : "-", message);
	reply_json(req, status, status >= 500 ? "error" : "fail", message, data, data != NULL);
	/* Unavailable for now: say when to come back, as a 429 does. */
	if (status == 503 && req->res.retry_after <= 0)
		req->res.retry_after = 2;
}

void reply_error(struct request *req, int status, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(req, status, NULL, fmt, ap);
	va_end(ap);
}

void reply_error_data(struct request *req, int status, struct json_object *data, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	reply_error_v(req, status, data, fmt, ap);
	va_end(ap);
}

int req_etag_list_matches(const char *header, etag_match_fn match, const void *ctx)
{
	const char *p = header;

	if (header == NULL)
		return 0;
	while (*p != '\0') {
		size_t n;

		while (*p == ' ' || *p == ',')
			p++;
		if (strncmp(p, "W/", 2) == 0)
			p += 2;
		if (*p == '*')
			return 1;
		if (*p == '"')
			p++;
		n = strcspn(p, "\",");
		if (n > 0 && match(p, n, ctx))
			return 1;
		p += n;
		p += strcspn(p, ",");
	}
	return 0;
}

/* The tag is the revision in decimal. */
static int is_revision(const char *tag, size_t len, const void *ctx)
{
	char want[32];

	snprintf(want, sizeof want, "%lld", *(const long long *)ctx);
	return len == strlen(want) && strncmp(tag, want, len) == 0;
}

int req_etag_matches(const char *header, long long revision)
{
	return req_etag_list_matches(header, is_revision, &revision);
}

void reply_data(struct request *req, int status, struct json_object *data)
{
	reply_json(req, status, "success", NULL, data, 1);
}

void reply_message(struct request *req, int status, const char *message, struct json_object *data)
{
	reply_json(req, status, "success", message, data, data != NULL);
}

void reply_publish(struct request *req, const char *channel, const char *message)
{
	if (req->out_of_memory)
		return;
	free(req->res.publish_channel);
	free(req->res.publish_message);
	req->res.publish_channel = copy_text(channel);
	req->res.publish_message = copy_text(message);
	if (req->res.publish_channel == NULL || req->res.publish_message == NULL)
		req_out_of_memory(req);
}
