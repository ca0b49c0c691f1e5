-- Arbitration's trail in fewer rows (ADR 0021). A request decided in one batch used to write a row per check:
-- a dispatched e-mail five (consent, suppression, address and cap passed, channel chosen), a skipped request two
-- (the blocked check, channel skipped), each a heap tuple, an index entry and their WAL. Now the checks that lead
-- to a step are kept in that step's row, in `steps`, a JSON array of {"stage", "channel", "outcome", "reason"}
-- objects in the order they were taken; they share the row's request, contact and instant and have no delivery.
-- A row without steps (every row written before V21, every sender's row) is one step, as before.
alter table delivery_decisions add column steps jsonb;

-- The trail as one row per step, in order (id, then step): what the API's "why" trail, arbitration's expiry
-- reason and an operator's SQL read. A row's own step comes after the steps it holds; only it names a delivery.
-- A filter on request_id is applied to delivery_decisions (delivery_decisions_request_idx) before the expansion.
create view delivery_trail as
select d.id, x.step, d.request_id, x.delivery_id, d.contact_id, x.stage, x.channel, x.outcome, x.reason, d.at
from delivery_decisions d
cross join lateral (
    select s.n as step, null::bigint as delivery_id, (s.e ->> 'stage')::varchar(30) as stage,
           (s.e ->> 'channel')::varchar(20) as channel, (s.e ->> 'outcome')::varchar(20) as outcome,
           s.e ->> 'reason' as reason
    from jsonb_array_elements(d.steps) with ordinality as s(e, n)
    union all
    select coalesce(jsonb_array_length(d.steps), 0) + 1, d.delivery_id, d.stage, d.channel, d.outcome, d.reason
) x;
