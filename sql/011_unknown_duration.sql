-- 011_unknown_duration.sql: a song of unknown length (a live YouTube
-- broadcast, a catalog song without a duration) no longer counts as 0 s
-- against a room's maximum song duration, which let anyone bypass it: where
-- a room has a maximum, queue_add() refuses it with 'no_duration'.

-- Add a song. A song already waiting becomes the adder's upvote on that entry.
-- status: ok | voted | unchanged | no_room | banned | no_song | too_long |
--         no_duration | member_cap | queue_full
CREATE OR REPLACE FUNCTION queue_add(p_code text, p_song text, p_by_id text, p_by_name text)
RETURNS TABLE (status text, entry_id bigint, revision bigint, score integer, adder_played integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_member room_members;
  v_dur    integer;
  v_old    integer;
  v_count  integer;
BEGIN
  -- Caps count what is waiting: adds in one room take turns.
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;
  v_member := room_member_touch(v_room.id, p_by_id, p_by_name);
  IF v_member.banned THEN
    RETURN QUERY SELECT 'banned', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;
  SELECT s.duration INTO v_dur FROM songs s WHERE s.id = p_song;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_song', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;

  SELECT e.id, e.score INTO entry_id, score FROM queue_entries e
   WHERE e.room_id = v_room.id AND e.song_id = p_song AND e.state = 'waiting' AND NOT e.fallback
   ORDER BY e.id LIMIT 1 FOR UPDATE;
  IF entry_id IS NOT NULL THEN
    SELECT v.value INTO v_old FROM votes v WHERE v.entry_id = queue_add.entry_id AND v.voter_id = p_by_id;
    IF v_room.voting_mode = 'off' OR coalesce(v_old, 0) = 1 THEN
      status := 'unchanged';
      revision := v_room.revision;
      RETURN NEXT; RETURN;
    END IF;
    INSERT INTO votes AS v (entry_id, voter_id, value) VALUES (queue_add.entry_id, p_by_id, 1)
      ON CONFLICT ON CONSTRAINT votes_pkey DO UPDATE SET value = 1, voted_at = now();
    UPDATE queue_entries e SET score = e.score + (1 - coalesce(v_old, 0))
     WHERE e.id = queue_add.entry_id RETURNING e.score INTO score;
    UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
      RETURNING r.revision INTO revision;
    status := 'voted';
    RETURN NEXT; RETURN;
  END IF;

  IF v_room.max_duration IS NOT NULL AND v_dur IS NULL THEN
    RETURN QUERY SELECT 'no_duration', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;
  IF v_room.max_duration IS NOT NULL AND v_dur > v_room.max_duration THEN
    RETURN QUERY SELECT 'too_long', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
  END IF;
  IF v_room.member_cap IS NOT NULL THEN
    SELECT count(*) INTO v_count FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'waiting' AND e.added_by_id = p_by_id;
    IF v_count >= v_room.member_cap THEN
      RETURN QUERY SELECT 'member_cap', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
    END IF;
  END IF;
  IF v_room.max_queue IS NOT NULL THEN
    SELECT count(*) INTO v_count FROM queue_entries e
     WHERE e.room_id = v_room.id AND e.state = 'waiting' AND NOT e.fallback;
    IF v_count >= v_room.max_queue THEN
      RETURN QUERY SELECT 'queue_full', NULL::bigint, NULL::bigint, NULL::integer, NULL::integer; RETURN;
    END IF;
  END IF;
  INSERT INTO queue_entries (room_id, song_id, added_by_id, added_by_name)
    VALUES (v_room.id, p_song, p_by_id, p_by_name)
    RETURNING queue_entries.id INTO entry_id;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  score := 0;
  adder_played := v_member.played;
  status := 'ok';
  RETURN NEXT;
END
$$;
