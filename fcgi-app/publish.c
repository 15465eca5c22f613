/* publish.c: one small message to an nchan channel, over the publisher socket */
#include "publish.h"
#include "config.h"
#include "log.h"

#include <curl/curl.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

static CURL *curl;
static struct curl_slist *headers;

static size_t discard(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	return size * nmemb;
}

struct body {
	char buf[1024];
	size_t len;
};

static size_t keep(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct body *b = userdata;
	size_t n = size * nmemb;

	if (n > sizeof b->buf - 1 - b->len)
		n = sizeof b->buf - 1 - b->len;
	memcpy(b->buf + b->len, ptr, n);
	b->len += n;
	b->buf[b->len] = '\0';
	return size * nmemb;
}

int publish_init(void)
{
	curl = curl_easy_init();
	if (curl == NULL)
		return -1;
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	headers = curl_slist_append(headers, "Accept: text/json");
	return 0;
}

void publish_cleanup(void)
{
	if (curl != NULL)
		curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	curl = NULL;
	headers = NULL;
}

int publish_send(const char *channel, const char *message)
{
	char url[512];
	long status = 0;
	CURLcode rc;

	if (curl == NULL && publish_init() != 0)
		return -1;
	snprintf(url, sizeof url, "%s%s", config.nchan_url, channel);
	/* Options are re-applied each time: the handle keeps its connection alive. */
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (config.nchan_socket != NULL)
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, config.nchan_socket);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, message);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE, (long)strlen(message));
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 2000L);
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT_MS, 500L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || (status != 201 && status != 202)) {
		log_warn("publish to %s failed: %s (HTTP %ld)", channel,
			 rc != CURLE_OK ? curl_easy_strerror(rc) : "unexpected status", status);
		return -1;
	}
	return 0;
}

int publish_subscribers(const char *channel)
{
	char url[512];
	long status = 0;
	struct body body = { .len = 0 };
	struct json_object *info, *v;
	int n = -1;

	if (curl == NULL && publish_init() != 0)
		return -1;
	snprintf(url, sizeof url, "%s%s", config.nchan_url, channel);
	curl_easy_setopt(curl, CURLOPT_URL, url);
	if (config.nchan_socket != NULL)
		curl_easy_setopt(curl, CURLOPT_UNIX_SOCKET_PATH, config.nchan_socket);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, keep);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, &body);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 1000L);
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	if (curl_easy_perform(curl) != CURLE_OK) {
		log_warn("cannot ask nchan about %s", channel);
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, NULL);
	if (status == 404)
		return 0; /* no channel yet: nobody is listening */
	info = json_tokener_parse(body.buf);
	if (info != NULL && json_object_object_get_ex(info, "subscribers", &v))
		n = json_object_get_int(v);
	json_object_put(info);
	return n;
}
