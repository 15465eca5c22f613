/* youtube_auth.h: how youtube.c proves who it is: an API key, or OAuth 2.0 access tokens shared in Redis */
#ifndef QUEUED_YOUTUBE_AUTH_H
#define QUEUED_YOUTUBE_AUTH_H

/* Client id, secret and refresh token all set? 1 or 0. OAuth wins over a key when both are. */
int youtube_auth_oauth(void);

/*
 * An OAuth 2.0 access token (caller frees), or NULL when none could be had
 * (logged, never with a secret). stale NULL: the cached token, refreshed
 * only if there is none. stale a token YouTube refused (401): a newer one,
 * refreshed at the token endpoint by one worker of all nodes while the
 * others wait for it (a lock in Redis).
 */
char *youtube_access_token(const char *stale);

#endif
