-- Accounts, roles, authentication sessions, one-time tokens, outbox, rate limits, audit log.
-- Frozen once landed: later changes go in a new numbered file.
-- No column here (or anywhere) holds a diagnosis, a treatment or a health history.

CREATE TABLE person (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  email text NOT NULL,
  given_name text NOT NULL,
  family_name text NOT NULL,
  -- Employer structure, for professionals (shown on attestations).
  structure text,
  password_hash text,
  email_verified_at timestamptz,
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set when the person asked for erasure: names and email are replaced, records kept.
  erased_at timestamptz
);
CREATE UNIQUE INDEX person_email_key ON person (lower(email));
CREATE INDEX person_family_name_idx ON person (lower(family_name), lower(given_name));

CREATE TABLE person_role (
  person_id uuid NOT NULL REFERENCES person (id) ON DELETE CASCADE,
  role text NOT NULL CHECK (role IN ('trainee', 'professional', 'trainer', 'coordinator', 'admin')),
  granted_by uuid REFERENCES person (id) ON DELETE SET NULL,
  granted_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (person_id, role)
);

-- Only the SHA-256 of the session token is stored.
CREATE TABLE auth_session (
  id text PRIMARY KEY,
  person_id uuid NOT NULL REFERENCES person (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  user_agent text
);
CREATE INDEX auth_session_person_idx ON auth_session (person_id);

-- Email verification, password reset, invitation, email change: random, hashed, single-use, expiring.
CREATE TABLE one_time_token (
  id text PRIMARY KEY,
  purpose text NOT NULL CHECK (purpose IN ('verify_email', 'reset_password', 'invitation', 'change_email')),
  person_id uuid REFERENCES person (id) ON DELETE CASCADE,
  email text NOT NULL,
  role text CHECK (role IN ('trainee', 'professional', 'trainer', 'coordinator', 'admin')),
  created_by uuid REFERENCES person (id) ON DELETE SET NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  expires_at timestamptz NOT NULL,
  used_at timestamptz
);
CREATE INDEX one_time_token_person_idx ON one_time_token (person_id, purpose);

-- Every email the platform writes. Sent over SMTP when configured, otherwise read here by an admin.
CREATE TABLE outbox_email (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  to_address text NOT NULL,
  person_id uuid REFERENCES person (id) ON DELETE SET NULL,
  subject text NOT NULL,
  body_text text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  sent_at timestamptz,
  send_error text
);
CREATE INDEX outbox_email_to_idx ON outbox_email (lower(to_address), id DESC);

-- Fixed-window counters shared by every server instance.
CREATE TABLE rate_limit (
  key text PRIMARY KEY,
  window_started_at timestamptz NOT NULL,
  hits integer NOT NULL
);

CREATE TABLE audit_event (
  id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  at timestamptz NOT NULL DEFAULT now(),
  actor_id uuid REFERENCES person (id) ON DELETE SET NULL,
  action text NOT NULL,
  subject_person_id uuid REFERENCES person (id) ON DELETE SET NULL,
  details jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX audit_event_subject_idx ON audit_event (subject_person_id, at DESC);
