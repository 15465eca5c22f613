/* test_jsonutil.c: strict parsing and typed getters */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "jsonutil.h"
#include "request.h"

static const struct {
	const char *text;
	int ok;
} parse_cases[] = {
	{ "{}", 1 },
	{ "{\"a\":1}  \n", 1 },
	{ "{\"a\":1} {}", 0 },
	{ "{\"a\":1", 0 },
	{ "{'a':1}", 0 },
	{ "{\"a\":1,}", 0 },
	{ "", 0 },
	{ "nul", 0 },
	{ "[1,2]", 1 },
};

static void test_parse(void **state)
{
	for (size_t i = 0; i < sizeof parse_cases / sizeof parse_cases[0]; i++) {
		const char *why = NULL;
		struct json_object *v = parse_json_strict(parse_cases[i].text,
							  strlen(parse_cases[i].text), &why);

		if (parse_cases[i].ok) {
			assert_non_null(v);
		} else {
			assert_null(v);
			assert_non_null(why);
		}
		json_object_put(v);
	}
}

static void test_getters(void **state)
{
	const char *why;
	static const char text[] =
		"{\"s\":\"h\\u00e9llo\",\"n\":5,\"f\":1.5,\"b\":true,"
		"\"o\":{},\"z\":null,\"e\":\"\",\"nul\":\"a\\u0000b\"}";
	struct json_object *o = parse_json_strict(text, strlen(text), &why);
	struct request req;
	const char *s;
	int64_t n;
	int present;

	assert_non_null(o);
	request_init(&req);
	assert_int_equal(field_string_or_reply(&req, o, "s", 1, 5, &s), 0);
	assert_string_equal(s, "h\xc3\xa9llo");
	assert_int_equal(field_string_or_reply(&req, o, "s", 1, 4, &s), -1);
	assert_int_equal(req.res.status, 400);
	assert_int_equal(field_string_or_reply(&req, o, "n", 1, 4, &s), -1);
	assert_int_equal(field_string_or_reply(&req, o, "o", 1, 4, &s), -1);
	assert_int_equal(field_string_or_reply(&req, o, "missing", 1, 4, &s), -1);
	assert_int_equal(field_string_or_reply(&req, o, "z", 1, 4, &s), -1);
	assert_int_equal(field_string_or_reply(&req, o, "e", 1, 4, &s), -1);
	assert_int_equal(field_string_or_reply(&req, o, "nul", 1, 4, &s), -1);
	assert_int_equal(field_opt_string_or_reply(&req, o, "missing", 1, 4, &s), 0);
	assert_null(s);
	assert_int_equal(field_int_or_reply(&req, o, "n", -1, 5, &n), 0);
	assert_int_equal(n, 5);
	assert_int_equal(field_int_or_reply(&req, o, "n", -1, 4, &n), -1);
	assert_int_equal(field_int_or_reply(&req, o, "f", -10, 10, &n), -1);
	assert_int_equal(field_int_or_reply(&req, o, "b", -10, 10, &n), -1);
	assert_int_equal(field_int_or_reply(&req, o, "s", -10, 10, &n), -1);
	assert_int_equal(field_opt_int_or_reply(&req, o, "z", -10, 10, &n, &present), 0);
	assert_int_equal(present, 0);
	request_free(&req);
	json_object_put(o);
}

static void test_utf8(void **state)
{
	assert_int_equal(utf8_length("abc"), 3);
	assert_int_equal(utf8_length("\xc3\xa9"), 1);
	assert_int_equal(utf8_length("\xf0\x9f\x8e\xb5"), 1);
	assert_int_equal(utf8_length("\xc3"), (size_t)-1);
	assert_int_equal(utf8_length("\xff"), (size_t)-1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_getters),
		cmocka_unit_test(test_utf8),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
