/* server.h: the supervisor: the listening socket, a pool of forked workers kept full, a periodic hook, an orderly shutdown */
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
 * Listen on config.socket_path, fork config.workers workers (each serves
 * FastCGI requests, fcgi_adapter.h) and keep that many alive until SIGTERM or
 * SIGINT; then let in-flight requests finish, reap the workers and return 0.
 * Returns -1 when the socket cannot be opened.
 */
int server_run(const struct server_hooks *hooks);

#endif
