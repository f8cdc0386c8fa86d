-- The negotiation of HEC geographies: organizations (prospective HECs),
-- accounts, proposals and their versions, staff rulings, the state's draft
-- plan versions, comments and the audit log.
--
-- Portable SQL: the same file runs on SQLite and PostgreSQL. Ids come from
-- the `counters` table (no AUTOINCREMENT/SERIAL, which differ), times are
-- RFC 3339 text in UTC, JSON is text, flags are 0/1 integers.

CREATE TABLE counters (
    name TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

INSERT INTO counters (name, value) VALUES
    ('organizations', 0),
    ('users', 0),
    ('rulings', 0),
    ('comments', 0),
    ('audit', 0),
    ('state', 0);

CREATE TABLE organizations (
    id BIGINT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE users (
    id BIGINT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    display_name TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'staff', 'analyst', 'editor')),
    organization_id BIGINT REFERENCES organizations (id),
    password_hash TEXT NOT NULL,
    active BIGINT NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    CHECK ((role = 'editor' AND organization_id IS NOT NULL)
        OR (role <> 'editor' AND organization_id IS NULL))
);

-- Browser sessions and API tokens: only a SHA-256 of the secret is kept.
CREATE TABLE credentials (
    token_hash TEXT PRIMARY KEY,
    user_id BIGINT NOT NULL REFERENCES users (id),
    kind TEXT NOT NULL CHECK (kind IN ('session', 'token')),
    label TEXT NOT NULL,
    created_at TEXT NOT NULL,
    -- Unix seconds; NULL: until revoked.
    expires_at BIGINT
);

CREATE INDEX credentials_user ON credentials (user_id);

-- One proposal per organization; `head` is the number of its latest
-- version (0 before the first) and is the version check of every edit.
CREATE TABLE proposals (
    organization_id BIGINT PRIMARY KEY REFERENCES organizations (id),
    head BIGINT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE proposal_versions (
    organization_id BIGINT NOT NULL REFERENCES proposals (organization_id),
    version BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'submitted')),
    -- The plan as assignment JSON with one HEC named after the organization.
    plan TEXT NOT NULL,
    rationale TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL,
    submitted_at TEXT,
    submitted_by BIGINT REFERENCES users (id),
    PRIMARY KEY (organization_id, version)
);

CREATE INDEX proposal_versions_status ON proposal_versions (status, organization_id, version);

-- Staff rulings: `assign` gives units (JSON array of tract GEOIDs) to an
-- organization; `waiver` approves or refuses an organization's waiver.
CREATE TABLE rulings (
    id BIGINT PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('assign', 'waiver')),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    units TEXT NOT NULL,
    decision TEXT CHECK (decision IS NULL OR decision IN ('approved', 'refused')),
    reason TEXT NOT NULL,
    -- The state plan version this ruling produced.
    state_version BIGINT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);

-- The organizations a ruling concerns (claimants and the one ruled for).
CREATE TABLE ruling_organizations (
    ruling_id BIGINT NOT NULL REFERENCES rulings (id),
    organization_id BIGINT NOT NULL REFERENCES organizations (id),
    PRIMARY KEY (ruling_id, organization_id)
);

CREATE INDEX ruling_organizations_org ON ruling_organizations (organization_id);

-- The state's draft plan: one version per ruling, composed from the latest
-- submitted proposals with every ruling applied.
CREATE TABLE state_versions (
    version BIGINT PRIMARY KEY,
    plan TEXT NOT NULL,
    -- JSON: the proposal versions and rulings it was composed from.
    inputs TEXT NOT NULL,
    ruling_id BIGINT REFERENCES rulings (id),
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);

-- Comments on a dispute (`dispute:3+5`, the claimants' ids) or a proposal
-- version (`version:3:2`).
CREATE TABLE comments (
    id BIGINT PRIMARY KEY,
    target TEXT NOT NULL,
    body TEXT NOT NULL,
    author_id BIGINT NOT NULL REFERENCES users (id),
    created_at TEXT NOT NULL
);

CREATE INDEX comments_target ON comments (target, id);

-- Every change: who, when, what, why.
CREATE TABLE audit_log (
    id BIGINT PRIMARY KEY,
    at TEXT NOT NULL,
    actor_id BIGINT REFERENCES users (id),
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    target TEXT NOT NULL,
    reason TEXT,
    details TEXT NOT NULL
);
