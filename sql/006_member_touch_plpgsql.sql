-- 006_member_touch_plpgsql.sql: the member row of an actor, as PL/pgSQL.
-- A LANGUAGE sql function that writes cannot be inlined, so PostgreSQL parsed
-- and planned its INSERT on every call: with every vote from a new voter, that
-- was a visible share of the database's time under load (perf, ./dev bench).
-- PL/pgSQL keeps the plan for the session.
CREATE OR REPLACE FUNCTION room_member_touch(p_room text, p_member text, p_name text)
RETURNS room_members LANGUAGE plpgsql AS $$
DECLARE
  v room_members;
BEGIN
  INSERT INTO room_members AS m (room_id, member_id, name) VALUES (p_room, p_member, p_name)
  ON CONFLICT (room_id, member_id) DO UPDATE SET name = EXCLUDED.name
  RETURNING m.* INTO v;
  RETURN v;
END
$$;
