-- journey_effects (the claimed effect keys of plug-in steps: webhook, score) was never pruned. A key guards a
-- visit against a replay of the record that made it; past activation.journeys.applied-retention (longer than the
-- retention of activation.events) no such replay can come, as for journey_applied, so the timer poller's cleanup
-- forgets both by the time they were applied. This index lets it find them without reading the whole table.
create index journey_effects_time_idx on journey_effects (applied_at);
