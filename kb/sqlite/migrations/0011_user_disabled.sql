-- A disabled staff account cannot sign in, and its sessions and API keys
-- are refused; it is kept (not deleted) so the audit log and hand-offs
-- still name it, and it can be enabled again.
ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;
