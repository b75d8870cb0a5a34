CREATE TABLE test_loyalty_ledger (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    points INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
