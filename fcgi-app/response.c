/* response.c: a struct response written out as CGI expects it: status line, headers, body */
#include "response.h"
#include "log.h"
#include "metrics.h"
#include "request.h"
#include "router.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* What a request that ran out of memory answers: nothing in it needs memory to write. */
#define OUT_OF_MEMORY_BODY "{\"status\":\"error\",\"message\":\"out of memory\"}"

const char *response_status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Payload Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Unknown";
	}
}

static void put(const struct response_out *out, const char *s)
{
	out->write(out->ctx, s, strlen(s));
}

/* "Name: value\r\n"; CR and LF in the value are written as spaces. */
static void header(const struct response_out *out, const char *name, const char *value)
{
	put(out, name);
	put(out, ": ");
	while (*value != '\0') {
		size_t n = strcspn(value, "\r\n");

		out->write(out->ctx, value, n);
		value += n;
		if (*value != '\0') {
			put(out, " ");
			value++;
		}
	}
	put(out, "\r\n");
}

static void header_number(const struct response_out *out, const char *name, long long value)
{
	char text[24];

	snprintf(text, sizeof text, "%lld", value);
	header(out, name, text);
}

static void status_line(const struct response_out *out, int status)
{
	char line[64];

	snprintf(line, sizeof line, "Status: %d %s\r\n", status, response_status_text(status));
	put(out, line);
}

/* Content-Type, Content-Length, the blank line, and the body unless this is HEAD. */
static void content(const struct response_out *out, const struct request *req, const char *type,
		 const char *const *parts, const size_t *lens, int nparts)
{
	size_t total = 0;

	for (int i = 0; i < nparts; i++)
		total += lens[i];
	header(out, "Content-Type", type);
	header_number(out, "Content-Length", (long long)total);
	put(out, "\r\n");
	if (req->method != NULL && strcmp(req->method, "HEAD") == 0)
		return;
	for (int i = 0; i < nparts; i++)
		out->write(out->ctx, parts[i], lens[i]);
}

static void write_out_of_memory(const struct response_out *out, const struct request *req)
{
	const char *part = OUT_OF_MEMORY_BODY;
	size_t len = strlen(part);

	status_line(out, 500);
	header(out, "Cache-Control", "no-store");
	if (req->id[0] != '\0')
		header(out, "X-Request-Id", req->id);
	content(out, req, "application/json; charset=utf-8", &part, &len, 1);
}

/* Every header but the body's own, in the order clients have always seen them. */
static void headers(const struct response_out *out, const struct request *req)
{
	const struct response *res = &req->res;

	status_line(out, res->status);
	if (res->etag[0] != '\0') {
		char quoted[sizeof res->etag + 2];

		snprintf(quoted, sizeof quoted, "\"%s\"", res->etag);
		header(out, "ETag", quoted);
	}
	header(out, "Cache-Control", res->etag[0] != '\0' ? "no-cache" : "no-store");
	if (res->data_source != NULL)
		header(out, "X-Data-Source", res->data_source);
	if (res->allow != NULL)
		header(out, "Allow", res->allow);
	if (res->preference_applied != NULL)
		header(out, "Preference-Applied", res->preference_applied);
	if (res->accel_redirect != NULL)
		header(out, "X-Accel-Redirect", res->accel_redirect);
	if (res->retry_after > 0)
		header_number(out, "Retry-After", res->retry_after);
	/* nginx's $request_id: the client can quote it, and it is on every log line of the request. */
	if (req->id[0] != '\0')
		header(out, "X-Request-Id", req->id);
	if (res->status == 200 || res->status == 304) {
		/* Server time for progress bars: startedAt is on this clock. */
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		header_number(out, "X-Server-Time", (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
	}
}

/* The answer on out; returns the status it carries. */
static int write_answer(const struct response_out *out, const struct request *req)
{
	const struct response *res = &req->res;
	const char *parts[3] = { NULL };
	size_t lens[3] = { 0 };
	int nparts = 0;

	if (res->raw_data != NULL) {
		parts[0] = RAW_DATA_HEAD, parts[1] = res->raw_data, parts[2] = RAW_DATA_TAIL;
		nparts = 3;
	} else if (res->body != NULL && res->status != 304) {
		parts[0] = json_object_to_json_string_ext(res->body, JSON_C_TO_STRING_PLAIN |
							  JSON_C_TO_STRING_NOSLASHESCAPE);
		nparts = 1;
	}
	for (int i = 0; i < nparts; i++)
		lens[i] = parts[i] != NULL ? strlen(parts[i]) : 0;
	if (req->out_of_memory || (nparts == 1 && parts[0] == NULL)) {
		write_out_of_memory(out, req);
		return 500;
	}
	headers(out, req);
	if (res->status == 304)
		put(out, "\r\n");
	else if (res->file_body != NULL)
		content(out, req, res->file_type, (const char *const *)&res->file_body, &res->file_len, 1);
	else
		content(out, req, "application/json; charset=utf-8", parts, lens, nparts);
	return res->status;
}

/*
 * The request is answered: its one log line (the log's prefix carries its
 * id) and its counters. By route pattern, never the raw path: paths carry
 * ids, and a label per id would grow without end.
 */
static void request_done(const struct request *req, int status)
{
	struct timespec now;
	long long micros;
	const char *route = req->route >= 0 && (size_t)req->route < routes_count ? routes[req->route].pattern : "-";

	clock_gettime(CLOCK_MONOTONIC, &now);
	micros = (long long)(now.tv_sec - req->started.tv_sec) * 1000000 +
		 (now.tv_nsec - req->started.tv_nsec) / 1000;
	metrics_request(req->route, status, micros);
	log_info("method=%s route=%s status=%d ms=%.3f", req->method ? req->method : "-", route, status,
		 (double)micros / 1000.0);
}

void response_write(const struct response_out *out, const struct request *req)
{
	request_done(req, write_answer(out, req));
}
