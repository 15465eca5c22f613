/* auth.h: HS256 JSON Web Tokens, the identity behind a bearer token, password hashing */
#ifndef QUEUED_AUTH_H
#define QUEUED_AUTH_H

#include <stddef.h>
#include <json-c/json.h>

enum identity_kind { IDENTITY_NONE, IDENTITY_GUEST, IDENTITY_USER };

/* Who sent a request, from a verified token. */
struct identity {
	enum identity_kind kind;
	char id[64];
	char name[128];
};

/*
 * Sign claims (borrowed) with key as a compact HS256 JWT. Returns a malloc'd
 * string the caller frees, or NULL when out of memory.
 */
char *jwt_sign(struct json_object *claims, const char *key);

/*
 * Verify token against key: header {"alg":"HS256"}, signature, and "exp" when
 * present (against now, seconds). Returns the claims (caller owns them) or NULL
 * with a reason in *why.
 */
struct json_object *jwt_verify(const char *token, const char *key, long now, const char **why);

/*
 * The identity in an "Authorization: Bearer <token>" header value, signed with
 * ACCESS_TOKEN_KEY: a guest token or a user access token. Returns 0, or -1 with
 * the reason a client may read in *why.
 */
int auth_identify(const char *authorization, struct identity *who, const char **why);

/* A signed guest token for id and name, valid for GUEST_TOKEN_AGE. Caller frees. */
char *auth_guest_token(const char *guest_id, const char *name);

/* An access token for a user (name: the display name), valid ACCESS_TOKEN_AGE. Caller frees. */
char *auth_access_token(const char *user_id, const char *name);

/*
 * A refresh token for a user, signed with REFRESH_TOKEN_KEY. Each carries a
 * random jti, so two issued in the same second differ. Caller frees.
 */
char *auth_refresh_token(const char *user_id);

/*
 * Verify a refresh token's signature and kind; on success copies the user id
 * into user_id (cap bytes) and returns 0. Whether it is still valid (not
 * revoked) is the database's to say.
 */
int auth_verify_refresh_token(const char *token, char *user_id, size_t cap);

/*
 * A short-lived ticket that lets user_id subscribe to one of their channels
 * (purpose names it, e.g. "me-queue") and nothing else: auth_identify
 * refuses it as a credential. Valid SUBSCRIBE_TICKET_AGE seconds; *expires
 * gets the time it ends. Caller frees.
 */
char *auth_subscribe_ticket(const char *user_id, const char *purpose, long *expires);

/*
 * Verify a subscription ticket for purpose; on success copies the user id
 * into user_id (cap bytes) and returns 0, else -1 with a reason in *why.
 */
int auth_verify_subscribe_ticket(const char *ticket, const char *purpose, char *user_id, size_t cap,
				 const char **why);

/*
 * Each Argon2id hash takes 64 MiB and ~55 ms of a core, and a flood of
 * sign-ins would take every core and every worker from the votes. At most
 * n are computed at once across all workers (HASH_CONCURRENCY), and at most
 * waiters more workers wait for a slot; the master calls
 * auth_hash_slots_init() before forking. A worker takes a slot (its number,
 * or -1 when all slots and waiting places are busy: answer 503 with
 * Retry-After) and gives it back.
 */
void auth_hash_slots_init(int n, int waiters);
int auth_hash_slot_take(void);
void auth_hash_slot_give(int slot);

/* argon2id hash string of password for storage, or NULL. Caller frees. */
char *auth_hash_password(const char *password);

/* 1 when password matches the stored hash, else 0. */
int auth_check_password(const char *hash, const char *password);

/*
 * A room's PIN as it is stored and compared: the hex HMAC-SHA-256, keyed with
 * ACCESS_TOKEN_KEY, of the room code and the PIN. The database never holds
 * the digits (4-8 of them: a bare hash would be reversed by trying them all),
 * and one PIN in two rooms is two hashes.
 */
#define AUTH_PIN_HASH_HEX (2 * 32 + 1)
void auth_pin_hash(const char *code, const char *pin, char out[AUTH_PIN_HASH_HEX]);

#endif
