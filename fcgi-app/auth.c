/* auth.c: HS256 JSON Web Tokens, the identity behind a bearer token, password hashing */
#include "auth.h"
#include "config.h"

#include <fcntl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define B64URL sodium_base64_VARIANT_URLSAFE_NO_PADDING

static const char jwt_header[] = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";

static char *b64url(const unsigned char *bin, size_t len)
{
	size_t cap = sodium_base64_encoded_len(len, B64URL);
	char *out = malloc(cap);

	if (out != NULL)
		sodium_bin2base64(out, cap, bin, len, B64URL);
	return out;
}

/* Decode b64 (len chars) into a malloc'd, NUL-terminated buffer. */
static unsigned char *b64url_decode(const char *b64, size_t len, size_t *out_len)
{
	unsigned char *out = malloc(len + 1);

	if (out == NULL)
		return NULL;
	if (sodium_base642bin(out, len, b64, len, NULL, out_len, NULL, B64URL) != 0) {
		free(out);
		return NULL;
	}
	out[*out_len] = '\0';
	return out;
}

static void hmac(const char *key, const char *msg, size_t len,
		 unsigned char mac[crypto_auth_hmacsha256_BYTES])
{
	crypto_auth_hmacsha256_state st;

	crypto_auth_hmacsha256_init(&st, (const unsigned char *)key, strlen(key));
	crypto_auth_hmacsha256_update(&st, (const unsigned char *)msg, len);
	crypto_auth_hmacsha256_final(&st, mac);
}

char *jwt_sign(struct json_object *claims, const char *key)
{
	const char *payload = json_object_to_json_string_ext(claims, JSON_C_TO_STRING_PLAIN);
	char *h = b64url((const unsigned char *)jwt_header, strlen(jwt_header));
	char *p = b64url((const unsigned char *)payload, strlen(payload));
	char *token = NULL, *sig = NULL;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	size_t signing_len;

	if (h == NULL || p == NULL)
		goto out;
	signing_len = strlen(h) + 1 + strlen(p);
	token = malloc(signing_len + 1 + sodium_base64_encoded_len(sizeof mac, B64URL));
	if (token == NULL)
		goto out;
	sprintf(token, "%s.%s", h, p);
	hmac(key, token, signing_len, mac);
	sig = b64url(mac, sizeof mac);
	if (sig == NULL) {
		free(token);
		token = NULL;
		goto out;
	}
	strcat(token, ".");
	strcat(token, sig);
out:
	free(h);
	free(p);
	free(sig);
	return token;
}

struct json_object *jwt_verify(const char *token, const char *key, long now, const char **why)
{
	const char *dot1, *dot2;
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	unsigned char *sig = NULL, *header = NULL, *payload = NULL;
	size_t sig_len, header_len, payload_len;
	struct json_object *hdr = NULL, *claims = NULL, *verified = NULL, *v;

	*why = "token is malformed";
	dot1 = strchr(token, '.');
	dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return NULL;
	sig = b64url_decode(dot2 + 1, strlen(dot2 + 1), &sig_len);
	if (sig == NULL || sig_len != sizeof mac)
		goto out;
	hmac(key, token, (size_t)(dot2 - token), mac);
	if (sodium_memcmp(mac, sig, sizeof mac) != 0) {
		*why = "token signature is invalid";
		goto out;
	}
	header = b64url_decode(token, (size_t)(dot1 - token), &header_len);
	payload = b64url_decode(dot1 + 1, (size_t)(dot2 - dot1 - 1), &payload_len);
	if (header == NULL || payload == NULL)
		goto out;
	hdr = json_tokener_parse((const char *)header);
	claims = json_tokener_parse((const char *)payload);
	if (hdr == NULL || claims == NULL || !json_object_is_type(claims, json_type_object))
		goto out;
	if (!json_object_object_get_ex(hdr, "alg", &v) ||
	    strcmp(json_object_get_string(v), "HS256") != 0) {
		*why = "token algorithm is not HS256";
		goto out;
	}
	if (json_object_object_get_ex(claims, "exp", &v) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= now)) {
		*why = "token has expired";
		goto out;
	}
	*why = NULL;
	verified = claims;
	claims = NULL;
out:
	json_object_put(hdr);
	json_object_put(claims);
	free(sig);
	free(header);
	free(payload);
	return verified;
}

static int copy_claim(struct json_object *claims, const char *key, char *dst, size_t cap)
{
	struct json_object *v;
	const char *s;

	if (!json_object_object_get_ex(claims, key, &v) || !json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	if (strlen(s) == 0 || strlen(s) >= cap)
		return -1;
	memcpy(dst, s, strlen(s) + 1);
	return 0;
}

int auth_identify(const char *authorization, struct identity *who, const char **why)
{
	struct json_object *claims, *v;
	const char *token;
	int rc = -1;

	memset(who, 0, sizeof *who);
	if (authorization == NULL || *authorization == '\0') {
		*why = "missing Authorization header with a Bearer token";
		return -1;
	}
	if (strncasecmp(authorization, "Bearer ", 7) != 0) {
		*why = "Authorization header must be \"Bearer <token>\"";
		return -1;
	}
	token = authorization + 7;
	while (*token == ' ')
		token++;
	claims = jwt_verify(token, config.access_token_key, (long)time(NULL), why);
	if (claims == NULL)
		return -1;
	/* A token without an expiry would be good forever: refuse it. */
	if (!json_object_object_get_ex(claims, "exp", &v) || !json_object_is_type(v, json_type_int)) {
		*why = "token has no expiry";
		goto out;
	}
	*why = "token does not identify a guest or a user";
	if (copy_claim(claims, "id", who->id, sizeof who->id) != 0)
		goto out;
	/* A refresh token is never a credential for a request. */
	if (json_object_object_get_ex(claims, "typ", &v) &&
	    strcmp(json_object_get_string(v), "access") != 0 &&
	    strcmp(json_object_get_string(v), "guest") != 0)
		goto out;
	if (json_object_object_get_ex(claims, "guest", &v) && json_object_get_boolean(v)) {
		if (strncmp(who->id, "guest-", 6) != 0 ||
		    copy_claim(claims, "name", who->name, sizeof who->name) != 0)
			goto out;
		who->kind = IDENTITY_GUEST;
	} else {
		if (strncmp(who->id, "user-", 5) != 0)
			goto out;
		copy_claim(claims, "name", who->name, sizeof who->name);
		who->kind = IDENTITY_USER;
	}
	*why = NULL;
	rc = 0;
out:
	if (rc != 0)
		memset(who, 0, sizeof *who);
	json_object_put(claims);
	return rc;
}

/*
 * Add iat (now) and exp (now + age), last as in every token, and sign claims
 * (taken) with key. Caller frees the token.
 */
static char *sign_claims(struct json_object *claims, long now, long age, const char *key)
{
	char *token;

	json_object_object_add(claims, "iat", json_object_new_int64(now));
	json_object_object_add(claims, "exp", json_object_new_int64(now + age));
	token = jwt_sign(claims, key);
	json_object_put(claims);
	return token;
}

/* A guest token or a user's access token: the claims auth_identify reads. */
static char *identity_token(const char *id, const char *name, int guest)
{
	struct json_object *claims = json_object_new_object();

	json_object_object_add(claims, "id", json_object_new_string(id));
	json_object_object_add(claims, "name", json_object_new_string(name));
	if (guest)
		json_object_object_add(claims, "guest", json_object_new_boolean(1));
	json_object_object_add(claims, "typ", json_object_new_string(guest ? "guest" : "access"));
	return sign_claims(claims, (long)time(NULL), guest ? config.guest_token_age : config.access_token_age,
			   config.access_token_key);
}

char *auth_guest_token(const char *guest_id, const char *name)
{
	return identity_token(guest_id, name, 1);
}

char *auth_access_token(const char *user_id, const char *name)
{
	return identity_token(user_id, name, 0);
}

char *auth_refresh_token(const char *user_id)
{
	struct json_object *claims = json_object_new_object();
	unsigned char nonce[12];
	char jti[sizeof nonce * 2 + 1];

	randombytes_buf(nonce, sizeof nonce);
	sodium_bin2hex(jti, sizeof jti, nonce, sizeof nonce);
	json_object_object_add(claims, "id", json_object_new_string(user_id));
	json_object_object_add(claims, "typ", json_object_new_string("refresh"));
	json_object_object_add(claims, "jti", json_object_new_string(jti));
	return sign_claims(claims, (long)time(NULL), config.refresh_token_age, config.refresh_token_key);
}

int auth_verify_refresh_token(const char *token, char *user_id, size_t cap)
{
	const char *why;
	struct json_object *claims = jwt_verify(token, config.refresh_token_key, (long)time(NULL), &why);
	struct json_object *v;
	int rc = -1;

	if (claims == NULL)
		return -1;
	if (json_object_object_get_ex(claims, "typ", &v) &&
	    strcmp(json_object_get_string(v), "refresh") == 0 &&
	    copy_claim(claims, "id", user_id, cap) == 0 && strncmp(user_id, "user-", 5) == 0)
		rc = 0;
	json_object_put(claims);
	return rc;
}

/*
 * Argon2id slots: an open, unlinked file whose bytes are locked with
 * process-associated fcntl locks (each worker is its own process; a worker
 * that dies lets go of its locks with it). Bytes [0, nslots) are the
 * hashing slots, the next nwaiters the places to wait for one.
 */
static FILE *slots_file;
static int nslots, nwaiters;

void auth_hash_slots_init(int n, int waiters)
{
	slots_file = tmpfile();
	nslots = slots_file != NULL && n > 0 ? n : 0;
	nwaiters = nslots > 0 && waiters > 0 ? waiters : 0;
}

static int slot_lock(int byte, short type, int wait)
{
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_start = byte, .l_len = 1 };

	return fcntl(fileno(slots_file), wait ? F_SETLKW : F_SETLK, &fl);
}

int auth_hash_slot_take(void)
{
	if (nslots == 0)
		return 0; /* not bounded (tests of the module alone) */
	for (int i = 0; i < nslots; i++)
		if (slot_lock(i, F_WRLCK, 0) == 0)
			return i;
	/*
	 * All busy: a few workers may wait (a hash is ~55 ms), never so many
	 * that none is left for votes; the rest are told to come back.
	 */
	for (int w = 0; w < nwaiters; w++) {
		if (slot_lock(nslots + w, F_WRLCK, 0) != 0)
			continue;
		int slot = w % nslots, rc = slot_lock(slot, F_WRLCK, 1);

		slot_lock(nslots + w, F_UNLCK, 0);
		return rc == 0 ? slot : -1;
	}
	return -1;
}

void auth_hash_slot_give(int slot)
{
	if (nslots > 0 && slot >= 0)
		slot_lock(slot, F_UNLCK, 0);
}

char *auth_hash_password(const char *password)
{
	char *hash = malloc(crypto_pwhash_STRBYTES);

	if (hash == NULL)
		return NULL;
	if (crypto_pwhash_str_alg(hash, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
				  crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0) {
		free(hash);
		return NULL;
	}
	return hash;
}

int auth_check_password(const char *hash, const char *password)
{
	return crypto_pwhash_str_verify(hash, password, strlen(password)) == 0;
}

char *auth_subscribe_ticket(const char *user_id, const char *purpose, long *expires)
{
	struct json_object *claims = json_object_new_object();
	long now = (long)time(NULL);

	*expires = now + config.subscribe_ticket_age;
	json_object_object_add(claims, "id", json_object_new_string(user_id));
	json_object_object_add(claims, "typ", json_object_new_string("subscribe"));
	json_object_object_add(claims, "ch", json_object_new_string(purpose));
	return sign_claims(claims, now, config.subscribe_ticket_age, config.access_token_key);
}

int auth_verify_subscribe_ticket(const char *ticket, const char *purpose, char *user_id, size_t cap,
				 const char **why)
{
	struct json_object *claims, *v;
	int rc = -1;

	if (ticket == NULL || *ticket == '\0') {
		*why = "a subscription ticket is required: ask GET /me/queue/subscription for a URL";
		return -1;
	}
	claims = jwt_verify(ticket, config.access_token_key, (long)time(NULL), why);
	if (claims == NULL)
		return -1;
	*why = "this ticket is not a subscription ticket for this channel";
	/* Only a ticket made for this purpose, with an expiry, opens the channel. */
	if (json_object_object_get_ex(claims, "typ", &v) && json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), "subscribe") == 0 &&
	    json_object_object_get_ex(claims, "ch", &v) && json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), purpose) == 0 &&
	    json_object_object_get_ex(claims, "exp", &v) && json_object_is_type(v, json_type_int) &&
	    copy_claim(claims, "id", user_id, cap) == 0 && strncmp(user_id, "user-", 5) == 0) {
		*why = NULL;
		rc = 0;
	}
	json_object_put(claims);
	return rc;
}

void auth_pin_hash(const char *code, const char *pin, char out[AUTH_PIN_HASH_HEX])
{
	unsigned char mac[crypto_auth_hmacsha256_BYTES];
	char msg[64];
	int len = snprintf(msg, sizeof msg, "queued room PIN\n%s\n%s", code, pin);

	/* "queued room PIN" keeps these MACs apart from the JWTs signed with the same key. */
	hmac(config.access_token_key, msg, len > 0 && (size_t)len < sizeof msg ? (size_t)len : 0, mac);
	sodium_bin2hex(out, AUTH_PIN_HASH_HEX, mac, sizeof mac);
	sodium_memzero(msg, sizeof msg);
}
