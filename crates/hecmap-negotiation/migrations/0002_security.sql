-- Security: a sign-in throttle kept in the database (so that every server
-- over one database shares it and a restart keeps it), and drafts kept with
-- their organization in the audit log.
--
-- Portable SQL, like 0001: the same file runs on SQLite and PostgreSQL.

-- Failed sign-ins, per client address (`address:<ip>`, an IPv6 client by
-- its /64), per account (`account:<username>`) and per account and address
-- (`pair:<username>|<ip>`); and the addresses an account signed in from
-- (`known:<username>|<ip>`). Rows are pruned once forgotten and their
-- number is bounded (src/negotiation/throttle.rs).
CREATE TABLE login_throttle (
    key TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    -- Unix seconds: no password is checked for this key before then.
    locked_until BIGINT NOT NULL,
    -- Unix seconds of the last attempt (for `known:`, the last success).
    updated_at BIGINT NOT NULL
);

CREATE INDEX login_throttle_updated ON login_throttle (updated_at);

-- The organization whose draft an audit entry is about (a draft's save, a
-- comment on a draft): such entries are shown to no one else.
ALTER TABLE audit_log ADD COLUMN draft_of BIGINT;

UPDATE audit_log SET draft_of = CAST(substr(target, 14) AS BIGINT)
WHERE action = 'proposal.save' AND target LIKE 'organization:%'
  AND details LIKE '%"status":"draft"%';

UPDATE audit_log SET draft_of = (
    SELECT v.organization_id FROM proposal_versions v
    WHERE v.status = 'draft'
      AND 'version:' || v.organization_id || ':' || v.version = audit_log.target)
WHERE action = 'comment.create' AND target LIKE 'version:%';
