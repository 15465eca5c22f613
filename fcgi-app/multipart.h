/* multipart.h: a streaming multipart/form-data parser (RFC 7578 / RFC 2046) */
#ifndef QUEUED_MULTIPART_H
#define QUEUED_MULTIPART_H

#include <stddef.h>

struct multipart_part {
	char name[128];         /* form field name from Content-Disposition */
	char filename[256];     /* as the client sent it: never trusted as a path */
	char content_type[128]; /* as the client sent it: never trusted as a type */
};

struct multipart_callbacks {
	/* Each returns 0 to go on, non-zero to stop the parse with an error. */
	int (*on_part_begin)(void *ctx, const struct multipart_part *part);
	int (*on_part_data)(void *ctx, const struct multipart_part *part, const char *data, size_t len);
	int (*on_part_end)(void *ctx, const struct multipart_part *part);
};

struct multipart;

/*
 * The boundary parameter of a Content-Type header value, unquoted, into out.
 * Returns 0, or -1 when the header is not multipart/form-data with a valid
 * boundary (1 to 70 characters).
 */
int multipart_boundary(const char *content_type, char *out, size_t cap);

/* A parser for boundary; NULL when out of memory. Free with multipart_free. */
struct multipart *multipart_new(const char *boundary, const struct multipart_callbacks *cb, void *ctx);
void multipart_free(struct multipart *mp);

/*
 * Feed the next len bytes, split anywhere. Returns 0, or -1 once the input is
 * malformed or a callback refused (multipart_error says which); after -1 the
 * parser ignores further input.
 */
int multipart_feed(struct multipart *mp, const char *data, size_t len);

/* At the end of input: 0 when the closing boundary was seen, else -1. */
int multipart_finish(struct multipart *mp);

/* Why the parse failed, or NULL. */
const char *multipart_error(const struct multipart *mp);

#endif
