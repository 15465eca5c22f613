/* fcgi_adapter.c: FastCGI in a worker: requests in from libfcgi's params and stream, answers out through the response writer */
#define _GNU_SOURCE /* ppoll */
#include "fcgi_adapter.h"
#include "log.h"
#include "publish.h"
#include "request.h"
#include "response.h"
#include "router.h"

#include <errno.h>
#include <fcgiapp.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

/* Runs only while the worker waits for a client (fcgi_serve): nothing is half-read then. */
static void on_stop_signal(int sig)
{
	stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * Non-blocking, for every process that shares the socket (old and new
 * workers during a reload): a worker woken for a client that another took
 * gets EAGAIN from accept and waits again, instead of sleeping in accept
 * where its stop signal, blocked there, could not reach it. Connections
 * accepted from it block as before.
 */
static int nonblocking(int sock)
{
	int flags = fcntl(sock, F_GETFL);

	if (flags < 0 || fcntl(sock, F_SETFL, flags | O_NONBLOCK) < 0) {
		log_error("listening socket: %s", strerror(errno));
		return -1;
	}
	return sock;
}

int fcgi_listen(const char *path)
{
	int sock;

	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return -1;
	}
	unlink(path);
	sock = FCGX_OpenSocket(path, 1024);
	if (sock < 0) {
		log_error("cannot listen on %s", path);
		return -1;
	}
	/*
	 * Only the workers' user and group may talk FastCGI to them: anyone
	 * else could forge a client address past the rate limits. nginx's
	 * workers run as that user (or in its group).
	 */
	chmod(path, 0660);
	return nonblocking(sock);
}

int fcgi_adopt(int sock)
{
	struct stat st;

	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return -1;
	}
	if (fstat(sock, &st) != 0 || !S_ISSOCK(st.st_mode)) {
		log_error("descriptor %d handed over is not a socket", sock);
		return -1;
	}
	return nonblocking(sock);
}

/* The FastCGI stream behind req->read_body. */
static long read_body(struct request *req, char *buf, size_t len)
{
	FCGX_Request *fr = req->io;
	int n;

	if (len > 1 << 20)
		len = 1 << 20;
	n = FCGX_GetStr(buf, (int)len, fr->in);
	return n < 0 ? -1 : n;
}

/* The response writer's output: the request's FastCGI stdout. */
static void write_out(void *ctx, const char *data, size_t len)
{
	FCGX_Stream *out = ctx;

	while (len > 0) {
		int n = len > INT_MAX ? INT_MAX : (int)len;

		if (FCGX_PutStr(data, n, out) < 0)
			return; /* the client is gone; libfcgi has marked the stream */
		data += n;
		len -= (size_t)n;
	}
}

/* A FastCGI parameter; NULL when absent or empty. Lives until FCGX_Finish_r. */
static const char *param(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);

	return (v != NULL && *v != '\0') ? v : NULL;
}

/* req as nginx passed it (nginx/fastcgi params); its strings live until FCGX_Finish_r. */
static void request_from_params(struct request *req, FCGX_Request *fr)
{
	const char *len, *rid;

	request_init(req);
	req->method = param(fr, "REQUEST_METHOD");
	req->path = param(fr, "DOCUMENT_URI");
	if (req->path == NULL)
		req->path = param(fr, "SCRIPT_NAME");
	req->raw_uri = param(fr, "REQUEST_URI");
	req->query = param(fr, "QUERY_STRING");
	req->content_type = param(fr, "CONTENT_TYPE");
	req->authorization = param(fr, "HTTP_AUTHORIZATION");
	req->if_none_match = param(fr, "HTTP_IF_NONE_MATCH");
	req->if_match = param(fr, "HTTP_IF_MATCH");
	req->prefer = param(fr, "HTTP_PREFER");
	req->remote_addr = param(fr, "REMOTE_ADDR");
	len = param(fr, "CONTENT_LENGTH");
	req->content_length = len ? strtol(len, NULL, 10) : -1;
	rid = param(fr, "REQUEST_ID");
	snprintf(req->id, sizeof req->id, "%.32s", rid ? rid : "-");
	req->read_body = read_body;
	req->io = fr;
}

static void serve_one(FCGX_Request *fr)
{
	struct request req;
	const struct response_out out = { write_out, fr->out };

	request_from_params(&req, fr);
	log_set_request_id(req.id);
	if (req.method == NULL || req.path == NULL)
		reply_error(&req, 400, "request line is incomplete");
	else
		router_dispatch(&req);
	response_write(&out, &req);
	/*
	 * Closing the streams sends the end of the answer; nginx now has all of
	 * it. The message goes out next, before FCGX_Finish_r, which waits for
	 * nginx to close the connection: at 1,000 listeners nginx can be in the
	 * middle of a fan-out (~8 ms) and the message would wait that long
	 * behind it for nothing. Publishing never waits for nchan (publish.c).
	 * A request that ran out of memory has no message left to publish.
	 */
	FCGX_FClose(fr->err);
	FCGX_FClose(fr->out);
	if (req.res.publish_channel != NULL)
		publish_send(req.res.publish_channel, req.res.publish_message);
	FCGX_Finish_r(fr);
	request_free(&req);
	log_set_request_id(NULL);
}

static void install(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: ppoll must see EINTR */
	sigaction(sig, &sa, NULL);
}

/*
 * Wait for a client with the stop signals let in, and only here: a signal
 * that came during a request waits for the end of it, so no read or write
 * of a request (nor libfcgi's own wait for the request's first bytes) is
 * ever cut short by EINTR. 0 when a client may be there.
 */
static int wait_for_client(int sock, const sigset_t *waiting)
{
	struct pollfd pfd = { .fd = sock, .events = POLLIN };

	if (ppoll(&pfd, 1, NULL, waiting) < 0 && errno != EINTR) {
		log_error("poll: %s", strerror(errno));
		return -1;
	}
	return 0;
}

void fcgi_serve(int sock)
{
	FCGX_Request fr;
	sigset_t none;
	int rc;

	install(SIGTERM, on_stop_signal);
	install(SIGINT, on_stop_signal);
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&none);

	FCGX_InitRequest(&fr, sock, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping) {
		if (wait_for_client(sock, &none) < 0)
			break;
		if (stopping)
			break;
		rc = FCGX_Accept_r(&fr);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK)
			continue; /* another worker took that client */
		if (rc < 0) {
			log_error("accept: %s", rc > -10000 ? strerror(-rc) : "failed");
			break;
		}
		serve_one(&fr);
	}
	FCGX_Free(&fr, 1);
}
