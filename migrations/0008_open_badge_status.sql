-- Open Badges 3.0: each attestation's place in the published revocation list (W3C Bitstring
-- Status List), and at most one signing key in use at a time.

-- The bit of the revocation list that tells whether an attestation's badge is revoked. Drawn at
-- random (the specification asks for indexes that reveal neither order nor count) the first time
-- the badge is made, then never changed: the badges already handed out point to it. The unique
-- constraint lets an instance draw again when its number is taken, without locking anything.
CREATE TABLE open_badge_status (
  attestation_id uuid PRIMARY KEY REFERENCES attestation (id),
  status_list_index integer NOT NULL UNIQUE CHECK (status_list_index >= 0),
  assigned_at timestamptz NOT NULL DEFAULT now()
);

-- Two instances creating the first key at the same moment: the second insert does nothing and
-- both sign with the one that was stored.
CREATE UNIQUE INDEX credential_signing_key_one_active_idx ON credential_signing_key ((retired_at IS NULL)) WHERE retired_at IS NULL;
