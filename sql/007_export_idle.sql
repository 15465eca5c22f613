-- 007_export_idle.sql: with no job waiting, export_next_due() returned 0
-- (greatest() skips a NULL argument), so an idle queued-exportd woke every
-- 20 ms to ask again. NULL now means "nothing due": it sleeps until NOTIFY
-- or its cap.
CREATE OR REPLACE FUNCTION export_next_due() RETURNS double precision
LANGUAGE sql STABLE AS $$
  SELECT greatest(0, extract(epoch FROM m - now()))
    FROM (SELECT min(CASE WHEN d.state = 'queued' THEN d.next_attempt_at ELSE d.lease_until END) AS m
            FROM export_jobs d WHERE d.state IN ('queued', 'sending')) due
   WHERE m IS NOT NULL
$$;
