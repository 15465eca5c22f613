-- 014_pins.sql: "play next" and the host's manual reorder of up next.
--
-- A host or co-host pins waiting entries: pinned entries come first in up
-- next, in pin order, whatever their score; the rest keep the room's order.
-- rooms.pins is the pin order, a list of entry ids. It lives on the room row,
-- not on the entries: a change of pins then locks only the room row, which
-- every room change locks anyway, while queue_vote() locks its entry first
-- and the room last, so a change that updated several entries under the
-- room lock would deadlock against concurrent votes. Only waiting entries
-- count: an entry that plays or leaves may stay in the list, but nothing
-- reads it there any more, so the pinned list of the remaining entries
-- closes up by itself and no other function has to touch pins; the next
-- change of pins writes the list without it.
ALTER TABLE rooms ADD COLUMN pins bigint[] NOT NULL DEFAULT '{}';

-- The next entry respects pins: the first pinned waiting entry, else the
-- top waiting entry by the room's order, else a song of the fallback
-- playlist, least recently played first, in random order among equals. The
-- caller holds the room row lock. Returns the ended entry, the new one (NULL
-- when nothing is left) and the adder whose played count moved.
CREATE OR REPLACE FUNCTION room_advance_locked(p_room rooms, p_reason text,
  OUT ended_id bigint, OUT next_id bigint, OUT played_member text, OUT played_count integer)
LANGUAGE plpgsql AS $$
DECLARE
  v_song text;
  v_fallback_name text;
BEGIN
  UPDATE queue_entries e SET state = 'played', ended_at = clock_timestamp(), end_reason = p_reason
   WHERE e.room_id = p_room.id AND e.state = 'playing'
  RETURNING e.id INTO ended_id;
  IF ended_id IS NOT NULL THEN
    UPDATE room_members m SET played = m.played + 1
      FROM queue_entries e
     WHERE e.id = ended_id AND NOT e.fallback
       AND m.room_id = p_room.id AND m.member_id = e.added_by_id
    RETURNING m.member_id, m.played INTO played_member, played_count;
  END IF;

  SELECT e.id INTO next_id
    FROM queue_entries e
    LEFT JOIN room_members m ON m.room_id = e.room_id AND m.member_id = e.added_by_id
   WHERE e.room_id = p_room.id AND e.state = 'waiting'
   ORDER BY array_position(p_room.pins, e.id) NULLS LAST, e.fallback, e.score DESC,
            CASE WHEN p_room.tie_rule = 'fairness' THEN coalesce(m.played, 0) ELSE 0 END,
            e.id
   LIMIT 1;
  IF next_id IS NULL AND p_room.fallback_playlist_id IS NOT NULL THEN
    SELECT ps.song_id, p.name INTO v_song, v_fallback_name
      FROM playlist_songs ps JOIN playlists p ON p.id = ps.playlist_id
     WHERE ps.playlist_id = p_room.fallback_playlist_id
     ORDER BY (SELECT max(f.ended_at) FROM queue_entries f
                WHERE f.room_id = p_room.id AND f.fallback AND f.song_id = ps.song_id) NULLS FIRST,
              random()
     LIMIT 1;
    IF v_song IS NOT NULL THEN
      INSERT INTO queue_entries (room_id, song_id, added_by_id, added_by_name, fallback)
      VALUES (p_room.id, v_song, 'fallback', v_fallback_name, true)
      RETURNING id INTO next_id;
    END IF;
  END IF;
  IF next_id IS NOT NULL THEN
    UPDATE queue_entries e SET state = 'playing', started_at = clock_timestamp() WHERE e.id = next_id;
  END IF;
END
$$;

-- Pin, move or unpin a waiting entry (hosts and co-hosts).
-- p_action 'pin': the entry goes to index p_position of up next (NULL: last
-- of the pinned entries, "play next"; beyond the end: the last index). When
-- that index lies past the pinned entries, the unpinned entries ahead of it
-- are pinned too, in their displayed order, so the entry lands exactly
-- there: the host's manual reorder. p_action 'unpin': the entry leaves the
-- pinned list; unpinning an entry that is not pinned (or no longer waiting)
-- changes nothing. pinned: the pinned waiting entries after the call, in pin
-- order.
-- status: ok | unchanged | no_room | forbidden | no_entry | played | playing | removed
CREATE FUNCTION queue_pin(p_code text, p_entry bigint, p_actor text, p_action text, p_position bigint)
RETURNS TABLE (status text, revision bigint, pinned bigint[])
LANGUAGE plpgsql AS $$
DECLARE
  v_room   rooms;
  v_entry  queue_entries;
  v_old    bigint[];
  v_others bigint[];
  v_npin   integer;
  v_pos    bigint;
BEGIN
  SELECT r.* INTO v_room FROM rooms r WHERE r.code = p_code FOR UPDATE;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_room', NULL::bigint, NULL::bigint[]; RETURN;
  END IF;
  IF NOT room_is_host(v_room.id, p_actor) THEN
    RETURN QUERY SELECT 'forbidden', NULL::bigint, NULL::bigint[]; RETURN;
  END IF;
  SELECT e.* INTO v_entry FROM queue_entries e WHERE e.id = p_entry AND e.room_id = v_room.id;
  IF NOT FOUND THEN
    RETURN QUERY SELECT 'no_entry', NULL::bigint, NULL::bigint[]; RETURN;
  END IF;
  SELECT coalesce(array_agg(e.id ORDER BY array_position(v_room.pins, e.id)), '{}') INTO v_old
    FROM queue_entries e WHERE e.room_id = v_room.id AND e.state = 'waiting' AND e.id = ANY (v_room.pins);
  IF v_entry.state <> 'waiting' AND p_action = 'pin' THEN
    -- The word names where the entry went, for the message of the 409.
    status := CASE v_entry.state WHEN 'played' THEN 'played' WHEN 'playing' THEN 'playing' ELSE 'removed' END;
    RETURN NEXT; RETURN;
  END IF;

  -- Up next as displayed, without the entry: pinned ones first, in pin order.
  SELECT coalesce(array_agg(e.id ORDER BY array_position(v_room.pins, e.id) NULLS LAST, e.fallback, e.score DESC,
                  CASE WHEN v_room.tie_rule = 'fairness' THEN coalesce(m.played, 0) ELSE 0 END, e.id), '{}')
    INTO v_others
    FROM queue_entries e
    LEFT JOIN room_members m ON m.room_id = e.room_id AND m.member_id = e.added_by_id
   WHERE e.room_id = v_room.id AND e.state = 'waiting' AND e.id <> p_entry;
  v_npin := cardinality(array_remove(v_old, p_entry));
  IF p_action = 'unpin' THEN
    pinned := v_others[1:v_npin];
  ELSE
    v_pos := least(coalesce(p_position, v_npin), cardinality(v_others));
    -- The first v_pos entries stay ahead (pinned, as they must be to stay
    -- there), then the entry, then the pinned ones it went ahead of.
    pinned := v_others[1:v_pos] || p_entry || v_others[v_pos + 1:greatest(v_npin, v_pos)];
  END IF;
  IF pinned = v_old THEN
    RETURN QUERY SELECT 'unchanged', v_room.revision, v_old; RETURN;
  END IF;
  UPDATE rooms r SET pins = pinned, revision = r.revision + 1 WHERE r.id = v_room.id
    RETURNING r.revision INTO revision;
  status := 'ok';
  RETURN NEXT;
END
$$;
