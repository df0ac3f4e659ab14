import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * The database as Kysely sees it, written once next to the migrations in /migrations.
 * A migration that changes a table changes its interface here in the same commit.
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, string | Record<string, unknown>>;

export const ROLES = ['trainee', 'professional', 'trainer', 'coordinator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

export const TOKEN_PURPOSES = ['verify_email', 'reset_password', 'invitation', 'change_email'] as const;
export type TokenPurpose = (typeof TOKEN_PURPOSES)[number];

export interface PersonTable {
  id: Generated<string>;
  email: string;
  given_name: string;
  family_name: string;
  structure: string | null;
  password_hash: string | null;
  email_verified_at: Timestamp | null;
  created_at: CreatedAt;
  erased_at: Timestamp | null;
}

export interface PersonRoleTable {
  person_id: string;
  role: Role;
  granted_by: string | null;
  granted_at: CreatedAt;
}

export interface AuthSessionTable {
  id: string;
  person_id: string;
  created_at: CreatedAt;
  expires_at: Timestamp;
  user_agent: string | null;
}

export interface OneTimeTokenTable {
  id: string;
  purpose: TokenPurpose;
  person_id: string | null;
  email: string;
  role: Role | null;
  created_by: string | null;
  created_at: CreatedAt;
  expires_at: Timestamp;
  used_at: Timestamp | null;
}

export interface OutboxEmailTable {
  id: Generated<number>;
  to_address: string;
  person_id: string | null;
  subject: string;
  body_text: string;
  created_at: CreatedAt;
  sent_at: Timestamp | null;
  send_error: string | null;
}

export interface RateLimitTable {
  key: string;
  window_started_at: Timestamp;
  hits: number;
}

export interface AuditEventTable {
  id: Generated<number>;
  at: CreatedAt;
  actor_id: string | null;
  action: string;
  subject_person_id: string | null;
  details: Json;
}

export interface ModuleProgressTable {
  person_id: string;
  module_id: string;
  started_at: CreatedAt;
  last_section_id: string | null;
  updated_at: Timestamp;
  completed_at: Timestamp | null;
}

export interface ModuleSectionReadTable {
  person_id: string;
  module_id: string;
  section_id: string;
  read_at: CreatedAt;
}

export interface ActivityResultTable {
  id: Generated<number>;
  statement_id: string;
  person_id: string;
  module_id: string;
  activity_id: string;
  verb: string;
  score_raw: number | null;
  score_max: number | null;
  score_scaled: number | null;
  completion: boolean | null;
  success: boolean | null;
  duration: string | null;
  recorded_at: CreatedAt;
  statement: Json;
}

export interface H5pPackageTable {
  id: string;
  title: string;
  main_library: string;
  uploaded_by: string | null;
  uploaded_at: CreatedAt;
  size_bytes: number;
  file_count: number;
}

export interface H5pPackageFileTable {
  package_id: string;
  path: string;
  content: Uint8Array;
}

export interface DB {
  person: PersonTable;
  person_role: PersonRoleTable;
  auth_session: AuthSessionTable;
  one_time_token: OneTimeTokenTable;
  outbox_email: OutboxEmailTable;
  rate_limit: RateLimitTable;
  audit_event: AuditEventTable;
  module_progress: ModuleProgressTable;
  module_section_read: ModuleSectionReadTable;
  activity_result: ActivityResultTable;
  h5p_package: H5pPackageTable;
  h5p_package_file: H5pPackageFileTable;
}

export type Person = Selectable<PersonTable>;
export type NewPerson = Insertable<PersonTable>;
export type AuthSession = Selectable<AuthSessionTable>;
export type OutboxEmail = Selectable<OutboxEmailTable>;
