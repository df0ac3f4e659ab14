-- Each server instance keeps recently validated sessions in memory. Any change that could make
-- such a copy wrong (a session ended, a person's name, email or roles changed) is announced on
-- the 'esper_auth' channel, delivered at commit to every instance listening. Triggers make the
-- announcement impossible to forget, whatever code path makes the change.

CREATE FUNCTION esper_notify_auth_change() RETURNS trigger AS $$
BEGIN
  IF TG_TABLE_NAME = 'auth_session' THEN
    PERFORM pg_notify('esper_auth', 's:' || OLD.id);
  ELSIF TG_TABLE_NAME = 'person' THEN
    PERFORM pg_notify('esper_auth', 'p:' || OLD.id);
  ELSE
    PERFORM pg_notify('esper_auth', 'p:' || COALESCE(NEW.person_id, OLD.person_id));
  END IF;
  RETURN NULL;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER auth_session_ended AFTER DELETE ON auth_session
  FOR EACH ROW EXECUTE FUNCTION esper_notify_auth_change();

CREATE TRIGGER person_changed AFTER UPDATE OF email, given_name, family_name, email_verified_at, erased_at ON person
  FOR EACH ROW EXECUTE FUNCTION esper_notify_auth_change();

CREATE TRIGGER person_role_changed AFTER INSERT OR DELETE ON person_role
  FOR EACH ROW EXECUTE FUNCTION esper_notify_auth_change();
