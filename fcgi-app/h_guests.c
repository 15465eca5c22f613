/* h_guests.c: guest identities, the voters who never registered */
#include "auth.h"
#include "db.h"
#include "query.h"
#include "handlers.h"
#include "ids.h"
#include "jsonutil.h"
#include "request.h"

#include <stdlib.h>

DB_STMT(guest_insert, 2, "INSERT INTO guests (id, name) VALUES ($1, $2)");

/* POST /guests {"name"} -> 201 {guestId, name, token} */
void guests_create(struct request *req)
{
	const char *name;
	char id[40];
	PGresult *res = NULL;
	enum db_result r;
	char *token = NULL;
	struct json_object *data;

	if (field_string_or_reply(req, req->json, "name", 1, 40, &name) != 0)
		return;
	ids_random("guest", id, sizeof id);
	const char *params[] = { id, name };
	r = db_exec(&guest_insert, params, &res);
	if (r != DB_OK) {
		reply_db_error(req, r, res);
		goto out;
	}
	token = auth_guest_token(id, name);
	if (token == NULL) {
		reply_error(req, 500, "could not sign the token");
		goto out;
	}
	data = json_object_new_object();
	json_object_object_add(data, "guestId", json_object_new_string(id));
	json_object_object_add(data, "name", json_object_new_string(name));
	json_object_object_add(data, "token", json_object_new_string(token));
	reply_data(req, 201, data);
out:
	free(token);
	PQclear(res);
}
