-- 008: a vote changes an entry's score without touching an index.
--
-- queue_entries_order had score in it, so every vote wrote a new index entry
-- into it and into the primary key (an update of an indexed column cannot be
-- HOT). A room holds at most a few thousand waiting entries and sorting them
-- costs less than one index write per vote, so the index now finds a room's
-- entries by state and leaves the order to the query. fillfactor leaves room
-- on each page for the new row versions HOT updates put beside the old.
DROP INDEX queue_entries_order;
CREATE INDEX queue_entries_live ON queue_entries (room_id, state, id);
ALTER TABLE queue_entries SET (fillfactor = 80);
