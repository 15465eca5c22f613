/*
 * bench-live.c: how long a vote takes to reach every screen.
 *
 * Opens S subscribers on one live channel (EventSource, WebSocket, or
 * Socket.IO over WebSocket), then sends V votes over C keep-alive HTTP
 * connections, paced at R per second (R = 0: as fast as the connections
 * allow, a closed loop). Every vote that changes the room produces one
 * message carrying the room revision; the vote's answer carries the same
 * revision. So for each subscriber and each vote:
 *   delivery latency = time the subscriber read the message - time the vote was sent.
 * Single-threaded epoll, so the client adds microseconds, not milliseconds, at
 * thousands of connections. Plain POSIX: built with `cc -O2 bench-live.c -lm`.
 *
 * --publish-unix SOCKET measures nchan alone, the floor under all of this:
 * the "votes" are POSTs straight to nchan's publisher (--vote-path is then
 * the publisher path) carrying a revision the client chooses, so the same
 * subscribers and the same matching measure publish → screen without the
 * application in between.
 *
 * --subscribe-unix SOCKET connects the subscribers to nginx's unix socket
 * instead of 127.0.0.1 (votes still go over TCP). Over loopback TCP the
 * sender's CPU also runs the receiver's half of TCP, so nginx pays for both
 * ends of every delivery; a unix socket leaves it roughly the sender's share
 * it would pay to a screen on another machine. --subscribe-unix-b SOCKET
 * sends every second subscriber to another socket: the same queued's second
 * node (docs/multi-node.md), while the votes go to the first.
 *
 * Output: a JSON summary (--json FILE) and one line on stderr.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

enum transport { T_SSE, T_WS, T_SIO };
enum sub_state { S_CONNECTING, S_HANDSHAKE, S_SIO_OPEN, S_SIO_JOIN, S_LIVE, S_DEAD };

struct receipt {
	long long revision;
	double at; /* ms since start */
};

struct subscriber {
	int fd;
	enum sub_state state;
	char *buf;
	size_t len, cap;
	struct receipt *got;
	size_t ngot, capgot;
};

struct voter {
	int fd;
	int busy;
	long long vote; /* index of the vote in flight */
	char buf[8192];
	size_t len;
};

struct vote {
	double sent, answered; /* ms since start; answered < 0: no answer yet */
	int status;
	long long revision; /* -1: the vote changed nothing */
};

static struct {
	const char *host, *path_events, *vote_path, *entries_file, *paths_file, *tokens_file, *json_out, *sio_room;
	const char *publish_unix, *subscribe_unix, *subscribe_unix_b;
	int port, subscribers, connections;
	long long votes;
	double rate;
	enum transport transport;
	int alternate;
} opt = { .host = "127.0.0.1", .port = 80, .subscribers = 0, .connections = 1, .votes = 100, .rate = 100, .transport = T_SSE, .alternate = 1 };

static struct timespec t0;
static int ep;
static struct sockaddr_in addr;
static char **tokens, **entries, **paths;
static size_t ntokens, nentries, npaths;
static struct subscriber *subs;
static struct voter *voters;
static struct vote *votes;
static int status_counts[600];

static double now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (t.tv_sec - t0.tv_sec) * 1e3 + (t.tv_nsec - t0.tv_nsec) / 1e6;
}

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench-live: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static void *xrealloc(void *p, size_t n)
{
	p = realloc(p, n);
	if (p == NULL && n != 0)
		die("out of memory");
	return p;
}

static char **read_lines(const char *file, size_t *n)
{
	FILE *f = fopen(file, "r");
	char *line = NULL, **out = NULL;
	size_t cap = 0;
	ssize_t len;

	if (f == NULL)
		die("cannot read %s: %s", file, strerror(errno));
	*n = 0;
	while ((len = getline(&line, &cap, f)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len == 0)
			continue;
		out = xrealloc(out, (*n + 1) * sizeof *out);
		out[(*n)++] = strdup(line);
	}
	free(line);
	fclose(f);
	if (*n == 0)
		die("%s is empty", file);
	return out;
}

static char **split_commas(const char *s, size_t *n)
{
	char *copy = strdup(s), *save = NULL, **out = NULL;

	*n = 0;
	for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		out = xrealloc(out, (*n + 1) * sizeof *out);
		out[(*n)++] = strdup(tok);
	}
	free(copy);
	return out;
}

/* A blocking connect to a unix socket: it completes at once or waits for room in the backlog. */
static int connect_unix(const char *socket_path)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	snprintf(un.sun_path, sizeof un.sun_path, "%s", socket_path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&un, sizeof un) < 0)
		die("connect %s: %s", socket_path, strerror(errno));
	return fd;
}

static int connect_nb(int on_b)
{
	int fd, one = 1;

	if (opt.subscribe_unix != NULL) {
		fd = connect_unix(on_b && opt.subscribe_unix_b != NULL ? opt.subscribe_unix_b : opt.subscribe_unix);
		fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
		return fd;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0 && errno != EINPROGRESS)
		die("connect: %s", strerror(errno));
	return fd;
}

/* Blocking-style send of a small request on a non-blocking socket (loopback: it fits). */
static int send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);
		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* A client WebSocket frame: FIN, opcode, masked (the mask may be zero: the server cannot tell). */
static int ws_send(int fd, int opcode, const char *payload, size_t n)
{
	unsigned char head[14];
	size_t h = 0;
	char *frame;
	int rc;

	head[h++] = (unsigned char)(0x80 | opcode);
	if (n < 126) {
		head[h++] = (unsigned char)(0x80 | n);
	} else {
		head[h++] = 0x80 | 126;
		head[h++] = (unsigned char)(n >> 8);
		head[h++] = (unsigned char)n;
	}
	memset(head + h, 0, 4); /* masking key 0: XOR leaves the payload as it is */
	h += 4;
	frame = xrealloc(NULL, h + n);
	memcpy(frame, head, h);
	memcpy(frame + h, payload, n);
	rc = send_all(fd, frame, h + n);
	free(frame);
	return rc;
}

/* ---------------------------------------------------------------- subscribers */

static void sub_record(struct subscriber *s, const char *msg, size_t n, double at)
{
	static const char key[] = "\"revision\":";
	const char *p = memmem(msg, n, key, sizeof key - 1);

	if (p == NULL)
		return;
	p += sizeof key - 1;
	if (s->ngot == s->capgot) {
		s->capgot = s->capgot ? s->capgot * 2 : 64;
		s->got = xrealloc(s->got, s->capgot * sizeof *s->got);
	}
	s->got[s->ngot].revision = strtoll(p, NULL, 10);
	s->got[s->ngot].at = at;
	s->ngot++;
}

static void sub_start(struct subscriber *s)
{
	char req[1024];
	int n;

	s->fd = connect_nb((s - subs) % 2 == 1);
	s->state = S_CONNECTING;
	s->len = 0;
	if (opt.transport == T_SSE)
		n = snprintf(req, sizeof req, "GET %s HTTP/1.1\r\nHost: %s\r\nAccept: text/event-stream\r\n\r\n",
			     opt.path_events, opt.host);
	else
		n = snprintf(req, sizeof req,
			     "GET %s HTTP/1.1\r\nHost: %s\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
			     "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
			     opt.path_events, opt.host);
	/* Queued until the connection is up: the first EPOLLOUT sends it. */
	s->buf = s->buf ? s->buf : xrealloc(NULL, 65536);
	s->cap = 65536;
	memcpy(s->buf, req, (size_t)n);
	s->len = (size_t)n;
	struct epoll_event ev = { .events = EPOLLOUT | EPOLLIN, .data.u64 = (uint64_t)(s - subs) };
	epoll_ctl(ep, EPOLL_CTL_ADD, s->fd, &ev);
}

static void sub_fail(struct subscriber *s, const char *why)
{
	if (s->state != S_DEAD)
		fprintf(stderr, "bench-live: subscriber %ld: %s\n", (long)(s - subs), why);
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->state = S_DEAD;
}

/* One complete WebSocket message (text) for a WS or Socket.IO subscriber. */
static void sub_ws_message(struct subscriber *s, const char *p, size_t n, double at)
{
	if (opt.transport == T_WS) {
		sub_record(s, p, n, at);
		return;
	}
	/* Engine.IO v4: '0' open, '2' ping, '4' message; Socket.IO v5 inside: '0' connect, '2' event. */
	if (n >= 1 && p[0] == '0' && s->state == S_SIO_OPEN) {
		ws_send(s->fd, 0x1, "40", 2);
		s->state = S_SIO_JOIN;
	} else if (n == 1 && p[0] == '2') {
		ws_send(s->fd, 0x1, "3", 1);
	} else if (n >= 2 && p[0] == '4' && p[1] == '0' && s->state == S_SIO_JOIN) {
		char join[256];
		int k = snprintf(join, sizeof join, "42[\"join\",\"%s\"]", opt.sio_room ? opt.sio_room : "");
		ws_send(s->fd, 0x1, join, (size_t)k);
		s->state = S_LIVE;
	} else if (n >= 2 && p[0] == '4' && p[1] == '2') {
		sub_record(s, p, n, at);
	}
}

static void sub_readable(struct subscriber *s)
{
	for (;;) {
		if (s->cap - s->len < 16384) {
			s->cap *= 2;
			s->buf = xrealloc(s->buf, s->cap);
		}
		size_t room = s->cap - s->len - 1;
		ssize_t r = recv(s->fd, s->buf + s->len, room, 0);
		if (r == 0) {
			sub_fail(s, "closed by the server");
			return;
		}
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				sub_fail(s, strerror(errno));
			return;
		}
		double at = now_ms();
		s->len += (size_t)r;
		s->buf[s->len] = '\0';

		if (s->state == S_HANDSHAKE) {
			char *end = strstr(s->buf, "\r\n\r\n");
			if (end == NULL)
				continue;
			int want = opt.transport == T_SSE ? 200 : 101;
			if (strncmp(s->buf, "HTTP/1.1 ", 9) != 0 || atoi(s->buf + 9) != want) {
				sub_fail(s, "handshake refused");
				return;
			}
			size_t used = (size_t)(end + 4 - s->buf);
			memmove(s->buf, end + 4, s->len - used);
			s->len -= used;
			s->state = opt.transport == T_SIO ? S_SIO_OPEN : S_LIVE;
		}
		if (opt.transport == T_SSE) {
			/* Events end with a blank line; chunk framing, if any, sits between events. */
			char *p = s->buf, *end;
			while ((end = memmem(p, s->len - (size_t)(p - s->buf), "\n\n", 2)) != NULL) {
				sub_record(s, p, (size_t)(end - p), at);
				p = end + 2;
			}
			s->len -= (size_t)(p - s->buf);
			memmove(s->buf, p, s->len);
			if ((size_t)r < room)
				return;
			continue;
		}
		/* WebSocket frames from the server: unmasked. */
		size_t off = 0;
		for (;;) {
			unsigned char *b = (unsigned char *)s->buf + off;
			size_t avail = s->len - off, h = 2;
			uint64_t n;
			if (avail < 2)
				break;
			n = b[1] & 0x7f;
			if (n == 126) {
				if (avail < 4)
					break;
				n = ((uint64_t)b[2] << 8) | b[3];
				h = 4;
			} else if (n == 127) {
				if (avail < 10)
					break;
				n = 0;
				for (int i = 0; i < 8; i++)
					n = (n << 8) | b[2 + i];
				h = 10;
			}
			if (avail < h + n)
				break;
			int opcode = b[0] & 0x0f;
			if (opcode == 0x1 || opcode == 0x2)
				sub_ws_message(s, (char *)b + h, (size_t)n, at);
			else if (opcode == 0x9)
				ws_send(s->fd, 0xA, (char *)b + h, (size_t)n);
			else if (opcode == 0x8) {
				sub_fail(s, "WebSocket closed by the server");
				return;
			}
			off += h + (size_t)n;
		}
		memmove(s->buf, s->buf + off, s->len - off);
		s->len -= off;
		/*
		 * A short read emptied the socket: stop here rather than pay a second
		 * recv() for EAGAIN. epoll is level-triggered, so anything that
		 * arrives later wakes us again. The client shares the cores with the
		 * server it measures; every syscall it saves is the server's.
		 */
		if ((size_t)r < room)
			return;
	}
}

static void sub_event(struct subscriber *s, uint32_t events)
{
	if (s->state == S_DEAD)
		return;
	if (s->state == S_CONNECTING && (events & EPOLLOUT)) {
		int err = 0;
		socklen_t l = sizeof err;
		getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &l);
		if (err != 0) {
			sub_fail(s, strerror(err));
			return;
		}
		if (send_all(s->fd, s->buf, s->len) != 0) {
			sub_fail(s, "send failed");
			return;
		}
		s->len = 0;
		s->state = S_HANDSHAKE;
		struct epoll_event ev = { .events = EPOLLIN, .data.u64 = (uint64_t)(s - subs) };
		epoll_ctl(ep, EPOLL_CTL_MOD, s->fd, &ev);
	}
	if (events & (EPOLLIN | EPOLLHUP | EPOLLERR))
		sub_readable(s);
}

/* ---------------------------------------------------------------- voters */

#define VOTER_TAG (1ULL << 62)

static void voter_connect(struct voter *v)
{
	int one = 1;

	/* A blocking connect (instant on loopback), then non-blocking reads. */
	if (opt.publish_unix) {
		v->fd = connect_unix(opt.publish_unix);
	} else {
		v->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
		if (v->fd < 0 || connect(v->fd, (struct sockaddr *)&addr, sizeof addr) < 0)
			die("vote connection: %s", strerror(errno));
		setsockopt(v->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	}
	fcntl(v->fd, F_SETFL, fcntl(v->fd, F_GETFL) | O_NONBLOCK);
	v->busy = 0;
	v->len = 0;
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = VOTER_TAG | (uint64_t)(v - voters) };
	epoll_ctl(ep, EPOLL_CTL_ADD, v->fd, &ev);
}

static void voter_send(struct voter *v, long long i)
{
	char path[1024], req[4096];
	const char *base = npaths ? paths[i % (long long)npaths] : opt.vote_path;
	const char *hole = strstr(base, "{entry}");
	int value = 1, n;

	if (hole != NULL && nentries > 0)
		snprintf(path, sizeof path, "%.*s%s%s", (int)(hole - base), base, entries[i % (long long)nentries], hole + 7);
	else
		snprintf(path, sizeof path, "%s", base);
	if (opt.alternate) /* the same voter flips between +1 and -1, so every vote moves the room */
		value = ((i / (long long)ntokens) % 2 == 0) ? 1 : -1;
	if (opt.publish_unix) {
		/* A message like a vote's, with revision i + 1: the answer carries no revision. */
		char body[256];
		int k = snprintf(body, sizeof body,
				 "{\"type\":\"vote\",\"revision\":%lld,\"entryId\":\"bench\",\"score\":%d}", i + 1, value);
		n = snprintf(req, sizeof req,
			     "POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
			     "Content-Length: %d\r\n\r\n%s",
			     path, k, body);
	} else {
		n = snprintf(req, sizeof req,
			     "PUT %s HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\n"
			     "Content-Type: application/json\r\nContent-Length: %d\r\n\r\n{\"value\":%d}",
			     path, opt.host, tokens[i % (long long)ntokens], value == 1 ? 11 : 12, value);
	}
	v->busy = 1;
	v->vote = i;
	v->len = 0;
	votes[i].sent = now_ms();
	votes[i].answered = -1;
	votes[i].revision = -1;
	if (send_all(v->fd, req, (size_t)n) != 0) {
		votes[i].status = 0;
		votes[i].answered = now_ms();
		v->busy = 0;
		epoll_ctl(ep, EPOLL_CTL_DEL, v->fd, NULL);
		close(v->fd);
		voter_connect(v);
	}
}

/* Returns 1 when a complete answer was read. */
static int voter_readable(struct voter *v)
{
	for (;;) {
		ssize_t r = recv(v->fd, v->buf + v->len, sizeof v->buf - 1 - v->len, 0);
		if (r <= 0) {
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				return 0;
			if (v->busy) {
				votes[v->vote].status = 0;
				votes[v->vote].answered = now_ms();
			}
			epoll_ctl(ep, EPOLL_CTL_DEL, v->fd, NULL);
			close(v->fd);
			voter_connect(v);
			return 1;
		}
		v->len += (size_t)r;
		v->buf[v->len] = '\0';
		char *head_end = strstr(v->buf, "\r\n\r\n");
		if (head_end == NULL)
			continue;
		char *cl = strcasestr(v->buf, "\r\ncontent-length:");
		size_t body_len = cl && cl < head_end ? strtoul(cl + 17, NULL, 10) : 0;
		size_t total = (size_t)(head_end + 4 - v->buf) + body_len;
		if (v->len < total)
			continue;
		struct vote *vt = &votes[v->vote];
		vt->answered = now_ms();
		vt->status = atoi(v->buf + 9);
		if (vt->status >= 100 && vt->status < 600)
			status_counts[vt->status]++;
		char *rev = strstr(head_end, "\"revision\":");
		/* "changed":false: the vote moved nothing, so no message is owed */
		if (vt->status == 200 && rev != NULL && strstr(head_end, "\"changed\":false") == NULL)
			vt->revision = strtoll(rev + 11, NULL, 10);
		if (opt.publish_unix && (vt->status == 201 || vt->status == 202))
			vt->revision = v->vote + 1;
		v->busy = 0;
		v->len = 0;
		return 1;
	}
}

/* ---------------------------------------------------------------- statistics */

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void stats_json(FILE *f, double *xs, size_t n)
{
	double sum = 0;

	qsort(xs, n, sizeof *xs, cmp_double);
	for (size_t i = 0; i < n; i++)
		sum += xs[i];
#define PCT(p) (n ? xs[(size_t)fmin((double)n - 1, ceil((p) / 100.0 * (double)n) - 1)] : 0.0)
	fprintf(f, "\"p50\":%.3f,\"p90\":%.3f,\"p99\":%.3f,\"max\":%.3f,\"mean\":%.3f",
		PCT(50), PCT(90), PCT(99), n ? xs[n - 1] : 0.0, n ? sum / (double)n : 0.0);
#undef PCT
}

struct revmap {
	long long *keys;
	double *sent;
	size_t cap;
};

static size_t rev_slot(struct revmap *m, long long key)
{
	size_t i = (size_t)(key * 0x9E3779B97F4A7C15ULL) & (m->cap - 1);

	while (m->keys[i] != -1 && m->keys[i] != key)
		i = (i + 1) & (m->cap - 1);
	return i;
}

/* ---------------------------------------------------------------- main */

static void usage(void)
{
	die("usage: bench-live --host H --port P --path-events PATH --subscribers S --transport sse|ws|sio "
	    "[--sio-room ID] --votes V --rate R (0: closed loop) (--vote-path PATH [--entries a,b|FILE] | --paths FILE) "
	    "--tokens FILE [--values alternate|up] [--connections C] [--json FILE] [--publish-unix SOCKET] "
	    "[--subscribe-unix SOCKET [--subscribe-unix-b SOCKET]]");
}

int main(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
		if (v == NULL)
			usage();
		i++;
		if (!strcmp(a, "--host")) opt.host = v;
		else if (!strcmp(a, "--port")) opt.port = atoi(v);
		else if (!strcmp(a, "--path-events")) opt.path_events = v;
		else if (!strcmp(a, "--subscribers")) opt.subscribers = atoi(v);
		else if (!strcmp(a, "--transport")) opt.transport = !strcmp(v, "ws") ? T_WS : !strcmp(v, "sio") ? T_SIO : T_SSE;
		else if (!strcmp(a, "--sio-room")) opt.sio_room = v;
		else if (!strcmp(a, "--votes")) opt.votes = atoll(v);
		else if (!strcmp(a, "--rate")) opt.rate = atof(v);
		else if (!strcmp(a, "--vote-path")) opt.vote_path = v;
		else if (!strcmp(a, "--entries")) opt.entries_file = v;
		else if (!strcmp(a, "--paths")) opt.paths_file = v;
		else if (!strcmp(a, "--tokens")) opt.tokens_file = v;
		else if (!strcmp(a, "--values")) opt.alternate = !strcmp(v, "alternate");
		else if (!strcmp(a, "--connections")) opt.connections = atoi(v);
		else if (!strcmp(a, "--json")) opt.json_out = v;
		else if (!strcmp(a, "--publish-unix")) opt.publish_unix = v;
		else if (!strcmp(a, "--subscribe-unix")) opt.subscribe_unix = v;
		else if (!strcmp(a, "--subscribe-unix-b")) opt.subscribe_unix_b = v;
		else usage();
	}
	if (opt.tokens_file == NULL || (opt.vote_path == NULL && opt.paths_file == NULL) || opt.votes <= 0 ||
	    opt.connections <= 0 || (opt.subscribers > 0 && opt.path_events == NULL))
		usage();

	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	tokens = read_lines(opt.tokens_file, &ntokens);
	if (opt.paths_file)
		paths = read_lines(opt.paths_file, &npaths);
	if (opt.entries_file)
		entries = access(opt.entries_file, R_OK) == 0 ? read_lines(opt.entries_file, &nentries)
							      : split_commas(opt.entries_file, &nentries);
	memset(&addr, 0, sizeof addr);
	addr.sin_family = AF_INET;
	addr.sin_port = htons((uint16_t)opt.port);
	if (inet_pton(AF_INET, opt.host, &addr.sin_addr) != 1)
		die("--host must be an IPv4 address");
	clock_gettime(CLOCK_MONOTONIC, &t0);
	ep = epoll_create1(EPOLL_CLOEXEC);
	subs = calloc((size_t)opt.subscribers + 1, sizeof *subs);
	voters = calloc((size_t)opt.connections, sizeof *voters);
	votes = calloc((size_t)opt.votes, sizeof *votes);
	if (!subs || !voters || !votes)
		die("out of memory");
	struct epoll_event evs[1024];

	/* Subscribers in batches, each batch live before the next, as a crowd arrives. */
	const int batch = 200;
	for (int started = 0; started < opt.subscribers;) {
		int end = started + batch < opt.subscribers ? started + batch : opt.subscribers;
		for (int i = started; i < end; i++)
			sub_start(&subs[i]);
		double deadline = now_ms() + 10000;
		for (;;) {
			int pending = 0;
			for (int i = started; i < end; i++)
				pending += subs[i].state != S_LIVE && subs[i].state != S_DEAD;
			if (pending == 0 || now_ms() > deadline)
				break;
			int n = epoll_wait(ep, evs, 1024, 50);
			for (int k = 0; k < n; k++)
				sub_event(&subs[evs[k].data.u64], evs[k].events);
		}
		started = end;
	}
	int connected = 0;
	for (int i = 0; i < opt.subscribers; i++)
		connected += subs[i].state == S_LIVE;
	/* Socket.IO joins and nchan's subscriber bookkeeping settle before the first vote. */
	double settle = now_ms() + (opt.subscribers ? 300 : 0);
	while (now_ms() < settle) {
		int n = epoll_wait(ep, evs, 1024, 20);
		for (int k = 0; k < n; k++)
			if (!(evs[k].data.u64 & VOTER_TAG))
				sub_event(&subs[evs[k].data.u64], evs[k].events);
	}

	for (int i = 0; i < opt.connections; i++)
		voter_connect(&voters[i]);
	long long next = 0, done = 0;
	double start = now_ms(), interval = opt.rate > 0 ? 1000.0 / opt.rate : 0, slipped = 0;
	while (done < opt.votes) {
		double t = now_ms();
		/* Send what is due: on the pacing clock, or at once in a closed loop. */
		while (next < opt.votes && (interval == 0 || start + (double)next * interval <= t)) {
			struct voter *free_v = NULL;
			for (int i = 0; i < opt.connections && !free_v; i++)
				if (!voters[i].busy)
					free_v = &voters[i];
			if (free_v == NULL)
				break;
			if (interval > 0 && t - (start + (double)next * interval) > slipped)
				slipped = t - (start + (double)next * interval);
			voter_send(free_v, next++);
		}
		int timeout = 1;
		if (interval > 0 && next < opt.votes) {
			double due = start + (double)next * interval - now_ms();
			timeout = due > 0 ? (int)due : 0;
		}
		int n = epoll_wait(ep, evs, 1024, timeout);
		/*
		 * Answers to votes first: reading a thousand subscribers takes
		 * milliseconds here, and an answer read after them would be timed
		 * late by the client's own work, not the server's.
		 */
		for (int k = 0; k < n; k++)
			if (evs[k].data.u64 & VOTER_TAG)
				done += voter_readable(&voters[evs[k].data.u64 & ~VOTER_TAG]);
		for (int k = 0; k < n; k++)
			if (!(evs[k].data.u64 & VOTER_TAG))
				sub_event(&subs[evs[k].data.u64], evs[k].events);
	}
	double votes_end = now_ms();
	/*
	 * Stragglers: wait until every subscriber has as many messages as votes
	 * changed the room, at most 2 s. (Not "has the newest": workers publish
	 * side by side, so the newest can arrive before an older one.)
	 */
	size_t owed = 0;
	for (long long i = 0; i < opt.votes; i++)
		owed += votes[i].revision >= 0;
	double stop = now_ms() + 2000;
	while (now_ms() < stop && opt.subscribers > 0) {
		int behind = 0;
		for (int i = 0; i < opt.subscribers && !behind; i++)
			behind = subs[i].state == S_LIVE && subs[i].ngot < owed;
		if (!behind)
			break;
		int n = epoll_wait(ep, evs, 1024, 20);
		for (int k = 0; k < n; k++)
			if (!(evs[k].data.u64 & VOTER_TAG))
				sub_event(&subs[evs[k].data.u64], evs[k].events);
	}

	/* ---------------------------------------------------------------- report */
	long long ok = 0, failed = 0, changed = 0;
	double *req_lat = xrealloc(NULL, (size_t)opt.votes * sizeof(double));
	size_t nreq = 0;
	struct revmap map = { NULL, NULL, 1 };
	while (map.cap < (size_t)opt.votes * 2 + 2)
		map.cap <<= 1;
	map.keys = xrealloc(NULL, map.cap * sizeof *map.keys);
	map.sent = xrealloc(NULL, map.cap * sizeof *map.sent);
	memset(map.keys, 0xff, map.cap * sizeof *map.keys);
	for (long long i = 0; i < opt.votes; i++) {
		struct vote *vt = &votes[i];
		if (vt->status >= 200 && vt->status < 300) {
			ok++;
			req_lat[nreq++] = vt->answered - vt->sent;
		} else {
			failed++;
		}
		if (vt->revision >= 0) {
			size_t s = rev_slot(&map, vt->revision);
			if (map.keys[s] == -1)
				changed++;
			map.keys[s] = vt->revision;
			map.sent[s] = vt->sent;
		}
	}
	size_t cap_del = (size_t)changed * (size_t)(connected ? connected : 1);
	double *del_lat = xrealloc(NULL, (cap_del + 1) * sizeof(double));
	size_t ndel = 0;
	long long dups = 0, reordered = 0, lo = -1, hi = -1;
	for (long long i = 0; i < opt.votes; i++)
		if (votes[i].revision >= 0) {
			if (lo < 0 || votes[i].revision < lo)
				lo = votes[i].revision;
			if (votes[i].revision > hi)
				hi = votes[i].revision;
		}
	/* One byte per revision the votes made, reset per subscriber: duplicates in linear time. */
	unsigned char *seen = xrealloc(NULL, (size_t)(hi - lo + 2));
	for (int i = 0; i < opt.subscribers; i++) {
		struct subscriber *s = &subs[i];
		long long prev = -1;
		memset(seen, 0, (size_t)(hi - lo + 2));
		for (size_t k = 0; k < s->ngot; k++) {
			long long r = s->got[k].revision;
			if (r < lo || r > hi || lo < 0)
				continue; /* a change that was not one of these votes */
			if (seen[r - lo]++) {
				dups++;
				continue;
			}
			if (r < prev)
				reordered++;
			if (r > prev)
				prev = r;
			size_t slot = rev_slot(&map, r);
			if (map.keys[slot] == r && ndel < cap_del)
				del_lat[ndel++] = s->got[k].at - map.sent[slot];
		}
	}
	free(seen);
	long long expected = changed * connected;
	FILE *f = opt.json_out ? fopen(opt.json_out, "w") : stdout;
	if (f == NULL)
		die("cannot write %s", opt.json_out);
	double dur = (votes_end - start) / 1000.0;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	double cpu_s = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		       ru.ru_stime.tv_usec / 1e6;
	fprintf(f, "{\"transport\":\"%s\",\"subscribers\":%d,\"subscribersConnected\":%d,\"votesSent\":%lld,"
		   "\"votesOk\":%lld,\"votesFailed\":%lld,\"votesChanged\":%lld,\"statusCounts\":{",
		opt.transport == T_SSE ? "sse" : opt.transport == T_WS ? "ws" : "sio", opt.subscribers, connected,
		opt.votes, ok, failed, changed);
	for (int s = 0, first = 1; s < 600; s++)
		if (status_counts[s]) {
			fprintf(f, "%s\"%d\":%d", first ? "" : ",", s, status_counts[s]);
			first = 0;
		}
	fprintf(f, "},\"durationS\":%.3f,\"totalS\":%.3f,\"cpuS\":%.3f,\"voteRatePerS\":%.1f,\"paceSlipMs\":%.3f,"
		   "\"request\":{",
		dur, now_ms() / 1000.0, cpu_s, dur > 0 ? (double)ok / dur : 0.0, slipped);
	stats_json(f, req_lat, nreq);
	fprintf(f, "},\"delivery\":{\"count\":%zu,\"expected\":%lld,\"missing\":%lld,\"duplicates\":%lld,"
		   "\"outOfOrder\":%lld,", ndel, expected, expected - (long long)ndel, dups, reordered);
	stats_json(f, del_lat, ndel);
	fprintf(f, "}}\n");
	if (f != stdout)
		fclose(f);
	fprintf(stderr, "bench-live: %s, %d/%d subscribers, %lld votes (%lld ok) in %.1f s; delivered %zu/%lld\n",
		opt.transport == T_SSE ? "sse" : opt.transport == T_WS ? "ws" : "sio", connected, opt.subscribers,
		opt.votes, ok, dur, ndel, expected);
	return 0;
}
