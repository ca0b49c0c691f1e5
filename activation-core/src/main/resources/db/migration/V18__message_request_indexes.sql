-- message_requests had two indexes on contact_id: (contact_id, created_at) for the contact's requests (the API's
-- list, contact merges, the cascade from contacts) and (contact_id) where decided_at is null for arbitration's
-- look-up of a contact's undecided requests. Every request a journey writes inserted into both, and a fired timer
-- of a "wait, then send" journey writes one. One index on (contact_id, decided_at) serves all of those readers:
-- a B-tree answers "decided_at is null" as an index condition, so arbitration still reads only the contact's
-- undecided entries, and the contact's other readers use its first column (none of them orders by created_at).
-- Checked with explain in MessageRequestIndexesTest.
create index message_requests_contact_decided_idx on message_requests (contact_id, decided_at);
drop index message_requests_undecided_contact_idx;
drop index message_requests_contact_idx;

-- The due index held every undecided request, though a request is written with no decide_at and every reader of
-- the index asks for "decide_at <= ?" (ArbitrationPoller, Arbitration), which no null satisfies: only requests
-- arbitration has put off (an arbitration window, quiet hours) need to be in it. PostgreSQL proves the narrower
-- predicate from "decide_at <= ?" (a strict operator), so the readers keep it.
drop index message_requests_decide_idx;
create index message_requests_decide_idx on message_requests (decide_at)
    where decided_at is null and decide_at is not null;
