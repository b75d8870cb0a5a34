ALTER TABLE test_loyalty_ledger ADD COLUMN reason TEXT NOT NULL DEFAULT 'unknown';
