-- Arbitration writes two or more decisions per request (a skipped request of the timer benchmark: the blocked
-- check and "channel skipped"; a dispatched one: consent, suppression, address, cap, chosen) and the senders add
-- theirs. The trail is read only by request (DeliveryDecisions.of: request_id = ? order by id; Arbitration's
-- expiry reason: request_id = ? and outcome = 'deferred' order by id desc) and, by hand, by delivery_id
-- (operator guide). What every insert paid for that served no query:
--
-- * delivery_decisions_contact_idx (contact_id, at): no statement reads decisions by contact; a random-order
--   insert into a second B-tree per row.
-- * The primary key index on id: no query looks a row up by id; ids come from the identity (generated always, so
--   unique by construction) and order a request's rows through delivery_decisions_request_idx (request_id, id).
-- * The foreign key to message_requests: a per-row check (a look-up and a key-share lock of the request, which
--   arbitration has locked FOR UPDATE in the same transaction, and which the senders and test sends write
--   decisions for only while the request's delivery exists, held by the delivery_id key that stays). What the key
--   did beyond that, removing a request's trail with the request (a deleted contact), is done by the trigger
--   below, once per deleting statement, through delivery_decisions_request_idx.

drop index delivery_decisions_contact_idx;
alter table delivery_decisions drop constraint delivery_decisions_request_id_fkey;
alter table delivery_decisions drop constraint delivery_decisions_pkey;

create function delivery_decisions_forget() returns trigger language plpgsql as $$
begin
    delete from delivery_decisions d using gone g where d.request_id = g.id;
    return null;
end
$$;

create trigger message_requests_forget_decisions after delete on message_requests
    referencing old table as gone for each statement execute function delivery_decisions_forget();
