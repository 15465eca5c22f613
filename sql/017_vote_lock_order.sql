-- 017_vote_lock_order.sql: a vote locks its room before its entry, in the
-- order every other room write takes them, so a vote and an advance never
-- deadlock. Votes in one room were already serialised by the room row their
-- revision update locks until commit; this takes that lock a few statements
-- earlier.

-- One member's vote on a waiting entry: -1, 0 (withdrawn) or +1.
-- status: ok | removed (auto-removed by the threshold) | unchanged | no_room |
--         banned | voting_off | down_off | no_entry | not_waiting
CREATE OR REPLACE FUNCTION queue_vote(p_code text, p_entry bigint, p_voter text, p_name text, p_value integer)
RETURNS TABLE (status text, score integer, revision bigint)
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_member room_members;
  v_state  text;
  v_old    integer;
BEGIN
  -- The room first, as every other write locks it (advance, add, pins):
  -- locking the entry first and the room at the end let a vote and an
  -- advance wait on each other until PostgreSQL aborted one (40P01).
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::integer, NULL::bigint; RETURN;
  END IF;
  SELECT m.* INTO v_member FROM room_members m WHERE m.room_id = v_room.id AND m.member_id = p_voter;
  IF v_member.banned THEN
    RETURN QUERY SELECT 'banned', NULL::integer, NULL::bigint; RETURN;
  END IF;
  IF v_room.voting_mode = 'off' THEN
    RETURN QUERY SELECT 'voting_off', NULL::integer, NULL::bigint; RETURN;
  END IF;
  IF v_room.voting_mode = 'up' AND p_value < 0 THEN
    RETURN QUERY SELECT 'down_off', NULL::integer, NULL::bigint; RETURN;
  END IF;
  -- Votes in this room are serialised by the room lock, so the old value
  -- read next cannot change before this transaction ends.
  SELECT e.state, e.score INTO v_state, score
    FROM queue_entries e WHERE e.id = p_entry AND e.room_id = v_room.id FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_entry', NULL::integer, NULL::bigint; RETURN;
  END IF;
  IF v_state <> 'waiting' THEN
    RETURN QUERY SELECT 'not_waiting', score, NULL::bigint; RETURN;
  END IF;
  SELECT v.value INTO v_old FROM votes v WHERE v.entry_id = p_entry AND v.voter_id = p_voter;
  v_old := coalesce(v_old, 0);
  IF v_old = p_value THEN
    SELECT r.revision INTO revision FROM rooms r WHERE r.id = v_room.id;
    status := 'unchanged';
    RETURN NEXT; RETURN;
  END IF;
  IF v_member.member_id IS NULL THEN
    PERFORM room_member_touch(v_room.id, p_voter, p_name);
  END IF;
  IF p_value = 0 THEN
    DELETE FROM votes v WHERE v.entry_id = p_entry AND v.voter_id = p_voter;
  ELSE
    INSERT INTO votes AS v (entry_id, voter_id, value) VALUES (p_entry, p_voter, p_value)
      ON CONFLICT (entry_id, voter_id) DO UPDATE SET value = EXCLUDED.value, voted_at = now();
  END IF;
  UPDATE queue_entries e SET score = e.score + (p_value - v_old) WHERE e.id = p_entry
    RETURNING e.score INTO score;
  status := 'ok';
  IF v_room.auto_remove_threshold IS NOT NULL AND score <= v_room.auto_remove_threshold THEN
    UPDATE queue_entries e SET state = 'removed', ended_at = clock_timestamp(), end_reason = 'auto'
     WHERE e.id = p_entry;
    status := 'removed';
  END IF;
  UPDATE rooms r SET revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  RETURN NEXT;
END
$$;
