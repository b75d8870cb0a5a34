-- A tenant's own format for an auto-number field (system, plugin or custom): replaces the definition's for that tenant.
CREATE TABLE field_auto_numbers (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    entity_type TEXT NOT NULL,
    api_name TEXT NOT NULL,
    format TEXT NOT NULL,
    PRIMARY KEY (tenant_id, entity_type, api_name)
) WITHOUT ROWID;
