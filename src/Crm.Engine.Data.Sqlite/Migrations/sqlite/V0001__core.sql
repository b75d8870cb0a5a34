-- Crm.Engine core schema, SQLite. Every tenant-owned table is keyed (tenant_id, id); every unique index and
-- foreign key includes tenant_id. Shipped migrations are never edited: add V0002 and on.

CREATE TABLE tenants (
    id TEXT NOT NULL PRIMARY KEY,
    name TEXT NOT NULL,
    time_zone TEXT NOT NULL,
    culture TEXT NOT NULL,
    currency TEXT NOT NULL,
    metadata_version INTEGER NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE entity_labels (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entity_type TEXT NOT NULL,
    display_name TEXT NOT NULL,
    plural_name TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_type)
);

CREATE TABLE field_labels (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entity_type TEXT NOT NULL,
    api_name TEXT NOT NULL,
    label TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_type, api_name)
);

CREATE TABLE custom_fields (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entity_type TEXT NOT NULL,
    api_name TEXT NOT NULL,
    definition TEXT NOT NULL CHECK (json_valid(definition)),
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_type, api_name)
);

CREATE TABLE org_units (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    parent_id TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES org_units (tenant_id, id)
);
CREATE UNIQUE INDEX ux_org_units_name ON org_units (tenant_id, parent_id, name);

CREATE TABLE users (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    user_name TEXT NOT NULL,
    display_name TEXT NOT NULL,
    email TEXT,
    phone TEXT,
    unit_id TEXT NOT NULL,
    is_active INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES org_units (tenant_id, id)
);
CREATE UNIQUE INDEX ux_users_name ON users (tenant_id, user_name COLLATE NOCASE);

CREATE TABLE teams (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES org_units (tenant_id, id)
);
CREATE UNIQUE INDEX ux_teams_name ON teams (tenant_id, name COLLATE NOCASE);

CREATE TABLE team_members (
    tenant_id TEXT NOT NULL,
    team_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, team_id, user_id),
    FOREIGN KEY (tenant_id, team_id) REFERENCES teams (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE roles (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    role_key TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    PRIMARY KEY (tenant_id, role_key)
);

-- scope_id is '' for a tenant-wide role, otherwise a unit or team id.
CREATE TABLE role_assignments (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    role_key TEXT NOT NULL,
    scope_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, role_key, scope_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id),
    FOREIGN KEY (tenant_id, role_key) REFERENCES roles (tenant_id, role_key)
);
CREATE INDEX ix_role_assignments_role ON role_assignments (tenant_id, role_key, scope_id);

-- Every record of every entity type: record columns plus the field values (system and custom) as JSON.
CREATE TABLE records (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    version INTEGER NOT NULL,
    owner_id TEXT,
    created_at TEXT NOT NULL,
    created_by TEXT,
    modified_at TEXT NOT NULL,
    modified_by TEXT,
    fields TEXT NOT NULL CHECK (json_valid(fields)),
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX ix_records_type ON records (tenant_id, entity_type, id);
CREATE INDEX ix_records_owner ON records (tenant_id, entity_type, owner_id);

-- Look-up values, with real foreign keys: a referenced record cannot disappear under its referrers.
CREATE TABLE record_refs (
    tenant_id TEXT NOT NULL,
    source_id TEXT NOT NULL,
    field TEXT NOT NULL,
    target_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, source_id, field),
    FOREIGN KEY (tenant_id, source_id) REFERENCES records (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, target_id) REFERENCES records (tenant_id, id)
);
CREATE INDEX ix_record_refs_target ON record_refs (tenant_id, target_id);

-- Phone (reversed digits) and e-mail (lower case) keys for caller identification and duplicate checks.
CREATE TABLE record_keys (
    tenant_id TEXT NOT NULL,
    kind TEXT NOT NULL,
    key TEXT NOT NULL,
    record_id TEXT NOT NULL,
    field TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, key, record_id, field),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_record_keys_record ON record_keys (tenant_id, record_id);
