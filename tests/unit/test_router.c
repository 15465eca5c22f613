/* test_router.c: path patterns and the dispatcher's guards, in order */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "request.h"
#include "router.h"
#include "snapshot.h"

static const struct {
	const char *pattern, *path;
	int match;
	const char *p0, *p1;
} cases[] = {
	{ "/songs", "/songs", 1, NULL, NULL },
	{ "/songs", "/songs/", 1, NULL, NULL },
	{ "/songs", "/song", 0, NULL, NULL },
	{ "/songs", "/songsx", 0, NULL, NULL },
	{ "/songs", "/songs/x", 0, NULL, NULL },
	{ "/songs", "/", 0, NULL, NULL },
	{ "/rooms/:code", "/rooms/ABC234", 1, "ABC234", NULL },
	{ "/rooms/:code", "/rooms/", 0, NULL, NULL },
	{ "/rooms/:code", "/rooms//", 0, NULL, NULL },
	{ "/rooms/:code/queue", "/rooms/ABC234/queue", 1, "ABC234", NULL },
	{ "/rooms/:code/queue", "/rooms//queue", 0, NULL, NULL },
	{ "/rooms/:code/queue/:entryId/vote", "/rooms/X/queue/17/vote", 1, "X", "17" },
	{ "/rooms/:code/queue/:entryId/vote", "/rooms/X/queue/17", 0, NULL, NULL },
	{ "/rooms/:code/queue/:entryId/vote", "/rooms/X/queue/17/vote/more", 0, NULL, NULL },
};

static void test_patterns(void **state)
{
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char buf[128];
		const char *params[REQUEST_MAX_PARAMS];
		int n = -1;
		int m = route_match(cases[i].pattern, cases[i].path, buf, params, REQUEST_MAX_PARAMS, &n);

		assert_int_equal(m, cases[i].match);
		if (m && cases[i].p0) {
			assert_string_equal(params[0], cases[i].p0);
		}
		if (m && cases[i].p1) {
			assert_string_equal(params[1], cases[i].p1);
		}
	}
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

/* Dispatch a request that must be refused before any handler (and database) runs. */
static int dispatch(const char *method, const char *path, const char *auth,
		    const char *ctype, const char *body, struct request *req)
{
	static struct fake_body fb;

	request_init(req);
	req->method = method;
	req->path = path;
	req->authorization = auth;
	req->content_type = ctype;
	fb.data = body ? body : "";
	fb.off = 0;
	req->content_length = body ? (long)strlen(body) : -1;
	req->read_body = fake_read;
	req->io = &fb;
	router_dispatch(req);
	return req->res.status;
}

static const char *message_of(struct request *req)
{
	struct json_object *v;

	assert_non_null(req->res.body);
	assert_true(json_object_object_get_ex(req->res.body, "status", &v));
	assert_string_equal(json_object_get_string(v), "fail");
	assert_true(json_object_object_get_ex(req->res.body, "message", &v));
	return json_object_get_string(v);
}

static void test_guards(void **state)
{
	struct request req;

	config_from_env();
	config.access_token_key = "unit-test-access-key-0123456789";
	config.max_body = 64;

	assert_int_equal(dispatch("GET", "/nothing-here", NULL, NULL, NULL, &req), 404);
	assert_true(strlen(message_of(&req)) > 0);
	request_free(&req);

	assert_int_equal(dispatch("DELETE", "/songs", NULL, NULL, NULL, &req), 405);
	assert_string_equal(req.res.allow, "POST, GET");
	request_free(&req);

	/* 401 comes before the body is looked at. */
	assert_int_equal(dispatch("POST", "/rooms", NULL, "application/json", "{", &req), 401);
	request_free(&req);
	assert_int_equal(dispatch("POST", "/rooms", "Bearer a.b.c", "application/json", "{}", &req), 401);
	request_free(&req);

	assert_int_equal(dispatch("POST", "/guests", NULL, "application/json",
				  "{\"name\":\"0123456789012345678901234567890123456789012345678901234567890123456789\"}", &req), 413);
	request_free(&req);
	assert_int_equal(dispatch("POST", "/guests", NULL, "text/plain", "{}", &req), 415);
	request_free(&req);
	assert_int_equal(dispatch("POST", "/guests", NULL, "application/json", "{\"name\":", &req), 400);
	request_free(&req);
	assert_int_equal(dispatch("POST", "/guests", NULL, "application/json", "[1]", &req), 400);
	request_free(&req);
	assert_int_equal(dispatch("POST", "/guests", NULL, NULL, NULL, &req), 400);
	request_free(&req);
	/* Typed fields: reached the handler, which refuses before touching the database. */
	assert_int_equal(dispatch("POST", "/guests", NULL, "application/json", "{\"name\":5}", &req), 400);
	assert_string_equal(message_of(&req), "\"name\" must be a string");
	request_free(&req);
}

static void test_etags(void **state)
{
	assert_true(req_etag_matches("\"7\"", 7));
	assert_true(req_etag_matches("W/\"7\"", 7));
	assert_true(req_etag_matches("\"8\", \"7\"", 7));
	assert_true(req_etag_matches("*", 7));
	assert_false(req_etag_matches("\"17\"", 7));
	assert_false(req_etag_matches("\"7-1\"", 7));
	assert_false(req_etag_matches(NULL, 7));
	/* A room queue: "<revision>" or the ETag "<hex revision>-<hex length>" of either form. */
	assert_true(snapshot_etag_matches("\"a-1f\"", 10));
	assert_true(snapshot_etag_matches("W/\"a-33\"", 10));
	assert_true(snapshot_etag_matches("\"10\"", 10));
	assert_true(snapshot_etag_matches("\"9\", \"a-2\"", 10));
	assert_false(snapshot_etag_matches("\"b-1f\"", 10));
	assert_false(snapshot_etag_matches("\"a\"", 10));
	assert_false(snapshot_etag_matches("\"a-\"", 10));
	char etag[32];
	snapshot_etag(etag, sizeof etag, 10, 31);
	assert_string_equal(etag, "a-1f");
}

static void test_canonical_paths(void **state)
{
	static const char *const good[] = {
		"/", "/albums/1", "/albums/1/", "/songs?title=..", "/songs?x=a//b", "/.well-known/x",
		"/a.b/c..d", "/rooms/ABCDEF/queue", "/songs/%41", NULL,
	};
	static const char *const bad[] = {
		"//albums", "/albums//1", "/albums/1/covers/..", "/albums/1/covers/../", "/albums/./1",
		"/albums/1/.", "/a/%2e%2e/b", "/a/%2E%2e", "/albums%2f1", "/albums%2F1", "/a%5cb", "/a\\b",
		"/albums/1/covers/..?x=1", "/..", NULL,
	};

	assert_true(route_path_is_canonical(NULL));
	for (int i = 0; good[i] != NULL; i++)
		if (!route_path_is_canonical(good[i]))
			fail_msg("%s should be canonical", good[i]);
	for (int i = 0; bad[i] != NULL; i++)
		if (route_path_is_canonical(bad[i]))
			fail_msg("%s should be refused", bad[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_patterns),
		cmocka_unit_test(test_guards),
		cmocka_unit_test(test_canonical_paths),
		cmocka_unit_test(test_etags),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
