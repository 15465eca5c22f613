/* test_multipart.c: the multipart parser on the awkward cases, fed in every split */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "multipart.h"

struct collected {
	int parts;
	char names[4][128];
	char filenames[4][256];
	char types[4][128];
	char data[4][256];
	size_t len[4];
	int ended[4];
};

static int begin(void *ctx, const struct multipart_part *p)
{
	struct collected *c = ctx;

	if (c->parts >= 4)
		return -1;
	snprintf(c->names[c->parts], sizeof c->names[0], "%s", p->name);
	snprintf(c->filenames[c->parts], sizeof c->filenames[0], "%s", p->filename);
	snprintf(c->types[c->parts], sizeof c->types[0], "%s", p->content_type);
	c->parts++;
	return 0;
}

static int data(void *ctx, const struct multipart_part *p, const char *d, size_t n)
{
	struct collected *c = ctx;
	int i = c->parts - 1;

	if (c->len[i] + n > sizeof c->data[i])
		return -1;
	memcpy(c->data[i] + c->len[i], d, n);
	c->len[i] += n;
	return 0;
}

static int end(void *ctx, const struct multipart_part *p)
{
	struct collected *c = ctx;

	c->ended[c->parts - 1] = 1;
	return 0;
}

static const struct multipart_callbacks cbs = { begin, data, end };

/* Parse body cut at every pair of positions; the outcome must never depend on the cuts. */
static int parse_all_splits(const char *boundary, const char *body, size_t len, struct collected *out)
{
	int result = -2;

	for (size_t a = 0; a <= len; a++) {
		for (size_t b = a; b <= len; b += (len > 64 ? 7 : 1)) {
			struct collected c;
			struct multipart *mp;
			int rc;

			memset(&c, 0, sizeof c);
			mp = multipart_new(boundary, &cbs, &c);
			assert_non_null(mp);
			rc = multipart_feed(mp, body, a);
			if (rc == 0)
				rc = multipart_feed(mp, body + a, b - a);
			if (rc == 0)
				rc = multipart_feed(mp, body + b, len - b);
			if (rc == 0)
				rc = multipart_finish(mp);
			multipart_free(mp);
			if (result == -2) {
				result = rc;
				*out = c;
			} else {
				assert_int_equal(rc, result);
				if (rc == 0)
					assert_memory_equal(&c, out, sizeof c);
			}
		}
	}
	return result;
}

#define BODY(s) s, sizeof(s) - 1

static void test_two_parts(void **state)
{
	struct collected c;
	static const char body[] =
		"preamble to ignore\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"title\"\r\n"
		"\r\n"
		"hello\r\n"
		"--XyZ\r\n"
		"Content-Disposition: form-data; name=\"cover\"; filename=\"../../x.jpg\"\r\n"
		"Content-Type: image/jpeg\r\n"
		"\r\n"
		"ab\r\ncd\r\n--Xy\r\n--XyY\r\n--XY\r\nend\r\n"
		"--XyZ--\r\n"
		"epilogue\r\n";

	assert_int_equal(parse_all_splits("XyZ", BODY(body), &c), 0);
	assert_int_equal(c.parts, 2);
	assert_string_equal(c.names[0], "title");
	assert_int_equal(c.len[0], 5);
	assert_memory_equal(c.data[0], "hello", 5);
	assert_string_equal(c.names[1], "cover");
	assert_string_equal(c.filenames[1], "../../x.jpg");
	assert_string_equal(c.types[1], "image/jpeg");
	/* CRLF inside the data, and things that look almost like the boundary, are data. */
	static const char want[] = "ab\r\ncd\r\n--Xy\r\n--XyY\r\n--XY\r\nend";
	assert_int_equal(c.len[1], sizeof want - 1);
	assert_memory_equal(c.data[1], want, sizeof want - 1);
	assert_int_equal(c.ended[0] + c.ended[1], 2);
}

static void test_first_line_boundary_and_binary(void **state)
{
	struct collected c;
	static const char body[] =
		"--b\r\n"
		"content-disposition: form-data; name=cover; filename=a.png\r\n"
		"\r\n"
		"\x89PNG\0\r\n\x1a\n\r\r\n-\r\n--\r\n"
		"--b--";

	assert_int_equal(parse_all_splits("b", BODY(body), &c), 0);
	assert_int_equal(c.parts, 1);
	assert_string_equal(c.filenames[0], "a.png");
	assert_int_equal(c.len[0], 17);
	assert_memory_equal(c.data[0], "\x89PNG\0\r\n\x1a\n\r\r\n-\r\n--", 17);
}

static void test_missing_final_boundary(void **state)
{
	struct collected c;
	static const char body[] =
		"--b\r\nContent-Disposition: form-data; name=\"cover\"\r\n\r\ndata\r\n--b\r\n";
	static const char truncated[] =
		"--b\r\nContent-Disposition: form-data; name=\"cover\"\r\n\r\ndata";

	assert_int_equal(parse_all_splits("b", BODY(body), &c), -1);
	assert_int_equal(parse_all_splits("b", BODY(truncated), &c), -1);
}

static void test_no_parts_and_garbage(void **state)
{
	struct collected c;

	assert_int_equal(parse_all_splits("b", BODY("--b--\r\n"), &c), 0);
	assert_int_equal(c.parts, 0);
	assert_int_equal(parse_all_splits("b", BODY(""), &c), -1);
	assert_int_equal(parse_all_splits("b", BODY("no boundary at all"), &c), -1);
	assert_int_equal(parse_all_splits("b", BODY("--bX\r\n"), &c), -1);
	assert_int_equal(parse_all_splits("b", BODY("--b\r\nno colon here\r\n\r\nx\r\n--b--"), &c), -1);
	assert_int_equal(parse_all_splits("b", BODY("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--"), &c), -1);
	assert_int_equal(parse_all_splits("b", BODY("--b\r\nContent-Disposition: attachment; name=x\r\n\r\nx\r\n--b--"), &c), -1);
}

static void test_boundary_header(void **state)
{
	char b[80];

	assert_int_equal(multipart_boundary("multipart/form-data; boundary=abc", b, sizeof b), 0);
	assert_string_equal(b, "abc");
	assert_int_equal(multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"a b;c\"", b, sizeof b), 0);
	assert_string_equal(b, "a b;c");
	assert_int_equal(multipart_boundary("multipart/form-data", b, sizeof b), -1);
	assert_int_equal(multipart_boundary("application/json; boundary=x", b, sizeof b), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=", b, sizeof b), -1);
	assert_int_equal(multipart_boundary("multipart/form-data; boundary=\"unterminated", b, sizeof b), -1);
	assert_int_equal(multipart_boundary(NULL, b, sizeof b), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_two_parts),
		cmocka_unit_test(test_first_line_boundary_and_binary),
		cmocka_unit_test(test_missing_final_boundary),
		cmocka_unit_test(test_no_parts_and_garbage),
		cmocka_unit_test(test_boundary_header),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
