/* test_youtube.c: reading YouTube's ISO 8601 durations; the Pacific-time quota day; search texts as cache keys */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <time.h>

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

static void normal(const char *q, const char *want)
{
	char out[64];

	assert_string_equal(youtube_normalize_query(q, out, sizeof out), want);
}

/* Near-repeats share one cache entry: case, spacing and punctuation do not count. */
static void test_normalize_query(void **state)
{
	char small[8];

	(void)state;
	normal("Never Gonna Give You Up", "never gonna give you up");
	normal("  never   gonna,give-you_up!! ", "never gonna give you up");
	normal("NEVER\tGONNA", "never gonna");
	normal("AC/DC", "ac dc");
	normal("Beyonc\xc3\xa9 \xc3\x89T\xc3\x89", "beyonc\xc3\xa9 \xc3\x89t\xc3\x89"); /* UTF-8 kept as is */
	normal("?!...", "");
	normal("", "");
	assert_string_equal(youtube_normalize_query("abcdefghij", small, sizeof small), "abcdef");
}

static void pacific(time_t t, const char *want)
{
	char out[11];

	youtube_pacific_date(t, out);
	assert_string_equal(out, want);
}

/* YouTube's quota day: midnight in California, PST or PDT. */
static void test_pacific_date(void **state)
{
	(void)state;
	pacific(1764806400, "2025-12-03");  /* 2025-12-04 00:00 UTC = 16:00 PST the day before */
	pacific(1764835199, "2025-12-03");  /* 07:59:59 UTC */
	pacific(1764835200, "2025-12-04");  /* 08:00 UTC: midnight PST */
	pacific(1751353200, "2025-07-01");  /* 2025-07-01 07:00 UTC: midnight PDT */
	pacific(1751353199, "2025-06-30");
	pacific(1741514399, "2025-03-09");  /* 2025-03-09 09:59:59 UTC = 01:59:59 PST */
	pacific(1741590000, "2025-03-10");  /* 2025-03-10 07:00 UTC: midnight PDT */
	pacific(1762066800, "2025-11-02");  /* 2025-11-02 07:00 UTC: midnight PDT */
	pacific(1762156800, "2025-11-03");  /* 2025-11-03 08:00 UTC: midnight PST again */
	pacific(1762156799, "2025-11-02");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_durations),
		cmocka_unit_test(test_unreadable_durations),
		cmocka_unit_test(test_pacific_date),
		cmocka_unit_test(test_normalize_query),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
