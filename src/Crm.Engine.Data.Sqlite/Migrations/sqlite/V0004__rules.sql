-- Rule packs: every applied version of a tenant's rule base, with the full text of each of its pack files, so a
-- consultant can list, diff and roll back versions (a rollback stores the old packs again as a new version).
-- Engines compare the newest stored version with the one they run to pick up versions applied by another process.

CREATE TABLE rule_base_versions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    version INTEGER NOT NULL,
    applied_at TEXT NOT NULL,
    applied_by TEXT,
    comment TEXT NOT NULL,
    rule_count INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, version)
);

CREATE TABLE rule_base_packs (
    tenant_id TEXT NOT NULL,
    version INTEGER NOT NULL,
    file_name TEXT NOT NULL,
    pack_text TEXT NOT NULL,
    PRIMARY KEY (tenant_id, version, file_name),
    FOREIGN KEY (tenant_id, version) REFERENCES rule_base_versions (tenant_id, version)
);
