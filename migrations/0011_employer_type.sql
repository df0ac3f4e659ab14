-- The trainee's category for a training, as the yearly report and section F-1 of the bilan
-- pédagogique et financier count it: their situation at the time of that training (a person may
-- come once as a job seeker, later as an employee), so it lives on the enrolment, not the person.
-- NULL: not given yet; the report counts it under « autres stagiaires » and says how many.
ALTER TABLE enrolment ADD COLUMN employer_type text
  CHECK (employer_type IN ('private_employer', 'public_employer', 'job_seeker', 'self_funded', 'other'));

-- The yearly report reads the half-days of a period by their start, whatever their session.
CREATE INDEX session_slot_starts_at_idx ON session_slot (starts_at);
