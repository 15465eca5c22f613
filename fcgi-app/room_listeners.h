/* room_listeners.h: how many are listening to a room, as nchan counts them, remembered briefly */
#ifndef QUEUED_ROOM_LISTENERS_H
#define QUEUED_ROOM_LISTENERS_H

/*
 * The subscriber count of the room's channel (0 when nchan cannot say),
 * during the song whose entry id is playing (0: nothing plays). The count
 * is at most ROOM_LISTENERS_MAX_AGE_MS old and always taken during that
 * song: a vote to skip it is measured against listeners of that song.
 */
int room_listeners(const char *code, long long playing);

/*
 * A count lives this long in the worker: GET /rooms/{code} and every skip
 * vote want it, and asking nchan blocks the worker for a round trip (up to a
 * second when nchan is slow). nchan's own counts lag as much in Redis mode.
 */
#define ROOM_LISTENERS_MAX_AGE_MS 2000

/*
 * Everyone listening to room code is dropped (they reconnect through
 * GET /rooms/{code}/events, which asks who they are): when a room starts
 * hiding its queue, those who followed it until then must be members to go
 * on. Returns 0, or -1 when nchan cannot be asked.
 */
int room_listeners_drop(const char *code);

#endif
