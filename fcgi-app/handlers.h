/* handlers.h: every endpoint handler, one file per resource (h_*.c) */
#ifndef QUEUED_HANDLERS_H
#define QUEUED_HANDLERS_H

struct request;

/* h_guests.c */
void guests_create(struct request *req);

/* h_songs.c */
void songs_search(struct request *req);

/* h_rooms.c */
void rooms_create(struct request *req);
void rooms_get(struct request *req);
void queue_get(struct request *req);
void queue_add(struct request *req);
void queue_vote(struct request *req);

#endif
