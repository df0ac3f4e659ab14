-- Attestations, second step: bulk issues that run in the background and report their progress,
-- the organisation's logo on the documents, and the key that signs the Open Badges credentials.

-- The logo printed at the top of attestations (PNG or JPEG), edited by the coordination.
ALTER TABLE organisation_settings ADD COLUMN logo_image bytea;
ALTER TABLE organisation_settings ADD COLUMN logo_media_type text
  CHECK (logo_media_type IN ('image/png', 'image/jpeg'));
ALTER TABLE organisation_settings ADD CONSTRAINT organisation_logo_typed
  CHECK ((logo_image IS NULL) = (logo_media_type IS NULL));

-- A bulk issue: one kind of attestation to every eligible participant of a session. It runs in
-- the background, in chunks of one transaction each; `done` is what the progress bar shows.
-- Several server instances read the same row, so any of them can show the progress.
CREATE TABLE attestation_batch (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES training_session (id),
  kind text NOT NULL CHECK (kind IN ('end_of_training', 'completion_certificate', 'attendance')),
  started_by uuid REFERENCES person (id),
  started_at timestamptz NOT NULL,
  total integer NOT NULL CHECK (total >= 0),
  done integer NOT NULL DEFAULT 0,
  issued integer NOT NULL DEFAULT 0,
  already_held integer NOT NULL DEFAULT 0,
  not_eligible integer NOT NULL DEFAULT 0,
  -- Written by the instance that runs it after each chunk: a batch whose instance stopped
  -- (a crash, a restart) stops moving, and the page offers to run it again.
  heartbeat_at timestamptz NOT NULL,
  finished_at timestamptz,
  failure text
);
CREATE INDEX attestation_batch_session_idx ON attestation_batch (session_id, started_at DESC);
-- One bulk issue under way per session and kind, whichever instance started it.
CREATE UNIQUE INDEX attestation_batch_running_idx ON attestation_batch (session_id, kind) WHERE finished_at IS NULL;

-- The Ed25519 key that signs the Open Badges 3.0 credentials (VC-JWT). Made by the first
-- instance that needs it; its public half is published as a JSON Web Key Set.
CREATE TABLE credential_signing_key (
  id text PRIMARY KEY,
  public_jwk jsonb NOT NULL,
  private_pkcs8 bytea NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- A retired key still verifies what it signed; only the newest active one signs.
  retired_at timestamptz
);
