-- Work mechanisms: business calendars, durable timers, notification outbox, channel preferences, templates, queues,
-- customer-to-unit links. Every tenant table is keyed by tenant; unique indexes and foreign keys include tenant_id.

CREATE TABLE work_calendars (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    calendar_key TEXT NOT NULL,
    definition TEXT NOT NULL CHECK (json_valid(definition)),
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, calendar_key)
);

-- One row per scheduling; a re-schedule of the same key replaces the row (new id).
CREATE TABLE work_timers (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    timer_key TEXT NOT NULL,
    event_name TEXT NOT NULL,
    record_id TEXT,
    due_at TEXT NOT NULL,
    payload TEXT NOT NULL CHECK (json_valid(payload)),
    state TEXT NOT NULL,            -- pending | firing | fired | canceled
    claimed_by TEXT,
    claimed_at TEXT,
    attempts INTEGER NOT NULL DEFAULT 0,
    fired_at TEXT,
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX ux_work_timers_key ON work_timers (tenant_id, timer_key);
-- The poller scans every tenant's due timers.
CREATE INDEX ix_work_timers_due ON work_timers (state, due_at);

CREATE TABLE work_notifications (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    recipient_kind TEXT NOT NULL,
    recipient_id TEXT,
    channel TEXT NOT NULL,
    address TEXT,
    subject TEXT,
    body TEXT NOT NULL,
    record_id TEXT,
    status TEXT NOT NULL,           -- pending | sending | sent | failed | suppressed
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    next_attempt_at TEXT,
    claimed_by TEXT,
    claimed_at TEXT,
    created_at TEXT NOT NULL,
    sent_at TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX ux_work_notifications_key ON work_notifications (tenant_id, idempotency_key);
CREATE INDEX ix_work_notifications_due ON work_notifications (status, next_attempt_at);

CREATE TABLE work_user_preferences (
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    do_not_email INTEGER NOT NULL,
    do_not_call INTEGER NOT NULL,
    preferred_channel TEXT,
    PRIMARY KEY (tenant_id, user_id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE work_templates (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    template_key TEXT NOT NULL,
    subject TEXT,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, template_key)
);

CREATE TABLE work_queues (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    strategy TEXT NOT NULL,
    assignment_seq INTEGER NOT NULL DEFAULT 0,   -- the rotation cursor: bumped on every assignment
    created_at TEXT NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE UNIQUE INDEX ux_work_queues_name ON work_queues (tenant_id, name COLLATE NOCASE);

CREATE TABLE work_queue_members (
    tenant_id TEXT NOT NULL,
    queue_id TEXT NOT NULL,
    user_id TEXT NOT NULL,
    skills TEXT NOT NULL CHECK (json_valid(skills)),
    languages TEXT NOT NULL CHECK (json_valid(languages)),
    open_items INTEGER NOT NULL DEFAULT 0,
    last_assigned_seq INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant_id, queue_id, user_id),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES work_queues (tenant_id, id),
    FOREIGN KEY (tenant_id, user_id) REFERENCES users (tenant_id, id)
);

CREATE TABLE work_queue_items (
    tenant_id TEXT NOT NULL,
    id TEXT NOT NULL,
    queue_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    skill TEXT,
    language TEXT,
    status TEXT NOT NULL,           -- waiting | assigned | completed
    assigned_to TEXT,
    assignment_seq INTEGER,
    created_at TEXT NOT NULL,
    assigned_at TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, queue_id) REFERENCES work_queues (tenant_id, id)
);
CREATE INDEX ix_work_queue_items_queue ON work_queue_items (tenant_id, queue_id, status);

CREATE TABLE work_customer_units (
    tenant_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    unit_id TEXT NOT NULL,
    PRIMARY KEY (tenant_id, account_id),
    FOREIGN KEY (tenant_id, account_id) REFERENCES records (tenant_id, id) ON DELETE CASCADE,
    FOREIGN KEY (tenant_id, unit_id) REFERENCES org_units (tenant_id, id)
);
