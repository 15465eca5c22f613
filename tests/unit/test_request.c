/*
 * test_request.c: a request whose memory runs out is answered 500, publishes
 * nothing, and the worker goes on to serve the next one. Linked with
 * -Wl,--wrap=malloc: the library's mallocs come here and fail on command.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "request.h"
#include "response.h"
#include "router.h"

static int malloc_fails; /* while set, every malloc of the library fails */

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

void *__wrap_malloc(size_t size)
{
	return malloc_fails ? NULL : __real_malloc(size);
}

static void append(void *ctx, const char *data, size_t len)
{
	char **text = ctx;
	size_t have = strlen(*text);

	*text = realloc(*text, have + len + 1);
	assert_non_null(*text);
	memcpy(*text + have, data, len);
	(*text)[have + len] = '\0';
}

/* req's answer as text; the caller frees it. */
static char *written(const struct request *req)
{
	char *text = calloc(1, 1);
	const struct response_out out = { append, &text };

	response_write(&out, req);
	return text;
}

static void assert_answered_500(const struct request *req)
{
	char *text = written(req);

	assert_true(strncmp(text, "Status: 500 Internal Server Error\r\n", 35) == 0);
	assert_non_null(strstr(text, "\r\n\r\n{\"status\":\"error\",\"message\":\"out of memory\"}"));
	free(text);
}

/* Every arena call still hands out memory of the size asked, and the request ends as a 500. */
static void test_arena_without_malloc(void **state)
{
	struct request req;
	char *p, *s;

	request_init(&req);
	req.method = "PUT";
	req.path = "/me/queue";
	reply_publish(&req, "users/1", "{\"revision\":2}"); /* taken before memory ran out */
	malloc_fails = 1;
	p = req_alloc(&req, 100000);
	assert_non_null(p);
	memset(p, 'x', 100000);
	s = req_strdup(&req, "a string");
	assert_string_equal(s, "a string");
	s = req_printf(&req, "%s:%d", "queue", 7);
	assert_string_equal(s, "queue:7");
	assert_non_null(req_alloc(&req, 500000)); /* a cover upload's buffer */
	reply_raw_data(&req, 200, "[1,2,3]");
	reply_publish(&req, "rooms/ABCDEF", "{}");
	malloc_fails = 0;

	assert_true(req.out_of_memory);
	assert_null(req.res.publish_channel); /* nothing published, not even what came before */
	assert_null(req.res.publish_message);
	assert_answered_500(&req);
	reply_data(&req, 200, json_object_new_object()); /* a handler going on regardless */
	assert_answered_500(&req);
	request_free(&req);

	/* The next request has memory again, and the reserve back. */
	request_init(&req);
	req.method = "GET";
	assert_non_null(req_alloc(&req, 100));
	reply_raw_data(&req, 200, "[]");
	assert_false(req.out_of_memory);
	char *text = written(&req);
	assert_true(strncmp(text, "Status: 200 OK\r\n", 16) == 0);
	free(text);
	request_free(&req);
}

struct fake_body {
	const char *data;
	size_t off;
};

static long fake_read(struct request *req, char *buf, size_t len)
{
	struct fake_body *b = req->io;
	size_t left = strlen(b->data) - b->off;

	if (len > left)
		len = left;
	memcpy(buf, b->data + b->off, len);
	b->off += len;
	return (long)len;
}

/* The dispatcher: no memory for the body means no handler, and a 500. */
static void test_dispatch_without_malloc(void **state)
{
	struct request req;
	struct fake_body body = { "{\"name\":\"x\"}", 0 };

	config_from_env();
	request_init(&req);
	req.method = "POST";
	req.path = "/guests";
	req.content_type = "application/json";
	req.content_length = (long)strlen(body.data);
	req.read_body = fake_read;
	req.io = &body;
	malloc_fails = 1;
	router_dispatch(&req);
	malloc_fails = 0;
	assert_true(req.out_of_memory);
	assert_null(req.json); /* the handler never ran on a body it could not have */
	assert_int_equal(body.off, strlen(body.data)); /* the body was drained all the same */
	assert_answered_500(&req);
	request_free(&req);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_arena_without_malloc),
		cmocka_unit_test(test_dispatch_without_malloc),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
