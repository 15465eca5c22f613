/* exportd.c: queued-exportd: sends playlist exports queued in PostgreSQL by email */
#include "config.h"
#include "db.h"
#include "export.h"
#include "http_client.h"
#include "log.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sql/004 notifies this channel when a job is queued. */
DB_STMT(listen_export_jobs, 0, "LISTEN export_jobs");

static volatile sig_atomic_t stopping;

static void on_stop(int sig)
{
	stopping = 1;
}

int main(int argc, char **argv)
{
	const char *env_file = getenv("QUEUED_ENV_FILE");
	struct sigaction sa;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--env-file") == 0 && i + 1 < argc) {
			env_file = argv[++i];
		} else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			puts("usage: queued-exportd [--env-file FILE]\n"
			     "       queued-exportd --help | --version\n"
			     "Sends the playlist exports queued in PostgreSQL by email; settings\n"
			     "from the environment and the env file (queued-exportd(8)).");
			return 0;
		} else if (strcmp(argv[i], "--version") == 0) {
			puts("queued-exportd " PACKAGE_VERSION);
			return 0;
		} else {
			fatal("usage: queued-exportd [--env-file FILE] (--help)");
		}
	}
	if (env_file != NULL && config_load_env_file(env_file) != 0)
		fatal("cannot read env file %s", env_file);
	config_from_env();
	log_set_level(log_level_from_name(config.log_level));
	if (http_client_global_init() != 0)
		fatal("libcurl failed to initialise");
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	/* New jobs wake us through NOTIFY; retries and expired leases by the clock. */
	db_listen(&listen_export_jobs);
	log_info("sending exports through %s:%d", config.smtp_host, config.smtp_port);
	while (!stopping) {
		int rc;

		while (!stopping && (rc = export_run_one()) > 0)
			;
		if (stopping)
			break;
		db_wait_notify(export_next_due_ms(5000));
	}
	db_disconnect();
	http_client_global_cleanup();
	log_info("stopped");
	return 0;
}
