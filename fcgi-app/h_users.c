/* h_users.c: registered users */
#include "auth.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "request.h"

#include <stdlib.h>

DB_STMT(user_insert, 4,
	"INSERT INTO users (id, username, password, fullname) VALUES ($1, $2, $3, $4)"
	" ON CONFLICT (username) DO NOTHING RETURNING id");

DB_STMT(user_by_id, 1, "SELECT id, username, fullname FROM users WHERE id = $1");

/*
 * The argon2id hash of password (caller frees), or NULL after replying: 503
 * while every hashing slot is busy (auth.h), 500 when hashing fails.
 */
static char *password_hash_or_reply(struct request *req, const char *password)
{
	int slot = auth_hash_slot_take();
	char *hash;

	if (slot < 0) {
		req->res.retry_after = 1;
		reply_error(req, 503, "too many sign-ups at this moment: try again in a second");
		return NULL;
	}
	hash = auth_hash_password(password);
	auth_hash_slot_give(slot);
	if (hash == NULL)
		reply_error(req, 500, "could not hash the password");
	return hash;
}

/* POST /users {username, password, fullname} -> 201 {userId}; a taken username is 400 */
void users_create(struct request *req)
{
	const char *username, *password, *fullname;
	char id[40];
	char *hash;
	PGresult *res = NULL;

	if (field_string_or_reply(req, req->json, "username", 1, 50, &username) != 0 ||
	    field_string_or_reply(req, req->json, "password", 1, 200, &password) != 0 ||
	    field_string_or_reply(req, req->json, "fullname", 1, 100, &fullname) != 0 ||
	    (hash = password_hash_or_reply(req, password)) == NULL)
		return;
	ids_random("user", id, sizeof id);
	const char *params[] = { id, username, hash, fullname };
	if ((res = query_or_reply(req, &user_insert, params)) == NULL)
		goto out;
	if (PQntuples(res) == 0)
		reply_error(req, 400, "username \"%s\" is already taken", username);
	else
		reply_message(req, 201, "user added", object_with_string("userId", id));
out:
	free(hash);
	PQclear(res);
}

/* GET /users/me -> {user: {id, username, fullname}}: who an access token belongs to */
void users_me(struct request *req)
{
	const char *params[] = { req->who.id };
	PGresult *res = NULL;
	struct json_object *user, *data;

	if ((res = query_row_or_reply(req, &user_by_id, params, "user not found")) == NULL)
		goto out;
	user = json_object_new_object();
	json_object_object_add(user, "id", col_json_text(res, 0, "id"));
	json_object_object_add(user, "username", col_json_text(res, 0, "username"));
	json_object_object_add(user, "fullname", col_json_text(res, 0, "fullname"));
	data = json_object_new_object();
	json_object_object_add(data, "user", user);
	reply_data(req, 200, data);
out:
	PQclear(res);
}
