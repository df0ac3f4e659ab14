-- Trainings, their face-to-face sessions cut into half-day slots, enrolments with a waiting
-- list, the outbox's attachments (the convocation's .ics), and attendance by half-day.

CREATE TABLE training (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  slug text NOT NULL UNIQUE CHECK (slug ~ '^[a-z0-9]+(-[a-z0-9]+)*$'),
  title text NOT NULL,
  topic text NOT NULL,
  audience text NOT NULL CHECK (audience IN ('professionals', 'trainees', 'everyone')),
  duration_hours numeric(5, 1) NOT NULL CHECK (duration_hours > 0),
  summary text NOT NULL,
  -- One objective per line.
  objectives text NOT NULL,
  -- The course module that goes with it, by its slug in content/modules.
  module_id text,
  created_by uuid REFERENCES person (id),
  created_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE training_session (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  training_id uuid NOT NULL REFERENCES training (id),
  place text NOT NULL,
  capacity integer NOT NULL CHECK (capacity BETWEEN 1 AND 500),
  -- Participants may cancel until this many hours before the first half-day.
  cancellation_notice_hours integer NOT NULL DEFAULT 48 CHECK (cancellation_notice_hours BETWEEN 0 AND 720),
  cancelled_at timestamptz,
  created_by uuid REFERENCES person (id),
  created_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX training_session_training_idx ON training_session (training_id);

CREATE TABLE session_trainer (
  session_id uuid NOT NULL REFERENCES training_session (id),
  person_id uuid NOT NULL REFERENCES person (id),
  PRIMARY KEY (session_id, person_id)
);
CREATE INDEX session_trainer_person_idx ON session_trainer (person_id);

-- A half-day ("demi-journée"): the unit of signing and of hours attended.
CREATE TABLE session_slot (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES training_session (id),
  starts_at timestamptz NOT NULL,
  ends_at timestamptz NOT NULL,
  opened_at timestamptz,
  opened_by uuid REFERENCES person (id),
  -- The secret the rotating sign-in codes are derived from; set when the slot opens.
  code_secret bytea,
  -- Closing is the trainer's countersignature.
  closed_at timestamptz,
  closed_by uuid REFERENCES person (id),
  CHECK (ends_at > starts_at),
  CHECK (ends_at - starts_at <= interval '8 hours'),
  CHECK (closed_at IS NULL OR opened_at IS NOT NULL)
);
CREATE INDEX session_slot_session_idx ON session_slot (session_id, starts_at);
CREATE INDEX session_slot_open_idx ON session_slot (session_id) WHERE opened_at IS NOT NULL AND closed_at IS NULL;

-- Order on the waiting list: a number drawn when the person asks (or asks again).
CREATE SEQUENCE enrolment_queue_seq;

CREATE TABLE enrolment (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES training_session (id),
  person_id uuid NOT NULL REFERENCES person (id),
  status text NOT NULL CHECK (status IN ('enrolled', 'waitlisted', 'cancelled', 'removed')),
  -- The employer structure, for professionals, as given when enrolling.
  employer text,
  queue_number bigint NOT NULL DEFAULT nextval('enrolment_queue_seq'),
  requested_at timestamptz NOT NULL DEFAULT now(),
  updated_at timestamptz NOT NULL DEFAULT now(),
  updated_by uuid REFERENCES person (id),
  UNIQUE (session_id, person_id)
);
CREATE INDEX enrolment_person_idx ON enrolment (person_id);
CREATE INDEX enrolment_queue_idx ON enrolment (session_id, queue_number) WHERE status = 'waitlisted';

-- Attendance is append-only: the latest record for a (slot, person) is the current one, and a
-- correction is a new record with its reason. The trigger below refuses any change or deletion.
CREATE TABLE attendance_record (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  slot_id uuid NOT NULL REFERENCES session_slot (id),
  person_id uuid NOT NULL REFERENCES person (id),
  status text NOT NULL CHECK (status IN ('present', 'late', 'absent_justified', 'absent_unjustified')),
  -- How it was recorded: the participant's code, the trainer's tablet, the trainer by hand,
  -- the slot's closing (nobody signed), or a later correction.
  method text NOT NULL CHECK (method IN ('code', 'tablet', 'trainer', 'closing', 'correction')),
  -- When the participant signed (for the tablet, the device's time of signing).
  signed_at timestamptz,
  arrived_at timestamptz,
  -- The signature drawn on the trainer's tablet (PNG).
  signature_png bytea,
  -- The name typed instead, by a participant who cannot draw.
  signature_text text,
  -- An absence's justification, or a correction's reason.
  reason text,
  recorded_by uuid REFERENCES person (id),
  recorded_at timestamptz NOT NULL DEFAULT now(),
  -- Makes a resent signature (tablet back online, double tap) count once.
  idempotency_key text UNIQUE,
  CHECK (method <> 'correction' OR reason IS NOT NULL),
  CHECK (status <> 'late' OR arrived_at IS NOT NULL)
);
CREATE INDEX attendance_record_slot_idx ON attendance_record (slot_id, person_id, id DESC);
CREATE INDEX attendance_record_person_idx ON attendance_record (person_id);

CREATE FUNCTION attendance_record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'attendance records are append-only: record a correction instead';
END;
$$;
CREATE TRIGGER attendance_record_append_only
  BEFORE UPDATE OR DELETE ON attendance_record
  FOR EACH ROW EXECUTE FUNCTION attendance_record_append_only();

-- Files sent with an email (the convocation's calendar invitation).
CREATE TABLE outbox_attachment (
  email_id integer NOT NULL REFERENCES outbox_email (id) ON DELETE CASCADE,
  filename text NOT NULL,
  content_type text NOT NULL,
  content bytea NOT NULL,
  PRIMARY KEY (email_id, filename)
);
