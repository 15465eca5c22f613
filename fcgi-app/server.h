/* server.h: the supervisor: the listening socket, a pool of forked workers kept full, a periodic hook, an orderly shutdown, a reload that loses no request */
#ifndef QUEUED_SERVER_H
#define QUEUED_SERVER_H

/* What the program does at each point of the pool's life; any may be NULL. */
struct server_hooks {
	void (*prepare)(void);      /* supervisor, socket open, before the first worker: what they inherit */
	void (*worker_start)(void); /* each worker after fork, before its first request */
	void (*worker_stop)(void);  /* each worker after its last request */
	void (*every_minute)(void); /* supervisor, about once a minute while it runs */
};

/*
 * Remember argv, the environment as it is now and the program's file, for
 * a reload to start the program again the same way. Call first in main,
 * before anything changes the environment (an env file's settings are read
 * again then).
 */
void server_keep_command(char **argv);

/*
 * Listen on config.socket_path, fork config.workers workers (each serves
 * FastCGI requests, fcgi_adapter.h) and keep that many alive until SIGTERM or
 * SIGINT; then let in-flight requests finish, reap the workers and return 0.
 * SIGHUP reloads: the process execs the program's file again (a new build
 * if it was replaced), keeping its pid and the open socket; the new
 * program's workers start, and once they are connected the old ones finish
 * their request and exit. Not a request is lost (docs/architecture.md).
 * Returns -1 when the socket cannot be opened.
 */
int server_run(const struct server_hooks *hooks);

#endif
