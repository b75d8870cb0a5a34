-- Which version of each plugin (and of the core module, id 'core') last ran against this store. Written at engine
-- initialisation; a plugin older than its row is refused (a downgrade would strand the newer version's data).
-- Engine-wide, not tenant-owned: plugins are installed per deployment. Rows are never deleted.
CREATE TABLE crm_plugins (
    plugin_id TEXT NOT NULL PRIMARY KEY,
    version TEXT NOT NULL,
    previous_version TEXT,
    installed_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
