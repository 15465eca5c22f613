/* test_metrics.c: the shared counters (across a fork), their Prometheus text line by line, METRICS_ALLOW matching, X-Request-Id on answers and publishes */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include "config.h"
#include "http_client.h"
#include "log.h"
#include "metrics.h"
#include "publish.h"
#include "request.h"
#include "response.h"
#include "router.h"

static int route_index(const char *method, const char *pattern)
{
	for (size_t i = 0; i < routes_count; i++)
		if (strcmp(routes[i].method, method) == 0 && strcmp(routes[i].pattern, pattern) == 0)
			return (int)i;
	fail_msg("no route %s %s", method, pattern);
	return -1;
}

/* The value of the sample line that starts with prefix (name and labels), or -1 when absent. */
static double sample(const char *text, const char *prefix)
{
	size_t n = strlen(prefix);

	for (const char *p = text; p != NULL && *p != '\0'; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (strncmp(p, prefix, n) == 0 && p[n] == ' ')
			return strtod(p + n + 1, NULL);
	return -1;
}

/* name{label="value",...} number: the exposition format's sample line (no escapes: queued writes none). */
static int valid_sample(const char *line)
{
	const char *p = line;
	char *end;

	if (!isalpha((unsigned char)*p) && *p != '_' && *p != ':')
		return 0;
	while (isalnum((unsigned char)*p) || *p == '_' || *p == ':')
		p++;
	if (*p == '{') {
		p++;
		while (*p != '}') {
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			if (*p++ != '=' || *p++ != '"')
				return 0;
			while (*p != '"' && *p != '\0' && *p != '\\')
				p++;
			if (*p++ != '"')
				return 0;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return 0;
		}
		p++;
	}
	if (*p++ != ' ')
		return 0;
	if (strcmp(p, "+Inf") == 0 || strcmp(p, "NaN") == 0)
		return 1;
	strtod(p, &end);
	return end != p && *end == '\0';
}

static void assert_valid_text(const char *text)
{
	char *copy = strdup(text), *save = NULL;

	assert_non_null(copy);
	assert_true(text[strlen(text) - 1] == '\n');
	for (char *line = strtok_r(copy, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (line[0] == '#')
			continue;
		if (!valid_sample(line))
			fail_msg("not a sample line: %s", line);
	}
	free(copy);
}

/* The labels /metrics gives the per-route rows: the route table's. */
static struct metrics_route_label labels[METRICS_MAX_ROUTES];

static char *render(const char *extra, size_t *len)
{
	for (size_t i = 0; i < routes_count; i++) {
		labels[i].method = routes[i].method;
		labels[i].pattern = routes[i].pattern;
	}
	return metrics_render(labels, routes_count, route_index("PUT", "/rooms/:code/queue/:entryId/vote"), extra, len);
}

/* Counted in a forked child (a worker), seen by the parent (the supervisor's /metrics of another worker). */
static void test_counts_survive_the_counting_process(void **state)
{
	int vote = route_index("PUT", "/rooms/:code/queue/:entryId/vote");
	size_t len;
	char *text;
	pid_t pid;
	int status;

	(void)state;
	assert_true(routes_count < METRICS_MAX_ROUTES);
	assert_int_equal(metrics_init(), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		metrics_request(vote, 200, 1500);  /* 1.5 ms */
		metrics_request(vote, 409, 30000); /* 30 ms */
		metrics_request(-1, 404, 10);
		metrics_count(METRIC_PUBLISHES);
		metrics_count(METRIC_CACHE_HITS);
		metrics_count(METRIC_YOUTUBE_SEARCHES);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	text = render("queued_extra 7\n", &len);
	assert_non_null(text);
	assert_int_equal(strlen(text), len);
	assert_valid_text(text);
	assert_true(sample(text, "queued_http_requests_total{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\",status=\"200\"}") == 1);
	assert_true(sample(text, "queued_http_requests_total{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\",status=\"409\"}") == 1);
	assert_true(sample(text, "queued_http_requests_total{method=\"\",route=\"unmatched\",status=\"404\"}") == 1);
	/* Cumulative buckets: 1.5 ms is under 2.5 ms, 30 ms only from 50 ms up. */
	assert_true(sample(text, "queued_http_request_duration_seconds_bucket{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\",le=\"0.001\"}") == 0);
	assert_true(sample(text, "queued_http_request_duration_seconds_bucket{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\",le=\"0.0025\"}") == 1);
	assert_true(sample(text, "queued_http_request_duration_seconds_bucket{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\",le=\"0.05\"}") == 2);
	assert_true(sample(text, "queued_http_request_duration_seconds_bucket{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\",le=\"+Inf\"}") == 2);
	assert_true(sample(text, "queued_http_request_duration_seconds_count{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\"}") == 2);
	assert_true(sample(text, "queued_http_request_duration_seconds_sum{method=\"PUT\",route=\"/rooms/:code/queue/:entryId/vote\"}") > 0.0314);
	assert_true(sample(text, "queued_votes_total") == 1); /* the 409 is no vote */
	assert_true(sample(text, "queued_publishes_total") == 1);
	assert_true(sample(text, "queued_cache_hits_total") == 1);
	assert_true(sample(text, "queued_cache_misses_total") == 0);
	assert_true(sample(text, "queued_youtube_api_calls_total{method=\"search.list\"}") == 1);
	assert_true(sample(text, "queued_extra") == 7);
	assert_non_null(strstr(text, "# TYPE queued_http_request_duration_seconds histogram\n"));
	free(text);
}

static void test_addr_allowed(void **state)
{
	(void)state;
	assert_true(metrics_addr_allowed("127.0.0.1,::1", "127.0.0.1"));
	assert_true(metrics_addr_allowed("127.0.0.1,::1", "::1"));
	assert_false(metrics_addr_allowed("127.0.0.1,::1", "127.0.0.2"));
	assert_true(metrics_addr_allowed(" 10.0.0.0/8 , 192.168.1.7", "10.200.3.4"));
	assert_true(metrics_addr_allowed("10.0.0.0/8, 192.168.1.7", "192.168.1.7"));
	assert_false(metrics_addr_allowed("10.0.0.0/8", "11.0.0.1"));
	assert_true(metrics_addr_allowed("10.0.0.0/8", "::ffff:10.1.2.3"));
	assert_true(metrics_addr_allowed("fd00::/8", "fd12:3456::1"));
	assert_false(metrics_addr_allowed("fd00::/8", "fe80::1"));
	assert_true(metrics_addr_allowed("0.0.0.0/0", "203.0.113.9"));
	assert_false(metrics_addr_allowed("10.0.0.1", "127.0.0.1"));
	assert_false(metrics_addr_allowed("10.0.0.0/33,bogus,/8,", "10.0.0.1"));
	assert_false(metrics_addr_allowed("127.0.0.1", NULL));
	assert_false(metrics_addr_allowed("127.0.0.1", "not an address"));
	assert_false(metrics_addr_allowed("", "127.0.0.1"));
}

static void discard(void *ctx, const char *data, size_t len)
{
	struct { char text[4096]; size_t len; } *b = ctx;

	if (b->len + len < sizeof b->text) {
		memcpy(b->text + b->len, data, len);
		b->len += len;
		b->text[b->len] = '\0';
	}
}

/* Every answer names its request, and is counted under its route. */
static void test_answer_has_request_id_and_is_counted(void **state)
{
	struct { char text[4096]; size_t len; } b = { "", 0 };
	const struct response_out out = { discard, &b };
	int health = route_index("GET", "/healthz");
	struct request req;
	size_t len;
	char *text;

	(void)state;
	assert_int_equal(metrics_init(), 0);
	request_init(&req);
	req.method = "GET";
	req.path = "/healthz";
	snprintf(req.id, sizeof req.id, "0123456789abcdef0123456789abcdef");
	req.route = health;
	reply_data(&req, 200, json_object_new_object());
	response_write(&out, &req);
	request_free(&req);
	assert_non_null(strstr(b.text, "\r\nX-Request-Id: 0123456789abcdef0123456789abcdef\r\n"));
	text = render(NULL, &len);
	assert_non_null(text);
	assert_true(sample(text, "queued_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"}") >= 1);
	free(text);
}

/* A publish names the request that caused it (nchan's log can show it), and is counted. */
static void test_publish_carries_request_id(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char buf[2048];
	size_t len;
	ssize_t n;
	char *text;
	int lfd, fd;

	(void)state;
	assert_int_equal(metrics_init(), 0);
	snprintf(sa.sun_path, sizeof sa.sun_path, "/tmp/test_metrics-%d.sock", (int)getpid());
	unlink(sa.sun_path);
	lfd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(lfd >= 0);
	assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
	assert_int_equal(listen(lfd, 4), 0);
	config.nchan_socket = sa.sun_path;
	config.nchan_url = "http://127.0.0.1/pub/";
	assert_int_equal(http_client_global_init(), 0);
	assert_int_equal(publish_init(), 0);
	log_set_request_id("0f1e2d3c4b5a69788796a5b4c3d2e1f0");
	assert_int_equal(publish_send("rooms/ABCDEF", "{\"revision\":1}"), 0);
	log_set_request_id(NULL);
	fd = accept(lfd, NULL, NULL);
	assert_true(fd >= 0);
	n = recv(fd, buf, sizeof buf - 1, 0);
	assert_true(n > 0);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "POST /pub/rooms/ABCDEF HTTP/1.1\r\n"));
	assert_non_null(strstr(buf, "\r\nX-Request-Id: 0f1e2d3c4b5a69788796a5b4c3d2e1f0\r\n"));
	close(fd);
	close(lfd);
	unlink(sa.sun_path);
	publish_cleanup();
	http_client_global_cleanup();
	text = render(NULL, &len);
	assert_non_null(text);
	assert_true(sample(text, "queued_publishes_total") >= 1);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_counts_survive_the_counting_process),
		cmocka_unit_test(test_addr_allowed),
		cmocka_unit_test(test_answer_has_request_id_and_is_counted),
		cmocka_unit_test(test_publish_carries_request_id),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
