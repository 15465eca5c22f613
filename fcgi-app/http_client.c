/* http_client.c: libcurl set up one way for every outgoing call (nchan's channel info, YouTube, export mail, S3) */
#include "http_client.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int http_client_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -1;
}

void http_client_global_cleanup(void)
{
	curl_global_cleanup();
}

/* libcurl's write callback: the answer grows in hc->answer up to hc->max_answer bytes. */
static size_t append_answer(char *ptr, size_t size, size_t nmemb, void *userdata)
{
	struct http_client *hc = userdata;
	size_t n = size * nmemb;
	char *grown;

	if (n > hc->max_answer - hc->answer_len)
		return 0; /* a short count fails the transfer with CURLE_WRITE_ERROR */
	grown = realloc(hc->answer, hc->answer_len + n + 1);
	if (grown == NULL)
		return 0;
	hc->answer = grown;
	memcpy(hc->answer + hc->answer_len, ptr, n);
	hc->answer_len += n;
	hc->answer[hc->answer_len] = '\0';
	return n;
}

int http_client_open(struct http_client *hc, const struct http_client_options *opt)
{
	memset(hc, 0, sizeof *hc);
	hc->curl = curl_easy_init();
	if (hc->curl == NULL)
		return -1;
	hc->max_answer = opt->max_answer;
	curl_easy_setopt(hc->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(hc->curl, CURLOPT_PROTOCOLS_STR, opt->protocols);
	curl_easy_setopt(hc->curl, CURLOPT_CONNECTTIMEOUT_MS,
			 opt->connect_timeout_ms > 0 ? opt->connect_timeout_ms : opt->timeout_ms);
	curl_easy_setopt(hc->curl, CURLOPT_TIMEOUT_MS, opt->timeout_ms);
	if (!opt->env_proxy)
		curl_easy_setopt(hc->curl, CURLOPT_PROXY, ""); /* "": no proxy, whatever the environment says */
	curl_easy_setopt(hc->curl, CURLOPT_ERRORBUFFER, hc->error);
	curl_easy_setopt(hc->curl, CURLOPT_WRITEFUNCTION, append_answer);
	curl_easy_setopt(hc->curl, CURLOPT_WRITEDATA, hc);
	return 0;
}

void http_client_method(struct http_client *hc, const char *method, const void *body, size_t len)
{
	if (body != NULL) {
		curl_easy_setopt(hc->curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(hc->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	} else {
		curl_easy_setopt(hc->curl, CURLOPT_HTTPGET, 1L); /* no body left from an earlier call */
	}
	curl_easy_setopt(hc->curl, CURLOPT_CUSTOMREQUEST, method);
}

long http_client_perform(struct http_client *hc)
{
	long code = 0;
	CURLcode rc;

	hc->answer_len = 0;
	if (hc->answer != NULL)
		hc->answer[0] = '\0';
	hc->error[0] = '\0';
	hc->why[0] = '\0';
	rc = curl_easy_perform(hc->curl);
	if (rc != CURLE_OK) {
		snprintf(hc->why, sizeof hc->why, "%s%s%s", curl_easy_strerror(rc),
			 hc->error[0] ? ": " : "", hc->error);
		return -1;
	}
	curl_easy_getinfo(hc->curl, CURLINFO_RESPONSE_CODE, &code);
	return code;
}

void http_client_close(struct http_client *hc)
{
	if (hc->curl != NULL)
		curl_easy_cleanup(hc->curl);
	free(hc->answer);
	hc->curl = NULL;
	hc->answer = NULL;
	hc->answer_len = 0;
}
