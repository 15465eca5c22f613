/* test_config.c: env file loading and defaults */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"

static void test_env_file(void **state)
{
	char path[] = "/tmp/queued-test-env-XXXXXX";
	int fd = mkstemp(path);
	FILE *f = fdopen(fd, "w");
	const char *why;

	fputs("# comment\n\nREDIS_PORT=6390\nexport QUEUED_WORKERS = 3\n"
	      "ACCESS_TOKEN_KEY=\"0123456789abcdef0123\"\nREFRESH_TOKEN_KEY='abcdef0123456789abcd'\n"
	      "PGDATABASE=fromfile\nnot a setting\n", f);
	fclose(f);
	setenv("PGDATABASE", "fromenv", 1);
	unsetenv("REDIS_PORT");
	unsetenv("QUEUED_WORKERS");
	assert_int_equal(config_load_env_file(path), 0);
	config_from_env();
	assert_int_equal(config.redis_port, 6390);
	assert_int_equal(config.workers, 3);
	assert_string_equal(config.access_token_key, "0123456789abcdef0123");
	assert_string_equal(config.refresh_token_key, "abcdef0123456789abcd");
	assert_string_equal(getenv("PGDATABASE"), "fromenv"); /* the environment wins */
	assert_int_equal(config_validate(&why), 0);
	unlink(path);
	assert_int_equal(config_load_env_file(path), -1);
}

static void test_validate(void **state)
{
	const char *why = NULL;

	unsetenv("ACCESS_TOKEN_KEY");
	config_from_env();
	assert_int_equal(config_validate(&why), -1);
	assert_non_null(strstr(why, "ACCESS_TOKEN_KEY"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_file),
		cmocka_unit_test(test_validate),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
