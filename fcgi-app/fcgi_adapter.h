/* fcgi_adapter.h: FastCGI in a worker: requests in from libfcgi's params and stream, answers out through the response writer */
#ifndef QUEUED_FCGI_ADAPTER_H
#define QUEUED_FCGI_ADAPTER_H

/*
 * The listening socket at path, for the supervisor to open before it forks:
 * mode 0660, any old socket file replaced. The descriptor, or -1 (logged).
 */
int fcgi_listen(const char *path);

/*
 * The listening socket sock, opened by the program this process was before
 * it replaced itself (server.c), made ready like fcgi_listen's. The
 * descriptor, or -1 (logged) when sock is no socket.
 */
int fcgi_adopt(int sock);

/*
 * A worker's life on sock: accept a request, route it, write the answer,
 * publish its message, and again, until SIGTERM or SIGINT (a request being
 * served is finished first). Call with those signals blocked: they stay
 * blocked but while the worker waits for a client.
 */
void fcgi_serve(int sock);

#endif
