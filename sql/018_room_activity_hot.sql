-- 018_room_activity_hot.sql: a vote moves its room's revision without
-- touching an index again, as before 012.
--
-- 012 indexed rooms.last_activity_at (rooms_idle, for the idle job), and a
-- trigger sets that column at every revision, so every vote's room update
-- wrote an index entry and could not be HOT: with the lookups below, one-room
-- vote throughput fell by a third (./dev bench --only throughput,
-- docs/performance.md). The idle job runs every few minutes over the rooms
-- still open, which it keeps few by closing the idle ones: an index of the
-- open rooms that names neither the revision nor the activity time serves it,
-- and leaves every vote's room update HOT.
DROP INDEX rooms_idle;
CREATE INDEX rooms_open ON rooms (id) WHERE closed_at IS NULL;

-- An entry's score and state change only by functions that also move its
-- room's revision, which the trigger on rooms refuses for a closed room; a
-- new entry is what must be stopped here. (One lookup fewer per vote.)
DROP TRIGGER queue_entries_guard ON queue_entries;
CREATE TRIGGER queue_entries_guard BEFORE INSERT ON queue_entries
  FOR EACH ROW EXECUTE FUNCTION room_guard_row('room');

-- The rooms table takes a revision update per vote: room on each page for
-- the new row versions HOT updates put beside the old.
ALTER TABLE rooms SET (fillfactor = 80);
