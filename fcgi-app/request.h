/* request.h: what a handler sees (struct request) and fills (struct response) */
#ifndef QUEUED_REQUEST_H
#define QUEUED_REQUEST_H

#include <stddef.h>
#include <time.h>
#include <json-c/json.h>

#include "auth.h"

#define REQUEST_MAX_PARAMS 4


struct response {
	int status;
	struct json_object *body;    /* owned; serialised once when the reply is written */
	char *raw_data;              /* owned; JSON text of "data" when body is NULL (cache hits) */
	char *file_body;             /* owned; a whole non-JSON body (an image), sent as it is */
	size_t file_len;
	const char *file_type;       /* its Content-Type */
	char etag[32];               /* without quotes; empty for none */
	const char *data_source;     /* X-Data-Source: "cache" or "database" */
	const char *allow;           /* Allow header of a 405 */
	const char *accel_redirect;  /* X-Accel-Redirect: nginx serves this internal location instead */
	const char *preference_applied; /* Preference-Applied (RFC 7240), a constant */
	int retry_after;             /* Retry-After seconds of a 429; 0 for none */
	char *publish_channel;       /* owned; published after the reply went out */
	char *publish_message;       /* owned */
};

struct arena_block;

struct request {
	const char *method;
	const char *path;
	const char *raw_uri;          /* the request line's target as the client sent it (REQUEST_URI) */
	const char *query;
	const char *content_type;
	long content_length;          /* -1 when absent */
	const char *authorization;
	const char *if_none_match;
	const char *if_match;
	const char *prefer;           /* Prefer (RFC 7240) */
	const char *remote_addr;
	char id[40];                  /* request id (nginx's $request_id): logs, X-Request-Id, publishes */
	int route;                    /* index of the matched route in the route table (router.h); -1 for none */
	struct timespec started;      /* CLOCK_MONOTONIC at request_init: the duration logged and counted */

	/* Reads up to len body bytes; returns the count, 0 at the end, -1 on error. */
	long (*read_body)(struct request *req, char *buf, size_t len);
	void *io;

	const char *params[REQUEST_MAX_PARAMS]; /* path parameters in pattern order */
	int nparams;
	struct json_object *json;     /* parsed body of a JSON route; owned */
	struct identity who;
	const char *room_code;        /* the room the path names, once room_code_or_reply read it; else NULL */

	struct response res;
	struct arena_block *arena;
	int out_of_memory;            /* an allocation failed: answered 500 whatever was replied, nothing published */
};

/* Set up an empty request; request_free releases everything it took. */
void request_init(struct request *req);
void request_free(struct request *req);

/*
 * Per-request memory, released by request_free. Never NULL: when malloc
 * fails the request is marked out of memory (see req_out_of_memory) and the
 * memory comes from the worker's reserve (2 MiB), so the handler runs to its
 * end and the worker lives on. Only a failed request that needs more than the
 * whole reserve ends the worker: less memory than asked would be corrupted.
 */
void *req_alloc(struct request *req, size_t size);
char *req_strdup(struct request *req, const char *s);
char *req_printf(struct request *req, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * An allocation for req failed (here or in code that allocates for itself):
 * the answer becomes a 500 whatever the handler replies, and its publish is
 * dropped. Logged once per request.
 */
void req_out_of_memory(struct request *req);

/*
 * The decoded value of query parameter name, in the request arena, or NULL
 * when absent. "a+b" and "a%20b" both decode to "a b".
 */
const char *req_query(struct request *req, const char *name);

/*
 * The one error path: {"status":"fail"|"error","message":...}. 4xx are "fail",
 * 5xx are "error". The message is what the client reads: keep details in logs.
 */
void reply_error(struct request *req, int status, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* reply_error with "data" beside the message (taken), such as the current state of a 409. */
void reply_error_data(struct request *req, int status, struct json_object *data, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/*
 * Does an If-None-Match or If-Match header value (a list of entity tags,
 * strong or weak, or "*") hold a tag match() accepts? match gets each tag
 * without W/ and quotes (len bytes, not terminated). 0 for a NULL header.
 */
typedef int (*etag_match_fn)(const char *tag, size_t len, const void *ctx);
int req_etag_list_matches(const char *header, etag_match_fn match, const void *ctx);

/* ... whose tag is this revision in decimal ("7", W/"7"). */
int req_etag_matches(const char *header, long long revision);

/* {"status":"success","data":data}; takes ownership of data. */
void reply_data(struct request *req, int status, struct json_object *data);

/* {"status":"success","message":message[,"data":data]}; takes data (may be NULL). */
void reply_message(struct request *req, int status, const char *message, struct json_object *data);

/*
 * {"status":"success","data":<data_json>} with data_json a JSON text (copied),
 * for data already serialised, such as a cached snapshot.
 */
#define RAW_DATA_HEAD "{\"status\":\"success\",\"data\":"
#define RAW_DATA_TAIL "}"
void reply_raw_data(struct request *req, int status, const char *data_json);

/*
 * A 200 that is not JSON, such as an image: body (taken, malloc'd) of len
 * bytes with Content-Type type (a constant).
 */
void reply_file(struct request *req, const char *type, char *body, size_t len);

/*
 * Publish message (a JSON text, copied) to channel once the whole reply is
 * written; not for a request that ran out of memory.
 */
void reply_publish(struct request *req, const char *channel, const char *message);

#endif
