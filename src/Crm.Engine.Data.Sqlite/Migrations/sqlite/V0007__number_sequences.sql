-- Named counters per tenant (auto-number fields, module document numbers): last_value is the last number given.
-- A number is drawn in the writing transaction (upsert ... RETURNING), so a rolled-back write gives it back.
CREATE TABLE number_sequences (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    name TEXT NOT NULL,
    last_value INTEGER NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
) WITHOUT ROWID;
