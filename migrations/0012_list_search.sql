-- The coordination's lists (people, attestations, missions) are searched whatever the case and
-- the accents (« lefevre » finds « Lefèvre », « oeuvre » finds « Œuvre »). No extension: unaccent and
-- pg_trgm would have to be loaded into PGlite and installed on every server. Instead one immutable
-- function folds a text the same way for the stored column and for the words typed, and each
-- list keeps its folded text in a generated column, written with the row: a search is then a
-- LIKE over one short column (10,000 people: about ten milliseconds), never a call per row.

CREATE FUNCTION esper_fold(value text) RETURNS text
  LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
  -- translate() first: lower() leaves accented capitals alone under the C locale (PGlite's).
  RETURN lower(replace(replace(replace(replace(replace(replace(translate(value,
    'ÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÐÑÒÓÔÕÖØÙÚÛÜÝàáâãäåçèéêëìíîïðñòóôõöøùúûüýÿĀāĂăĄąĆćĈĉĊċČčĎďĐđĒēĔĕĖėĘęĚěĜĝĞğĠġĢģĤĥĦħĨĩĪīĬĭĮįİıĴĵĶķĹĺĻļĽľŁłŃńŅņŇňŌōŎŏŐőŔŕŖŗŘřŚśŜŝŞşŠšŢţŤťŦŧŨũŪūŬŭŮůŰűŲųŴŵŶŷŸŹźŻżŽž’‘ʼ ',
    'aaaaaaceeeeiiiidnoooooouuuuyaaaaaaceeeeiiiidnoooooouuuuyyaaaaaaccccccccddddeeeeeeeeeegggggggghhhhiiiiiiiiiijjkkllllllllnnnnnnoooooorrrrrrssssssssttttttuuuuuuuuuuuuwwyyyzzzzzz'''''' '),
    'Œ', 'oe'), 'œ', 'oe'), 'Æ', 'ae'), 'æ', 'ae'), 'ẞ', 'ss'), 'ß', 'ss'));

ALTER TABLE person ADD COLUMN search_key text NOT NULL
  GENERATED ALWAYS AS (esper_fold(given_name || ' ' || family_name || ' ' || email || ' ' || coalesce(structure, ''))) STORED;
ALTER TABLE attestation ADD COLUMN search_key text NOT NULL
  GENERATED ALWAYS AS (esper_fold(number || ' ' || holder_name)) STORED;
ALTER TABLE volunteer_mission ADD COLUMN search_key text NOT NULL
  GENERATED ALWAYS AS (esper_fold(partner_structure || ' ' || pair_name)) STORED;

-- The names the lists sort by, folded once when written: folding while sorting costs each row
-- a call (tens of microseconds on PGlite), even when an index gives the order. chr(1) sorts
-- before any letter, so a person sorts by family name, then given name.
ALTER TABLE person ADD COLUMN sort_name text NOT NULL
  GENERATED ALWAYS AS (esper_fold(family_name || chr(1) || given_name)) STORED;
ALTER TABLE attestation ADD COLUMN holder_sort text NOT NULL
  GENERATED ALWAYS AS (esper_fold(holder_name)) STORED;

-- The lists' sort orders, so that a page is read from an index rather than after sorting every
-- row. Names sort byte-wise (COLLATE "C"), the same on PGlite and PostgreSQL whatever the locale.
CREATE INDEX person_list_name_idx ON person ((sort_name COLLATE "C"), id) WHERE erased_at IS NULL;
CREATE INDEX person_list_created_idx ON person (created_at, id) WHERE erased_at IS NULL;
CREATE INDEX attestation_list_issued_idx ON attestation (issued_at, id);
CREATE INDEX attestation_list_holder_idx ON attestation ((holder_sort COLLATE "C"), id);
CREATE INDEX volunteer_mission_list_done_idx ON volunteer_mission (done_on, id);
