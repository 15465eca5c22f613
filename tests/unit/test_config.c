/* test_config.c: env file loading, defaults, and the settings a worker refuses to start without */
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

/* With the environment as it is now, the config is refused and why names word. */
static void refused_naming(const char *word)
{
	const char *why = NULL;

	config_from_env();
	assert_int_equal(config_validate(&why), -1);
	assert_non_null(strstr(why, word));
}

/* STORAGE=s3 names the first setting it lacks; every one set, it runs. */
static void test_validate_storage(void **state)
{
	static const char *const s3[] = { "S3_ENDPOINT", "S3_BUCKET", "S3_REGION", "S3_ACCESS_KEY",
					  "S3_SECRET_KEY", "S3_PUBLIC_BASE_URL" };
	const char *why = NULL;

	setenv("ACCESS_TOKEN_KEY", "0123456789abcdef0123", 1);
	setenv("REFRESH_TOKEN_KEY", "abcdef0123456789abcd", 1);
	setenv("STORAGE", "disk", 1);
	refused_naming("STORAGE");
	setenv("STORAGE", "s3", 1);
	for (size_t i = 0; i < sizeof s3 / sizeof s3[0]; i++) {
		refused_naming(s3[i]);
		setenv(s3[i], strstr(s3[i], "URL") || strstr(s3[i], "ENDPOINT") ? "http://127.0.0.1:9000" : "x", 1);
	}
	config_from_env();
	assert_int_equal(config_validate(&why), 0);
	setenv("S3_ENDPOINT", "127.0.0.1:9000", 1); /* no scheme */
	refused_naming("S3_ENDPOINT");
	setenv("S3_ENDPOINT", "http://127.0.0.1:9000", 1);
	setenv("S3_URL_STYLE", "vhost", 1);
	refused_naming("S3_URL_STYLE");
	setenv("S3_URL_STYLE", "virtual", 1);
	config_from_env();
	assert_int_equal(config_validate(&why), 0);
	assert_int_equal(config.s3_virtual_host, 1);
	unsetenv("STORAGE");
	config_from_env();
	assert_string_equal(config.storage, "local");
}

/* The shipped sample env file (etc/queued.env.in) is refused as it is:
 * its keys are placeholders. One key of its own is not enough either. */
static void test_validate_sample_keys(void **state)
{
	char path[4096];
	const char *srcdir = getenv("srcdir"), *why = NULL;

	snprintf(path, sizeof path, "%s/etc/queued.env.in", srcdir ? srcdir : ".");
	unsetenv("ACCESS_TOKEN_KEY");
	unsetenv("REFRESH_TOKEN_KEY");
	assert_int_equal(config_load_env_file(path), 0);
	refused_naming("sample");
	setenv("ACCESS_TOKEN_KEY", "0123456789abcdef0123", 1);
	refused_naming("REFRESH_TOKEN_KEY");
	setenv("REFRESH_TOKEN_KEY", "abcdef0123456789abcd", 1);
	config_from_env();
	assert_int_equal(config_validate(&why), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_env_file),
		cmocka_unit_test(test_validate),
		cmocka_unit_test(test_validate_storage),
		cmocka_unit_test(test_validate_sample_keys),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
