-- Which business calendar an organisation unit works by (inherited by the units below it without their own).
-- The calendar key is checked in code: the 'default' calendar exists without a stored row.
CREATE TABLE work_unit_calendars (
    tenant_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    calendar_key TEXT NOT NULL,
    PRIMARY KEY (tenant_id, unit_id),
    FOREIGN KEY (tenant_id, unit_id) REFERENCES org_units (tenant_id, id)
);
