/* response.h: a struct response written out as CGI expects it: status line, headers, body */
#ifndef QUEUED_RESPONSE_H
#define QUEUED_RESPONSE_H

#include <stddef.h>

struct request;

/* Where the answer goes: the FastCGI output stream in a worker, a buffer in a test. */
struct response_out {
	/* Write all of len bytes; what it returns is not looked at (a gone client is FastCGI's to notice). */
	void (*write)(void *ctx, const char *data, size_t len);
	void *ctx;
};

/* The reason phrase of an HTTP status ("Not Found"); "Unknown" for one the API never sends. */
const char *response_status_text(int status);

/*
 * Write req's answer: "Status:", each header on its own (no length limit,
 * so none is ever cut or dropped; CR and LF in a value become spaces, so a
 * value cannot end the headers), the blank line, then the body unless the
 * method is HEAD or the status 304. A request that ran out of memory is
 * answered with a fixed 500 instead of whatever it replied. Every answer
 * carries X-Request-Id (req->id). Then the request is accounted for: one
 * info log line (method, route pattern, status, duration since
 * request_init) and its counters (metrics.h).
 */
void response_write(const struct response_out *out, const struct request *req);

#endif
