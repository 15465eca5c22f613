/* catalog.h: who may change the catalog (CATALOG_WRITES, CATALOG_ADMINS) */
#ifndef QUEUED_CATALOG_H
#define QUEUED_CATALOG_H

struct request;

/*
 * The registered user to record as an album's or song's creator, or NULL
 * (an anonymous write, possible only with CATALOG_WRITES=open).
 */
const char *catalog_creator(const struct request *req);

/*
 * May the caller edit or delete the album or song id? kind is "album" or
 * "song". Returns 0; or replies 404 (no such item) or 403 (neither its
 * creator nor an admin, and the catalog is not open) and returns -1.
 */
int catalog_may_change_or_reply(struct request *req, const char *kind, const char *id);

#endif
