/* main.c: queued-fcgi: options, configuration, library set-up, then the supervisor with the app's hooks */
#include "auth.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "handlers.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"
#include "publish.h"
#include "queue_cache.h"
#include "ratelimit.h"
#include "server.h"

#include <errno.h>
#include <getopt.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void usage(FILE *out)
{
	fprintf(out,
		"usage: queued-fcgi [--socket PATH] [--workers N] [--env-file FILE]\n"
		"       queued-fcgi --help | --version\n"
		"Settings come from the environment (see README.md, queued-fcgi(8)); the\n"
		"env file fills only variables that are not already set.\n");
}

static void worker_connect(void);
static void worker_disconnect(void);
static void close_idle_rooms(void);

/* Before the first fork: what every worker inherits. */
static void prepare_workers(void)
{
	queue_cache_prepare();
	metrics_init(); /* shared by every worker, so counts survive a worker's death */
	/* Sign-ins may occupy all workers but one: that one stays for votes. */
	auth_hash_slots_init(config.hash_concurrency, config.workers - config.hash_concurrency - 1);
	close_idle_rooms();
}

/* A worker's connections, each kept for its whole life. */
static void worker_connect(void)
{
	queue_cache_worker_init();
	db_connect();
	cache_connect();
	publish_init();
}

static void worker_disconnect(void)
{
	publish_cleanup();
	cache_disconnect();
	db_disconnect();
}

/* Between two runs of the idle job; a room idle for days waits minutes more at most. */
#define IDLE_CHECK_SECONDS 300

/*
 * The idle job (ROOM_IDLE_DAYS), at start-up and then every
 * IDLE_CHECK_SECONDS: in a process with a worker's connections, so the
 * supervisor itself never holds one (its workers would inherit it) and a
 * slow database never delays its care of the pool. Forked twice: the
 * supervisor's children stay its workers alone (what tests and operators
 * count), and the job, an orphan, is reaped by init.
 */
static void close_idle_rooms(void)
{
	static time_t next;
	time_t now = time(NULL);
	pid_t pid;

	if (now < next)
		return;
	next = now + IDLE_CHECK_SECONDS;
	if ((pid = fork()) < 0) {
		log_error("fork for the idle job: %s", strerror(errno));
		return;
	}
	if (pid > 0) {
		waitpid(pid, NULL, 0); /* the middle process, gone at once */
		return;
	}
	if (fork() != 0)
		_exit(0);
	worker_connect();
	rooms_close_idle(config.room_idle_days);
	worker_disconnect();
	_exit(0);
}

static void every_minute(void)
{
	queue_cache_sweep();
	close_idle_rooms();
}

static const struct server_hooks hooks = {
	.prepare = prepare_workers,
	.worker_start = worker_connect,
	.worker_stop = worker_disconnect,
	.every_minute = every_minute,
};

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "workers", required_argument, NULL, 'w' },
		{ "env-file", required_argument, NULL, 'e' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *socket_path = NULL, *workers = NULL, *env_file = getenv("QUEUED_ENV_FILE");
	const char *why;
	int c;

	server_keep_command(argv);
	while ((c = getopt_long(argc, argv, "s:w:e:hV", options, NULL)) != -1) {
		switch (c) {
		case 's': socket_path = optarg; break;
		case 'w': workers = optarg; break;
		case 'e': env_file = optarg; break;
		case 'h': usage(stdout); return 0;
		case 'V': puts("queued-fcgi " PACKAGE_VERSION); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (env_file != NULL && config_load_env_file(env_file) != 0)
		fatal("cannot read env file %s", env_file);
	if (socket_path != NULL)
		setenv("QUEUED_SOCKET", socket_path, 1);
	if (workers != NULL)
		setenv("QUEUED_WORKERS", workers, 1);
	config_from_env();
	log_set_level(log_level_from_name(config.log_level));
	ratelimit_configure();
	if (config_validate(&why) != 0)
		fatal("%s", why);
	if (sodium_init() < 0)
		fatal("libsodium failed to initialise");
	if (http_client_global_init() != 0)
		fatal("libcurl failed to initialise");
	int rc = server_run(&hooks);
	http_client_global_cleanup();
	return rc == 0 ? 0 : 1;
}
