/* youtube_auth.c: OAuth 2.0 access tokens for youtube.c, refreshed once for all workers and nodes */
#include "youtube_auth.h"
#include "cache.h"
#include "config.h"
#include "http_client.h"
#include "log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define TOKEN_KEY "ytoauth:token"
#define LOCK_KEY "ytoauth:lock"
#define LOCK_TTL 5          /* seconds: a refresh that died holding the lock keeps nobody out longer */
#define EARLY 60            /* seconds before its expiry a token stops being used */
#define WAIT_STEP_MS 50
#define WAIT_STEPS 60       /* 3 s of waiting for another worker's refresh */

static const struct http_client_options token_http = {
	.protocols = "http,https",
	.timeout_ms = 2000,
	.max_answer = 64 * 1024,
	.env_proxy = 1,
};

int youtube_auth_oauth(void)
{
	return config.youtube_client_id && *config.youtube_client_id && config.youtube_client_secret &&
	       *config.youtube_client_secret && config.youtube_refresh_token && *config.youtube_refresh_token;
}

/* The cached token (caller frees) unless it is stale, or NULL. */
static char *cached_token(const char *stale)
{
	char *token = NULL;
	long long version;

	if (cache_get(TOKEN_KEY, &token, NULL, &version) != CACHE_HIT)
		return NULL;
	if (token[0] == '\0' || (stale != NULL && strcmp(token, stale) == 0)) {
		free(token);
		return NULL;
	}
	return token;
}

/* The form body of a refresh (caller frees), or NULL. */
static char *refresh_body(struct http_client *hc)
{
	char *id = curl_easy_escape(hc->curl, config.youtube_client_id, 0);
	char *secret = curl_easy_escape(hc->curl, config.youtube_client_secret, 0);
	char *refresh = curl_easy_escape(hc->curl, config.youtube_refresh_token, 0);
	char *body = NULL;
	size_t len;

	if (id != NULL && secret != NULL && refresh != NULL) {
		len = strlen(id) + strlen(secret) + strlen(refresh) + 80;
		if ((body = malloc(len)) != NULL)
			snprintf(body, len, "grant_type=refresh_token&client_id=%s&client_secret=%s&refresh_token=%s",
				 id, secret, refresh);
	}
	curl_free(id);
	curl_free(secret);
	curl_free(refresh);
	return body;
}

/* Ask the token endpoint for a new access token; cached, and returned (caller frees), or NULL (logged). */
static char *refresh_token(void)
{
	struct http_client hc;
	struct json_object *answer = NULL, *v;
	char *body = NULL, *token = NULL;
	long status, expires = 3600;

	if (http_client_open(&hc, &token_http) != 0 || (body = refresh_body(&hc)) == NULL)
		goto out;
	curl_easy_setopt(hc.curl, CURLOPT_URL, config.youtube_token_url);
	curl_easy_setopt(hc.curl, CURLOPT_POSTFIELDS, body);
	status = http_client_perform(&hc);
	/* The answer and the request hold secrets: the log says what happened, not what was said. */
	if (status != 200) {
		log_warn("youtube token: the token endpoint %s %ld", status < 0 ? "failed" : "answered", status);
		goto out;
	}
	answer = json_tokener_parse(hc.answer ? hc.answer : "");
	if (!json_object_object_get_ex(answer, "access_token", &v) || !json_object_is_type(v, json_type_string)) {
		log_warn("youtube token: the token endpoint's answer has no access_token");
		goto out;
	}
	token = strdup(json_object_get_string(v));
	if (json_object_object_get_ex(answer, "expires_in", &v) && json_object_is_type(v, json_type_int))
		expires = json_object_get_int64(v);
	if (token != NULL && expires > EARLY)
		cache_put(TOKEN_KEY, 0, token, NULL, (int)(expires - EARLY));
out:
	json_object_put(answer);
	free(body);
	http_client_close(&hc);
	return token;
}

/* Wait for another worker's refresh: the new token (caller frees), or NULL after WAIT_STEPS. */
static char *token_of_other(const char *stale)
{
	struct timespec step = { 0, WAIT_STEP_MS * 1000000L };
	char *token;

	for (int i = 0; i < WAIT_STEPS; i++) {
		nanosleep(&step, NULL);
		if ((token = cached_token(stale)) != NULL)
			return token;
	}
	log_warn("youtube token: no refreshed token after waiting for another worker's refresh");
	return NULL;
}

char *youtube_access_token(const char *stale)
{
	char *token = cached_token(stale);
	int lock;

	if (token != NULL)
		return token;
	lock = cache_lock(LOCK_KEY, LOCK_TTL);
	if (lock == 0)
		return token_of_other(stale);
	/* Holding the lock, or without Redis (each worker on its own then). */
	if (lock == 1 && (token = cached_token(stale)) != NULL) {
		cache_unlock(LOCK_KEY);
		return token;
	}
	token = refresh_token();
	if (lock == 1)
		cache_unlock(LOCK_KEY);
	return token;
}
