/* config.h: settings from the environment and an optional env file */
#ifndef QUEUED_CONFIG_H
#define QUEUED_CONFIG_H

#include <stddef.h>

struct config {
	const char *socket_path;      /* QUEUED_SOCKET: FastCGI unix socket to listen on */
	int workers;                  /* QUEUED_WORKERS: worker processes (default 2 x cores) */
	int hash_concurrency;         /* HASH_CONCURRENCY: password hashes computed at once (default cores / 2, at least 1) */
	size_t max_body;              /* QUEUED_MAX_BODY: largest JSON body in bytes */
	const char *redis_server;     /* REDIS_SERVER: host name, or a unix socket path */
	int redis_port;               /* REDIS_PORT */
	const char *redis_password;   /* REDIS_PASSWORD: AUTH after connecting, when set */
	const char *nchan_socket;     /* NCHAN_PUBLISH_SOCKET: nginx publisher unix socket */
	const char *nchan_url;        /* NCHAN_PUBLISH_URL: publisher base URL, channel appended */
	const char *access_token_key; /* ACCESS_TOKEN_KEY: HS256 secret of access and guest tokens */
	const char *refresh_token_key;/* REFRESH_TOKEN_KEY */
	long access_token_age;        /* ACCESS_TOKEN_AGE: seconds */
	long refresh_token_age;       /* REFRESH_TOKEN_AGE: seconds */
	long guest_token_age;         /* GUEST_TOKEN_AGE: seconds */
	const char *public_base_url;  /* PUBLIC_BASE_URL: absolute URLs handed to clients */
	const char *uploads_dir;      /* UPLOADS_DIR: where uploaded files are stored (nginx serves /uploads/) */
	const char *storage;          /* STORAGE: "local" (UPLOADS_DIR, the default) or "s3" */
	const char *s3_endpoint;      /* S3_ENDPOINT: http(s)://host[:port] of the S3 API */
	const char *s3_bucket;        /* S3_BUCKET */
	const char *s3_region;        /* S3_REGION: signed into every request (MinIO: us-east-1) */
	const char *s3_access_key;    /* S3_ACCESS_KEY */
	const char *s3_secret_key;    /* S3_SECRET_KEY */
	const char *s3_public_base_url; /* S3_PUBLIC_BASE_URL: where clients read the objects; "/KIND/NAME" is appended */
	int s3_virtual_host;          /* S3_URL_STYLE: "path" (default: ENDPOINT/BUCKET/KEY) or "virtual" (BUCKET.host/KEY) */
	const char *snapshot_dir;     /* SNAPSHOT_DIR: answers as files nginx serves (snapshot.h); unset: none */
	const char *snapshot_hits_log; /* SNAPSHOT_HITS_LOG: nginx's log of snapshot files served (two bytes each), for /metrics */
	const char *log_level;        /* LOG_LEVEL: debug, info, warn, error */
	int catalog_writes_open;      /* CATALOG_WRITES: "users" (default) or "open" (OpenMusic v3's anonymous writes) */
	const char *catalog_admins;   /* CATALOG_ADMINS: usernames that may change any album or song, comma-separated */
	int queue_max_tracks;         /* QUEUE_MAX_TRACKS: entries of a personal queue (default 1000) */
	long subscribe_ticket_age;    /* SUBSCRIBE_TICKET_AGE: seconds a subscription URL can be opened */
	const char *youtube_api_key;  /* YOUTUBE_API_KEY: search YouTube when set */
	const char *youtube_api_url;  /* YOUTUBE_API_URL: the Data API v3 base */
	const char *youtube_client_id;     /* YOUTUBE_CLIENT_ID: OAuth 2.0, instead of a key, with the two below */
	const char *youtube_client_secret; /* YOUTUBE_CLIENT_SECRET */
	const char *youtube_refresh_token; /* YOUTUBE_REFRESH_TOKEN: exchanged for access tokens */
	const char *youtube_token_url;     /* YOUTUBE_TOKEN_URL: the OAuth 2.0 token endpoint */
	long youtube_daily_budget;    /* YOUTUBE_DAILY_BUDGET: quota units a Pacific-time day, all nodes (default 10000) */
	const char *metrics_allow;    /* METRICS_ALLOW: addresses and CIDR prefixes that may read /metrics, comma-separated */
	/* queued-exportd */
	const char *smtp_host;        /* SMTP_HOST */
	int smtp_port;                /* SMTP_PORT */
	const char *smtp_user;        /* SMTP_USER: authenticate only when set */
	const char *smtp_password;    /* SMTP_PASSWORD */
	const char *smtp_tls;         /* SMTP_TLS: starttls, tls or none; default starttls with SMTP_USER, else "try" */
	const char *export_from;      /* EXPORT_FROM: sender; default SMTP_USER or queued@localhost */
	int export_max_attempts;      /* EXPORT_MAX_ATTEMPTS */
	int export_lease;             /* EXPORT_LEASE_SECONDS: a claimed job's lease */
	int export_backoff_max;       /* EXPORT_BACKOFF_MAX: longest wait between attempts, s */
	int room_idle_days;           /* ROOM_IDLE_DAYS: a room without activity this long is closed (default 30) */
};

extern struct config config;

/*
 * Read KEY=VALUE lines from path into the environment. Variables already set
 * win, so the process environment overrides the file. Returns 0, or -1 when the
 * file cannot be read (errno set).
 */
int config_load_env_file(const char *path);

/* Fill the global config from the environment, with defaults. */
void config_from_env(void);

/* Returns -1 with a reason in *why when the config cannot run a server. */
int config_validate(const char **why);

#endif
