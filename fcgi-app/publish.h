/* publish.h: messages to nchan channels over the publisher socket, without waiting; a channel's subscriber count */
#ifndef QUEUED_PUBLISH_H
#define QUEUED_PUBLISH_H

/* Set up the worker's publisher path and its libcurl handle for publish_subscribers. Returns 0 or -1. */
int publish_init(void);
void publish_cleanup(void);

/*
 * POST message (JSON text) to channel ("rooms/ABCDEF") at NCHAN_PUBLISH_URL,
 * through NCHAN_PUBLISH_SOCKET when set, without waiting for nchan's answer
 * (read on the next call; unconfirmed messages are re-sent after a reconnect).
 * Returns 0 when the message was handed over, -1 when nchan is unreachable.
 */
int publish_send(const char *channel, const char *message);

/* Read nchan's answers to what was published, waiting at most wait_ms. */
void publish_flush(int wait_ms);

/*
 * The channel's subscriber count as nchan reports it (GET on the publisher
 * location): 0 for a channel nobody has subscribed to, -1 when nchan cannot
 * be asked.
 */
int publish_subscribers(const char *channel);

/*
 * Close every subscription of channel now (DELETE on the publisher
 * location: SSE and long-poll get 410, WebSocket a close); they may
 * subscribe again, and are asked again who they are. Returns 0, or -1 when
 * nchan cannot be asked.
 */
int publish_drop_subscribers(const char *channel);

#endif
