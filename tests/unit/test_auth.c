/* test_auth.c: JWT signing and verification, and identities from bearer headers */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "request.h"

#define KEY "unit-test-access-key-0123456789"

static int setup(void **state)
{
	assert_true(sodium_init() >= 0);
	config_from_env();
	config.access_token_key = KEY;
	config.guest_token_age = 3600;
	return 0;
}

static void test_round_trip(void **state)
{
	struct json_object *claims = json_object_new_object(), *back, *v;
	const char *why;
	char *token;

	json_object_object_add(claims, "id", json_object_new_string("user-abc"));
	token = jwt_sign(claims, KEY);
	assert_non_null(token);
	back = jwt_verify(token, KEY, (long)time(NULL), &why);
	assert_non_null(back);
	assert_true(json_object_object_get_ex(back, "id", &v));
	assert_string_equal(json_object_get_string(v), "user-abc");
	json_object_put(back);

	/* Another key, a flipped payload byte, a truncated token: all refused. */
	assert_null(jwt_verify(token, "another-key-0123456789", (long)time(NULL), &why));
	char *forged = strdup(token);
	char *dot = strchr(forged, '.');
	dot[2] = dot[2] == 'A' ? 'B' : 'A';
	assert_null(jwt_verify(forged, KEY, (long)time(NULL), &why));
	forged[strlen(forged) - 3] = '\0';
	assert_null(jwt_verify(forged, KEY, (long)time(NULL), &why));
	assert_null(jwt_verify("not-a-token", KEY, (long)time(NULL), &why));
	assert_null(jwt_verify("a.b.c.d", KEY, (long)time(NULL), &why));
	free(forged);
	free(token);
	json_object_put(claims);
}

static void test_expiry(void **state)
{
	struct json_object *claims = json_object_new_object();
	const char *why;
	char *token;

	json_object_object_add(claims, "id", json_object_new_string("user-abc"));
	json_object_object_add(claims, "exp", json_object_new_int64(1000));
	token = jwt_sign(claims, KEY);
	assert_null(jwt_verify(token, KEY, 1000, &why));
	assert_string_equal(why, "token has expired");
	struct json_object *ok = jwt_verify(token, KEY, 999, &why);
	assert_non_null(ok);
	json_object_put(ok);
	free(token);
	json_object_put(claims);
}

static void test_identify(void **state)
{
	struct identity who;
	const char *why;
	char *token = auth_guest_token("guest-0123456789abcdef", "Ada");
	char header[1024];

	snprintf(header, sizeof header, "Bearer %s", token);
	assert_int_equal(auth_identify(header, &who, &why), 0);
	assert_int_equal(who.kind, IDENTITY_GUEST);
	assert_string_equal(who.id, "guest-0123456789abcdef");
	assert_string_equal(who.name, "Ada");

	assert_int_equal(auth_identify(NULL, &who, &why), -1);
	assert_int_equal(auth_identify(token, &who, &why), -1); /* no "Bearer " */
	assert_int_equal(auth_identify("Bearer ", &who, &why), -1);
	assert_int_equal(auth_identify("Basic abc", &who, &why), -1);
	free(token);
}

/* A room PIN's stored form: 64 hex digits, the same for the same room and PIN, another for another room, PIN or key. */
static void test_pin_hash(void **state)
{
	char a[AUTH_PIN_HASH_HEX], b[AUTH_PIN_HASH_HEX];

	(void)state;
	auth_pin_hash("ABC234", "1234", a);
	assert_int_equal(strlen(a), 64);
	assert_int_equal(strspn(a, "0123456789abcdef"), 64);
	auth_pin_hash("ABC234", "1234", b);
	assert_string_equal(a, b);
	auth_pin_hash("ABC235", "1234", b);
	assert_string_not_equal(a, b);
	auth_pin_hash("ABC234", "12345", b);
	assert_string_not_equal(a, b);
	config.access_token_key = "another-key-of-some-length";
	auth_pin_hash("ABC234", "1234", b);
	config.access_token_key = KEY;
	assert_string_not_equal(a, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_identify),
		cmocka_unit_test(test_pin_hash),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
