/* h_users.c: registered users */
#include "auth.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "request.h"

#include <stdlib.h>
#include <string.h>

DB_STMT(user_insert, 4,
	"INSERT INTO users (id, username, password, fullname) VALUES ($1, $2, $3, $4)"
	" ON CONFLICT (username) DO NOTHING RETURNING id");

/* POST /users {username, password, fullname} -> 201 {userId}; a taken username is 400 */
void users_create(struct request *req)
{
	const char *username, *password, *fullname;
	char id[40];
	char *hash = NULL;
	int slot;
	PGresult *res = NULL;
	enum db_result r;

	if (field_string_or_reply(req, req->json, "username", 1, 50, &username) != 0 ||
	    field_string_or_reply(req, req->json, "password", 1, 200, &password) != 0 ||
	    field_string_or_reply(req, req->json, "fullname", 1, 100, &fullname) != 0)
		return;
	if ((slot = auth_hash_slot_take()) < 0) {
		req->res.retry_after = 1;
		reply_error(req, 503, "too many sign-ups at this moment: try again in a second");
		return;
	}
	hash = auth_hash_password(password);
	auth_hash_slot_give(slot);
	if (hash == NULL) {
		reply_error(req, 500, "could not hash the password");
		return;
	}
	ids_random("user", id, sizeof id);
	const char *params[] = { id, username, hash, fullname };
	r = db_exec(&user_insert, params, &res);
	if (r != DB_OK)
		reply_db_error(req, r, res);
	else if (PQntuples(res) == 0)
		reply_error(req, 400, "username \"%s\" is already taken", username);
	else {
		struct json_object *data = json_object_new_object();

		json_object_object_add(data, "userId", json_object_new_string(id));
		reply_message(req, 201, "user added", data);
	}
	free(hash);
	PQclear(res);
}

DB_STMT(user_by_id, 1, "SELECT id, username, fullname FROM users WHERE id = $1");

/* GET /users/me -> {user: {id, username, fullname}}: who an access token belongs to */
void users_me(struct request *req)
{
	PGresult *res;

	const char *params[] = { req->who.id };
	if ((res = query_or_reply(req, &user_by_id, params)) == NULL)
		return;
	if (PQntuples(res) == 0) {
		reply_error(req, 404, "user not found");
	} else {
		struct json_object *user = json_object_new_object(), *data = json_object_new_object();
		json_object_object_add(user, "id", json_object_new_string(PQgetvalue(res, 0, 0)));
		json_object_object_add(user, "username", json_object_new_string(PQgetvalue(res, 0, 1)));
		json_object_object_add(user, "fullname", json_object_new_string(PQgetvalue(res, 0, 2)));
		json_object_object_add(data, "user", user);
		reply_data(req, 200, data);
	}
	PQclear(res);
}
