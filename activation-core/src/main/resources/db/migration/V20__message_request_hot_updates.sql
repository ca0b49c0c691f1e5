-- Arbitration decides every message request once: it sets status, decided_at and decide_at (a request decided at
-- once keeps decide_at null; one put off gets decide_at, and loses it when decided). PostgreSQL updates a row in
-- place on its page (HOT: no new index entries, less WAL) only when no indexed column changes its value, columns
-- of index predicates included. V18's (contact_id, decided_at) index and the due index's "decided_at is null"
-- predicate made every decision a full update: a new heap tuple on another page and one entry in each of the
-- table's four indexes.
--
-- The contact index keeps only contact_id: the contact's requests (the API's list, merges, the cascade from
-- contacts) and arbitration's "contact's undecided requests" read it, the latter filtering decided_at on the
-- contact's few rows. The due index is keyed and filtered by decide_at alone, which is not null exactly while
-- arbitration has put a request off; PostgreSQL proves its predicate from "decide_at <= ?" (a strict operator),
-- so the poller and arbitration's due look-up keep it. MessageRequestIndexesTest explains every reader.
create index message_requests_contact_idx on message_requests (contact_id);
drop index message_requests_contact_decided_idx;
drop index message_requests_decide_idx;
create index message_requests_decide_idx on message_requests (decide_at) where decide_at is not null;

-- Room on each page for the decided version of every request inserted there: a request is inserted once and
-- decided once, soon after, while its page is still the one the engine inserts into (so rarely pruned in
-- between). At fillfactor 80 only about a quarter of the decisions found room (30 % HOT in the journey benchmark),
-- at 50 all of them (100 %, 3.4 fewer WAL records per fired timer). The price: the heap keeps about twice the
-- space of its live rows (inserts leave half of each page free); the indexes get no entry per decision.
alter table message_requests set (fillfactor = 50);
