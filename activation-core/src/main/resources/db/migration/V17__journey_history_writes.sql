-- Journey history is written three times per fired timer of a "wait -> send" journey (waited, requested,
-- completed) and read only by journey (JourneyInstances.get: instance_id = ? order by id) and by scenario
-- (Scenarios.counts: joined on instance_id). Two things every insert paid for served no query:
--
-- * The foreign key to journey_instances: a per-row check (a lookup and a key-share lock on the journey, which the
--   engine has locked and updated in the same transaction anyway; it writes history only for journeys it holds).
--   What the key did beyond that, removing a journey's history with the journey (a deleted contact, a deleted
--   scenario), is done by the trigger below, once per deleting statement.
-- * The primary key index on id: no query looks a row up by id; ids come from the identity (generated always, so
--   unique by construction) and order a journey's rows through journey_history_instance_idx (instance_id, id).

alter table journey_history drop constraint journey_history_instance_id_fkey;
alter table journey_history drop constraint journey_history_pkey;

create function journey_history_forget() returns trigger language plpgsql as $$
begin
    delete from journey_history h using gone g where h.instance_id = g.id;
    return null;
end
$$;

create trigger journey_instances_forget_history after delete on journey_instances
    referencing old table as gone for each statement execute function journey_history_forget();
