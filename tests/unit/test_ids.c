/* test_ids.c: random ids and room codes */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <string.h>

#include "ids.h"

static void test_room_codes(void **state)
{
	char code[ROOM_CODE_LEN + 1], again[ROOM_CODE_LEN + 1];

	assert_true(sodium_init() >= 0);
	for (int i = 0; i < 1000; i++) {
		ids_room_code(code);
		assert_int_equal(strlen(code), ROOM_CODE_LEN);
		assert_int_equal(strspn(code, ROOM_CODE_ALPHABET), ROOM_CODE_LEN);
		assert_int_equal(ids_normalize_room_code(code, again), 0);
		assert_string_equal(code, again);
	}
	assert_int_equal(ids_normalize_room_code("abcdef", again), 0);
	assert_string_equal(again, "ABCDEF");
	assert_int_equal(ids_normalize_room_code("ABCDE0", again), -1); /* 0 is not in the alphabet */
	assert_int_equal(ids_normalize_room_code("ABCDE", again), -1);
	assert_int_equal(ids_normalize_room_code("ABCDEFG", again), -1);
	assert_int_equal(ids_normalize_room_code("ABC%EF", again), -1);
}

static void test_random_ids(void **state)
{
	char a[40], b[40];

	ids_random("song", a, sizeof a);
	ids_random("song", b, sizeof b);
	assert_int_equal(strlen(a), 5 + 16);
	assert_memory_equal(a, "song-", 5);
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_room_codes),
		cmocka_unit_test(test_random_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
