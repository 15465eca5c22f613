/* test_user_queue.c: the personal queue's state rules and actions, without I/O */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "request.h"
#include "user_queue.h"

static struct request req;

static int setup(void **state)
{
	request_init(&req);
	return 0;
}

static int teardown(void **state)
{
	request_free(&req);
	return 0;
}

/* State from a JSON text; fails the test when it does not parse. */
static void parse_ok(const char *text, struct uq_state *st)
{
	struct json_object *obj = json_tokener_parse(text);
	const char *why = NULL;

	assert_non_null(obj);
	if (uq_parse(&req, obj, 1000, st, &why) != 0)
		fail_msg("%s: %s", text, why);
	json_object_put(obj);
}

/* The ids joined by spaces, for compact assertions. */
static const char *joined(const struct uq_state *st)
{
	static char buf[4096];
	size_t len = 0;

	buf[0] = '\0';
	for (int i = 0; i < st->n; i++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s", i ? " " : "", st->ids[i]);
	return buf;
}

static void test_parse_refusals(void **state)
{
	static const struct {
		const char *text;
		const char *field; /* the 400 message names it */
	} bad[] = {
		{ "[]", "object" },
		{ "{\"currentIndex\":-1,\"currentTrackId\":null}", "trackIds" },
		{ "{\"trackIds\":[1],\"currentIndex\":0,\"currentTrackId\":1}", "trackIds" },
		{ "{\"trackIds\":[\"\"],\"currentIndex\":0,\"currentTrackId\":\"\"}", "trackIds" },
		{ "{\"trackIds\":[\"a\"],\"currentTrackId\":\"a\"}", "currentIndex" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":1,\"currentTrackId\":\"a\"}", "currentIndex" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":-2,\"currentTrackId\":null}", "currentIndex" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":\"0\",\"currentTrackId\":\"a\"}", "currentIndex" },
		{ "{\"trackIds\":[],\"currentIndex\":0,\"currentTrackId\":null}", "currentIndex" },
		{ "{\"trackIds\":[\"a\",\"b\"],\"currentIndex\":0,\"currentTrackId\":\"b\"}", "currentTrackId" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":-1,\"currentTrackId\":\"a\"}", "currentTrackId" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":0}", "currentTrackId" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":0,\"currentTrackId\":\"a\",\"shuffle\":1}", "shuffle" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":0,\"currentTrackId\":\"a\",\"repeatMode\":\"twice\"}", "repeatMode" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":0,\"currentTrackId\":\"a\",\"originalOrderIds\":\"a\"}", "originalOrderIds" },
		{ "{\"trackIds\":[\"a\"],\"currentIndex\":0,\"currentTrackId\":\"a\",\"volume\":3}", "volume" },
	};

	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct json_object *obj = json_tokener_parse(bad[i].text);
		struct uq_state st;
		const char *why = NULL;

		assert_int_equal(uq_parse(&req, obj, 1000, &st, &why), -1);
		assert_non_null(why);
		if (strstr(why, bad[i].field) == NULL)
			fail_msg("%s: \"%s\" does not name %s", bad[i].text, why, bad[i].field);
		json_object_put(obj);
	}
}

static void test_parse_limit_and_roundtrip(void **state)
{
	struct json_object *obj = json_tokener_parse(
		"{\"trackIds\":[\"a\",\"b\",\"a\"],\"currentIndex\":2,\"currentTrackId\":\"a\","
		"\"shuffle\":true,\"originalOrderIds\":[\"a\",\"a\",\"b\"],\"repeatMode\":\"all\"}");
	struct uq_state st;
	const char *why;

	assert_int_equal(uq_parse(&req, obj, 2, &st, &why), -1);
	assert_non_null(strstr(why, "trackIds"));
	assert_int_equal(uq_parse(&req, obj, 3, &st, &why), 0);
	struct json_object *out = uq_to_json(&st);
	assert_string_equal(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN),
			    "{\"trackIds\":[\"a\",\"b\",\"a\"],\"currentIndex\":2,\"currentTrackId\":\"a\","
			    "\"shuffle\":true,\"originalOrderIds\":[\"a\",\"a\",\"b\"],\"repeatMode\":\"all\"}");
	json_object_put(out);
	json_object_put(obj);
}

static void test_add_and_play_now(void **state)
{
	struct uq_state st;
	const char *why;
	const char *ab[] = { "a", "b" }, *c[] = { "c" };

	uq_empty(&st);
	assert_int_equal(uq_add(&req, &st, ab, 2, 0, 10, &why), 0);
	assert_string_equal(joined(&st), "a b");
	assert_int_equal(st.current, 0); /* the first added to an empty queue is current */
	assert_int_equal(uq_add(&req, &st, c, 1, 1, 10, &why), 0);
	assert_string_equal(joined(&st), "a c b");
	assert_int_equal(uq_add(&req, &st, ab, 2, 0, 10, &why), 0);
	assert_string_equal(joined(&st), "a c b a b"); /* duplicates kept */
	assert_int_equal(uq_play_now(&req, &st, "z", 10, &why), 0);
	assert_string_equal(joined(&st), "a z c b a b");
	assert_int_equal(st.current, 1);
	/* the limit counts what is there */
	assert_int_equal(uq_add(&req, &st, ab, 2, 0, 7, &why), -1);
	assert_non_null(strstr(why, "songIds"));
	assert_int_equal(uq_play_now(&req, &st, "q", 6, &why), -1);
	assert_string_equal(joined(&st), "a z c b a b");
}

static void test_shuffle_keeps_prefix_and_changes_rest(void **state)
{
	for (int round = 0; round < 200; round++) {
		struct uq_state st;
		char before[4096];

		parse_ok("{\"trackIds\":[\"h\",\"c\",\"a\",\"b\",\"a\"],\"currentIndex\":1,\"currentTrackId\":\"c\"}", &st);
		strcpy(before, joined(&st));
		uq_shuffle(&req, &st);
		assert_int_equal(st.shuffle, 1);
		assert_string_equal(st.ids[0], "h");
		assert_string_equal(st.ids[1], "c");
		assert_int_equal(st.current, 1);
		assert_int_equal(st.n, 5);
		assert_string_not_equal(joined(&st), before);
		/* the same multiset */
		int a = 0, b = 0;
		for (int i = 2; i < 5; i++) {
			a += strcmp(st.ids[i], "a") == 0;
			b += strcmp(st.ids[i], "b") == 0;
		}
		assert_int_equal(a, 2);
		assert_int_equal(b, 1);
		assert_int_equal(st.norig, 5);
		uq_unshuffle(&req, &st);
		assert_string_equal(joined(&st), before);
		assert_int_equal(st.shuffle, 0);
		assert_int_equal(st.norig, 0);
	}
}

static void test_shuffle_nothing_to_change(void **state)
{
	struct uq_state st;

	parse_ok("{\"trackIds\":[\"x\",\"a\",\"a\"],\"currentIndex\":0,\"currentTrackId\":\"x\"}", &st);
	uq_shuffle(&req, &st);
	assert_string_equal(joined(&st), "x a a");
	assert_int_equal(st.shuffle, 1);
}

static void test_unshuffle_after_changes(void **state)
{
	struct uq_state st;
	const char *why, *d[] = { "d" };

	parse_ok("{\"trackIds\":[\"a\",\"b\",\"c\",\"e\"],\"currentIndex\":0,\"currentTrackId\":\"a\"}", &st);
	uq_shuffle(&req, &st);
	uq_shuffle(&req, &st); /* a second shuffle keeps the first original order */
	assert_int_equal(uq_add(&req, &st, d, 1, 0, 10, &why), 0);
	uq_next(&st); /* moved on: the new current stays current */
	const char *now = st.ids[st.current];
	uq_unshuffle(&req, &st);
	assert_string_equal(st.ids[1], now);
	assert_int_equal(st.current, 1);
	assert_string_equal(st.ids[st.n - 1], "d"); /* added since: last */
	/* the rest of up next in the old order */
	int last = -1;
	for (int i = 2; i < st.n - 1; i++) {
		int rank = strcmp(st.ids[i], "b") == 0 ? 1 : strcmp(st.ids[i], "c") == 0 ? 2 : 3;
		assert_true(rank > last);
		last = rank;
	}
}

static void test_next_previous_repeat(void **state)
{
	struct uq_state st;

	parse_ok("{\"trackIds\":[\"a\",\"b\",\"c\"],\"currentIndex\":1,\"currentTrackId\":\"b\"}", &st);
	st.repeat = UQ_REPEAT_ONE;
	uq_next(&st);
	assert_int_equal(st.current, 1);
	uq_previous(&st);
	assert_int_equal(st.current, 1);

	st.repeat = UQ_REPEAT_ALL;
	uq_next(&st);
	uq_next(&st);
	assert_int_equal(st.current, 0); /* wrapped */
	uq_previous(&st);
	assert_int_equal(st.current, 2); /* wrapped back */

	st.repeat = UQ_REPEAT_NONE;
	uq_next(&st);
	assert_int_equal(st.current, -1); /* past the end: nothing plays */
	uq_previous(&st);
	assert_int_equal(st.current, 2);
	st.current = 0;
	uq_previous(&st);
	assert_int_equal(st.current, 0); /* stays on the first */
	st.current = -1;
	uq_next(&st);
	assert_int_equal(st.current, 0);

	uq_empty(&st);
	uq_next(&st);
	assert_int_equal(st.current, -1);
	uq_previous(&st);
	assert_int_equal(st.current, -1);
}

static void test_remove_move_clear(void **state)
{
	struct uq_state st;
	const char *why;

	parse_ok("{\"trackIds\":[\"a\",\"b\",\"c\",\"d\",\"e\"],\"currentIndex\":1,\"currentTrackId\":\"b\"}", &st);
	assert_int_equal(uq_remove(&st, 1, &why), -1);
	assert_non_null(strstr(why, "current"));
	assert_int_equal(uq_remove(&st, 5, &why), -1);
	assert_int_equal(uq_remove(&st, 0, &why), 0);
	assert_string_equal(joined(&st), "b c d e");
	assert_int_equal(st.current, 0);
	assert_int_equal(uq_move(&st, 3, 1, &why), 0);
	assert_string_equal(joined(&st), "b e c d");
	assert_int_equal(uq_move(&st, 1, 3, &why), 0);
	assert_string_equal(joined(&st), "b c d e");
	assert_int_equal(uq_move(&st, 0, 2, &why), -1);
	assert_non_null(strstr(why, "from"));
	assert_int_equal(uq_move(&st, 2, 0, &why), -1);
	assert_non_null(strstr(why, "to"));
	assert_int_equal(uq_move(&st, 2, 4, &why), -1);
	uq_clear_upcoming(&st);
	assert_string_equal(joined(&st), "b");
	assert_int_equal(st.current, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_parse_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parse_limit_and_roundtrip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_add_and_play_now, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shuffle_keeps_prefix_and_changes_rest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shuffle_nothing_to_change, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unshuffle_after_changes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_next_previous_repeat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_remove_move_clear, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
