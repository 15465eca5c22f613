/* server.c: the FastCGI socket, the worker pool and each worker's accept loop */
#include "server.h"
#include "auth.h"
#include "cache.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "publish.h"
#include "request.h"
#include "router.h"
#include "queue_cache.h"

#include <errno.h>
#include <fcgiapp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_stop_signal(int sig)
{
	stopping = 1;
	/* Makes a blocked FCGX_Accept_r return instead of waiting for a client. */
	FCGX_ShutdownPending();
}

static void on_child(int sig)
{
}

#define SWEEP_EVERY 60 /* seconds between sweeps of old snapshot files */
static volatile sig_atomic_t sweep_due;

static void on_alarm(int sig)
{
	sweep_due = 1;
}

static void install(int sig, void (*handler)(int))
{
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = handler;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = 0; /* no SA_RESTART: accept() must see EINTR */
	sigaction(sig, &sa, NULL);
}

/* The FastCGI stream behind req->read_body. */
static long fcgi_read_body(struct request *req, char *buf, size_t len)
{
	FCGX_Request *fr = req->io;
	int n;

	if (len > 1 << 20)
		len = 1 << 20;
	n = FCGX_GetStr(buf, (int)len, fr->in);
	return n < 0 ? -1 : n;
}

static const char *param(FCGX_Request *fr, const char *name)
{
	const char *v = FCGX_GetParam(name, fr->envp);

	return (v != NULL && *v != '\0') ? v : NULL;
}

static const char *status_text(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 304: return "Not Modified";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Entity";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	default: return "Unknown";
	}
}

/*
 * Headers are formatted here with snprintf: libfcgi's own FCGX_FPrintF knows
 * only a subset of printf conversions (no %zu).
 */
static void write_response(FCGX_Request *fr, struct request *req)
{
	struct response *res = &req->res;
	const char *body = NULL;
	size_t len = 0;
	char head[512];
	int n, send_body = req->method == NULL || strcmp(req->method, "HEAD") != 0;

	if (res->status != 304) {
		if (res->raw_data != NULL) {
			len = strlen(RAW_DATA_HEAD) + strlen(res->raw_data) + strlen(RAW_DATA_TAIL);
		} else if (res->body != NULL) {
			body = json_object_to_json_string_ext(res->body, JSON_C_TO_STRING_PLAIN |
							      JSON_C_TO_STRING_NOSLASHESCAPE);
			len = strlen(body);
		}
	}
	n = snprintf(head, sizeof head, "Status: %d %s\r\n%s%s%s%s%s%s%s%s%s",
		     res->status, status_text(res->status),
		     res->etag[0] ? "ETag: \"" : "", res->etag, res->etag[0] ? "\"\r\n" : "",
		     res->etag[0] ? "Cache-Control: no-cache\r\n" : "Cache-Control: no-store\r\n",
		     res->data_source ? "X-Data-Source: " : "", res->data_source ? res->data_source : "",
		     res->data_source ? "\r\n" : "",
		     res->allow ? "Allow: " : "", res->allow ? res->allow : "");
	if (n < 0 || (size_t)n >= sizeof head)
		n = snprintf(head, sizeof head, "Status: %d %s\r\n", res->status, status_text(res->status));
	FCGX_PutStr(head, n, fr->out);
	if (res->allow)
		FCGX_PutS("\r\n", fr->out);
	if (res->preference_applied != NULL) {
		n = snprintf(head, sizeof head, "Preference-Applied: %s\r\n", res->preference_applied);
		FCGX_PutStr(head, n, fr->out);
	}
	if (res->accel_redirect != NULL) {
		n = snprintf(head, sizeof head, "X-Accel-Redirect: %s\r\n", res->accel_redirect);
		FCGX_PutStr(head, n, fr->out);
	}
	if (res->retry_after > 0) {
		n = snprintf(head, sizeof head, "Retry-After: %d\r\n", res->retry_after);
		FCGX_PutStr(head, n, fr->out);
	}
	if (res->status == 200 || res->status == 304) {
		/* Server time for progress bars: startedAt is on this clock. */
		struct timespec now;
		clock_gettime(CLOCK_REALTIME, &now);
		n = snprintf(head, sizeof head, "X-Server-Time: %lld\r\n",
			     (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000);
		FCGX_PutStr(head, n, fr->out);
	}
	if (res->status == 304) {
		FCGX_PutS("\r\n", fr->out);
		return;
	}
	if (res->file_body != NULL) {
		n = snprintf(head, sizeof head, "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
			     res->file_type, res->file_len);
		FCGX_PutStr(head, n, fr->out);
		if (send_body)
			FCGX_PutStr(res->file_body, (int)res->file_len, fr->out);
		return;
	}
	n = snprintf(head, sizeof head, "Content-Type: application/json; charset=utf-8\r\n"
		     "Content-Length: %zu\r\n\r\n", len);
	FCGX_PutStr(head, n, fr->out);
	if (!send_body)
		return;
	if (res->raw_data != NULL) {
		FCGX_PutS(RAW_DATA_HEAD, fr->out);
		FCGX_PutS(res->raw_data, fr->out);
		FCGX_PutS(RAW_DATA_TAIL, fr->out);
	} else if (len > 0) {
		FCGX_PutStr(body, (int)len, fr->out);
	}
}

static void handle(FCGX_Request *fr)
{
	struct request req;
	const char *len, *rid;

	request_init(&req);
	req.method = param(fr, "REQUEST_METHOD");
	req.path = param(fr, "DOCUMENT_URI");
	if (req.path == NULL)
		req.path = param(fr, "SCRIPT_NAME");
	req.raw_uri = param(fr, "REQUEST_URI");
	req.query = param(fr, "QUERY_STRING");
	req.content_type = param(fr, "CONTENT_TYPE");
	req.authorization = param(fr, "HTTP_AUTHORIZATION");
	req.if_none_match = param(fr, "HTTP_IF_NONE_MATCH");
	req.if_match = param(fr, "HTTP_IF_MATCH");
	req.prefer = param(fr, "HTTP_PREFER");
	req.remote_addr = param(fr, "REMOTE_ADDR");
	len = param(fr, "CONTENT_LENGTH");
	req.content_length = len ? strtol(len, NULL, 10) : -1;
	rid = param(fr, "REQUEST_ID");
	snprintf(req.id, sizeof req.id, "%.16s", rid ? rid : "-");
	req.read_body = fcgi_read_body;
	req.io = fr;
	log_set_request_id(req.id);

	if (req.method == NULL || req.path == NULL)
		reply_error(&req, 400, "request line is incomplete");
	else
		router_dispatch(&req);
	write_response(fr, &req);
	/*
	 * Closing the streams sends the end of the answer; nginx now has all of
	 * it. The message goes out next, before FCGX_Finish_r, which waits for
	 * nginx to close the connection: at 1,000 listeners nginx can be in the
	 * middle of a fan-out (~8 ms) and the message would wait that long
	 * behind it for nothing. Publishing never waits for nchan (publish.c).
	 */
	FCGX_FClose(fr->err);
	FCGX_FClose(fr->out);
	if (req.res.publish_channel != NULL)
		publish_send(req.res.publish_channel, req.res.publish_message);
	FCGX_Finish_r(fr);
	request_free(&req);
	log_set_request_id(NULL);
}

static void worker_main(int sock)
{
	FCGX_Request fr;

	install(SIGTERM, on_stop_signal);
	install(SIGINT, on_stop_signal);
	signal(SIGPIPE, SIG_IGN);
	signal(SIGCHLD, SIG_DFL);
	sigset_t none;
	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);

	queue_cache_worker_init();
	db_connect();
	cache_connect();
	publish_init();
	FCGX_InitRequest(&fr, sock, FCGI_FAIL_ACCEPT_ON_INTR);
	while (!stopping) {
		if (FCGX_Accept_r(&fr) < 0)
			break;
		handle(&fr);
	}
	FCGX_Free(&fr, 1);
	publish_cleanup();
	cache_disconnect();
	db_disconnect();
	log_info("worker exits");
	exit(0);
}

static pid_t spawn(int sock)
{
	pid_t pid = fork();

	if (pid == 0)
		worker_main(sock);
	if (pid < 0)
		log_error("fork: %s", strerror(errno));
	return pid;
}

int server_run(void)
{
	int sock, alive = 0;
	pid_t *pids;
	sigset_t block, old;
	time_t last_respawn = 0;
	int quick_deaths = 0;

	if (FCGX_Init() != 0) {
		log_error("FCGX_Init failed");
		return -1;
	}
	unlink(config.socket_path);
	sock = FCGX_OpenSocket(config.socket_path, 1024);
	if (sock < 0) {
		log_error("cannot listen on %s", config.socket_path);
		return -1;
	}
	/*
	 * Only the workers' user and group may talk FastCGI to them: anyone
	 * else could forge a client address past the rate limits. nginx's
	 * workers run as that user (or in its group).
	 */
	chmod(config.socket_path, 0660);

	sigemptyset(&block);
	sigaddset(&block, SIGCHLD);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGALRM);
	sigprocmask(SIG_BLOCK, &block, &old);
	install(SIGTERM, on_stop_signal);
	install(SIGINT, on_stop_signal);
	install(SIGCHLD, on_child);
	install(SIGALRM, on_alarm);
	queue_cache_prepare();
	/* Sign-ins may occupy all workers but one: that one stays for votes. */
	auth_hash_slots_init(config.hash_concurrency, config.workers - config.hash_concurrency - 1);
	alarm(SWEEP_EVERY);
	signal(SIGPIPE, SIG_IGN);

	pids = calloc((size_t)config.workers, sizeof *pids);
	if (pids == NULL)
		fatal("out of memory");
	for (int i = 0; i < config.workers; i++)
		if ((pids[i] = spawn(sock)) > 0)
			alive++;
	log_info("listening on %s with %d workers", config.socket_path, alive);

	while (!stopping) {
		pid_t pid;
		int status;

		sigsuspend(&old);
		if (sweep_due) {
			sweep_due = 0;
			queue_cache_sweep();
			alarm(SWEEP_EVERY);
		}
		while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
			for (int i = 0; i < config.workers; i++) {
				if (pids[i] != pid)
					continue;
				pids[i] = 0;
				alive--;
				if (stopping)
					break;
				if (WIFSIGNALED(status))
					log_error("worker %d killed by signal %d; restarting", (int)pid,
						  WTERMSIG(status));
				else
					log_error("worker %d exited with %d; restarting", (int)pid,
						  WEXITSTATUS(status));
				/* A worker that dies at once every time must not spin the CPU. */
				if (time(NULL) - last_respawn < 1 && ++quick_deaths > 10)
					sleep(1);
				else if (time(NULL) - last_respawn >= 1)
					quick_deaths = 0;
				last_respawn = time(NULL);
				if ((pids[i] = spawn(sock)) > 0)
					alive++;
			}
		}
	}

	log_info("shutting down: letting %d workers finish their requests", alive);
	for (int i = 0; i < config.workers; i++)
		if (pids[i] > 0)
			kill(pids[i], SIGTERM);
	sigprocmask(SIG_SETMASK, &old, NULL);
	for (time_t deadline = time(NULL) + 30; alive > 0;) {
		pid_t pid = waitpid(-1, NULL, WNOHANG);

		if (pid > 0) {
			for (int i = 0; i < config.workers; i++)
				if (pids[i] == pid)
					pids[i] = 0, alive--;
			continue;
		}
		if (pid < 0 && errno == ECHILD)
			break;
		if (time(NULL) > deadline) {
			log_warn("workers did not stop in 30 s; killing them");
			for (int i = 0; i < config.workers; i++)
				if (pids[i] > 0)
					kill(pids[i], SIGKILL);
			deadline = time(NULL) + 5;
		}
		usleep(20000);
	}
	free(pids);
	close(sock);
	unlink(config.socket_path);
	log_info("stopped");
	return 0;
}
