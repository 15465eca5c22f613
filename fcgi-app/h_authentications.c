/* h_authentications.c: log in, refresh an access token, log out */
#include "auth.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "jsonutil.h"
#include "ratelimit.h"
#include "request.h"

#include <stdlib.h>

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

static void check_decoy_password(const char *password)
{
	if (decoy_hash == NULL)
		decoy_hash = auth_hash_password("decoy password");
	if (decoy_hash != NULL)
		auth_check_password(decoy_hash, password);
}

/*
 * The row (id, fullname) of the user username when password is theirs, or
 * NULL after replying: 401 for a wrong username or password alike, 503 while
 * every hashing slot is busy (auth.h).
 */
static PGresult *user_with_password_or_reply(struct request *req, const char *username, const char *password)
{
	const char *params[] = { username };
	PGresult *res = NULL;
	int slot = auth_hash_slot_take();

	if (slot < 0) {
		req->res.retry_after = 1;
		reply_error(req, 503, "too many sign-ins at this moment: try again in a second");
		return NULL;
	}
	if ((res = query_or_reply(req, &user_by_username, params)) == NULL)
		goto out;
	if (PQntuples(res) == 0)
		check_decoy_password(password);
	if (PQntuples(res) == 0 || !auth_check_password(db_text(res, 0, "password"), password)) {
		reply_error(req, 401, "the username or the password is wrong");
		PQclear(res);
		res = NULL;
	}
out:
	auth_hash_slot_give(slot);
	return res;
}

/* POST /authentications {username, password} -> 201 {accessToken, refreshToken} */
void authentications_login(struct request *req)
{
	const char *username, *password, *user_id;
	PGresult *user = NULL, *res = NULL;
	char *access = NULL, *refresh = NULL;
	struct json_object *data;

	/* Guessing one account from many addresses is limited by its name too. */
	if (field_string_or_reply(req, req->json, "username", 1, 200, &username) != 0 ||
	    field_string_or_reply(req, req->json, "password", 1, 200, &password) != 0 ||
	    ratelimit_hit_or_reply(req, RATE_LOGIN_NAME, username) != 0)
		return;
	if ((user = user_with_password_or_reply(req, username, password)) == NULL)
		goto out;
	user_id = db_text(user, 0, "id");
	access = auth_access_token(user_id, db_text(user, 0, "fullname"));
	refresh = auth_refresh_token(user_id);
	if (access == NULL || refresh == NULL) {
		reply_error(req, 500, "could not sign the tokens");
		goto out;
	}
	const char *params[] = { refresh, user_id };
	if ((res = query_or_reply(req, &refresh_insert, params)) == NULL)
		goto out;
	data = json_object_new_object();
	json_object_object_add(data, "accessToken", json_object_new_string(access));
	json_object_object_add(data, "refreshToken", json_object_new_string(refresh));
	reply_message(req, 201, "authentication added", data);
out:
	free(access);
	free(refresh);
	PQclear(user);
	PQclear(res);
}

/*
 * Run st with the body's refreshToken, verified by signature: its row, or
 * NULL after replying 400 (a bad signature, or a token the database no
 * longer holds) or the database's failure.
 */
static PGresult *refresh_row_or_reply(struct request *req, struct db_stmt *st)
{
	const char *token;
	char user_id[64];
	PGresult *res;

	if (field_string_or_reply(req, req->json, "refreshToken", 1, 4096, &token) != 0)
		return NULL;
	if (auth_verify_refresh_token(token, user_id, sizeof user_id) != 0) {
		reply_error(req, 400, "refresh token is invalid");
		return NULL;
	}
	const char *params[] = { token };
	res = query_or_reply(req, st, params);
	if (res != NULL && PQntuples(res) == 0) {
		reply_error(req, 400, "refresh token is not valid any more");
		PQclear(res);
		res = NULL;
	}
	return res;
}

/* PUT /authentications {refreshToken} -> 200 {accessToken} */
void authentications_refresh(struct request *req)
{
	PGresult *res = NULL;
	char *access = NULL;

	if ((res = refresh_row_or_reply(req, &refresh_lookup)) == NULL)
		goto out;
	access = auth_access_token(db_text(res, 0, "id"), db_text(res, 0, "fullname"));
	if (access == NULL) {
		reply_error(req, 500, "could not sign the token");
		goto out;
	}
	reply_message(req, 200, "access token refreshed", object_with_string("accessToken", access));
out:
	free(access);
	PQclear(res);
}

/* DELETE /authentications {refreshToken} -> 200; the token is revoked */
void authentications_logout(struct request *req)
{
	PGresult *res = refresh_row_or_reply(req, &refresh_delete);

	if (res != NULL)
		reply_message(req, 200, "refresh token revoked", NULL);
	PQclear(res);
}
