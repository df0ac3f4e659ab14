-- Satisfaction surveys: « à chaud » at the end of a session, « à froid » three months later.
-- Anonymity is the design: an answer names nobody and cannot be matched to its author. Who took
-- part is recorded in another table that does not point to the answer (to refuse a second answer,
-- to invite each person once, and to count response rates).

-- One anonymous answer. No person, no enrolment, no instant: the session, the phase, and the day.
CREATE TABLE survey_answer (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES training_session (id),
  phase text NOT NULL CHECK (phase IN ('hot', 'cold')),
  answered_on date NOT NULL,
  -- À chaud: each from 1 (not at all satisfied) to 5 (very satisfied).
  overall smallint CHECK (overall BETWEEN 1 AND 5),
  objectives smallint CHECK (objectives BETWEEN 1 AND 5),
  trainers smallint CHECK (trainers BETWEEN 1 AND 5),
  organisation smallint CHECK (organisation BETWEEN 1 AND 5),
  -- À froid: how much of what was learnt serves in practice (1 to 5), and what serves.
  practice_use smallint CHECK (practice_use BETWEEN 1 AND 5),
  uses_posture boolean,
  uses_knowledge boolean,
  uses_tools boolean,
  uses_resources boolean,
  uses_exchanges boolean,
  comment text CHECK (length(comment) BETWEEN 1 AND 2000),
  CHECK (
    (phase = 'hot' AND overall IS NOT NULL AND objectives IS NOT NULL AND trainers IS NOT NULL AND organisation IS NOT NULL
      AND practice_use IS NULL AND uses_posture IS NULL AND uses_knowledge IS NULL AND uses_tools IS NULL AND uses_resources IS NULL AND uses_exchanges IS NULL) OR
    (phase = 'cold' AND practice_use IS NOT NULL AND uses_posture IS NOT NULL AND uses_knowledge IS NOT NULL AND uses_tools IS NOT NULL
      AND uses_resources IS NOT NULL AND uses_exchanges IS NOT NULL
      AND overall IS NULL AND objectives IS NULL AND trainers IS NULL AND organisation IS NULL)
  )
);
CREATE INDEX survey_answer_session_idx ON survey_answer (session_id, phase);

-- A participant invited to a phase of a session's survey, and whether they answered (a yes, with
-- no time: a time could be matched with an answer's day). person_id becomes NULL when the
-- person's account is erased: the mark still counts in the response rate, and names nobody.
CREATE TABLE survey_participant (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  session_id uuid NOT NULL REFERENCES training_session (id),
  phase text NOT NULL CHECK (phase IN ('hot', 'cold')),
  person_id uuid REFERENCES person (id),
  -- Set when the invitation email is claimed for sending (one instance claims each row).
  emailed_at timestamptz,
  answered boolean NOT NULL DEFAULT false,
  UNIQUE (session_id, phase, person_id)
);
CREATE INDEX survey_participant_person_idx ON survey_participant (person_id);
CREATE INDEX survey_participant_to_email_idx ON survey_participant (session_id, phase) WHERE emailed_at IS NULL AND NOT answered;
