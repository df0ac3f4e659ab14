-- Attestations: gap-free yearly numbers, the PDF and its SHA-256 kept on record, revocation and
-- re-issue (a new version supersedes the old, both kept), and the organisation's details that
-- the documents carry.

-- The attendance rate a training asks for its end-of-training attestation.
ALTER TABLE training ADD COLUMN attendance_threshold numeric(3, 2) NOT NULL DEFAULT 0.80
  CHECK (attendance_threshold BETWEEN 0 AND 1);

-- One row: the training body as the documents name it. Edited by the coordination.
CREATE TABLE organisation_settings (
  id boolean PRIMARY KEY DEFAULT true CHECK (id),
  name text NOT NULL,
  address text NOT NULL,
  -- Numéro de déclaration d'activité, when the body has one.
  registration_number text,
  representative_name text NOT NULL,
  representative_title text NOT NULL,
  signature_png bytea,
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES person (id)
);
INSERT INTO organisation_settings (name, address, representative_name, representative_title)
VALUES ('ESPER Pro', 'Marseille (Provence-Alpes-Côte d’Azur)', 'La présidence de l’association', 'Présidente');

-- The last number given each year. Incremented in the issuing transaction: a rollback gives the
-- number back, so numbers have no gaps; the row lock serialises concurrent issues.
CREATE TABLE attestation_counter (
  year integer PRIMARY KEY,
  last_number integer NOT NULL
);

CREATE TABLE attestation (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  number text NOT NULL UNIQUE,
  year integer NOT NULL,
  kind text NOT NULL CHECK (kind IN ('end_of_training', 'completion_certificate', 'attendance', 'pathway_stage')),
  person_id uuid NOT NULL REFERENCES person (id),
  session_id uuid REFERENCES training_session (id),
  -- What the document says, as it was when issued (names may change later; the document does not).
  holder_name text NOT NULL,
  holder_employer text,
  title text NOT NULL,
  details jsonb NOT NULL,
  issued_at timestamptz NOT NULL,
  issued_by uuid REFERENCES person (id),
  pdf bytea NOT NULL,
  pdf_sha256 text NOT NULL,
  -- The unguessable part of the verification link in the QR code.
  check_code text NOT NULL,
  version integer NOT NULL DEFAULT 1,
  supersedes uuid REFERENCES attestation (id),
  superseded_at timestamptz,
  revoked_at timestamptz,
  revoked_by uuid REFERENCES person (id),
  revocation_reason text,
  CHECK (revoked_at IS NULL OR revocation_reason IS NOT NULL)
);
-- One current attestation per person, kind and session: issuing twice gives the same one.
CREATE UNIQUE INDEX attestation_current_idx ON attestation (person_id, kind, session_id) WHERE superseded_at IS NULL;
CREATE INDEX attestation_person_idx ON attestation (person_id, issued_at DESC);
CREATE INDEX attestation_session_idx ON attestation (session_id);
-- A PDF uploaded on the verification page is found by its hash.
CREATE INDEX attestation_pdf_sha256_idx ON attestation (pdf_sha256);
