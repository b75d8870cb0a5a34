-- Points movements, kept by the plugin itself (keyed by tenant, as every tenant-owned table).
CREATE TABLE acme_loyalty_movements (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    loyalty_account_id TEXT NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
