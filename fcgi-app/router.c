/* router.c: the route table and the dispatcher that applies its flags */
#include "router.h"
#include "auth.h"
#include "config.h"
#include "handlers.h"
#include "jsonutil.h"
#include "request.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Every endpoint of the API, in one place. */
const struct route routes[] = {
	/* Operations (h_health.c): no identity, no rate limit; /metrics checks METRICS_ALLOW itself. */
	{ "GET", "/healthz", health_live, 0, 0, RATE_NONE },
	{ "GET", "/readyz", health_ready, 0, 0, RATE_NONE },
	{ "GET", "/metrics", health_metrics, 0, 0, RATE_NONE },

	{ "POST", "/guests", guests_create, ROUTE_JSON, 0, RATE_GUEST },

	{ "POST", "/albums", albums_create, ROUTE_CATALOG | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/albums", albums_list, 0, 0, RATE_NONE },
	{ "GET", "/albums/:id", albums_get, 0, 0, RATE_NONE },
	{ "PUT", "/albums/:id", albums_update, ROUTE_CATALOG | ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/albums/:id", albums_delete, ROUTE_CATALOG, 0, RATE_NONE },
	{ "POST", "/albums/:id/likes", album_likes_add, ROUTE_USER, 0, RATE_NONE },
	{ "DELETE", "/albums/:id/likes", album_likes_delete, ROUTE_USER, 0, RATE_NONE },
	{ "GET", "/albums/:id/likes", album_likes_get, 0, 0, RATE_NONE },
	{ "POST", "/albums/:id/covers", albums_cover_upload, ROUTE_CATALOG | ROUTE_STREAM, COVER_UPLOAD_MAX_BODY, RATE_NONE },

	{ "POST", "/songs", songs_create, ROUTE_CATALOG | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/songs", songs_search, 0, 0, RATE_NONE },
	{ "GET", "/youtube/search", youtube_search_get, 0, 0, RATE_SEARCH },
	{ "GET", "/search", search_get, 0, 0, RATE_SEARCH },
	{ "GET", "/songs/:id", songs_get, 0, 0, RATE_NONE },
	{ "PUT", "/songs/:id", songs_update, ROUTE_CATALOG | ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/songs/:id", songs_delete, ROUTE_CATALOG, 0, RATE_NONE },

	{ "POST", "/users", users_create, ROUTE_JSON, 0, RATE_SIGNUP },
	{ "GET", "/users/me", users_me, ROUTE_USER, 0, RATE_NONE },

	{ "GET", "/me/queue", me_queue_get, ROUTE_USER, 0, RATE_NONE },
	{ "PUT", "/me/queue", me_queue_put, ROUTE_USER | ROUTE_JSON, ME_QUEUE_MAX_BODY, RATE_NONE },
	{ "PATCH", "/me/queue", me_queue_patch, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "POST", "/me/queue/tracks", me_queue_add, ROUTE_USER | ROUTE_JSON, ME_QUEUE_MAX_BODY, RATE_NONE },
	{ "DELETE", "/me/queue/tracks/:position", me_queue_remove, ROUTE_USER, 0, RATE_NONE },
	{ "POST", "/me/queue/play-now", me_queue_play_now, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "POST", "/me/queue/shuffle", me_queue_shuffle, ROUTE_USER, 0, RATE_NONE },
	{ "POST", "/me/queue/unshuffle", me_queue_unshuffle, ROUTE_USER, 0, RATE_NONE },
	{ "POST", "/me/queue/next", me_queue_next, ROUTE_USER, 0, RATE_NONE },
	{ "POST", "/me/queue/previous", me_queue_previous, ROUTE_USER, 0, RATE_NONE },
	{ "POST", "/me/queue/move", me_queue_move, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/me/queue/upcoming", me_queue_clear_upcoming, ROUTE_USER, 0, RATE_NONE },
	{ "GET", "/me/queue/subscription", me_queue_subscription, ROUTE_USER, 0, RATE_NONE },
	{ "GET", "/me/queue/events", me_queue_events, 0, 0, RATE_NONE },
	{ "GET", "/me/preferences", me_preferences_get, ROUTE_USER, 0, RATE_NONE },
	{ "PUT", "/me/preferences", me_preferences_put, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/me/rooms", me_rooms, ROUTE_AUTH, 0, RATE_NONE },

	{ "POST", "/authentications", authentications_login, ROUTE_JSON, 0, RATE_LOGIN },
	{ "PUT", "/authentications", authentications_refresh, ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/authentications", authentications_logout, ROUTE_JSON, 0, RATE_NONE },

	{ "POST", "/playlists", playlists_create, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/playlists", playlists_list, ROUTE_USER, 0, RATE_NONE },
	{ "DELETE", "/playlists/:id", playlists_delete, ROUTE_USER, 0, RATE_NONE },
	{ "POST", "/playlists/:id/songs", playlist_songs_add, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/playlists/:id/songs", playlist_songs_list, ROUTE_USER, 0, RATE_NONE },
	{ "DELETE", "/playlists/:id/songs", playlist_songs_delete, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/playlists/:id/activities", playlist_activities_list, ROUTE_USER, 0, RATE_NONE },

	{ "POST", "/export/playlists/:playlistId", exports_create, ROUTE_USER | ROUTE_JSON, 0, RATE_EXPORT },
	{ "GET", "/export/jobs/:jobId", exports_get, ROUTE_USER, 0, RATE_NONE },

	{ "POST", "/collaborations", collaborations_create, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/collaborations", collaborations_delete, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },

	{ "POST", "/rooms", rooms_create, ROUTE_AUTH | ROUTE_JSON, 0, RATE_ROOM },
	{ "POST", "/rooms/:code/close", rooms_close, ROUTE_AUTH, 0, RATE_NONE },
	{ "POST", "/rooms/:code/host", rooms_host_transfer, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "POST", "/rooms/:code/leave", rooms_leave, ROUTE_AUTH, 0, RATE_NONE },
	{ "GET", "/rooms/:code", rooms_get, 0, 0, RATE_NONE },
	{ "PATCH", "/rooms/:code", rooms_update, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/rooms/:code/members", rooms_members, 0, 0, RATE_NONE },
	{ "GET", "/rooms/:code/me", rooms_me, ROUTE_AUTH, 0, RATE_NONE },
	{ "PATCH", "/rooms/:code/me", rooms_rename, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "POST", "/rooms/:code/join", rooms_join, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "GET", "/rooms/:code/events", rooms_events, 0, 0, RATE_NONE },
	{ "GET", "/rooms/:code/qr.svg", rooms_qr, 0, 0, RATE_NONE },
	{ "GET", "/rooms/:code/history", rooms_history, 0, 0, RATE_NONE },
	{ "POST", "/rooms/:code/history/playlist", rooms_history_playlist, ROUTE_USER | ROUTE_JSON, 0, RATE_NONE },
	{ "POST", "/rooms/:code/cohosts", rooms_cohost_add, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/rooms/:code/cohosts/:memberId", rooms_cohost_delete, ROUTE_AUTH, 0, RATE_NONE },
	{ "POST", "/rooms/:code/bans", rooms_ban_add, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/rooms/:code/bans/:memberId", rooms_ban_delete, ROUTE_AUTH, 0, RATE_NONE },
	{ "GET", "/rooms/:code/queue", queue_get, 0, 0, RATE_NONE },
	{ "POST", "/rooms/:code/queue", queue_add, ROUTE_AUTH | ROUTE_JSON, 0, RATE_ADD },
	{ "DELETE", "/rooms/:code/queue/:entryId", queue_remove, ROUTE_AUTH, 0, RATE_NONE },
	{ "PUT", "/rooms/:code/queue/:entryId/vote", queue_vote, ROUTE_AUTH | ROUTE_JSON, 0, RATE_VOTE },
	{ "PUT", "/rooms/:code/queue/:entryId/pin", queue_pin, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "DELETE", "/rooms/:code/queue/:entryId/pin", queue_unpin, ROUTE_AUTH, 0, RATE_NONE },
	{ "POST", "/rooms/:code/advance", queue_advance, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
	{ "POST", "/rooms/:code/skip", queue_skip, ROUTE_AUTH | ROUTE_JSON, 0, RATE_VOTE },
	{ "PUT", "/rooms/:code/playback", playback_update, ROUTE_AUTH | ROUTE_JSON, 0, RATE_NONE },
};
const size_t routes_count = sizeof routes / sizeof routes[0];

int route_match(const char *pattern, const char *path, char *buf,
		const char **params, int max_params, int *nparams)
{
	const char *p = pattern;
	char *s = buf;
	size_t len = strlen(path);
	int n = 0;

	*nparams = 0;
	memcpy(buf, path, len + 1);
	/* One trailing slash is forgiven: "/songs/" is "/songs". */
	if (len > 1 && buf[len - 1] == '/')
		buf[len - 1] = '\0';
	if (*p != '/' || *s != '/')
		return 0;
	p++;
	s++;
	for (;;) {
		size_t plen = strcspn(p, "/"), slen = strcspn(s, "/");
		char p_sep = p[plen], s_sep = s[slen];

		if (*p == ':') {
			if (slen == 0 || n >= max_params)
				return 0;
			params[n++] = s;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return 0;
		}
		if (p_sep == '\0' || s_sep == '\0') {
			*nparams = n;
			return p_sep == '\0' && s_sep == '\0';
		}
		s[slen] = '\0'; /* ends a parameter segment in place */
		p += plen + 1;
		s += slen + 1;
	}
}

int route_path_is_canonical(const char *target)
{
	size_t len;

	if (target == NULL)
		return 1;
	len = strcspn(target, "?");
	for (size_t i = 0; i < len; i++) {
		const char *p = target + i;

		if (*p == '\\')
			return 0;
		if (*p == '%' && i + 2 < len &&
		    (strncasecmp(p, "%2f", 3) == 0 || strncasecmp(p, "%5c", 3) == 0 ||
		     strncasecmp(p, "%2e", 3) == 0))
			return 0;
		if (*p != '/')
			continue;
		/* What follows this slash: another slash, "." or ".." as a whole segment. */
		if (i + 1 < len && p[1] == '/')
			return 0;
		if (i + 1 < len && p[1] == '.') {
			size_t rest = len - i - 1;

			if (rest == 1 || p[2] == '/')
				return 0;
			if (p[2] == '.' && (rest == 2 || p[3] == '/'))
				return 0;
		}
	}
	return 1;
}

/* Drain what the client sent so the web server never sees a half-read request. */
static void drain_body(struct request *req)
{
	char buf[4096];

	if (req->read_body == NULL)
		return;
	while (req->read_body(req, buf, sizeof buf) > 0)
		;
}

/*
 * The body of a JSON route, parsed into req->json. Read into memory of its
 * own (json-c keeps a copy) so a large body does not stay in the arena.
 * Returns 0, or -1 after replying (400, or 500 when out of memory).
 */
static int read_json_body(struct request *req, size_t max)
{
	size_t cap, len = 0;
	char *buf;
	const char *why;
	long n;

	if (req->content_length < 0 || req->content_length == 0) {
		reply_error(req, 400, "request body must be a JSON object");
		return -1;
	}
	cap = (size_t)req->content_length;
	if (cap > max)
		cap = max;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		req_out_of_memory(req);
		return -1;
	}
	while (len < cap && req->read_body != NULL &&
	       (n = req->read_body(req, buf + len, cap - len)) > 0)
		len += (size_t)n;
	buf[len] = '\0';
	req->json = parse_json_strict(buf, len, &why);
	free(buf);
	if (req->json == NULL) {
		reply_error(req, 400, "%s", why);
		return -1;
	}
	if (!json_object_is_type(req->json, json_type_object)) {
		reply_error(req, 400, "request body must be a JSON object");
		return -1;
	}
	return 0;
}

static int is_json_content_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || *ct == '\0')
		return 1; /* many clients omit it; the body must still parse */
	if (strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/*
 * The route for req's method and path, its parameters copied into req; NULL
 * after replying 404 (no such path) or 405 (with Allow: the methods it has).
 */
static const struct route *find_route(struct request *req)
{
	const struct route *found = NULL;
	char allow[128] = "";
	char *buf = req_alloc(req, strlen(req->path) + 1);
	const char *params[REQUEST_MAX_PARAMS];
	int nparams = 0;

	for (size_t i = 0; i < routes_count && found == NULL; i++) {
		const struct route *r = &routes[i];

		if (!route_match(r->pattern, req->path, buf, params, REQUEST_MAX_PARAMS, &nparams))
			continue;
		if (strcmp(r->method, req->method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 && strcmp(r->method, "GET") == 0)) {
			found = r;
		} else if (strstr(allow, r->method) == NULL) {
			if (allow[0] != '\0')
				strncat(allow, ", ", sizeof allow - strlen(allow) - 1);
			strncat(allow, r->method, sizeof allow - strlen(allow) - 1);
		}
	}
	if (found == NULL && allow[0] == '\0') {
		reply_error(req, 404, "no such resource: %s", req->path);
	} else if (found == NULL) {
		req->res.allow = req_strdup(req, allow);
		reply_error(req, 405, "method %s not allowed here (allowed: %s)", req->method, allow);
	} else {
		/* The last match was the found route's: its segments are still in buf. */
		for (int i = 0; i < nparams; i++)
			req->params[i] = req_strdup(req, params[i]);
		req->nparams = nparams;
		req->route = (int)(found - routes);
	}
	return found;
}

/* Who is asking, as the route's flags require. Returns 0, or -1 after replying 401. */
static int identify_or_reply(struct request *req, unsigned flags)
{
	const char *why = NULL;

	/* OpenMusic v3 lets anyone write the catalog; a safe deployment does not. */
	if ((flags & ROUTE_CATALOG) && !config.catalog_writes_open)
		flags |= ROUTE_USER;
	if (!(flags & (ROUTE_AUTH | ROUTE_USER))) {
		/* Optional identity on public routes; a bad token there is ignored. */
		if (req->authorization != NULL && auth_identify(req->authorization, &req->who, &why) != 0)
			memset(&req->who, 0, sizeof req->who);
		return 0;
	}
	if (auth_identify(req->authorization, &req->who, &why) != 0) {
		reply_error(req, 401, "%s", why);
		return -1;
	}
	if ((flags & ROUTE_USER) && req->who.kind != IDENTITY_USER) {
		reply_error(req, 401, "this needs a registered user's access token, not a guest's");
		return -1;
	}
	return 0;
}

/*
 * The guards after the identity, in order: rate 429, size 413, content type
 * 415, JSON 400. Returns 0 with a JSON route's body in req->json, or -1 after
 * replying.
 */
static int admit_body_or_reply(struct request *req, const struct route *route)
{
	size_t max = route->max_body ? route->max_body : config.max_body;

	if (route->rate != RATE_NONE &&
	    ratelimit_hit_or_reply(req, route->rate, ratelimit_subject(route->rate, req)) != 0)
		return -1;
	if (req->content_length > 0 && (size_t)req->content_length > max) {
		reply_error(req, 413, "request body is larger than %zu bytes", max);
		return -1;
	}
	if (!(route->flags & ROUTE_JSON))
		return 0;
	if (!is_json_content_type(req->content_type)) {
		reply_error(req, 415, "request body must be application/json");
		return -1;
	}
	return read_json_body(req, max);
}

void router_dispatch(struct request *req)
{
	const struct route *route;

	if (!route_path_is_canonical(req->raw_uri)) {
		reply_error(req, 400, "the path must not contain \"//\", \".\" or \"..\" segments or encoded separators");
		goto out;
	}
	route = find_route(req);
	if (route == NULL || identify_or_reply(req, route->flags) != 0 || admit_body_or_reply(req, route) != 0)
		goto out;
	/* A JSON route's body is read by now and a streaming handler reads its own; no other needs one. */
	if (!(route->flags & (ROUTE_JSON | ROUTE_STREAM)))
		drain_body(req);
	if (!req->out_of_memory) /* its answer is a 500 already: do no more for it */
		route->handler(req);
out:
	drain_body(req); /* whatever is left unread */
}
