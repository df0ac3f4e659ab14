-- Indexes for the coordination's dashboard, which reads the last twelve months of a history that
-- grows by years (half-days by their start are indexed in 0011, attestations by their issue and
-- missions by their day in 0012): module progress by when it started and when it was completed.
-- And a trainee's ticks, read by person on every checklist (the primary key starts with the rule).
CREATE INDEX module_progress_started_idx ON module_progress (started_at);
CREATE INDEX module_progress_completed_idx ON module_progress (completed_at) WHERE completed_at IS NOT NULL;
CREATE INDEX pathway_check_person_idx ON pathway_check (person_id);
