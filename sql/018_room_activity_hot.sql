-- 018_room_activity_hot.sql: a vote moves its room's revision without
-- touching an index, or running a trigger function, again, as before 012.
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

-- 012's trigger ran a PL/pgSQL function at every revision update, for a
-- closed room (never updated) and for the activity time (which needs no
-- finer grain than the second for the idle job's days and GET /me/rooms'
-- order). Two triggers with WHEN conditions, which PostgreSQL evaluates
-- without calling a function, now call one only when there is something to
-- do: a closed room's update (refused), or the first revision of a second.
DROP TRIGGER rooms_guard ON rooms;
CREATE FUNCTION room_refuse_closed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'room % is closed', OLD.code USING ERRCODE = 'QC410';
END
$$;
CREATE TRIGGER rooms_closed_guard BEFORE UPDATE ON rooms
  FOR EACH ROW WHEN (OLD.closed_at IS NOT NULL) EXECUTE FUNCTION room_refuse_closed();
CREATE FUNCTION room_touch_activity() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  NEW.last_activity_at := now();
  RETURN NEW;
END
$$;
CREATE TRIGGER rooms_activity BEFORE UPDATE ON rooms
  FOR EACH ROW WHEN (NEW.revision IS DISTINCT FROM OLD.revision AND OLD.last_activity_at < now() - interval '1 second')
  EXECUTE FUNCTION room_touch_activity();
