/* fcgi_adapter.h: FastCGI in a worker: requests in from libfcgi's params and stream, answers out through the response writer */
#ifndef QUEUED_FCGI_ADAPTER_H
#define QUEUED_FCGI_ADAPTER_H

/*
 * The listening socket at path, for the supervisor to open before it forks:
 * mode 0660, any old socket file replaced. The descriptor, or -1 (logged).
 */
int fcgi_listen(const char *path);

/*
 * A worker's life on sock: accept a request, route it, write the answer,
 * publish its message, and again, until SIGTERM or SIGINT (a request being
 * served is finished first). Call with those signals blocked: they are
 * handled from here on.
 */
void fcgi_serve(int sock);

#endif
