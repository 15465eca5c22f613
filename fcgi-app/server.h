/* server.h: the FastCGI socket, the worker pool and each worker's accept loop */
#ifndef QUEUED_SERVER_H
#define QUEUED_SERVER_H

/*
 * Listen on config.socket_path, fork config.workers workers and keep that many
 * alive until SIGTERM or SIGINT; then let in-flight requests finish, reap the
 * workers and return 0. Returns -1 when the socket cannot be opened.
 */
int server_run(void);

#endif
