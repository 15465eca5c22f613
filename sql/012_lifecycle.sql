-- 012_lifecycle.sql: a room's life: handing the host role over, leaving,
-- closing (by the host, or by the idle job), and the rooms a member runs.
--
-- A closed room refuses every write in the database itself, whichever
-- function tries it: the triggers below raise SQLSTATE QC410, which the
-- worker answers 410 (query.c, reply_db_error). Every room write moves the
-- revision, so the trigger on rooms alone would catch each; the ones on the
-- member, entry and vote tables stop a write at its first row instead.

ALTER TABLE rooms
  ADD COLUMN closed_at        timestamptz,
  ADD COLUMN last_activity_at timestamptz NOT NULL DEFAULT now();
-- Rooms from before this migration count as active now: each gets its full
-- ROOM_IDLE_DAYS from the upgrade rather than being closed by the first run.
CREATE INDEX rooms_idle ON rooms (last_activity_at) WHERE closed_at IS NULL;

-- Nothing of a closed room changes any more, and any change of an open one
-- that moves the revision is activity.
CREATE FUNCTION room_guard_update() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF OLD.closed_at IS NOT NULL THEN
    RAISE EXCEPTION 'room % is closed', OLD.code USING ERRCODE = 'QC410';
  END IF;
  IF NEW.revision IS DISTINCT FROM OLD.revision THEN
    NEW.last_activity_at := now();
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER rooms_guard BEFORE UPDATE ON rooms
  FOR EACH ROW EXECUTE FUNCTION room_guard_update();

-- A row of a room's member, entry or vote tables names the room directly
-- (room_id) or through its entry (entry_id).
CREATE FUNCTION room_guard_row() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  v_closed boolean;
BEGIN
  IF TG_ARGV[0] = 'entry' THEN
    SELECT r.closed_at IS NOT NULL INTO v_closed
      FROM queue_entries e JOIN rooms r ON r.id = e.room_id WHERE e.id = NEW.entry_id;
  ELSE
    SELECT r.closed_at IS NOT NULL INTO v_closed FROM rooms r WHERE r.id = NEW.room_id;
  END IF;
  IF v_closed THEN
    RAISE EXCEPTION 'the room is closed' USING ERRCODE = 'QC410';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER room_members_guard BEFORE INSERT OR UPDATE ON room_members
  FOR EACH ROW EXECUTE FUNCTION room_guard_row('room');
CREATE TRIGGER queue_entries_guard BEFORE INSERT OR UPDATE ON queue_entries
  FOR EACH ROW EXECUTE FUNCTION room_guard_row('room');
CREATE TRIGGER votes_guard BEFORE INSERT OR UPDATE ON votes
  FOR EACH ROW EXECUTE FUNCTION room_guard_row('entry');
CREATE TRIGGER skip_votes_guard BEFORE INSERT ON skip_votes
  FOR EACH ROW EXECUTE FUNCTION room_guard_row('entry');

-- Close an open room (v_room locked by the caller): what is waiting is
-- removed and what plays ends, so no catalog change (song_touch) ever moves
-- a closed room again and a song of it can be deleted; then closed_at and
-- the last revision, in one update. Returns that revision.
CREATE FUNCTION room_close_locked(p_room text) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_revision bigint;
BEGIN
  UPDATE queue_entries e SET state = 'removed', ended_at = clock_timestamp(), end_reason = 'removed'
   WHERE e.room_id = p_room AND e.state = 'waiting';
  UPDATE queue_entries e SET state = 'played', ended_at = clock_timestamp(), end_reason = 'finished'
   WHERE e.room_id = p_room AND e.state = 'playing';
  UPDATE rooms r SET closed_at = now(), revision = r.revision + 1 WHERE r.id = p_room
    RETURNING r.revision INTO v_revision;
  RETURN v_revision;
END
$$;

-- The host closes the room. status: ok | no_room | closed | forbidden
CREATE FUNCTION room_close(p_code text, p_actor text)
RETURNS TABLE (status text, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room rooms;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint; RETURN;
  END IF;
  IF v_room.closed_at IS NOT NULL THEN
    RETURN QUERY SELECT 'closed', NULL::bigint; RETURN;
  END IF;
  IF v_room.host_id <> p_actor THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint; RETURN;
  END IF;
  RETURN QUERY SELECT 'ok', room_close_locked(v_room.id);
END
$$;

-- The idle job: every open room without a revision change for p_days days
-- is closed, at most p_limit a call. Rooms another node is closing are
-- skipped (SKIP LOCKED), so each is closed, and announced, once.
CREATE FUNCTION room_close_idle(p_days integer, p_limit integer)
RETURNS TABLE (code text, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room rooms;
BEGIN
  FOR v_room IN
    SELECT r.* FROM rooms r
     WHERE r.closed_at IS NULL AND r.last_activity_at < now() - make_interval(days => p_days)
     ORDER BY r.last_activity_at LIMIT p_limit FOR UPDATE SKIP LOCKED
  LOOP
    code := v_room.code;
    revision := room_close_locked(v_room.id);
    RETURN NEXT;
  END LOOP;
END
$$;

-- The host role moves to p_member (the room row locked by the caller);
-- the previous host stays on as a co-host when still a member.
CREATE FUNCTION room_host_move_locked(p_room rooms, p_member room_members) RETURNS bigint
LANGUAGE plpgsql AS $$
DECLARE
  v_revision bigint;
BEGIN
  UPDATE room_members m SET role = 'cohost'
   WHERE m.room_id = p_room.id AND m.member_id = p_room.host_id;
  UPDATE room_members m SET role = 'host'
   WHERE m.room_id = p_room.id AND m.member_id = p_member.member_id;
  UPDATE rooms r SET host_id = p_member.member_id, host_name = p_member.name, revision = r.revision + 1
   WHERE r.id = p_room.id
  RETURNING r.revision INTO v_revision;
  RETURN v_revision;
END
$$;

-- The host makes another member the host.
-- status: ok | no_room | closed | forbidden | no_member | banned | self
CREATE FUNCTION room_host_transfer(p_code text, p_actor text, p_member text)
RETURNS TABLE (status text, revision bigint, host_id text, previous_host_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_target room_members;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF v_room.closed_at IS NOT NULL THEN
    RETURN QUERY SELECT 'closed', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF v_room.host_id <> p_actor THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF p_member = p_actor THEN
    RETURN QUERY SELECT 'self', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  SELECT m.* INTO v_target FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_member;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_member', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF v_target.banned THEN
    RETURN QUERY SELECT 'banned', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  RETURN QUERY SELECT 'ok', room_host_move_locked(v_room, v_target), p_member, v_room.host_id;
END
$$;

-- A member leaves: their member row goes (they no longer count as a member,
-- nor hold a role), their entries and votes stay. A banned member's row
-- stays, so the ban does. When the host leaves, the longest-standing
-- co-host becomes host, else the earliest-joined other member who is not
-- banned; with nobody else the host stays (nothing changes).
-- status: ok (a member left) | host_changed (the host left, host_id took
-- over) | alone (the host is the only member: nothing changed) | no_room |
-- closed | not_member | banned
CREATE FUNCTION room_leave(p_code text, p_actor text)
RETURNS TABLE (status text, revision bigint, host_id text, previous_host_id text)
LANGUAGE plpgsql AS $$
DECLARE
  v_room rooms;
  v_me   room_members;
  v_next room_members;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF v_room.closed_at IS NOT NULL THEN
    RETURN QUERY SELECT 'closed', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  SELECT m.* INTO v_me FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_actor;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_member', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF v_me.banned THEN
    RETURN QUERY SELECT 'banned', NULL::bigint, NULL::text, NULL::text; RETURN;
  END IF;
  IF v_room.host_id = p_actor THEN
    SELECT m.* INTO v_next FROM room_members m
     WHERE m.room_id = v_room.id AND m.member_id <> p_actor AND NOT m.banned
     ORDER BY m.role = 'cohost' DESC, m.joined_at, m.member_id LIMIT 1;
    IF NOT FOUND THEN
      RETURN QUERY SELECT 'alone', v_room.revision, v_room.host_id, NULL::text; RETURN;
    END IF;
    revision := room_host_move_locked(v_room, v_next);
    DELETE FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_actor;
    RETURN QUERY SELECT 'host_changed', revision, v_next.member_id, p_actor; RETURN;
  END IF;
  DELETE FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_actor;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  RETURN QUERY SELECT 'ok', revision, v_room.host_id, NULL::text;
END
$$;
