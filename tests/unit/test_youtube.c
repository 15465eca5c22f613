/* test_youtube.c: reading YouTube's ISO 8601 durations */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "youtube.h"

static void test_durations(void **state)
{
	(void)state;
	assert_int_equal(youtube_duration_seconds("PT3M33S"), 213);
	assert_int_equal(youtube_duration_seconds("PT1H2M3S"), 3723);
	assert_int_equal(youtube_duration_seconds("PT45S"), 45);
	assert_int_equal(youtube_duration_seconds("PT10M"), 600);
	assert_int_equal(youtube_duration_seconds("PT2H"), 7200);
	assert_int_equal(youtube_duration_seconds("P1DT2H"), 93600);
	assert_int_equal(youtube_duration_seconds("P1W"), 604800);
	assert_int_equal(youtube_duration_seconds("P0D"), 0); /* a live broadcast: item_seconds makes it unknown */
}

static void test_unreadable_durations(void **state)
{
	const char *bad[] = { NULL, "", "P", "PT", "3M33S", "PT3M33", "PTM", "PT3X", "PT3M3.5S", "PTT3M",
			      "PT99999999999H", "pt3m33s" };

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(youtube_duration_seconds(bad[i]), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_unreadable_durations),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
