import type { ColumnType, Generated, Insertable, Selectable } from 'kysely';

/**
 * The database as Kysely sees it, written once next to the migrations in /migrations.
 * A migration that changes a table changes its interface here in the same commit.
 */

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type CreatedAt = ColumnType<Date, Date | string | undefined, never>;
type Json = ColumnType<Record<string, unknown>, string | Record<string, unknown> | undefined, string | Record<string, unknown>>;
/** A generated column (migration 0012): folded text the lists search and sort by, never written. */
type SearchKey = ColumnType<string, never, never>;

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
  search_key: SearchKey;
  sort_name: SearchKey;
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

export const TRAINING_AUDIENCES = ['professionals', 'trainees', 'everyone'] as const;
export type TrainingAudience = (typeof TRAINING_AUDIENCES)[number];

export interface TrainingTable {
  id: Generated<string>;
  slug: string;
  title: string;
  topic: string;
  audience: TrainingAudience;
  duration_hours: number;
  summary: string;
  /** One objective per line. */
  objectives: string;
  module_id: string | null;
  /** The attendance rate (0 to 1) the end-of-training attestation asks for. */
  attendance_threshold: ColumnType<number, number | undefined, number>;
  /** Analyse de la pratique or supervision: attended sessions count towards stages 6 and 7. */
  practice_kind: ColumnType<PracticeKind | null, PracticeKind | null | undefined, PracticeKind | null>;
  created_by: string | null;
  created_at: CreatedAt;
  updated_at: Timestamp;
}

export interface TrainingSessionTable {
  id: Generated<string>;
  training_id: string;
  place: string;
  capacity: number;
  cancellation_notice_hours: ColumnType<number, number | undefined, number>;
  cancelled_at: Timestamp | null;
  created_by: string | null;
  created_at: CreatedAt;
}

export interface SessionTrainerTable {
  session_id: string;
  person_id: string;
}

export interface SessionSlotTable {
  id: Generated<string>;
  session_id: string;
  starts_at: Timestamp;
  ends_at: Timestamp;
  opened_at: Timestamp | null;
  opened_by: string | null;
  code_secret: Uint8Array | null;
  closed_at: Timestamp | null;
  closed_by: string | null;
}

export const ENROLMENT_STATUSES = ['enrolled', 'waitlisted', 'cancelled', 'removed'] as const;
export type EnrolmentStatus = (typeof ENROLMENT_STATUSES)[number];

export const EMPLOYER_TYPES = ['private_employer', 'public_employer', 'job_seeker', 'self_funded', 'other'] as const;
/** The trainee's category for one training (section F-1 of the bilan pédagogique et financier). */
export type EmployerType = (typeof EMPLOYER_TYPES)[number];

export interface EnrolmentTable {
  id: Generated<string>;
  session_id: string;
  person_id: string;
  status: EnrolmentStatus;
  employer: string | null;
  /** Migration 0011; null until the coordination gives it. */
  employer_type: ColumnType<EmployerType | null, EmployerType | null | undefined, EmployerType | null>;
  queue_number: Generated<number>;
  requested_at: Timestamp;
  updated_at: Timestamp;
  updated_by: string | null;
}

export const ATTENDANCE_STATUSES = ['present', 'late', 'absent_justified', 'absent_unjustified'] as const;
export type AttendanceStatus = (typeof ATTENDANCE_STATUSES)[number];
export const ATTENDANCE_METHODS = ['code', 'tablet', 'trainer', 'closing', 'correction'] as const;
export type AttendanceMethod = (typeof ATTENDANCE_METHODS)[number];

/** Append-only (a trigger refuses UPDATE and DELETE): the latest row per (slot, person) is current. */
export interface AttendanceRecordTable {
  id: Generated<number>;
  slot_id: string;
  person_id: string;
  status: AttendanceStatus;
  method: AttendanceMethod;
  signed_at: Timestamp | null;
  arrived_at: Timestamp | null;
  signature_png: Uint8Array | null;
  signature_text: string | null;
  reason: string | null;
  recorded_by: string | null;
  recorded_at: CreatedAt;
  idempotency_key: string | null;
}

export interface OutboxAttachmentTable {
  email_id: number;
  filename: string;
  content_type: string;
  content: Uint8Array;
}

export interface OrganisationSettingsTable {
  id: ColumnType<boolean, boolean | undefined, never>;
  name: string;
  address: string;
  registration_number: string | null;
  representative_name: string;
  representative_title: string;
  signature_png: Uint8Array | null;
  logo_image: Uint8Array | null;
  logo_media_type: 'image/png' | 'image/jpeg' | null;
  updated_at: Timestamp;
  updated_by: string | null;
}

export interface AttestationBatchTable {
  id: Generated<string>;
  session_id: string;
  kind: Exclude<AttestationKind, 'pathway_stage'>;
  started_by: string | null;
  started_at: Timestamp;
  total: number;
  done: ColumnType<number, number | undefined, number>;
  issued: ColumnType<number, number | undefined, number>;
  already_held: ColumnType<number, number | undefined, number>;
  not_eligible: ColumnType<number, number | undefined, number>;
  heartbeat_at: Timestamp;
  finished_at: Timestamp | null;
  failure: string | null;
}

export interface CredentialSigningKeyTable {
  id: string;
  /** The public half, as a JSON Web Key (kty OKP, crv Ed25519). */
  public_jwk: ColumnType<Record<string, string>, string, never>;
  private_pkcs8: Uint8Array;
  created_at: CreatedAt;
  retired_at: Timestamp | null;
}

/** An attestation's bit in the Open Badges revocation list, drawn once (migration 0008). */
export interface OpenBadgeStatusTable {
  attestation_id: string;
  status_list_index: number;
  assigned_at: CreatedAt;
}

export interface AttestationCounterTable {
  year: number;
  last_number: number;
}

export const ATTESTATION_KINDS = ['end_of_training', 'completion_certificate', 'attendance', 'pathway_stage'] as const;
export type AttestationKind = (typeof ATTESTATION_KINDS)[number];

export interface AttestationTable {
  id: Generated<string>;
  number: string;
  year: number;
  kind: AttestationKind;
  person_id: string;
  session_id: string | null;
  holder_name: string;
  holder_employer: string | null;
  title: string;
  details: Json;
  issued_at: Timestamp;
  issued_by: string | null;
  pdf: Uint8Array;
  pdf_sha256: string;
  check_code: string;
  version: ColumnType<number, number | undefined, number>;
  supersedes: string | null;
  superseded_at: Timestamp | null;
  revoked_at: Timestamp | null;
  revoked_by: string | null;
  revocation_reason: string | null;
  search_key: SearchKey;
  holder_sort: SearchKey;
}

export const PRACTICE_KINDS = ['practice_analysis', 'supervision'] as const;
export type PracticeKind = (typeof PRACTICE_KINDS)[number];

export const REQUIREMENT_KINDS = ['module_completed', 'training_attended', 'mission_hours', 'practice_analysis_sessions', 'supervision_sessions', 'coordinator_check'] as const;
export type RequirementKind = (typeof REQUIREMENT_KINDS)[number];

export interface PathwayRequirementTable {
  id: Generated<string>;
  stage: number;
  kind: RequirementKind;
  module_slug: string | null;
  training_id: string | null;
  min_attendance: number | null;
  quantity: number | null;
  label: string | null;
  position: ColumnType<number, number | undefined, number>;
  created_at: CreatedAt;
  created_by: string | null;
  retired_at: Timestamp | null;
  retired_by: string | null;
}

export interface PathwayMemberTable {
  person_id: string;
  /** The stage the trainee is on, 1 to 7; 8 once the seventh is validated. */
  stage: ColumnType<number, number | undefined, number>;
  cohort: string | null;
  joined_at: ColumnType<Date, Date | string | undefined, never>;
  stage_since: ColumnType<Date, Date | string | undefined, Date | string>;
  validation_requested_at: Timestamp | null;
  professional_referent_id: string | null;
  peer_referent_id: string | null;
}

export interface PathwayDecisionTable {
  id: Generated<string>;
  person_id: string;
  stage: number;
  decision: 'validated' | 'returned';
  comment: string;
  decided_by: string | null;
  decided_at: Timestamp;
  attestation_id: string | null;
}

export interface PathwayCheckTable {
  requirement_id: string;
  person_id: string;
  checked_by: string | null;
  checked_at: Timestamp;
}

export const MISSION_KINDS = ['individual_support', 'group', 'helpline', 'team_mediation', 'workshop', 'other'] as const;
export type MissionKind = (typeof MISSION_KINDS)[number];

export interface VolunteerMissionTable {
  id: Generated<string>;
  person_id: string;
  stage: number;
  /** A calendar day, YYYY-MM-DD. */
  done_on: ColumnType<string, string, string>;
  minutes: number;
  kind: MissionKind;
  partner_structure: string;
  pair_id: string | null;
  pair_name: string;
  status: ColumnType<'submitted' | 'validated' | 'returned', 'submitted' | 'validated' | 'returned' | undefined, 'submitted' | 'validated' | 'returned'>;
  reviewed_by: string | null;
  reviewed_at: Timestamp | null;
  review_comment: string | null;
  created_at: CreatedAt;
  search_key: SearchKey;
}

export interface JournalEntryTable {
  id: Generated<string>;
  author_id: string;
  stage: number;
  body: string;
  written_at: Timestamp;
  updated_at: Timestamp;
  shared_at: Timestamp | null;
}

export const SURVEY_PHASES = ['hot', 'cold'] as const;
export type SurveyPhase = (typeof SURVEY_PHASES)[number];

/** An anonymous answer to a satisfaction survey: no person, no enrolment, the day only. */
export interface SurveyAnswerTable {
  id: Generated<string>;
  session_id: string;
  phase: SurveyPhase;
  /** A calendar day, YYYY-MM-DD. */
  answered_on: ColumnType<string, string, string>;
  overall: number | null;
  objectives: number | null;
  trainers: number | null;
  organisation: number | null;
  practice_use: number | null;
  uses_posture: boolean | null;
  uses_knowledge: boolean | null;
  uses_tools: boolean | null;
  uses_resources: boolean | null;
  uses_exchanges: boolean | null;
  comment: string | null;
}

/** Who was invited to a survey and whether they answered; points to no answer. */
export interface SurveyParticipantTable {
  id: Generated<string>;
  session_id: string;
  phase: SurveyPhase;
  /** NULL once the person's account is erased. */
  person_id: string | null;
  emailed_at: Timestamp | null;
  answered: ColumnType<boolean, boolean | undefined, boolean>;
}

/** The kinds of export (migration 0014); the registry in src/lib/reporting/exports/kinds.ts says what each does. */
export const EXPORT_KINDS = ['personnes', 'seances', 'attestations', 'missions', 'bilan-csv', 'bilan-xlsx', 'dossier-audit'] as const;
export type ExportKindName = (typeof EXPORT_KINDS)[number];

/** An export run in the background (lists, the yearly report), with its file once finished. */
export interface ExportJobTable {
  id: Generated<string>;
  kind: ExportKindName;
  /** The filters as the list's address writes them, checked before the insert. */
  params: ColumnType<Record<string, string>, string, never>;
  requested_by: string;
  requested_at: Timestamp;
  heartbeat_at: Timestamp;
  total: ColumnType<number, number | undefined, number>;
  done: ColumnType<number, number | undefined, number>;
  finished_at: Timestamp | null;
  failure: string | null;
  filename: string | null;
  content_type: string | null;
  content: Uint8Array | null;
  byte_size: number | null;
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
  training: TrainingTable;
  training_session: TrainingSessionTable;
  session_trainer: SessionTrainerTable;
  session_slot: SessionSlotTable;
  enrolment: EnrolmentTable;
  attendance_record: AttendanceRecordTable;
  outbox_attachment: OutboxAttachmentTable;
  organisation_settings: OrganisationSettingsTable;
  attestation_counter: AttestationCounterTable;
  attestation: AttestationTable;
  attestation_batch: AttestationBatchTable;
  credential_signing_key: CredentialSigningKeyTable;
  pathway_requirement: PathwayRequirementTable;
  pathway_member: PathwayMemberTable;
  pathway_decision: PathwayDecisionTable;
  pathway_check: PathwayCheckTable;
  volunteer_mission: VolunteerMissionTable;
  journal_entry: JournalEntryTable;
  open_badge_status: OpenBadgeStatusTable;
  survey_answer: SurveyAnswerTable;
  survey_participant: SurveyParticipantTable;
  export_job: ExportJobTable;
}

export type Person = Selectable<PersonTable>;
export type NewPerson = Insertable<PersonTable>;
export type AuthSession = Selectable<AuthSessionTable>;
export type OutboxEmail = Selectable<OutboxEmailTable>;
