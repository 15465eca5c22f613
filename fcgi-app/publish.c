/* publish.c: messages to nchan channels over the publisher socket, without waiting; a channel's subscriber count */
#define _GNU_SOURCE /* asprintf, strcasestr */
#include "publish.h"
#include "config.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

/* Asking nchan about a channel: a local call that must never hold a request up for long. */
static const struct http_client_options channel_info_http = {
	.protocols = "http,https",
	.timeout_ms = 1000,
	.max_answer = 4096,
};

static struct http_client channel_info; /* the worker's handle for publish_subscribers, reused */
static struct curl_slist *channel_info_headers;
static char pub_path[256]; /* "/pub/" from NCHAN_PUBLISH_URL, set by publish_init */

int publish_init(void)
{
	const char *p = strstr(config.nchan_url, "://");

	/* The path part of NCHAN_PUBLISH_URL; every publish goes to it + channel. */
	p = p ? strchr(p + 3, '/') : NULL;
	snprintf(pub_path, sizeof pub_path, "%s", p ? p : "/pub/");
	if (http_client_open(&channel_info, &channel_info_http) != 0)
		return -1;
	/* nchan answers a GET on the publisher location with the channel's info, as JSON when asked so. */
	channel_info_headers = curl_slist_append(NULL, "Accept: text/json");
	curl_easy_setopt(channel_info.curl, CURLOPT_HTTPHEADER, channel_info_headers);
	curl_easy_setopt(channel_info.curl, CURLOPT_HTTPGET, 1L);
	if (config.nchan_socket != NULL)
		curl_easy_setopt(channel_info.curl, CURLOPT_UNIX_SOCKET_PATH, config.nchan_socket);
	return 0;
}

/*
 * Publishing does not wait for nchan. With the in-memory store nchan answers a
 * publish only after it has written the message to every subscriber (~10 ms
 * at 1,000), and a worker that waited would serve nothing else meanwhile. So
 * each worker keeps one keep-alive connection to the publisher socket, writes
 * the request, and reads the answers later, before its next publish. Messages
 * not yet confirmed are kept; if the connection drops (nginx reload) they are
 * sent again on a new one. A repeat is harmless: clients ignore a revision they
 * have (docs/protocol.md), and a message lost anyway is a gap they refetch.
 */
#define PENDING_MAX 64

static int pub_fd = -1;
static char pub_in[4096];
static size_t pub_in_len;
static char *pending[PENDING_MAX];      /* whole requests awaiting their answer, oldest first */
static int npending;

static void pending_pop(void)
{
	free(pending[0]);
	memmove(pending, pending + 1, (size_t)(npending - 1) * sizeof *pending);
	npending--;
}

static int pub_connect(void)
{
	int fd = -1;

	if (config.nchan_socket != NULL) {
		struct sockaddr_un sa = { .sun_family = AF_UNIX };
		snprintf(sa.sun_path, sizeof sa.sun_path, "%s", config.nchan_socket);
		fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
			close(fd);
			fd = -1;
		}
	} else {
		/* http://host[:port]/path */
		char host[128] = "127.0.0.1", port[8] = "80";
		const char *p = strstr(config.nchan_url, "://");
		p = p ? p + 3 : config.nchan_url;
		size_t hl = strcspn(p, ":/");
		if (hl > 0 && hl < sizeof host)
			snprintf(host, sizeof host, "%.*s", (int)hl, p);
		if (p[hl] == ':')
			snprintf(port, sizeof port, "%.*s", (int)strcspn(p + hl + 1, "/"), p + hl + 1);
		struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai = NULL;
		if (getaddrinfo(host, port, &hints, &ai) == 0) {
			fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
			if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
				close(fd);
				fd = -1;
			}
			freeaddrinfo(ai);
		}
	}
	if (fd < 0) {
		log_warn("cannot reach nchan's publisher: %s", strerror(errno));
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	pub_fd = fd;
	pub_in_len = 0;
	return 0;
}

static void pub_close(void)
{
	if (pub_fd >= 0)
		close(pub_fd);
	pub_fd = -1;
	pub_in_len = 0;
}

/* Write all of a request, waiting at most 2 s for room in the socket. */
static int pub_write(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(pub_fd, p, n, MSG_NOSIGNAL);
		if (w < 0 && errno == EAGAIN) {
			struct pollfd pfd = { .fd = pub_fd, .events = POLLOUT };
			if (poll(&pfd, 1, 2000) <= 0)
				return -1;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read the answers that have arrived (waiting up to wait_ms for the first); -1 when the connection is gone. */
static int pub_read_answers(int wait_ms)
{
	for (;;) {
		if (wait_ms > 0) {
			struct pollfd pfd = { .fd = pub_fd, .events = POLLIN };
			if (poll(&pfd, 1, wait_ms) <= 0)
				return 0;
			wait_ms = 0;
		}
		ssize_t r = recv(pub_fd, pub_in + pub_in_len, sizeof pub_in - 1 - pub_in_len, 0);
		if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
			return -1;
		if (r < 0)
			return 0;
		pub_in_len += (size_t)r;
		pub_in[pub_in_len] = '\0';
		/* Complete answers: a status line, headers, and Content-Length bytes of body. */
		for (;;) {
			char *end = strstr(pub_in, "\r\n\r\n");
			if (end == NULL)
				break;
			char *cl = strcasestr(pub_in, "\r\ncontent-length:");
			size_t body = (cl != NULL && cl < end) ? strtoul(cl + 17, NULL, 10) : 0;
			size_t whole = (size_t)(end + 4 - pub_in) + body;
			if (whole > pub_in_len)
				break;
			int status = strncmp(pub_in, "HTTP/1.", 7) == 0 ? atoi(pub_in + 9) : 0;
			if (status != 201 && status != 202) {
				log_warn("nchan refused a message (HTTP %d)", status);
				metrics_count(METRIC_PUBLISH_FAILURES);
			}
			if (npending > 0)
				pending_pop();
			memmove(pub_in, pub_in + whole, pub_in_len - whole);
			pub_in_len -= whole;
			pub_in[pub_in_len] = '\0';
		}
		if (pub_in_len == sizeof pub_in - 1) /* an answer larger than we ever expect */
			return -1;
	}
}

/* A fresh connection carrying every unconfirmed request again. */
static int pub_reconnect(void)
{
	pub_close();
	if (pub_connect() != 0)
		return -1;
	for (int i = 0; i < npending; i++)
		if (pub_write(pending[i], strlen(pending[i])) != 0)
			return -1;
	return 0;
}

int publish_send(const char *channel, const char *message)
{
	const char *rid = log_request_id();
	size_t n = strlen(message);
	char *request;

	if (pub_fd >= 0 && pub_read_answers(0) != 0 && pub_reconnect() != 0)
		goto lost;
	if (npending == PENDING_MAX) {
		/* nchan is far behind: wait briefly for it rather than buffer without end. */
		if (pub_fd < 0 || pub_read_answers(2000) != 0 || npending == PENDING_MAX) {
			log_warn("nchan is not answering; dropping the oldest unconfirmed message");
			pending_pop();
		}
	}
	/* X-Request-Id: nchan's access log can name the request that caused the message. */
	if (asprintf(&request,
		     "POST %s%s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
		     "Accept: text/json\r\nX-Request-Id: %s\r\nContent-Length: %zu\r\n\r\n%s",
		     pub_path, channel, rid[0] ? rid : "-", n, message) < 0)
		return -1;
	pending[npending++] = request;
	if (pub_fd < 0) {
		if (pub_reconnect() != 0)
			goto lost;
	} else if (pub_write(request, strlen(request)) != 0 && pub_reconnect() != 0) {
		goto lost;
	}
	metrics_count(METRIC_PUBLISHES);
	return 0;
lost:
	/* Keep nothing for a publisher that is gone: clients refetch on the gap. */
	log_warn("publish to %s failed: nchan's publisher is unreachable", channel);
	metrics_count(METRIC_PUBLISH_FAILURES);
	while (npending > 0)
		pending_pop();
	pub_close();
	return -1;
}

/* Before a worker exits: the answers to what it published, so nothing is cut off mid-write. */
void publish_flush(int wait_ms)
{
	while (pub_fd >= 0 && npending > 0 && wait_ms > 0) {
		if (pub_read_answers(50) != 0)
			break;
		wait_ms -= 50;
	}
}

int publish_subscribers(const char *channel)
{
	char url[512];
	struct json_object *info = NULL, *v;
	long status;
	int n = -1;

	if (channel_info.curl == NULL && publish_init() != 0)
		return -1;
	snprintf(url, sizeof url, "%s%s", config.nchan_url, channel);
	curl_easy_setopt(channel_info.curl, CURLOPT_URL, url);
	status = http_client_perform(&channel_info);
	if (status < 0) {
		log_warn("cannot ask nchan about %s: %s", channel, channel_info.why);
		return -1;
	}
	if (status == 404)
		return 0; /* no channel yet: nobody is listening */
	if (channel_info.answer != NULL)
		info = json_tokener_parse(channel_info.answer);
	if (info != NULL && json_object_object_get_ex(info, "subscribers", &v))
		n = json_object_get_int(v);
	json_object_put(info);
	return n;
}

int publish_drop_subscribers(const char *channel)
{
	char url[512];
	long status;

	if (channel_info.curl == NULL && publish_init() != 0)
		return -1;
	snprintf(url, sizeof url, "%s%s", config.nchan_url, channel);
	curl_easy_setopt(channel_info.curl, CURLOPT_URL, url);
	curl_easy_setopt(channel_info.curl, CURLOPT_CUSTOMREQUEST, "DELETE");
	status = http_client_perform(&channel_info);
	/* The handle goes back to what publish_subscribers asks: GET. */
	curl_easy_setopt(channel_info.curl, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(channel_info.curl, CURLOPT_HTTPGET, 1L);
	if (status < 0) {
		log_warn("cannot drop the subscribers of %s: %s", channel, channel_info.why);
		return -1;
	}
	return 0;
}

void publish_cleanup(void)
{
	publish_flush(1000);
	pub_close();
	while (npending > 0)
		pending_pop();
	http_client_close(&channel_info);
	curl_slist_free_all(channel_info_headers);
	channel_info_headers = NULL;
}
