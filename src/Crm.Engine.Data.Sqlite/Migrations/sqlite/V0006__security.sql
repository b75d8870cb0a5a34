-- Access control and audit (see docs/security.md).

-- Security roles: privileges, field permissions and tenant privileges as JSON (read whole, written whole).
CREATE TABLE security_roles (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    role_key TEXT NOT NULL,
    name TEXT NOT NULL,
    description TEXT,
    is_system INTEGER NOT NULL,
    definition TEXT NOT NULL CHECK (json_valid(definition)),
    modified_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, role_key)
);

-- Roles given to users and teams. principal_type: 'user' | 'team'.
CREATE TABLE security_role_grants (
    tenant_id TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    role_key TEXT NOT NULL,
    PRIMARY KEY (tenant_id, principal_type, principal_id, role_key),
    FOREIGN KEY (tenant_id, role_key) REFERENCES security_roles (tenant_id, role_key)
);
CREATE INDEX ix_security_role_grants_role ON security_role_grants (tenant_id, role_key);

-- Fields hidden from users whose roles grant no access to them.
CREATE TABLE secured_fields (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entity_type TEXT NOT NULL,
    field TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_type, field)
);

-- Records shared with users or teams; rights is a ShareRights bit set.
CREATE TABLE record_shares (
    tenant_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    principal_type TEXT NOT NULL,
    principal_id TEXT NOT NULL,
    rights INTEGER NOT NULL,
    shared_at TEXT NOT NULL,
    shared_by TEXT,
    PRIMARY KEY (tenant_id, record_id, principal_type, principal_id),
    FOREIGN KEY (tenant_id, record_id) REFERENCES records (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX ix_record_shares_principal ON record_shares (tenant_id, principal_id, record_id);

-- The append-only audit trail. No API updates or deletes it; the engine deletes expired entries (retention) and
-- scrubs personal values on erasure. seq increases per tenant (counter in audit_settings.last_seq), never reused.
CREATE TABLE audit_log (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    user_id TEXT,
    source TEXT NOT NULL,
    source_name TEXT,
    action TEXT NOT NULL,
    entity_type TEXT NOT NULL,
    record_id TEXT NOT NULL,
    changes TEXT NOT NULL CHECK (json_valid(changes)),
    detail TEXT,
    PRIMARY KEY (tenant_id, seq)
);
CREATE INDEX ix_audit_log_record ON audit_log (tenant_id, record_id, seq);
CREATE INDEX ix_audit_log_user ON audit_log (tenant_id, user_id, seq);
CREATE INDEX ix_audit_log_at ON audit_log (tenant_id, at);

CREATE TABLE audit_settings (
    tenant_id TEXT NOT NULL PRIMARY KEY REFERENCES tenants (id),
    retention_days INTEGER,
    last_seq INTEGER NOT NULL DEFAULT 0
);
