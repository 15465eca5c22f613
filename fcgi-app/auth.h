/* auth.h: HS256 JSON Web Tokens and the identity behind a bearer token */
#ifndef QUEUED_AUTH_H
#define QUEUED_AUTH_H

#include <stddef.h>
#include <json-c/json.h>

struct identity;

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

#endif
