-- 013_playback.sql: pause, resume and seek as room state, so every screen's
-- progress bar stops and starts together and the host's player follows.
-- The state lives on the playing entry: paused_ms NULL means playing, and the
-- position is then the server's now − started_at; paused, the position is
-- paused_ms. A waiting entry never has paused_ms, so a song that starts
-- playing (advance, skip) starts unpaused without room_advance_locked()
-- knowing about it.

ALTER TABLE queue_entries
  ADD COLUMN paused_ms bigint CHECK (paused_ms >= 0);

-- The host or a co-host pauses, resumes or seeks the entry now playing
-- (p_entry: what they believe plays; p_paused and p_position NULL: keep).
-- The answer's position_ms is the position at the moment of the change.
-- status: ok | unchanged | no_room | forbidden | not_playing | conflict | past_end
CREATE FUNCTION room_playback(p_code text, p_actor text, p_entry bigint, p_paused boolean, p_position bigint)
RETURNS TABLE (status text, revision bigint, entry_id bigint, paused boolean, position_ms bigint,
               started_at text)
LANGUAGE plpgsql AS $$
DECLARE
  v_room  rooms;
  v_entry queue_entries;
  v_dur   integer;
  -- Whole milliseconds, as iso_time() shows started_at: a screen computing
  -- X-Server-Time − startedAt gets back exactly the position stored here.
  v_now   timestamptz := date_trunc('milliseconds', clock_timestamp());
  v_pos   bigint;
BEGIN
  -- Playback changes and advances of one room take turns on the room row.
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint, NULL::boolean, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  IF NOT room_is_host(v_room.id, p_actor) THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint, NULL::bigint, NULL::boolean, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  SELECT e.* INTO v_entry FROM queue_entries e WHERE e.room_id = v_room.id AND e.state = 'playing';
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'not_playing', v_room.revision, NULL::bigint, NULL::boolean, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  IF v_entry.id <> p_entry THEN
    RETURN QUERY SELECT 'conflict', v_room.revision, v_entry.id, NULL::boolean, NULL::bigint, NULL::text;
    RETURN;
  END IF;
  SELECT s.duration INTO v_dur FROM songs s WHERE s.id = v_entry.song_id;
  IF p_position IS NOT NULL AND v_dur IS NOT NULL AND p_position > v_dur::bigint * 1000 THEN
    RETURN QUERY SELECT 'past_end', NULL::bigint, NULL::bigint, NULL::boolean, NULL::bigint, NULL::text;
    RETURN;
  END IF;

  v_pos := coalesce(v_entry.paused_ms,
                    floor(extract(epoch FROM v_now - v_entry.started_at) * 1000)::bigint);
  entry_id := v_entry.id;
  paused := coalesce(p_paused, v_entry.paused_ms IS NOT NULL);
  position_ms := coalesce(p_position, v_pos);
  -- Same pause state, and no seek (or, paused, a seek to where it stands): nothing to tell anyone.
  IF paused = (v_entry.paused_ms IS NOT NULL)
     AND (p_position IS NULL OR (paused AND p_position = v_entry.paused_ms)) THEN
    status := 'unchanged';
    revision := v_room.revision;
    started_at := iso_time(v_entry.started_at);
    RETURN NEXT; RETURN;
  END IF;
  IF paused THEN
    UPDATE queue_entries e SET paused_ms = position_ms WHERE e.id = v_entry.id
    RETURNING iso_time(e.started_at) INTO started_at;
  ELSE
    UPDATE queue_entries e SET paused_ms = NULL, started_at = v_now - position_ms * interval '1 millisecond'
     WHERE e.id = v_entry.id
    RETURNING iso_time(e.started_at) INTO started_at;
  END IF;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;
