/* h_authentications.c: log in, refresh an access token, log out */
#include "auth.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "jsonutil.h"
#include "ratelimit.h"
#include "request.h"

#include <stdlib.h>
#include <string.h>

DB_STMT(user_by_username, 1, "SELECT id, password, fullname FROM users WHERE username = $1");

DB_STMT(refresh_insert, 2, "INSERT INTO authentications (token, user_id) VALUES ($1, $2)");

DB_STMT(refresh_lookup, 1,
	"SELECT u.id, u.fullname FROM authentications a JOIN users u ON u.id = a.user_id"
	" WHERE a.token = $1");

DB_STMT(refresh_delete, 1, "DELETE FROM authentications WHERE token = $1 RETURNING user_id");

/*
 * A hash to compare against when the user does not exist, so an unknown
 * username costs the same time as a wrong password.
 */
static char *decoy_hash;

/* POST /authentications {username, password} -> 201 {accessToken, refreshToken} */
void authentications_login(struct request *req)
{
	const char *username, *password;
	PGresult *res = NULL, *ins = NULL;
	enum db_result r;
	char *access = NULL, *refresh = NULL;
	int slot;

	if (field_string_or_reply(req, req->json, "username", 1, 200, &username) != 0 ||
	    field_string_or_reply(req, req->json, "password", 1, 200, &password) != 0 ||
	    ratelimit_hit_or_reply(req, RATE_LOGIN_NAME, username) != 0)
		return;
	/* Guessing one account from many addresses is limited by its name too. */
	if ((slot = auth_hash_slot_take()) < 0) {
		req->res.retry_after = 1;
		reply_error(req, 503, "too many sign-ins at this moment: try again in a second");
		return;
	}
	const char *params[] = { username };
	r = db_exec(&user_by_username, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		if (decoy_hash == NULL)
			decoy_hash = auth_hash_password("decoy password");
		if (decoy_hash != NULL)
			auth_check_password(decoy_hash, password);
		reply_error(req, 401, "the username or the password is wrong");
		goto out;
	}
	if (!auth_check_password(PQgetvalue(res, 0, 1), password)) {
		reply_error(req, 401, "the username or the password is wrong");
		goto out;
	}
	auth_hash_slot_give(slot);
	slot = -1;
	const char *user_id = PQgetvalue(res, 0, 0);
	access = auth_access_token(user_id, PQgetvalue(res, 0, 2));
	refresh = auth_refresh_token(user_id);
	if (access == NULL || refresh == NULL) {
		reply_error(req, 500, "could not sign the tokens");
		goto out;
	}
	const char *ins_params[] = { refresh, user_id };
	r = db_exec(&refresh_insert, ins_params, &ins);
	if (r != DB_OK) {
		reply_db_error(req, r, ins);
		goto out;
	}
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "accessToken", json_object_new_string(access));
	json_object_object_add(data, "refreshToken", json_object_new_string(refresh));
	reply_message(req, 201, "authentication added", data);
out:
	auth_hash_slot_give(slot);
	free(access);
	free(refresh);
	PQclear(res);
	PQclear(ins);
}

/* The refreshToken field, verified by signature; replies 400 and returns NULL otherwise. */
static const char *refresh_token_or_reply(struct request *req)
{
	const char *token;
	char user_id[64];

	if (field_string_or_reply(req, req->json, "refreshToken", 1, 4096, &token) != 0)
		return NULL;
	if (auth_verify_refresh_token(token, user_id, sizeof user_id) != 0) {
		reply_error(req, 400, "refresh token is invalid");
		return NULL;
	}
	return token;
}

/* PUT /authentications {refreshToken} -> 200 {accessToken} */
void authentications_refresh(struct request *req)
{
	const char *token = refresh_token_or_reply(req);
	PGresult *res = NULL;
	enum db_result r;
	char *access = NULL;

	if (token == NULL)
		return;
	const char *params[] = { token };
	r = db_exec(&refresh_lookup, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	if (PQntuples(res) == 0) {
		reply_error(req, 400, "refresh token is not valid any more");
		goto out;
	}
	access = auth_access_token(PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	if (access == NULL) {
		reply_error(req, 500, "could not sign the token");
		goto out;
	}
	struct json_object *data = json_object_new_object();
	json_object_object_add(data, "accessToken", json_object_new_string(access));
	reply_message(req, 200, "access token refreshed", data);
out:
	free(access);
	PQclear(res);
}

/* DELETE /authentications {refreshToken} -> 200; the token is revoked */
void authentications_logout(struct request *req)
{
	const char *token = refresh_token_or_reply(req);
	PGresult *res = NULL;
	enum db_result r;

	if (token == NULL)
		return;
	const char *params[] = { token };
	r = db_exec(&refresh_delete, params, &res);
	if (r != DB_OK)
		reply_db_error(req, r, res);
	else if (PQntuples(res) == 0)
		reply_error(req, 400, "refresh token is not valid any more");
	else
		reply_message(req, 200, "refresh token revoked", NULL);
	PQclear(res);
}
