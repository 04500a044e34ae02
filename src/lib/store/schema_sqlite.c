/*
 * The SQLite schema as an ordered list of versioned migrations. Each
 * migration runs in its own transaction and is recorded both in the
 * schema_migrations table and in PRAGMA user_version; a database written by
 * a newer Regio is refused rather than guessed at. docs/SCHEMA.md explains
 * every table.
 */
#include "store/schema_sqlite.h"

#include "store/store_impl.h"

#include <stdio.h>
#include <sys/stat.h>

typedef struct migration {
    int version;
    const char *name;
    const char *sql;
} migration;

/* Migration 1: the whole product data model (see docs/SCHEMA.md). Columns
 * named *_ext hold external ids as soft references, so records may be
 * imported in any order; integer *_id columns are enforced foreign keys. */
static const char MIGRATION_1[] =
    /* ---- people ---- */
    "CREATE TABLE users ("
    " id INTEGER PRIMARY KEY,"
    " login TEXT NOT NULL UNIQUE CHECK (login <> ''),"
    " display_name TEXT,"
    " email TEXT,"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE TABLE user_permissions ("
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " permission TEXT NOT NULL CHECK (permission <> ''),"
    " granted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " PRIMARY KEY (user_id, permission)) WITHOUT ROWID;"
    "CREATE TABLE reps ("
    " id INTEGER PRIMARY KEY,"
    " ext_id TEXT NOT NULL UNIQUE CHECK (ext_id <> ''),"
    " user_id INTEGER UNIQUE REFERENCES users(id) ON DELETE SET NULL,"
    " name TEXT, email TEXT, city TEXT, region TEXT, postal_code TEXT, country TEXT,"
    " lat REAL, lon REAL,"
    " geo_source INTEGER NOT NULL DEFAULT 0 CHECK (geo_source BETWEEN 0 AND 3),"
    " capacity REAL, skills TEXT, day_start TEXT, day_end TEXT,"
    " manager_ext TEXT,"
    " attrs TEXT NOT NULL DEFAULT '{}',"
    " row_hash INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE INDEX reps_manager ON reps(manager_ext);"
    /* ---- geography ---- */
    "CREATE TABLE units ("
    " id INTEGER PRIMARY KEY,"
    " ext_id TEXT NOT NULL UNIQUE CHECK (ext_id <> ''),"
    " name TEXT,"
    " lat REAL, lon REAL, area_km2 REAL,"
    " geom BLOB,"
    " attrs TEXT NOT NULL DEFAULT '{}',"
    " row_hash INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE TABLE unit_adjacency ("
    " unit_a INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,"
    " unit_b INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,"
    " kind INTEGER NOT NULL DEFAULT 0 CHECK (kind BETWEEN 0 AND 3),"
    " shared_km REAL,"
    " PRIMARY KEY (unit_a, unit_b),"
    " CHECK (unit_a < unit_b)) WITHOUT ROWID;"
    "CREATE INDEX unit_adjacency_b ON unit_adjacency(unit_b);"
    /* ---- accounts ---- */
    "CREATE TABLE accounts ("
    " id INTEGER PRIMARY KEY,"
    " ext_id TEXT NOT NULL UNIQUE CHECK (ext_id <> ''),"
    " name TEXT, street TEXT, city TEXT, region TEXT, postal_code TEXT, country TEXT,"
    " lat REAL, lon REAL,"
    " geo_source INTEGER NOT NULL DEFAULT 0 CHECK (geo_source BETWEEN 0 AND 3),"
    " owner_ext TEXT, industry TEXT, type TEXT, segment TEXT,"
    " annual_revenue REAL, employees REAL, potential REAL,"
    " unit_ext TEXT,"
    " attrs TEXT NOT NULL DEFAULT '{}',"
    " excluded_from_realign INTEGER NOT NULL DEFAULT 0 CHECK (excluded_from_realign IN (0, 1)),"
    " row_hash INTEGER NOT NULL,"
    " created_at TEXT NOT NULL, updated_at TEXT NOT NULL);"
    "CREATE INDEX accounts_unit ON accounts(unit_ext);"
    "CREATE INDEX accounts_owner ON accounts(owner_ext);"
    "CREATE TABLE opportunities ("
    " id INTEGER PRIMARY KEY, ext_id TEXT UNIQUE,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " name TEXT, stage TEXT, amount REAL, close_date TEXT, owner_ext TEXT,"
    " attrs TEXT NOT NULL DEFAULT '{}',"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE INDEX opportunities_account ON opportunities(account_id);"
    "CREATE TABLE contacts ("
    " id INTEGER PRIMARY KEY, ext_id TEXT UNIQUE,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " name TEXT, email TEXT, phone TEXT, title TEXT,"
    " attrs TEXT NOT NULL DEFAULT '{}',"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE INDEX contacts_account ON contacts(account_id);"
    "CREATE TABLE cases ("
    " id INTEGER PRIMARY KEY, ext_id TEXT UNIQUE,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " subject TEXT, status TEXT, priority TEXT,"
    " attrs TEXT NOT NULL DEFAULT '{}',"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE INDEX cases_account ON cases(account_id);"
    /* ---- territory models ---- */
    "CREATE TABLE territory_models ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
    " state TEXT NOT NULL DEFAULT 'planning'"
    "   CHECK (state IN ('planning', 'active', 'archived')),"
    " effective_from TEXT,"
    " parent_model_id INTEGER REFERENCES territory_models(id) ON DELETE SET NULL,"
    " description TEXT,"
    " alignment_rev INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE UNIQUE INDEX territory_models_one_active ON territory_models(state)"
    " WHERE state = 'active';"
    "CREATE INDEX territory_models_parent ON territory_models(parent_model_id);"
    "CREATE TRIGGER territory_models_archived_final BEFORE UPDATE OF state ON territory_models"
    " WHEN OLD.state = 'archived' AND NEW.state <> 'archived'"
    " BEGIN SELECT RAISE(ABORT, 'an archived territory model never becomes active or planning again; clone it instead'); END;"
    "CREATE TABLE territory_types ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
    " priority INTEGER NOT NULL UNIQUE,"
    " description TEXT);"
    "CREATE TABLE territories ("
    " id INTEGER PRIMARY KEY,"
    " model_id INTEGER NOT NULL REFERENCES territory_models(id) ON DELETE CASCADE,"
    " ext_id TEXT NOT NULL CHECK (ext_id <> ''),"
    " name TEXT,"
    " parent_id INTEGER,"
    " type_id INTEGER REFERENCES territory_types(id) ON DELETE SET NULL,"
    " account_access TEXT NOT NULL DEFAULT 'read'"
    "   CHECK (account_access IN ('read', 'edit', 'owner')),"
    " opportunity_access TEXT NOT NULL DEFAULT 'none'"
    "   CHECK (opportunity_access IN ('none', 'read', 'edit')),"
    " contact_access TEXT NOT NULL DEFAULT 'none'"
    "   CHECK (contact_access IN ('none', 'read', 'edit')),"
    " case_access TEXT NOT NULL DEFAULT 'none'"
    "   CHECK (case_access IN ('none', 'read', 'edit')),"
    " rep_id INTEGER REFERENCES reps(id) ON DELETE SET NULL,"
    " center_lat REAL, center_lon REAL,"
    " target_share REAL CHECK (target_share IS NULL OR target_share >= 0),"
    " description TEXT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " UNIQUE (model_id, ext_id),"
    " UNIQUE (model_id, id),"
    " CHECK (parent_id IS NULL OR parent_id <> id),"
    " FOREIGN KEY (model_id, parent_id) REFERENCES territories(model_id, id));"
    "CREATE INDEX territories_parent ON territories(parent_id);"
    "CREATE INDEX territories_type ON territories(type_id);"
    "CREATE INDEX territories_rep ON territories(rep_id);"
    "CREATE TABLE alignments ("
    " id INTEGER PRIMARY KEY,"
    " model_id INTEGER NOT NULL REFERENCES territory_models(id) ON DELETE CASCADE,"
    " unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,"
    " territory_id INTEGER NOT NULL,"
    " effective_from TEXT, effective_to TEXT,"
    " locked INTEGER NOT NULL DEFAULT 0 CHECK (locked IN (0, 1)),"
    " FOREIGN KEY (model_id, territory_id) REFERENCES territories(model_id, id)"
    "   ON DELETE CASCADE,"
    " CHECK (effective_to IS NULL OR effective_from IS NULL OR effective_to >= effective_from));"
    "CREATE UNIQUE INDEX alignments_current ON alignments(model_id, unit_id)"
    " WHERE effective_to IS NULL;"
    "CREATE INDEX alignments_unit ON alignments(unit_id);"
    "CREATE INDEX alignments_territory ON alignments(model_id, territory_id);"
    "CREATE TABLE assignment_rules ("
    " id INTEGER PRIMARY KEY,"
    " territory_id INTEGER NOT NULL REFERENCES territories(id) ON DELETE CASCADE,"
    " name TEXT,"
    " expression TEXT,"
    " inherited INTEGER NOT NULL DEFAULT 0 CHECK (inherited IN (0, 1)),"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " priority INTEGER NOT NULL DEFAULT 0,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE INDEX assignment_rules_territory ON assignment_rules(territory_id);"
    "CREATE TABLE rule_criteria ("
    " rule_id INTEGER NOT NULL REFERENCES assignment_rules(id) ON DELETE CASCADE,"
    " seq INTEGER NOT NULL CHECK (seq BETWEEN 1 AND 10),"
    " field TEXT NOT NULL CHECK (field <> ''),"
    " operator TEXT NOT NULL CHECK (operator <> ''),"
    " value TEXT,"
    " PRIMARY KEY (rule_id, seq)) WITHOUT ROWID;"
    "CREATE TABLE account_territories ("
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " territory_id INTEGER NOT NULL REFERENCES territories(id) ON DELETE CASCADE,"
    " cause TEXT NOT NULL CHECK (cause IN ('rule', 'manual')),"
    " rule_id INTEGER REFERENCES assignment_rules(id) ON DELETE CASCADE,"
    " effective_from TEXT,"
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " PRIMARY KEY (account_id, territory_id, cause),"
    " CHECK (cause = 'rule' OR rule_id IS NULL)) WITHOUT ROWID;"
    "CREATE INDEX account_territories_territory ON account_territories(territory_id, cause);"
    "CREATE INDEX account_territories_rule ON account_territories(rule_id);"
    "CREATE TRIGGER account_territories_excluded BEFORE INSERT ON account_territories"
    " WHEN NEW.cause = 'rule' AND"
    "  (SELECT excluded_from_realign FROM accounts WHERE id = NEW.account_id) = 1"
    " BEGIN SELECT RAISE(ABORT, 'account is excluded from realignment and gets no rule associations'); END;"
    "CREATE TABLE memberships ("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " territory_id INTEGER NOT NULL REFERENCES territories(id) ON DELETE CASCADE,"
    " role TEXT NOT NULL CHECK (role IN ('owner', 'rep', 'overlay', 'manager', 'admin')),"
    " active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),"
    " start_date TEXT, end_date TEXT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " CHECK (end_date IS NULL OR start_date IS NULL OR end_date >= start_date));"
    "CREATE INDEX memberships_user ON memberships(user_id, active);"
    "CREATE INDEX memberships_territory ON memberships(territory_id);"
    /* ---- scenarios, challenges ---- */
    "CREATE TABLE scenario_promotions ("
    " id INTEGER PRIMARY KEY,"
    " model_id INTEGER NOT NULL REFERENCES territory_models(id),"
    " previous_model_id INTEGER REFERENCES territory_models(id),"
    " effective_from TEXT NOT NULL,"
    " promoted_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " promoted_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " note TEXT);"
    "CREATE INDEX scenario_promotions_model ON scenario_promotions(model_id);"
    "CREATE TABLE challenges ("
    " id INTEGER PRIMARY KEY,"
    " model_id INTEGER NOT NULL REFERENCES territory_models(id) ON DELETE CASCADE,"
    " territory_id INTEGER REFERENCES territories(id) ON DELETE CASCADE,"
    " account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,"
    " unit_id INTEGER REFERENCES units(id) ON DELETE CASCADE,"
    " raised_by INTEGER NOT NULL REFERENCES users(id),"
    " reason TEXT NOT NULL CHECK (reason <> ''),"
    " status TEXT NOT NULL DEFAULT 'open'"
    "   CHECK (status IN ('open', 'approved', 'rejected', 'withdrawn')),"
    " decided_by INTEGER REFERENCES users(id),"
    " decided_at TEXT, decision_note TEXT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " CHECK (status = 'open' OR status = 'withdrawn' OR decided_by IS NOT NULL));"
    "CREATE INDEX challenges_model ON challenges(model_id, status);"
    "CREATE INDEX challenges_territory ON challenges(territory_id);"
    /* ---- coverage and performance ---- */
    "CREATE TABLE visit_plans ("
    " id INTEGER PRIMARY KEY,"
    " model_id INTEGER REFERENCES territory_models(id) ON DELETE CASCADE,"
    " name TEXT NOT NULL,"
    " cycle_start TEXT, cycle_days INTEGER CHECK (cycle_days IS NULL OR cycle_days > 0),"
    " params TEXT NOT NULL DEFAULT '{}',"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE TABLE plan_visits ("
    " id INTEGER PRIMARY KEY,"
    " plan_id INTEGER NOT NULL REFERENCES visit_plans(id) ON DELETE CASCADE,"
    " rep_id INTEGER NOT NULL REFERENCES reps(id) ON DELETE CASCADE,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " day INTEGER NOT NULL CHECK (day >= 0),"
    " seq INTEGER NOT NULL CHECK (seq >= 0),"
    " arrival_s INTEGER, departure_s INTEGER,"
    " travel_s INTEGER,"
    " UNIQUE (plan_id, rep_id, day, seq),"
    " CHECK (departure_s IS NULL OR arrival_s IS NULL OR departure_s >= arrival_s));"
    "CREATE INDEX plan_visits_account ON plan_visits(account_id);"
    "CREATE INDEX plan_visits_rep ON plan_visits(rep_id);"
    "CREATE TABLE activities ("
    " id INTEGER PRIMARY KEY,"
    " ext_id TEXT UNIQUE,"
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " rep_id INTEGER REFERENCES reps(id) ON DELETE SET NULL,"
    " user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " plan_visit_id INTEGER REFERENCES plan_visits(id) ON DELETE SET NULL,"
    " kind TEXT NOT NULL DEFAULT 'visit',"
    " occurred_at TEXT NOT NULL,"
    " duration_s INTEGER,"
    " notes TEXT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE INDEX activities_account ON activities(account_id);"
    "CREATE INDEX activities_rep ON activities(rep_id, occurred_at);"
    "CREATE TABLE sales_transactions ("
    " id INTEGER PRIMARY KEY,"
    " ext_id TEXT UNIQUE,"
    " account_id INTEGER REFERENCES accounts(id) ON DELETE SET NULL,"
    " account_ext TEXT,"
    " rep_id INTEGER REFERENCES reps(id) ON DELETE SET NULL,"
    " territory_id INTEGER REFERENCES territories(id) ON DELETE SET NULL,"
    " tx_date TEXT NOT NULL,"
    " amount REAL NOT NULL,"
    " currency TEXT, product TEXT,"
    " attrs TEXT NOT NULL DEFAULT '{}',"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')));"
    "CREATE INDEX sales_transactions_account ON sales_transactions(account_id, tx_date);"
    "CREATE INDEX sales_transactions_date ON sales_transactions(tx_date);"
    "CREATE TABLE quotas ("
    " id INTEGER PRIMARY KEY,"
    " territory_id INTEGER REFERENCES territories(id) ON DELETE CASCADE,"
    " rep_id INTEGER REFERENCES reps(id) ON DELETE CASCADE,"
    " period_start TEXT NOT NULL, period_end TEXT NOT NULL,"
    " amount REAL NOT NULL, currency TEXT, measure TEXT NOT NULL DEFAULT 'sales',"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " CHECK ((territory_id IS NULL) <> (rep_id IS NULL)),"
    " CHECK (period_end >= period_start));"
    "CREATE UNIQUE INDEX quotas_territory ON quotas(territory_id, measure, period_start)"
    " WHERE territory_id IS NOT NULL;"
    "CREATE UNIQUE INDEX quotas_rep ON quotas(rep_id, measure, period_start)"
    " WHERE rep_id IS NOT NULL;"
    /* ---- operations ---- */
    "CREATE TABLE jobs ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " params TEXT NOT NULL DEFAULT '{}',"
    " state TEXT NOT NULL DEFAULT 'queued'"
    "   CHECK (state IN ('queued', 'running', 'succeeded', 'failed', 'cancelled')),"
    " progress REAL NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 1),"
    " phase TEXT,"
    " result TEXT, error TEXT,"
    " cancel_requested INTEGER NOT NULL DEFAULT 0 CHECK (cancel_requested IN (0, 1)),"
    " claimed_by TEXT, heartbeat_at TEXT,"
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " started_at TEXT, finished_at TEXT);"
    "CREATE INDEX jobs_state ON jobs(state, id);"
    "CREATE TABLE settings ("
    " key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;"
    "INSERT INTO settings(key, value) VALUES ('territory_depth_limit', '16');"
    "CREATE TABLE audit_log ("
    " id INTEGER PRIMARY KEY,"
    " ts TEXT NOT NULL,"
    " actor TEXT,"
    " action TEXT NOT NULL CHECK (action <> ''),"
    " object_type TEXT, object_id TEXT,"
    " before TEXT CHECK (before IS NULL OR json_valid(before)),"
    " after TEXT CHECK (after IS NULL OR json_valid(after)),"
    " prev_hash TEXT NOT NULL,"
    " hash TEXT NOT NULL UNIQUE);"
    "CREATE INDEX audit_log_object ON audit_log(object_type, object_id);"
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is forbidden'); END;"
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"
    " BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is forbidden'); END;";

/* Migration 2: people and access (docs/ACCESS.md). Roles form a tree;
 * every user has one role, an optional argon2id password hash, and may
 * hold API tokens and sessions (both stored as SHA-256 of the secret, so a
 * copy of the store does not sign anyone in). A membership is unique per
 * (user, territory, role). Hand moves of accounts become cause 'geo' (they
 * replace the account's geographic territory), so that cause 'manual' is
 * free for the extra territories an account is associated with by hand. */
static const char MIGRATION_2[] =
    "CREATE TABLE roles ("
    " id INTEGER PRIMARY KEY,"
    " name TEXT NOT NULL UNIQUE CHECK (name <> ''),"
    " parent_id INTEGER REFERENCES roles(id) ON DELETE RESTRICT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " CHECK (parent_id IS NULL OR parent_id <> id));"
    "CREATE INDEX roles_parent ON roles(parent_id);"
    "ALTER TABLE users ADD COLUMN role_id INTEGER REFERENCES roles(id) ON DELETE SET NULL;"
    "ALTER TABLE users ADD COLUMN password_hash TEXT;"
    "CREATE INDEX users_role ON users(role_id);"
    "CREATE TABLE api_tokens ("
    " id INTEGER PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " token_hash TEXT NOT NULL UNIQUE,"
    " label TEXT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " last_used_at TEXT, revoked_at TEXT);"
    "CREATE INDEX api_tokens_user ON api_tokens(user_id);"
    "CREATE TABLE sessions ("
    " id_hash TEXT PRIMARY KEY,"
    " user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
    " csrf TEXT NOT NULL,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " expires_at INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE INDEX sessions_user ON sessions(user_id);"
    "CREATE UNIQUE INDEX memberships_key ON memberships(user_id, territory_id, role);"
    "CREATE TABLE account_territories_v2 ("
    " account_id INTEGER NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,"
    " territory_id INTEGER NOT NULL REFERENCES territories(id) ON DELETE CASCADE,"
    " cause TEXT NOT NULL CHECK (cause IN ('geo', 'rule', 'manual')),"
    " rule_id INTEGER REFERENCES assignment_rules(id) ON DELETE CASCADE,"
    " effective_from TEXT,"
    " created_by INTEGER REFERENCES users(id) ON DELETE SET NULL,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " PRIMARY KEY (account_id, territory_id, cause),"
    " CHECK (cause = 'rule' OR rule_id IS NULL)) WITHOUT ROWID;"
    "INSERT INTO account_territories_v2 SELECT account_id, territory_id,"
    " CASE cause WHEN 'manual' THEN 'geo' ELSE cause END, rule_id, effective_from, created_by,"
    " created_at FROM account_territories;"
    "DROP TABLE account_territories;"
    "ALTER TABLE account_territories_v2 RENAME TO account_territories;"
    "CREATE INDEX account_territories_territory ON account_territories(territory_id, cause);"
    "CREATE INDEX account_territories_rule ON account_territories(rule_id);"
    "CREATE TRIGGER account_territories_excluded BEFORE INSERT ON account_territories"
    " WHEN NEW.cause = 'rule' AND"
    "  (SELECT excluded_from_realign FROM accounts WHERE id = NEW.account_id) = 1"
    " BEGIN SELECT RAISE(ABORT, 'account is excluded from realignment and gets no rule associations'); END;"
    /* The audit chain's head (id:hash of its last record), checked by verify. */
    "INSERT INTO settings(key, value) SELECT 'audit_head', id || ':' || hash FROM audit_log"
    " ORDER BY id DESC LIMIT 1;";

/* Migration 3: challenges as raised (docs/ACCESS.md, "Reps challenge,
 * managers decide"). A challenge keeps where its unit or account was in the
 * model in force and where the planning model put it when it was raised
 * (from_territory, to_territory: external ids), so that a decided challenge
 * still says what it was about after the counter-move; exactly one of unit
 * and account; an automatic approval (auto_approved) has no deciding user.
 * No store wrote challenges before, so the table is rebuilt. A model may
 * approve its challenges automatically (auto_approve) when the counter-move
 * keeps every territory within its balance tolerance (balance_tolerance,
 * NULL: the default of design and of every report). */
static const char MIGRATION_3[] =
    "CREATE TABLE challenges_v3 ("
    " id INTEGER PRIMARY KEY,"
    " model_id INTEGER NOT NULL REFERENCES territory_models(id) ON DELETE CASCADE,"
    " territory_id INTEGER NOT NULL REFERENCES territories(id) ON DELETE CASCADE,"
    " account_id INTEGER REFERENCES accounts(id) ON DELETE CASCADE,"
    " unit_id INTEGER REFERENCES units(id) ON DELETE CASCADE,"
    " raised_by INTEGER NOT NULL REFERENCES users(id),"
    " reason TEXT NOT NULL CHECK (reason <> ''),"
    " status TEXT NOT NULL DEFAULT 'open'"
    "   CHECK (status IN ('open', 'approved', 'rejected', 'withdrawn')),"
    " decided_by INTEGER REFERENCES users(id),"
    " decided_at TEXT, decision_note TEXT,"
    " created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),"
    " from_territory TEXT, to_territory TEXT,"
    " auto_approved INTEGER NOT NULL DEFAULT 0 CHECK (auto_approved IN (0, 1)),"
    " CHECK ((account_id IS NULL) <> (unit_id IS NULL)),"
    " CHECK (auto_approved = 0 OR status = 'approved'),"
    " CHECK (status IN ('open', 'withdrawn') OR decided_by IS NOT NULL OR auto_approved = 1),"
    " CHECK (status = 'open' OR decided_at IS NOT NULL));"
    "INSERT INTO challenges_v3(id, model_id, territory_id, account_id, unit_id, raised_by,"
    " reason, status, decided_by, decided_at, decision_note, created_at)"
    " SELECT id, model_id, territory_id, account_id, unit_id, raised_by, reason, status,"
    " decided_by, coalesce(decided_at, created_at), decision_note, created_at FROM challenges"
    " WHERE territory_id IS NOT NULL AND (account_id IS NULL) <> (unit_id IS NULL);"
    "DROP TABLE challenges;"
    "ALTER TABLE challenges_v3 RENAME TO challenges;"
    "CREATE INDEX challenges_model ON challenges(model_id, status);"
    "CREATE INDEX challenges_territory ON challenges(territory_id);"
    "CREATE INDEX challenges_raised_by ON challenges(raised_by);"
    "ALTER TABLE territory_models ADD COLUMN auto_approve INTEGER NOT NULL DEFAULT 0"
    " CHECK (auto_approve IN (0, 1));"
    "ALTER TABLE territory_models ADD COLUMN balance_tolerance REAL"
    " CHECK (balance_tolerance IS NULL OR (balance_tolerance > 0 AND balance_tolerance < 1));";

/* Migration 4: effective-dated promotion (docs/ACCESS.md, "The model in
 * force"). A promotion withdrawn before its effective date (replaced by a
 * later promotion for the same or an earlier date, or cancelled by
 * archiving its model) never takes effect; one withdrawn on or after it
 * (the model in force archived by hand) stops counting that day. actor is
 * who promoted as the audit log names them (promoted_by is only set when
 * that is a user of the store). */
static const char MIGRATION_4[] =
    "ALTER TABLE scenario_promotions ADD COLUMN withdrawn_on TEXT"
    " CHECK (withdrawn_on IS NULL OR length(withdrawn_on) = 10);"
    "ALTER TABLE scenario_promotions ADD COLUMN actor TEXT;"
    "CREATE INDEX scenario_promotions_previous ON scenario_promotions(previous_model_id);";

/* Migration 5: goals and results (docs/PERFORMANCE.md). Sales lines and
 * quotas were never written before, so their tables are made again in the
 * shape the figures read fast: a sales line's day is an integer (days
 * since 1970-01-01) and an index on (day, account, status, amount,
 * probability) answers a period's scan without touching the table; quotas
 * belong to a territory code, which is a territory's identity across
 * models, for a period as given. Activities gain what a check-in logs.
 * A line's account is checked by the import (accounts are never deleted):
 * a foreign key would look the account up again for every one of millions
 * of lines. */
static const char MIGRATION_5[] =
    "DROP TABLE sales_transactions;"
    "CREATE TABLE sales_transactions ("
    " id INTEGER PRIMARY KEY,"
    " ext_id TEXT NOT NULL UNIQUE CHECK (ext_id <> ''),"
    " account_id INTEGER NOT NULL,"
    " day INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0 CHECK (status IN (0, 1, 2)),"
    " amount REAL NOT NULL,"
    " probability REAL CHECK (probability IS NULL OR (probability >= 0 AND probability <= 100)),"
    " product TEXT, rep TEXT);"
    "CREATE INDEX sales_transactions_day"
    " ON sales_transactions(day, account_id, status, amount, probability);"
    "CREATE VIEW sales_lines AS SELECT ext_id AS id,"
    " (SELECT ext_id FROM accounts a WHERE a.id = account_id) AS account,"
    " date(day * 86400, 'unixepoch') AS date,"
    " CASE status WHEN 0 THEN 'won' WHEN 1 THEN 'open' ELSE 'lost' END AS status,"
    " amount, probability, product, rep FROM sales_transactions;"
    "DROP TABLE quotas;"
    "CREATE TABLE quotas ("
    " territory TEXT NOT NULL CHECK (territory <> ''),"
    " period TEXT NOT NULL,"
    " start_day INTEGER NOT NULL, end_day INTEGER NOT NULL,"
    " amount REAL NOT NULL CHECK (amount >= 0),"
    " PRIMARY KEY (territory, period),"
    " CHECK (end_day > start_day)) WITHOUT ROWID;"
    "ALTER TABLE activities ADD COLUMN outcome TEXT;"
    "ALTER TABLE activities ADD COLUMN lat REAL;"
    "ALTER TABLE activities ADD COLUMN lon REAL;"
    "ALTER TABLE activities ADD COLUMN day INTEGER;"
    "CREATE INDEX activities_day ON activities(kind, day, account_id);";

/* Migration 6: sales lines read in blocks. A period's figures read
 * millions of lines; one row and one index entry per line cost more in
 * SQLite's step loop than the figures themselves, and an index entry per
 * line cost an import more than the lines. So the lines are also kept as
 * packed blocks, one per month (and part, for months of more than a
 * million lines), sorted by account: sales_blocks, written by the store
 * at the commit of every transaction that wrote lines
 * (store/sqlite_sales_blocks.c), and valid only while the row month = -1
 * says so (a store of lines written before this migration has none: its
 * figures scan the table until the next sales import rebuilds them). The
 * table is made again without the covering index, and its status check
 * is a range: SQLite checks `IN (0, 1, 2)` through a temporary table it
 * opens and closes for every line written. */
static const char MIGRATION_6[] =
    "DROP VIEW sales_lines;"
    "DROP INDEX sales_transactions_day;"
    "CREATE TABLE sales_transactions_6 ("
    " id INTEGER PRIMARY KEY,"
    " ext_id TEXT NOT NULL UNIQUE CHECK (ext_id <> ''),"
    " account_id INTEGER NOT NULL,"
    " day INTEGER NOT NULL,"
    " status INTEGER NOT NULL DEFAULT 0 CHECK (status BETWEEN 0 AND 2),"
    " amount REAL NOT NULL,"
    " probability REAL CHECK (probability IS NULL OR (probability >= 0 AND probability <= 100)),"
    " product TEXT, rep TEXT);"
    "INSERT INTO sales_transactions_6 SELECT id, ext_id, account_id, day, status, amount,"
    " probability, product, rep FROM sales_transactions ORDER BY id;"
    "DROP TABLE sales_transactions;"
    "ALTER TABLE sales_transactions_6 RENAME TO sales_transactions;"
    "CREATE VIEW sales_lines AS SELECT ext_id AS id,"
    " (SELECT ext_id FROM accounts a WHERE a.id = account_id) AS account,"
    " date(day * 86400, 'unixepoch') AS date,"
    " CASE status WHEN 0 THEN 'won' WHEN 1 THEN 'open' ELSE 'lost' END AS status,"
    " amount, probability, product, rep FROM sales_transactions;"
    "CREATE TABLE sales_blocks ("
    " month INTEGER NOT NULL,"
    " part INTEGER NOT NULL DEFAULT 0,"
    " lines INTEGER NOT NULL CHECK (lines >= 0),"
    " data BLOB NOT NULL,"
    " PRIMARY KEY (month, part)) WITHOUT ROWID;"
    "INSERT INTO sales_blocks(month, part, lines, data)"
    " SELECT -1, 0, 0, x'' WHERE NOT EXISTS (SELECT 1 FROM sales_transactions);";

/* Migration 7: the accounts' columns the figures read, packed. Reading a
 * million accounts row by row (the visit frequency out of each row's JSON,
 * the unit through the units' codes) took longer than a year of sales
 * lines, so the store keeps the four columns packed
 * (store/sqlite_account_columns.c). The triggers empty the table whenever
 * what it holds may change, whichever program writes the store; the
 * figures pack the columns again when they find the table empty. */
#define STALE_ACCOUNT_COLUMNS " BEGIN DELETE FROM account_columns; END;"
static const char MIGRATION_7[] =
    "CREATE TABLE account_columns ("
    " part INTEGER PRIMARY KEY,"
    " accounts INTEGER NOT NULL CHECK (accounts >= 0),"
    " data BLOB NOT NULL);"
    "CREATE TRIGGER account_columns_account_added AFTER INSERT ON accounts" STALE_ACCOUNT_COLUMNS
    "CREATE TRIGGER account_columns_account_removed AFTER DELETE ON accounts" STALE_ACCOUNT_COLUMNS
    "CREATE TRIGGER account_columns_account_changed"
    " AFTER UPDATE OF id, potential, attrs, unit_ext ON accounts" STALE_ACCOUNT_COLUMNS
    "CREATE TRIGGER account_columns_unit_added AFTER INSERT ON units" STALE_ACCOUNT_COLUMNS
    "CREATE TRIGGER account_columns_unit_removed AFTER DELETE ON units" STALE_ACCOUNT_COLUMNS
    "CREATE TRIGGER account_columns_unit_changed"
    " AFTER UPDATE OF id, ext_id ON units" STALE_ACCOUNT_COLUMNS;

/* Migration 8: why each unit of a designed or realigned model is where it
 * is (issue 14): one row a unit that a realign moved or a design gave to a
 * territory other than its nearest centre — the territory it came from
 * (the baseline's, or the nearest centre's), the one it went to, the kind
 * of reason, the sentence people read and its numbers as JSON. Saving a
 * model's result replaces its reasons; a unit moved by hand since keeps
 * its row, which readers skip when `to_territory` is no longer the unit's. */
static const char MIGRATION_8[] =
    "CREATE TABLE model_reasons ("
    " model_id INTEGER NOT NULL REFERENCES territory_models(id) ON DELETE CASCADE,"
    " unit_id INTEGER NOT NULL REFERENCES units(id) ON DELETE CASCADE,"
    " from_territory TEXT NOT NULL,"
    " to_territory TEXT NOT NULL,"
    " kind TEXT NOT NULL CHECK (kind IN ('none', 'lock', 'group', 'contiguity', 'balance',"
    "   'travel')),"
    " text TEXT NOT NULL,"
    " data TEXT NOT NULL DEFAULT '{}',"
    " PRIMARY KEY (model_id, unit_id)) WITHOUT ROWID;";

/* The job queue (regio/jobs.h): times are Unix seconds; a running job's
 * worker holds it until lease_until. It replaces the jobs table of
 * migration 1, which no Regio ever wrote (the server kept its jobs in
 * memory). */
static const char MIGRATION_9[] =
    "DROP TABLE jobs;"
    "CREATE TABLE jobs ("
    " id INTEGER PRIMARY KEY,"
    " kind TEXT NOT NULL,"
    " params TEXT NOT NULL,"
    " created_by TEXT NOT NULL DEFAULT '',"
    " created_at INTEGER NOT NULL,"
    " state TEXT NOT NULL DEFAULT 'queued'"
    "  CHECK (state IN ('queued', 'running', 'done', 'failed', 'cancelled')),"
    " worker TEXT,"
    " lease_until INTEGER NOT NULL DEFAULT 0,"
    " attempts INTEGER NOT NULL DEFAULT 0,"
    " cancel_requested INTEGER NOT NULL DEFAULT 0,"
    " progress REAL NOT NULL DEFAULT 0,"
    " message TEXT,"
    " result TEXT,"
    " finished_at INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX jobs_open ON jobs(state, id) WHERE state IN ('queued', 'running');";

/* Migration 10: the access epoch (regio_store_access_epoch). A server
 * keeps one snapshot of who may read what (regio/access.h); loading it
 * reads every account, seconds at millions, so it must not be reloaded
 * after writes that cannot change it, such as a move in a planning model.
 * The triggers move the epoch with every write to what the snapshot is
 * made of, whichever program writes the store: users, their permissions,
 * roles and tokens; models, promotions; the accounts' keys, owners and
 * units; unit codes; and the territories, memberships, alignment and
 * account associations of any model that may be in force on some day —
 * one that is not 'planning' or that a promotion names (what the
 * timeline is made of, timeline_sql.h). A model becomes such a model
 * only through writes that move the epoch themselves. last_txid is
 * PostgreSQL's (one move a transaction there); SQLite leaves it NULL. */
#define BUMP_EPOCH " BEGIN UPDATE access_epoch SET n = n + 1; END;"
#define LIVE_MODEL(mid)                                                                   \
    "EXISTS (SELECT 1 FROM territory_models lm WHERE lm.id = " mid                         \
    " AND (lm.state <> 'planning' OR EXISTS (SELECT 1 FROM scenario_promotions lp"         \
    " WHERE lp.model_id = lm.id OR lp.previous_model_id = lm.id)))"
#define LIVE_TERRITORY(tid)                                                               \
    "EXISTS (SELECT 1 FROM territories lt WHERE lt.id = " tid " AND " LIVE_MODEL("lt.model_id") ")"
#define EPOCH_ON(name, table, by, col)                                                    \
    "CREATE TRIGGER access_epoch_" name "_added AFTER INSERT ON " table                   \
    " WHEN " by("NEW." col) BUMP_EPOCH                                                    \
    "CREATE TRIGGER access_epoch_" name "_removed AFTER DELETE ON " table                 \
    " WHEN " by("OLD." col) BUMP_EPOCH                                                    \
    "CREATE TRIGGER access_epoch_" name "_changed AFTER UPDATE ON " table                 \
    " WHEN " by("OLD." col) " OR " by("NEW." col) BUMP_EPOCH
#define EPOCH_ALWAYS(name, table, cols)                                                   \
    "CREATE TRIGGER access_epoch_" name "_added AFTER INSERT ON " table BUMP_EPOCH        \
    "CREATE TRIGGER access_epoch_" name "_removed AFTER DELETE ON " table BUMP_EPOCH      \
    "CREATE TRIGGER access_epoch_" name "_changed AFTER UPDATE" cols " ON " table BUMP_EPOCH
static const char MIGRATION_10[] =
    "CREATE TABLE access_epoch ("
    " id INTEGER PRIMARY KEY CHECK (id = 1),"
    " n INTEGER NOT NULL,"
    " last_txid INTEGER);"
    "INSERT INTO access_epoch(id, n) VALUES (1, 0);"
    EPOCH_ALWAYS("users", "users", " OF login, active, role_id, password_hash")
    EPOCH_ALWAYS("permissions", "user_permissions", "")
    EPOCH_ALWAYS("roles", "roles", "")
    EPOCH_ALWAYS("tokens", "api_tokens", " OF user_id, revoked_at")
    EPOCH_ALWAYS("models", "territory_models", " OF name, state, effective_from")
    EPOCH_ALWAYS("promotions", "scenario_promotions", "")
    EPOCH_ALWAYS("accounts", "accounts", " OF ext_id, owner_ext, unit_ext")
    "CREATE TRIGGER access_epoch_units_removed AFTER DELETE ON units" BUMP_EPOCH
    "CREATE TRIGGER access_epoch_units_changed AFTER UPDATE OF ext_id ON units" BUMP_EPOCH
    EPOCH_ON("territories", "territories", LIVE_MODEL, "model_id")
    EPOCH_ON("alignments", "alignments", LIVE_MODEL, "model_id")
    EPOCH_ON("memberships", "memberships", LIVE_TERRITORY, "territory_id")
    EPOCH_ON("associations", "account_territories", LIVE_TERRITORY, "territory_id");

/* No index on (lat, lon): maintaining it cost a 1,000,000-account import
 * 40% more time (14 s -> 20 s), while a bounding-box scan of the same
 * table takes a fraction of a second. */
static const migration migrations[] = {
    {1, "initial schema: the whole product data model", MIGRATION_1},
    {2, "people and access: roles, passwords, tokens, sessions, geo associations", MIGRATION_2},
    {3, "challenges as raised (from, to, automatic approval); a model's balance tolerance", MIGRATION_3},
    {4, "effective-dated promotion: withdrawn promotions, who promoted", MIGRATION_4},
    {5, "goals and results: sales lines by day, quotas by territory code, check-ins", MIGRATION_5},
    {6, "sales lines read in packed monthly blocks; no covering index", MIGRATION_6},
    {7, "the accounts' columns the figures read, packed", MIGRATION_7},
    {8, "why units moved: a model's reasons by unit", MIGRATION_8},
    {9, "the job queue", MIGRATION_9},
    {10, "the access epoch: moved by every write the access snapshot reads", MIGRATION_10},
};

#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])

int regio__sqlite_schema_latest(void)
{
    return migrations[N_MIGRATIONS - 1].version;
}

static regio_err sql_fail(sqlite3 *db, regio_error *err, const char *what)
{
    return regio__store_fail(err, REGIO_ESTORE, "%s: %s", what, sqlite3_errmsg(db));
}

regio_err regio__sqlite_user_version(sqlite3 *db, int *version, regio_error *err)
{
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &st, NULL) != SQLITE_OK)
        return sql_fail(db, err, "reading the schema version");
    int rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        regio_err e = sql_fail(db, err, "reading the schema version");
        sqlite3_finalize(st);
        return e;
    }
    *version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return REGIO_OK;
}

static regio_err apply(sqlite3 *db, const migration *m, int *version, regio_error *err)
{
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
        return sql_fail(db, err, "starting a migration");
    /* Another process may have migrated while we waited for the lock. */
    int now = 0;
    regio_err rc = regio__sqlite_user_version(db, &now, err);
    if (rc)
        goto fail;
    if (now >= m->version) {
        *version = now;
        sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        return REGIO_OK;
    }
    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS schema_migrations ("
                     " version INTEGER PRIMARY KEY, name TEXT NOT NULL,"
                     " applied_at TEXT NOT NULL)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_exec(db, m->sql, NULL, NULL, NULL) != SQLITE_OK) {
        regio__store_fail(err, REGIO_ESTORE, "schema migration %d (%s) failed: %s", m->version,
                          m->name, sqlite3_errmsg(db));
        rc = REGIO_ESTORE;
        goto fail;
    }
    sqlite3_stmt *st = NULL;
    if (sqlite3_prepare_v2(db,
                           "INSERT INTO schema_migrations(version, name, applied_at)"
                           " VALUES (?1, ?2, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
                           -1, &st, NULL) != SQLITE_OK) {
        rc = sql_fail(db, err, "recording a migration");
        goto fail;
    }
    sqlite3_bind_int(st, 1, m->version);
    sqlite3_bind_text(st, 2, m->name, -1, SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    if (step != SQLITE_DONE) {
        rc = sql_fail(db, err, "recording a migration");
        goto fail;
    }
    char pragma[64];
    snprintf(pragma, sizeof pragma, "PRAGMA user_version = %d", m->version);
    if (sqlite3_exec(db, pragma, NULL, NULL, NULL) != SQLITE_OK) {
        rc = sql_fail(db, err, "setting the schema version");
        goto fail;
    }
    if (sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
        rc = sql_fail(db, err, "committing a migration");
        goto fail;
    }
    *version = m->version;
    return REGIO_OK;
fail:
    sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return rc;
}

regio_err regio__sqlite_migrate(sqlite3 *db, int target, int *version_out, regio_error *err)
{
    int latest = regio__sqlite_schema_latest();
    if (target <= 0 || target > latest)
        target = latest;
    int version = 0;
    regio_err rc = regio__sqlite_user_version(db, &version, err);
    if (rc)
        return rc;
    if (version > latest)
        return regio__store_fail(err, REGIO_EUNSUPPORTED,
                                 "database schema version %d is newer than this Regio supports "
                                 "(latest %d); open it with a newer Regio",
                                 version, latest);
    for (size_t i = 0; i < N_MIGRATIONS && !rc; i++) {
        if (migrations[i].version <= version || migrations[i].version > target)
            continue;
        rc = apply(db, &migrations[i], &version, err);
    }
    if (version_out)
        *version_out = version;
    return rc;
}

/* ---- is it a Regio store? ------------------------------------------------------ */

/* One integer from a query; REGIO_EDATA with SQLite's message when the
 * file cannot answer it (not a database, damaged). */
static regio_err query_int(sqlite3 *db, const char *sql, long long *v, const char *path,
                           regio_error *err)
{
    sqlite3_stmt *st = NULL;
    int r = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (r == SQLITE_OK)
        r = sqlite3_step(st);
    if (r == SQLITE_ROW) {
        *v = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
        return REGIO_OK;
    }
    int xc = sqlite3_extended_errcode(db) & 0xff;
    regio_err rc;
    if (xc == SQLITE_NOTADB)
        rc = regio__store_fail(err, REGIO_EDATA, "'%s' is not a Regio store: not a SQLite database",
                               path);
    else if (xc == SQLITE_CORRUPT)
        rc = regio__store_fail(err, REGIO_EDATA, "'%s' is damaged (truncated or corrupt): %s",
                               path, sqlite3_errmsg(db));
    else if (xc == SQLITE_CANTOPEN || xc == SQLITE_READONLY)
        rc = regio__store_fail(err, REGIO_EIO,
                               "cannot open '%s' (%s): a store keeps its -wal and -shm files "
                               "beside it, so its folder must be writable too",
                               path, sqlite3_errmsg(db));
    else
        rc = regio__store_fail(err, REGIO_EIO, "cannot read '%s': %s", path, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    return rc;
}

int regio__sqlite_has_table(sqlite3 *db, const char *name)
{
    sqlite3_stmt *st = NULL;
    int yes = 0;
    if (sqlite3_prepare_v2(db, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?1",
                           -1, &st, NULL) == SQLITE_OK) {
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
        yes = sqlite3_step(st) == SQLITE_ROW;
    }
    sqlite3_finalize(st);
    return yes;
}

/* A database file is whole pages; a shorter last one is a truncated file
 * (SQLite itself notices a file shorter than its header's page count). Not
 * judged while a write-ahead log holds pages of it. */
static regio_err check_whole_pages(sqlite3 *db, const char *path, regio_error *err)
{
    long long page = 0;
    struct stat st, wal;
    char wal_path[4200];
    snprintf(wal_path, sizeof wal_path, "%s-wal", path);
    if (stat(path, &st) != 0 || (stat(wal_path, &wal) == 0 && wal.st_size > 0))
        return REGIO_OK;
    regio_err rc = query_int(db, "PRAGMA page_size", &page, path, err);
    if (!rc && page > 0 && st.st_size % page != 0)
        rc = regio__store_fail(err, REGIO_EDATA,
                               "'%s' is damaged (truncated or corrupt): %lld bytes are not a "
                               "whole number of its %lld-byte pages",
                               path, (long long)st.st_size, page);
    return rc;
}

regio_err regio__sqlite_identify(sqlite3 *db, const char *path, int empty_ok, regio_error *err)
{
    long long n = 0, version = 0;
    regio_err rc = query_int(db, "SELECT count(*) FROM sqlite_master", &n, path, err);
    if (!rc)
        rc = query_int(db, "PRAGMA user_version", &version, path, err);
    if (!rc)
        rc = check_whole_pages(db, path, err);
    if (rc || (empty_ok && n == 0 && version == 0))
        return rc;
    /* A newer Regio may have changed its tables: its version says so first. */
    if (version > regio__sqlite_schema_latest())
        return regio__store_fail(err, REGIO_EUNSUPPORTED,
                                 "'%s' has schema version %lld, newer than this Regio supports "
                                 "(latest %d); use a newer Regio",
                                 path, version, regio__sqlite_schema_latest());
    static const char *const tables[] = {"schema_migrations", "accounts", "units",
                                         "territory_models", "audit_log", "settings"};
    for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
        if (!regio__sqlite_has_table(db, tables[i]))
            return regio__store_fail(err, REGIO_EDATA,
                                     "'%s' is not a Regio store: it has no %s table", path,
                                     tables[i]);
    if (version <= 0)
        return regio__store_fail(err, REGIO_EDATA,
                                 "'%s' is not a Regio store: its schema version is %lld", path,
                                 version);
    return REGIO_OK;
}
