/* test_response.c: the response writer: status line, every header whole and in order, one end of the headers, the body */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "response.h"

struct buffer {
	char *data;
	size_t len;
};

static void append(void *ctx, const char *data, size_t len)
{
	struct buffer *b = ctx;

	b->data = realloc(b->data, b->len + len + 1);
	assert_non_null(b->data);
	memcpy(b->data + b->len, data, len);
	b->len += len;
	b->data[b->len] = '\0';
}

/* req's answer as text; the caller frees it. */
static char *written(const struct request *req)
{
	struct buffer b = { calloc(1, 1), 0 };
	const struct response_out out = { append, &b };

	response_write(&out, req);
	return b.data;
}

/* The headers end exactly once, and body is what follows them. */
static const char *body_of(const char *text)
{
	const char *end = strstr(text, "\r\n\r\n");

	assert_non_null(end);
	return end + 4;
}

static int count(const char *text, const char *what)
{
	int n = 0;

	for (const char *p = text; (p = strstr(p, what)) != NULL; p += strlen(what))
		n++;
	return n;
}

static void test_json(void **state)
{
	struct request req;
	char *text, length[64];
	const char *body;

	request_init(&req);
	req.method = "GET";
	reply_data(&req, 200, json_object_new_string("a/b"));
	text = written(&req);
	assert_true(strncmp(text, "Status: 200 OK\r\nCache-Control: no-store\r\nX-Server-Time: ", 56) == 0);
	assert_non_null(strstr(text, "\r\nContent-Type: application/json; charset=utf-8\r\n"));
	body = body_of(text);
	assert_string_equal(body, "{\"status\":\"success\",\"data\":\"a/b\"}");
	snprintf(length, sizeof length, "\r\nContent-Length: %zu\r\n\r\n", strlen(body));
	assert_non_null(strstr(text, length));
	free(text);

	/* HEAD: the same headers, no body. */
	req.method = "HEAD";
	text = written(&req);
	assert_string_equal(body_of(text), "");
	assert_non_null(strstr(text, length));
	free(text);
	request_free(&req);
}

/* A header longer than any buffer is written whole, every other header still there, the headers ended once. */
static void test_long_headers(void **state)
{
	struct request req;
	char *long_value = malloc(5000), *text, *line = malloc(6000);

	memset(long_value, 'x', 4999);
	long_value[0] = '/';
	long_value[4999] = '\0';
	request_init(&req);
	req.method = "GET";
	reply_error(&req, 405, "no");
	snprintf(req.res.etag, sizeof req.res.etag, "%s", "1234567890123456789012345678901");
	req.res.data_source = long_value;
	req.res.allow = long_value;
	req.res.preference_applied = long_value;
	req.res.accel_redirect = long_value;
	req.res.retry_after = 7;
	text = written(&req);

	assert_true(strncmp(text, "Status: 405 Method Not Allowed\r\n", 32) == 0);
	assert_non_null(strstr(text, "\r\nETag: \"1234567890123456789012345678901\"\r\nCache-Control: no-cache\r\n"));
	static const char *const names[] = { "X-Data-Source", "Allow", "Preference-Applied", "X-Accel-Redirect" };
	const char *prev = text;
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
		snprintf(line, 6000, "\r\n%s: %s\r\n", names[i], long_value);
		const char *at = strstr(text, line);
		assert_non_null(at);
		assert_true(at > prev); /* in the order clients have always seen */
		prev = at;
	}
	assert_non_null(strstr(text, "\r\nRetry-After: 7\r\n"));
	assert_null(strstr(text, "X-Server-Time")); /* only on 200 and 304 */
	assert_int_equal(count(text, "\r\n\r\n"), 1);
	assert_true(strstr(text, "\r\nContent-Length: ") < strstr(text, "\r\n\r\n"));
	assert_true(strncmp(body_of(text), "{\"status\":\"fail\",\"message\":\"no\"}", 31) == 0);
	free(text);
	request_free(&req);
	free(long_value);
	free(line);
}

/* A value carrying CR or LF cannot end the headers or add one. */
static void test_header_injection(void **state)
{
	struct request req;
	char *text;

	request_init(&req);
	req.method = "GET";
	reply_data(&req, 200, NULL);
	req.res.accel_redirect = "/_sub/users/x\r\n\r\nSet-Cookie: a=b";
	text = written(&req);
	assert_non_null(strstr(text, "\r\nX-Accel-Redirect: /_sub/users/x    Set-Cookie: a=b\r\n"));
	assert_null(strstr(text, "\r\nSet-Cookie"));
	assert_int_equal(count(text, "\r\n\r\n"), 1);
	free(text);
	request_free(&req);
}

static void test_not_modified_raw_and_file(void **state)
{
	struct request req;
	char *text;

	request_init(&req);
	req.method = "GET";
	reply_raw_data(&req, 304, "[1,2]");
	strcpy(req.res.etag, "7");
	text = written(&req);
	assert_true(strncmp(text, "Status: 304 Not Modified\r\nETag: \"7\"\r\nCache-Control: no-cache\r\n", 62) == 0);
	assert_null(strstr(text, "Content-"));
	assert_string_equal(body_of(text), "");
	free(text);

	reply_raw_data(&req, 200, "[1,2]");
	req.res.etag[0] = '\0';
	text = written(&req);
	assert_string_equal(body_of(text), RAW_DATA_HEAD "[1,2]" RAW_DATA_TAIL);
	assert_non_null(strstr(text, "\r\nContent-Length: 33\r\n"));
	free(text);

	char *png = malloc(9);
	memcpy(png, "PNG\0bytes", 9);
	reply_file(&req, "image/png", png, 9);
	text = written(&req);
	assert_non_null(strstr(text, "\r\nContent-Type: image/png\r\nContent-Length: 9\r\n\r\n"));
	assert_memory_equal(body_of(text), "PNG\0bytes", 9);
	free(text);
	request_free(&req);
}

/* Every status the handlers, the router and the data layer send has its reason phrase. */
static void test_status_texts(void **state)
{
	static const int sent[] = { 200, 201, 202, 204, 304, 400, 401, 403, 404, 405, 409, 410, 412, 413,
				    415, 422, 428, 429, 500, 502, 503, 504 };

	for (size_t i = 0; i < sizeof sent / sizeof sent[0]; i++)
		if (strcmp(response_status_text(sent[i]), "Unknown") == 0)
			fail_msg("status %d has no reason phrase", sent[i]);
	assert_string_equal(response_status_text(502), "Bad Gateway");
	assert_string_equal(response_status_text(299), "Unknown");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_json),
		cmocka_unit_test(test_long_headers),
		cmocka_unit_test(test_header_injection),
		cmocka_unit_test(test_not_modified_raw_and_file),
		cmocka_unit_test(test_status_texts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
