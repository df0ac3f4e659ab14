-- Learner progress in course modules, and results of interactive (H5P) activities.
-- Modules and activities are identified by their slug (content/modules/<slug>.mdx, activity ids).

CREATE TABLE module_progress (
  person_id uuid NOT NULL REFERENCES person (id) ON DELETE CASCADE,
  module_id text NOT NULL,
  started_at timestamptz NOT NULL DEFAULT now(),
  last_section_id text,
  updated_at timestamptz NOT NULL DEFAULT now(),
  -- Set once, when the module's rule is first met; never cleared.
  completed_at timestamptz,
  PRIMARY KEY (person_id, module_id)
);
CREATE INDEX module_progress_module_idx ON module_progress (module_id);

CREATE TABLE module_section_read (
  person_id uuid NOT NULL REFERENCES person (id) ON DELETE CASCADE,
  module_id text NOT NULL,
  section_id text NOT NULL,
  read_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (person_id, module_id, section_id)
);

-- One row per xAPI statement with a result; the same statement posted twice is stored once.
CREATE TABLE activity_result (
  id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
  statement_id uuid NOT NULL,
  person_id uuid NOT NULL REFERENCES person (id) ON DELETE CASCADE,
  module_id text NOT NULL,
  activity_id text NOT NULL,
  verb text NOT NULL,
  score_raw numeric,
  score_max numeric,
  score_scaled numeric CHECK (score_scaled BETWEEN -1 AND 1),
  completion boolean,
  success boolean,
  duration text,
  recorded_at timestamptz NOT NULL DEFAULT now(),
  statement jsonb NOT NULL,
  UNIQUE (person_id, statement_id)
);
CREATE INDEX activity_result_person_idx ON activity_result (person_id, module_id, activity_id, recorded_at DESC);
