-- The professionalisation pathway: seven stages (their texts are content, in content/parcours),
-- the requirements of each stage as rules the coordination edits (never deleted: a changed rule
-- is retired and replaced, so the history stays), the trainees in the pathway with their two
-- referents, every decision on a passage, volunteer missions done in a pair, and the private
-- reflective journal.

-- Trainings of analyse de la pratique (intervision) and supervision count towards stages 6 and 7.
ALTER TABLE training ADD COLUMN practice_kind text CHECK (practice_kind IN ('practice_analysis', 'supervision'));

CREATE TABLE pathway_requirement (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  stage smallint NOT NULL CHECK (stage BETWEEN 1 AND 7),
  kind text NOT NULL CHECK (kind IN ('module_completed', 'training_attended', 'mission_hours', 'practice_analysis_sessions', 'supervision_sessions', 'coordinator_check')),
  -- module_completed: the module, by its slug in content/modules.
  module_slug text,
  -- training_attended: the training, and the attendance rate asked of one of its sessions.
  training_id uuid REFERENCES training (id),
  min_attendance numeric(3, 2) CHECK (min_attendance BETWEEN 0 AND 1),
  -- mission_hours: hours validated; *_sessions: sessions attended.
  quantity numeric(6, 1) CHECK (quantity > 0),
  -- coordinator_check: the condition, in the coordination's words (a coordinator ticks it).
  label text CHECK (length(label) BETWEEN 3 AND 300),
  position integer NOT NULL DEFAULT 0,
  created_at timestamptz NOT NULL DEFAULT now(),
  created_by uuid REFERENCES person (id),
  -- A retired rule stays for the history; it no longer counts for anyone still on the stage.
  retired_at timestamptz,
  retired_by uuid REFERENCES person (id),
  CHECK (
    (kind = 'module_completed' AND module_slug IS NOT NULL) OR
    (kind = 'training_attended' AND training_id IS NOT NULL AND min_attendance IS NOT NULL) OR
    (kind IN ('mission_hours', 'practice_analysis_sessions', 'supervision_sessions') AND quantity IS NOT NULL) OR
    (kind = 'coordinator_check' AND label IS NOT NULL)
  )
);
CREATE INDEX pathway_requirement_stage_idx ON pathway_requirement (stage, position) WHERE retired_at IS NULL;

-- A trainee in the pathway. `stage` is the stage they are on (the last validated one plus one,
-- written in the same transaction as the passage, so the cohort board reads it directly).
CREATE TABLE pathway_member (
  person_id uuid PRIMARY KEY REFERENCES person (id),
  stage smallint NOT NULL DEFAULT 1 CHECK (stage BETWEEN 1 AND 8),
  cohort text,
  joined_at timestamptz NOT NULL DEFAULT now(),
  -- When the stage was last validated (or the person joined): who has not moved for N months.
  stage_since timestamptz NOT NULL DEFAULT now(),
  -- Set when the trainee asks for the validation of their current stage; cleared by the decision.
  validation_requested_at timestamptz,
  -- The two referents the integration guide advises: a professional and an experienced peer mediator.
  professional_referent_id uuid REFERENCES person (id),
  peer_referent_id uuid REFERENCES person (id),
  CHECK (professional_referent_id IS DISTINCT FROM person_id AND peer_referent_id IS DISTINCT FROM person_id)
);
CREATE INDEX pathway_member_stage_idx ON pathway_member (stage, stage_since);
CREATE INDEX pathway_member_professional_referent_idx ON pathway_member (professional_referent_id);
CREATE INDEX pathway_member_peer_referent_idx ON pathway_member (peer_referent_id);

-- Every decision on a stage: validated (the trainee moves on) or returned with what is missing.
CREATE TABLE pathway_decision (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES person (id),
  stage smallint NOT NULL CHECK (stage BETWEEN 1 AND 7),
  decision text NOT NULL CHECK (decision IN ('validated', 'returned')),
  comment text NOT NULL,
  decided_by uuid REFERENCES person (id),
  decided_at timestamptz NOT NULL,
  -- The stage attestation, once issued from the validation.
  attestation_id uuid REFERENCES attestation (id)
);
CREATE UNIQUE INDEX pathway_decision_validated_idx ON pathway_decision (person_id, stage) WHERE decision = 'validated';
CREATE INDEX pathway_decision_person_idx ON pathway_decision (person_id, decided_at);

-- A coordinator's tick on a free-text condition, for one trainee.
CREATE TABLE pathway_check (
  requirement_id uuid NOT NULL REFERENCES pathway_requirement (id),
  person_id uuid NOT NULL REFERENCES person (id),
  checked_by uuid REFERENCES person (id),
  checked_at timestamptz NOT NULL,
  PRIMARY KEY (requirement_id, person_id)
);

-- A volunteer mission done in a pair with a salaried peer mediator. Nothing here names or
-- describes the person who was supported: the kind, the partner structure and the duration only.
CREATE TABLE volunteer_mission (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  person_id uuid NOT NULL REFERENCES person (id),
  stage smallint NOT NULL CHECK (stage BETWEEN 1 AND 7),
  done_on date NOT NULL,
  minutes integer NOT NULL CHECK (minutes BETWEEN 15 AND 720),
  kind text NOT NULL CHECK (kind IN ('individual_support', 'group', 'helpline', 'team_mediation', 'workshop', 'other')),
  partner_structure text NOT NULL CHECK (length(partner_structure) BETWEEN 2 AND 200),
  -- The pair MSP: an account when they have one (they may then validate), and their name as typed.
  pair_id uuid REFERENCES person (id),
  pair_name text NOT NULL CHECK (length(pair_name) BETWEEN 2 AND 120),
  status text NOT NULL DEFAULT 'submitted' CHECK (status IN ('submitted', 'validated', 'returned')),
  reviewed_by uuid REFERENCES person (id),
  reviewed_at timestamptz,
  review_comment text,
  created_at timestamptz NOT NULL DEFAULT now(),
  CHECK (status = 'submitted' OR (reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL)),
  CHECK (status <> 'returned' OR review_comment IS NOT NULL)
);
CREATE INDEX volunteer_mission_person_idx ON volunteer_mission (person_id, done_on DESC);
CREATE INDEX volunteer_mission_pair_idx ON volunteer_mission (pair_id) WHERE status = 'submitted';

-- The reflective journal (« carnet de bord »): readable by its author alone. An entry the
-- author chooses to share becomes readable by their referents too, and by no one else.
CREATE TABLE journal_entry (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  author_id uuid NOT NULL REFERENCES person (id),
  stage smallint NOT NULL CHECK (stage BETWEEN 1 AND 7),
  body text NOT NULL CHECK (length(body) BETWEEN 1 AND 20000),
  written_at timestamptz NOT NULL,
  updated_at timestamptz NOT NULL,
  shared_at timestamptz
);
CREATE INDEX journal_entry_author_idx ON journal_entry (author_id, stage, written_at DESC);

-- The rules the platform comes with; the coordination changes them in the app.
INSERT INTO pathway_requirement (stage, kind, module_slug, quantity, label, position) VALUES
  (1, 'module_completed', 'decouvrir-la-pair-aidance', NULL, NULL, 1),
  (1, 'coordinator_check', NULL, NULL, 'A participé à au moins une rencontre ou un groupe de travail de l’association', 2),
  (2, 'mission_hours', NULL, 20, NULL, 1),
  (2, 'module_completed', 'retablissement', NULL, NULL, 2),
  (3, 'module_completed', 'integration-travailleur-pair', NULL, NULL, 1),
  (3, 'module_completed', 'droits-des-usagers', NULL, NULL, 2),
  (3, 'module_completed', 'pssm', NULL, NULL, 3),
  (4, 'module_completed', 'wrap', NULL, NULL, 1),
  (4, 'module_completed', 'ips-job-coaching', NULL, NULL, 2),
  (4, 'mission_hours', NULL, 40, NULL, 3),
  (5, 'coordinator_check', NULL, NULL, 'A co-écrit ou relu un contenu pédagogique avec l’équipe de formation', 1),
  (6, 'practice_analysis_sessions', NULL, 3, NULL, 1),
  (7, 'supervision_sessions', NULL, 2, NULL, 1);
