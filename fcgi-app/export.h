/* export.h: the playlist export consumer: claim a job, build the JSON, mail it */
#ifndef QUEUED_EXPORT_H
#define QUEUED_EXPORT_H

#include <stddef.h>

/*
 * Claim one due job and carry it out (send, then record the outcome).
 * Returns 1 when a job was handled, 0 when none was due, -1 when the database
 * is unavailable.
 */
int export_run_one(void);

/* Milliseconds until the next job is due (capped at cap_ms; cap_ms when none). */
int export_next_due_ms(int cap_ms);

/*
 * Mail json to `to` as the attachment playlist-<playlist_id>.json over SMTP
 * (STARTTLS when offered; AUTH only with SMTP_USER). Returns 0, or -1 with a
 * reason in err.
 */
int export_send_mail(const char *to, const char *playlist_id, const char *json, char *err, size_t cap);

#endif
