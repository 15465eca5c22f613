/* room_listeners.c: how many are listening to a room, as nchan counts them, remembered briefly */
#include "room_listeners.h"
#include "ids.h"
#include "publish.h"
#include "room_request.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/*
 * A small table per worker rather than a Redis entry: a count is one local
 * request to nchan, so sharing it between workers would save little, and a
 * Redis round trip on every read plus a dependency on Redis would cost more.
 * With W workers nchan is asked at most W times per room in a lifetime.
 * A room hashes to one slot; a room that takes it from another only costs
 * the other a fresh count.
 */
#define SLOTS 64

static struct {
	char code[ROOM_CODE_LEN + 1];
	long long playing;
	long long expires_ms;
	int count;
} remembered[SLOTS];

static long long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (long long)t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static unsigned slot_of(const char *code)
{
	unsigned h = 5381;

	for (; *code; code++)
		h = h * 33 + (unsigned char)*code;
	return h % SLOTS;
}

int room_listeners(const char *code, long long playing)
{
	unsigned i = slot_of(code);
	long long now = now_ms();
	char channel[32];
	int n;

	if (strcmp(remembered[i].code, code) == 0 && remembered[i].playing == playing &&
	    now < remembered[i].expires_ms)
		return remembered[i].count;
	room_channel(channel, sizeof channel, code);
	n = publish_subscribers(channel);
	/* An unreachable nchan is remembered too: asking again would block again. */
	snprintf(remembered[i].code, sizeof remembered[i].code, "%s", code);
	remembered[i].playing = playing;
	remembered[i].expires_ms = now + ROOM_LISTENERS_MAX_AGE_MS;
	remembered[i].count = n < 0 ? 0 : n;
	return remembered[i].count;
}

int room_listeners_drop(const char *code)
{
	char channel[32];

	room_channel(channel, sizeof channel, code);
	return publish_drop_subscribers(channel);
}
