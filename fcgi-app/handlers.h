/* handlers.h: every endpoint handler, one file per resource (h_*.c) */
#ifndef QUEUED_HANDLERS_H
#define QUEUED_HANDLERS_H

#include "query.h"

struct request;

/*
 * Each SQL function's status words and what they answer (query.h), one
 * table per function, next to the handler that calls it.
 */
extern const struct status_word queue_add_statuses[];      /* h_queue.c */
extern const struct status_word queue_vote_statuses[];
extern const struct status_word queue_remove_statuses[];
extern const struct status_word room_advance_statuses[];
extern const struct status_word room_skip_statuses[];
extern const struct status_word queue_pin_statuses[];
extern const struct status_word room_settings_statuses[];  /* h_rooms.c */
extern const struct status_word room_cohost_statuses[];
extern const struct status_word room_ban_statuses[];
extern const struct status_word album_like_statuses[];     /* h_albums.c */
extern const struct status_word song_delete_statuses[];    /* h_songs.c */
extern const struct status_word playlist_song_statuses[];  /* h_playlists.c */
extern const struct status_word collaboration_statuses[];  /* h_collaborations.c */
extern const struct status_word export_request_statuses[]; /* h_exports.c */
extern const struct status_word room_history_playlist_statuses[]; /* h_history.c */
extern const struct status_word user_queue_put_statuses[]; /* h_me.c */
extern const struct status_word room_close_statuses[];     /* h_room_lifecycle.c */
extern const struct status_word room_host_statuses[];
extern const struct status_word room_leave_statuses[];
extern const struct status_word room_playback_statuses[];  /* h_playback.c */
extern const struct status_word room_join_statuses[];      /* h_members.c */
extern const struct status_word room_member_rename_statuses[];

/* h_health.c: liveness, readiness and the Prometheus metrics (metrics.h) */
void health_live(struct request *req);
void health_ready(struct request *req);
void health_metrics(struct request *req);

/* h_guests.c */
void guests_create(struct request *req);

/* h_songs.c */
void songs_search(struct request *req);
void songs_create(struct request *req);
void songs_get(struct request *req);
void songs_update(struct request *req);
void songs_delete(struct request *req);

/* h_albums.c */
void albums_create(struct request *req);
void albums_list(struct request *req);
void albums_get(struct request *req);
void albums_update(struct request *req);
void albums_delete(struct request *req);
void album_likes_add(struct request *req);
void album_likes_delete(struct request *req);
void album_likes_get(struct request *req);
void albums_cover_upload(struct request *req);
/* A cover image is at most this many bytes: the OpenMusic contract's limit. */
#define COVER_MAX_BYTES 512000
/* The upload's whole body: the image and its multipart envelope (boundary lines, part headers). */
#define COVER_UPLOAD_MAX_BODY (COVER_MAX_BYTES + 16 * 1024)

/* h_users.c */
void users_create(struct request *req);
void users_me(struct request *req);

/* h_search.c */
void search_get(struct request *req);

/* h_youtube.c */
void youtube_search_get(struct request *req);

/* h_authentications.c */
void authentications_login(struct request *req);
void authentications_refresh(struct request *req);
void authentications_logout(struct request *req);

/* h_playlists.c */
void playlists_create(struct request *req);
void playlists_list(struct request *req);
void playlists_delete(struct request *req);
void playlist_songs_add(struct request *req);
void playlist_songs_list(struct request *req);
void playlist_songs_delete(struct request *req);
void playlist_activities_list(struct request *req);

/* h_collaborations.c */
void collaborations_create(struct request *req);
void collaborations_delete(struct request *req);

/* h_rooms.c */
void rooms_create(struct request *req);
void rooms_get(struct request *req);
void rooms_update(struct request *req);
void rooms_cohost_add(struct request *req);
void rooms_cohost_delete(struct request *req);
void rooms_ban_add(struct request *req);
void rooms_ban_delete(struct request *req);
void rooms_members(struct request *req);
void rooms_me(struct request *req);
void rooms_qr(struct request *req);
void rooms_history(struct request *req);
void rooms_join(struct request *req);   /* h_members.c */
void rooms_rename(struct request *req);
void rooms_events(struct request *req);

/* h_history.c */
void rooms_history_playlist(struct request *req);

/* h_queue.c */
void queue_get(struct request *req);
void queue_add(struct request *req);
void queue_vote(struct request *req);
void queue_pin(struct request *req);
void queue_unpin(struct request *req);
void queue_remove(struct request *req);
void queue_advance(struct request *req);
void queue_skip(struct request *req);

/* h_playback.c */
void playback_update(struct request *req);

/* h_me.c: a registered user's own queue, preferences and live channel */
#define ME_QUEUE_MAX_BODY (256 * 1024) /* a full queue of long ids and its original order */
void me_queue_get(struct request *req);
void me_queue_put(struct request *req);
void me_queue_patch(struct request *req);
void me_queue_add(struct request *req);
void me_queue_remove(struct request *req);
void me_queue_play_now(struct request *req);
void me_queue_shuffle(struct request *req);
void me_queue_unshuffle(struct request *req);
void me_queue_next(struct request *req);
void me_queue_previous(struct request *req);
void me_queue_move(struct request *req);
void me_queue_clear_upcoming(struct request *req);
void me_queue_subscription(struct request *req);
void me_queue_events(struct request *req);
void me_preferences_get(struct request *req);
void me_preferences_put(struct request *req);

/* h_room_lifecycle.c: hand over, leave, close, the caller's rooms */
void rooms_close(struct request *req);
void rooms_host_transfer(struct request *req);
void rooms_leave(struct request *req);
void me_rooms(struct request *req);

/*
 * The idle job: closes the rooms without activity for days days (at most a
 * batch a call), each with its final message. Needs the connections a
 * worker has. Returns how many it closed, -1 when the database failed.
 */
int rooms_close_idle(int days);

/* h_exports.c */
void exports_create(struct request *req);
void exports_get(struct request *req);

#endif
