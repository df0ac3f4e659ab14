-- H5P packages uploaded by trainers. Kept in the database (not on one server's disk) so that
-- every server instance serves them.
CREATE TABLE h5p_package (
  id text PRIMARY KEY,
  title text NOT NULL,
  main_library text NOT NULL,
  uploaded_by uuid REFERENCES person (id) ON DELETE SET NULL,
  uploaded_at timestamptz NOT NULL DEFAULT now(),
  size_bytes integer NOT NULL,
  file_count integer NOT NULL
);

CREATE TABLE h5p_package_file (
  package_id text NOT NULL REFERENCES h5p_package (id) ON DELETE CASCADE,
  path text NOT NULL,
  content bytea NOT NULL,
  PRIMARY KEY (package_id, path)
);
