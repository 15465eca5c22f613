/* router.h: the route table and the dispatcher that applies its flags */
#ifndef QUEUED_ROUTER_H
#define QUEUED_ROUTER_H

#include <stddef.h>

#include "ratelimit.h"

struct request;

typedef void (*route_handler)(struct request *req);

enum route_flags {
	ROUTE_AUTH = 1 << 0, /* a valid guest or access token is required: 401 otherwise */
	ROUTE_JSON = 1 << 1, /* the body is a JSON object, parsed into req->json: 400/415 */
	ROUTE_STREAM = 1 << 2, /* the handler reads the body itself (uploads) */
	ROUTE_USER = 1 << 3, /* ROUTE_AUTH, and the token must be a registered user's: 401 for a guest */
	ROUTE_CATALOG = 1 << 4, /* a catalog write: ROUTE_USER unless CATALOG_WRITES=open */
};

struct route {
	const char *method;
	const char *pattern; /* "/rooms/:code/queue": ':' segments become req->params */
	route_handler handler;
	unsigned flags;
	size_t max_body;     /* 0: config.max_body */
	enum rate_class rate; /* counted after authentication: 429 over the limit */
};

/*
 * Match path against pattern. On a match returns 1 and stores pointers to the
 * parameter segments in buf (a copy of path with '/' cut to '\0'); params
 * point into buf. buf must hold strlen(path) + 1 bytes.
 */
int route_match(const char *pattern, const char *path, char *buf,
		const char **params, int max_params, int *nparams);

/*
 * Is the path of a request target (up to '?') one that nginx passes on
 * unchanged? No "//", no "." or ".." segment, no encoded '/', '\\' or '.',
 * no backslash: nginx would merge or resolve those, and a path must never
 * become another route on the way ("DELETE /albums/1/covers/.." would be
 * "DELETE /albums/1"). NULL (no raw target known) counts as canonical.
 */
int route_path_is_canonical(const char *target);

/*
 * Route req: 400 for a path that is not canonical, 404 unknown path, 405 known path with another method, 401, 429,
 * 413, 415, 400 for a bad JSON body; only then the handler. The reply is in req->res. A request that ran
 * out of memory on the way (request.h) is not handed to its handler: its answer is a 500 already.
 */
void router_dispatch(struct request *req);

/* The table itself, for tests. */
extern const struct route routes[];
extern const size_t routes_count;

#endif
