-- The plugin's own tables (records of its entity types live in the engine's tables: no DDL needed for them).
-- Shipped migrations are never edited: add V0002__... for the next change. Every table is keyed by tenant.
CREATE TABLE company_crmplugin_audit (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    note TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
