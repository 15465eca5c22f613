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
	char *token = NULL;
	struct json_object *data;

	if (field_string_or_reply(req, req->json, "name", 1, 40, &name) != 0)
		return;
	ids_random("guest", id, sizeof id);
	const char *params[] = { id, name };
	if ((res = query_or_reply(req, &guest_insert, params)) == NULL)
		goto out;
	if ((token = auth_guest_token(id, name)) == NULL) {
		reply_error(req, 500, "could not sign the token");
		goto out;
	}
	data = object_with_string("guestId", id);
	json_object_object_add(data, "name", json_object_new_string(name));
	json_object_object_add(data, "token", json_object_new_string(token));
	reply_data(req, 201, data);
out:
	free(token);
	PQclear(res);
}
