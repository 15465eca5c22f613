/* config.c: settings from the environment and an optional env file */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct config config;

static char *trim(char *s)
{
	char *end;

	while (isspace((unsigned char)*s))
		s++;
	end = s + strlen(s);
	while (end > s && isspace((unsigned char)end[-1]))
		*--end = '\0';
	return s;
}

int config_load_env_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[4096];

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof line, f) != NULL) {
		char *s = trim(line), *eq, *key, *value;
		size_t len;

		if (*s == '\0' || *s == '#')
			continue;
		if (strncmp(s, "export ", 7) == 0)
			s = trim(s + 7);
		eq = strchr(s, '=');
		if (eq == NULL)
			continue;
		*eq = '\0';
		key = trim(s);
		value = trim(eq + 1);
		len = strlen(value);
		/* Quotes as a shell would write them; no expansion. */
		if (len >= 2 && (value[0] == '"' || value[0] == '\'') && value[len - 1] == value[0]) {
			value[len - 1] = '\0';
			value++;
		}
		if (*key != '\0')
			setenv(key, value, 0);
	}
	fclose(f);
	return 0;
}

static const char *env_str(const char *name, const char *fallback)
{
	const char *v = getenv(name);

	return (v != NULL && *v != '\0') ? v : fallback;
}

static long env_long(const char *name, long fallback)
{
	const char *v = getenv(name);
	char *end;
	long n;

	if (v == NULL || *v == '\0')
		return fallback;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno != 0 || *end != '\0' || n <= 0)
		return fallback;
	return n;
}

void config_from_env(void)
{
	long cores = sysconf(_SC_NPROCESSORS_ONLN);

	if (cores < 1)
		cores = 1;
	config.socket_path = env_str("QUEUED_SOCKET", "/tmp/queued.sock");
	config.workers = (int)env_long("QUEUED_WORKERS", 2 * cores);
	config.hash_concurrency = (int)env_long("HASH_CONCURRENCY", cores / 2 > 0 ? cores / 2 : 1);
	config.max_body = (size_t)env_long("QUEUED_MAX_BODY", 64 * 1024);
	config.redis_server = env_str("REDIS_SERVER", "127.0.0.1");
	config.redis_port = (int)env_long("REDIS_PORT", 6379);
	config.redis_password = env_str("REDIS_PASSWORD", NULL);
	config.nchan_socket = env_str("NCHAN_PUBLISH_SOCKET", NULL);
	config.nchan_url = env_str("NCHAN_PUBLISH_URL", "http://127.0.0.1/pub/");
	config.access_token_key = env_str("ACCESS_TOKEN_KEY", NULL);
	config.refresh_token_key = env_str("REFRESH_TOKEN_KEY", NULL);
	config.access_token_age = env_long("ACCESS_TOKEN_AGE", 1800);
	config.refresh_token_age = env_long("REFRESH_TOKEN_AGE", 14L * 24 * 3600);
	config.guest_token_age = env_long("GUEST_TOKEN_AGE", 30L * 24 * 3600);
	config.public_base_url = env_str("PUBLIC_BASE_URL", "http://127.0.0.1:8080");
	config.youtube_api_key = env_str("YOUTUBE_API_KEY", NULL);
	config.youtube_api_url = env_str("YOUTUBE_API_URL", "https://www.googleapis.com/youtube/v3");
	config.youtube_client_id = env_str("YOUTUBE_CLIENT_ID", NULL);
	config.youtube_client_secret = env_str("YOUTUBE_CLIENT_SECRET", NULL);
	config.youtube_refresh_token = env_str("YOUTUBE_REFRESH_TOKEN", NULL);
	config.youtube_token_url = env_str("YOUTUBE_TOKEN_URL", "https://oauth2.googleapis.com/token");
	config.youtube_daily_budget = env_long("YOUTUBE_DAILY_BUDGET", 10000);
	config.metrics_allow = env_str("METRICS_ALLOW", "127.0.0.1,::1");
	config.uploads_dir = env_str("UPLOADS_DIR", "/tmp/queued-uploads");
	config.snapshot_dir = env_str("SNAPSHOT_DIR", NULL);
	config.snapshot_hits_log = env_str("SNAPSHOT_HITS_LOG", NULL);
	config.storage = env_str("STORAGE", "local");
	config.s3_endpoint = env_str("S3_ENDPOINT", NULL);
	config.s3_bucket = env_str("S3_BUCKET", NULL);
	config.s3_region = env_str("S3_REGION", NULL);
	config.s3_access_key = env_str("S3_ACCESS_KEY", NULL);
	config.s3_secret_key = env_str("S3_SECRET_KEY", NULL);
	config.s3_public_base_url = env_str("S3_PUBLIC_BASE_URL", NULL);
	config.s3_virtual_host = strcmp(env_str("S3_URL_STYLE", "path"), "virtual") == 0;
	config.log_level = env_str("LOG_LEVEL", "info");
	config.catalog_writes_open = strcmp(env_str("CATALOG_WRITES", "users"), "open") == 0;
	config.catalog_admins = env_str("CATALOG_ADMINS", "");
	config.queue_max_tracks = (int)env_long("QUEUE_MAX_TRACKS", 1000);
	config.subscribe_ticket_age = env_long("SUBSCRIBE_TICKET_AGE", 60);
	config.smtp_host = env_str("SMTP_HOST", "127.0.0.1");
	config.smtp_port = (int)env_long("SMTP_PORT", 25);
	config.smtp_user = env_str("SMTP_USER", NULL);
	config.smtp_password = env_str("SMTP_PASSWORD", NULL);
	/* With credentials, TLS is required unless the operator says otherwise. */
	config.smtp_tls = env_str("SMTP_TLS", config.smtp_user ? "starttls" : "try");
	config.export_from = env_str("EXPORT_FROM", config.smtp_user ? config.smtp_user : "queued@localhost");
	config.export_max_attempts = (int)env_long("EXPORT_MAX_ATTEMPTS", 10);
	config.export_lease = (int)env_long("EXPORT_LEASE_SECONDS", 60);
	config.export_backoff_max = (int)env_long("EXPORT_BACKOFF_MAX", 60);
	config.room_idle_days = (int)env_long("ROOM_IDLE_DAYS", 30);
}

static int is_http_url(const char *url)
{
	return strncmp(url, "http://", 7) == 0 || strncmp(url, "https://", 8) == 0;
}

/*
 * STORAGE=s3 with every S3_* setting it needs; why names the first one
 * missing, so the operator reads which (the reason lives in a static buffer).
 */
static int storage_validate(const char **why)
{
	static char reason[160];
	const char *url_style = env_str("S3_URL_STYLE", "path");
	const struct { const char *name, *value; } needed[] = {
		{ "S3_ENDPOINT", config.s3_endpoint },
		{ "S3_BUCKET", config.s3_bucket },
		{ "S3_REGION", config.s3_region },
		{ "S3_ACCESS_KEY", config.s3_access_key },
		{ "S3_SECRET_KEY", config.s3_secret_key },
		{ "S3_PUBLIC_BASE_URL", config.s3_public_base_url },
	};

	if (strcmp(config.storage, "local") == 0)
		return 0;
	if (strcmp(config.storage, "s3") != 0) {
		*why = "STORAGE must be \"local\" or \"s3\"";
		return -1;
	}
	for (size_t i = 0; i < sizeof needed / sizeof needed[0]; i++) {
		if (needed[i].value == NULL) {
			snprintf(reason, sizeof reason, "STORAGE=s3 needs %s to be set", needed[i].name);
			*why = reason;
			return -1;
		}
	}
	if (!is_http_url(config.s3_endpoint) || !is_http_url(config.s3_public_base_url)) {
		*why = "S3_ENDPOINT and S3_PUBLIC_BASE_URL must start with http:// or https://";
		return -1;
	}
	if (strcmp(url_style, "path") != 0 && strcmp(url_style, "virtual") != 0) {
		*why = "S3_URL_STYLE must be \"path\" or \"virtual\"";
		return -1;
	}
	return 0;
}

/* The sample env file (etc/queued.env.sample) ships keys that begin with
 * this text: a site started from an unedited copy would sign tokens with a
 * key everyone can read, so the workers refuse it. */
#define SAMPLE_KEY_PREFIX "CHANGE-ME"

static int is_sample_key(const char *key)
{
	return strncmp(key, SAMPLE_KEY_PREFIX, strlen(SAMPLE_KEY_PREFIX)) == 0;
}

int config_validate(const char **why)
{
	const char *catalog_writes = env_str("CATALOG_WRITES", "users");

	if (config.access_token_key == NULL || strlen(config.access_token_key) < 16) {
		*why = "ACCESS_TOKEN_KEY must be set to a secret of at least 16 characters";
		return -1;
	}
	if (config.refresh_token_key == NULL || strlen(config.refresh_token_key) < 16) {
		*why = "REFRESH_TOKEN_KEY must be set to a secret of at least 16 characters";
		return -1;
	}
	if (is_sample_key(config.access_token_key) || is_sample_key(config.refresh_token_key)) {
		*why = "ACCESS_TOKEN_KEY and REFRESH_TOKEN_KEY are still the sample's placeholders: "
		       "set each to a secret of your own (e.g. `openssl rand -hex 32`)";
		return -1;
	}
	if (strcmp(catalog_writes, "users") != 0 && strcmp(catalog_writes, "open") != 0) {
		*why = "CATALOG_WRITES must be \"users\" or \"open\"";
		return -1;
	}
	if (strcmp(config.smtp_tls, "starttls") != 0 && strcmp(config.smtp_tls, "tls") != 0 &&
	    strcmp(config.smtp_tls, "none") != 0 && strcmp(config.smtp_tls, "try") != 0) {
		*why = "SMTP_TLS must be starttls, tls or none";
		return -1;
	}
	if (config.queue_max_tracks > 100000) {
		*why = "QUEUE_MAX_TRACKS must be at most 100000";
		return -1;
	}
	if (config.workers < 1 || config.workers > 256) {
		*why = "QUEUED_WORKERS must be between 1 and 256";
		return -1;
	}
	return storage_validate(why);
}
