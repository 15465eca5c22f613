-- 004_exports.sql: playlist exports by email, as durable jobs in PostgreSQL.
-- A request records a job in its own transaction and wakes the consumers with
-- NOTIFY; queued-exportd claims jobs with FOR UPDATE SKIP LOCKED under a lease,
-- so a consumer that dies mid-job only delays that job until the lease ends.

CREATE TABLE export_jobs (
  id              text PRIMARY KEY,
  playlist_id     text NOT NULL REFERENCES playlists (id) ON DELETE CASCADE,
  owner_id        text NOT NULL,
  target_email    text NOT NULL,
  state           text NOT NULL DEFAULT 'queued' CHECK (state IN ('queued', 'sending', 'sent', 'failed')),
  attempts        integer NOT NULL DEFAULT 0,
  last_error      text,
  next_attempt_at timestamptz NOT NULL DEFAULT now(),
  lease_until     timestamptz,
  created_at      timestamptz NOT NULL DEFAULT now(),
  sent_at         timestamptz
);
CREATE INDEX export_jobs_due ON export_jobs (next_attempt_at) WHERE state IN ('queued', 'sending');

-- status: ok | no_playlist | forbidden
CREATE FUNCTION export_request(p_id text, p_playlist text, p_user text, p_email text)
RETURNS TABLE (status text)
LANGUAGE plpgsql AS $$
DECLARE
  v_access text := playlist_access(p_playlist, p_user);
BEGIN
  IF v_access = 'none' THEN
    RETURN QUERY SELECT 'no_playlist'; RETURN;
  ELSIF v_access <> 'owner' THEN
    RETURN QUERY SELECT 'forbidden'; RETURN;
  END IF;
  INSERT INTO export_jobs (id, playlist_id, owner_id, target_email)
    VALUES (p_id, p_playlist, p_user, p_email);
  -- Delivered at commit: a consumer never wakes for a job it cannot see yet.
  PERFORM pg_notify('export_jobs', p_id);
  RETURN QUERY SELECT 'ok';
END
$$;

-- The next due job, leased to the caller for p_lease seconds: a queued job
-- whose time has come, or one whose consumer let its lease run out.
CREATE FUNCTION export_claim(p_lease integer)
RETURNS TABLE (id text, playlist_id text, target_email text, attempts integer)
LANGUAGE sql AS $$
  UPDATE export_jobs j
     SET state = 'sending', attempts = j.attempts + 1,
         lease_until = now() + make_interval(secs => p_lease)
   WHERE j.id = (SELECT d.id FROM export_jobs d
                  WHERE (d.state = 'queued' AND d.next_attempt_at <= now())
                     OR (d.state = 'sending' AND d.lease_until < now())
                  ORDER BY d.next_attempt_at, d.created_at
                  LIMIT 1 FOR UPDATE SKIP LOCKED)
  RETURNING j.id, j.playlist_id, j.target_email, j.attempts
$$;

-- Record the outcome of an attempt. A failure is retried after p_backoff
-- seconds until p_max attempts, then the job is failed with its error kept.
CREATE FUNCTION export_finish(p_id text, p_ok boolean, p_error text, p_max integer, p_backoff integer)
RETURNS TABLE (state text)
LANGUAGE sql AS $$
  UPDATE export_jobs j SET
    state = CASE WHEN p_ok THEN 'sent' WHEN j.attempts >= p_max THEN 'failed' ELSE 'queued' END,
    sent_at = CASE WHEN p_ok THEN now() ELSE NULL END,
    last_error = CASE WHEN p_ok THEN j.last_error ELSE p_error END,
    next_attempt_at = CASE WHEN p_ok THEN j.next_attempt_at ELSE now() + make_interval(secs => p_backoff) END,
    lease_until = NULL
  WHERE j.id = p_id
  RETURNING j.state
$$;

-- Seconds until the next job is due (NULL: none), so the consumer sleeps just that long.
CREATE FUNCTION export_next_due() RETURNS double precision
LANGUAGE sql STABLE AS $$
  SELECT greatest(0, extract(epoch FROM min(CASE WHEN d.state = 'queued' THEN d.next_attempt_at ELSE d.lease_until END) - now()))
    FROM export_jobs d WHERE d.state IN ('queued', 'sending')
$$;
