/* test_storage.c: uploads on the local disk, S3 object and public URLs, content types, an S3 that is not there */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <regex.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "config.h"
#include "http_client.h"
#include "storage.h"
#include "storage_s3.h"

static void test_object_url(void **state)
{
	static const struct {
		const char *endpoint, *bucket;
		int virtual_host;
		const char *want;
	} cases[] = {
		{ "http://127.0.0.1:9000", "covers", 0, "http://127.0.0.1:9000/covers/covers/a.jpg" },
		{ "http://127.0.0.1:9000/", "covers", 0, "http://127.0.0.1:9000/covers/covers/a.jpg" },
		{ "https://s3.eu-west-1.amazonaws.com", "my-bucket", 0,
		  "https://s3.eu-west-1.amazonaws.com/my-bucket/covers/a.jpg" },
		{ "https://s3.eu-west-1.amazonaws.com//", "my-bucket", 1,
		  "https://my-bucket.s3.eu-west-1.amazonaws.com/covers/a.jpg" },
		{ "http://minio.internal:9000", "b", 1, "http://b.minio.internal:9000/covers/a.jpg" },
		{ "s3.amazonaws.com", "b", 0, NULL }, /* no scheme: refused, not guessed */
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *url = storage_s3_object_url(cases[i].endpoint, cases[i].bucket, cases[i].virtual_host,
						  "covers", "a.jpg");
		if (cases[i].want == NULL)
			assert_null(url);
		else
			assert_string_equal(url, cases[i].want);
		free(url);
	}
}

static void test_content_type(void **state)
{
	static const char *const cases[][2] = {
		{ "abc.jpg", "image/jpeg" }, { "abc.png", "image/png" }, { "abc.webp", "image/webp" },
		{ "abc.gif", "image/gif" }, { "abc.svg", "application/octet-stream" },
		{ "abc", "application/octet-stream" }, { "a.jpg.png", "image/png" },
	};

	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		assert_string_equal(storage_s3_content_type(cases[i][0]), cases[i][1]);
}

static int matches(const char *s, const char *pattern)
{
	regex_t re;
	int ok;

	assert_int_equal(regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB), 0);
	ok = regexec(&re, s, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

static void test_local(void **state)
{
	char dir[] = "/tmp/queued-test-storage-XXXXXX", path[300], got[16] = "";
	char *name, *url;
	FILE *f;

	assert_non_null(mkdtemp(dir));
	config.storage = "local";
	config.uploads_dir = dir;
	config.public_base_url = "http://example.test";
	name = storage_put("covers", "png", "PNGDATA", 7);
	assert_non_null(name);
	assert_true(matches(name, "^[a-z0-9]{24}\\.png$"));
	snprintf(path, sizeof path, "%s/covers/%s", dir, name);
	f = fopen(path, "r");
	assert_non_null(f);
	assert_int_equal(fread(got, 1, sizeof got - 1, f), 7);
	fclose(f);
	assert_string_equal(got, "PNGDATA");
	url = storage_url("covers", name);
	assert_true(matches(url, "^http://example\\.test/uploads/covers/[a-z0-9]{24}\\.png$"));
	assert_int_equal(storage_delete("covers", name), 0);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(storage_delete("covers", "../../etc/passwd"), -1); /* not one of our names */
	assert_int_equal(storage_delete("covers", NULL), -1);
	free(url);
	free(name);
	snprintf(path, sizeof path, "%s/covers", dir);
	rmdir(path);
	rmdir(dir);
}

/* An S3 that does not answer: no name, no file anywhere, and quickly (the client waits). */
static void test_s3_unreachable(void **state)
{
	time_t start = time(NULL);
	char *url;

	config.storage = "s3";
	config.s3_endpoint = "http://127.0.0.1:1"; /* nothing listens on port 1 */
	config.s3_bucket = "covers";
	config.s3_region = "us-east-1";
	config.s3_access_key = "access";
	config.s3_secret_key = "secret";
	config.s3_public_base_url = "https://cdn.example.test/";
	config.s3_virtual_host = 0;
	assert_null(storage_put("covers", "jpg", "JPEG", 4));
	assert_int_equal(storage_delete("covers", "abcdefghijklmnopqrstuvwx.jpg"), -1);
	assert_true(time(NULL) - start < 15);
	url = storage_url("covers", "abcdefghijklmnopqrstuvwx.jpg");
	assert_string_equal(url, "https://cdn.example.test/covers/abcdefghijklmnopqrstuvwx.jpg");
	free(url);
	config.storage = "local";
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_object_url),
		cmocka_unit_test(test_content_type),
		cmocka_unit_test(test_local),
		cmocka_unit_test(test_s3_unreachable),
	};

	if (sodium_init() < 0 || http_client_global_init() != 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
