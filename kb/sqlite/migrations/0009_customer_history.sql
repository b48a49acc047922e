-- A customer's earlier conversations, for the agent's packet: by the
-- customer id of the signed context, or by the conversation the chat page
-- says this one follows (it proved it held that one's token).
ALTER TABLE conversations ADD COLUMN customer_id TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN previous_id TEXT NOT NULL DEFAULT '';
UPDATE conversations SET customer_id = COALESCE(json_extract(context, '$.customer_id'), '') WHERE context <> '';
CREATE INDEX conversations_customer ON conversations(customer_id, created_at) WHERE customer_id <> '';
CREATE INDEX conversations_previous ON conversations(previous_id) WHERE previous_id <> '';
