-- The coordination's exports (lists as CSV, the yearly report as CSV or XLSX, a session's audit
-- pack as ZIP) run in the background of the instance that received the request and report their
-- progress here, like bulk issues (0007). The finished file is kept in the row, so any instance
-- can serve it; rows older than 7 days are deleted when someone starts an export.
CREATE TABLE export_job (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  -- The kinds the application knows (src/lib/reporting/exports/kinds.ts); « dossier-audit »
  -- is listed ahead of its code so that adding it needs no migration.
  kind text NOT NULL CHECK (kind IN ('personnes', 'seances', 'attestations', 'missions', 'bilan-csv', 'bilan-xlsx', 'dossier-audit')),
  -- The filters, checked before the insert, as the list's address writes them (e.g. {"q": "dupont", "tri": "inscription"}).
  params jsonb NOT NULL,
  -- An export holds personal data: its requester alone may read it.
  requested_by uuid NOT NULL REFERENCES person (id) ON DELETE CASCADE,
  requested_at timestamptz NOT NULL,
  -- Written by the instance that runs it, after each chunk and every few seconds: an export whose
  -- instance stopped (a crash, a restart) stops beating, and the page shows it interrupted.
  heartbeat_at timestamptz NOT NULL,
  total integer NOT NULL DEFAULT 0 CHECK (total >= 0),
  done integer NOT NULL DEFAULT 0 CHECK (done >= 0),
  finished_at timestamptz,
  failure text,
  filename text,
  content_type text,
  content bytea,
  byte_size integer,
  CONSTRAINT export_job_file_whole CHECK ((content IS NULL) = (filename IS NULL) AND (content IS NULL) = (content_type IS NULL) AND (content IS NULL) = (byte_size IS NULL))
);
-- « Mes exports »: a requester's exports, newest first.
CREATE INDEX export_job_requester_idx ON export_job (requested_by, requested_at DESC);
-- The purge of every requester's old files, by date.
CREATE INDEX export_job_requested_at_idx ON export_job (requested_at);
-- One identical export under way per requester: asking again follows the running one.
CREATE UNIQUE INDEX export_job_running_idx ON export_job (requested_by, kind, params) WHERE finished_at IS NULL;
