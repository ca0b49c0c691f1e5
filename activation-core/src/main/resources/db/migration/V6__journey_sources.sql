-- Reference-row fan-out (io.activation.journey.source.ReferenceFanout).

-- Progress of one source event's fan-out through one linking relation, committed with each page of events it
-- published, so a restart (or a replay of the same source event) resumes after the last row instead of starting over.
create table reference_fanout_progress (
    source_event_id uuid         not null,
    linking_table   varchar(63)  not null,
    linking_column  varchar(63)  not null,
    last_row_id     bigint       not null,
    done            boolean      not null,
    published       bigint       not null,
    updated_at      timestamptz  not null,
    primary key (source_event_id, linking_table, linking_column)
);
create index reference_fanout_progress_updated_idx on reference_fanout_progress (updated_at);

-- Reference tables some consumer (a journey trigger) asked to fan out, when the fan-out runs in "watched" mode.
-- One row per (table, watcher), so one scenario's deactivation does not stop another's trigger.
create table reference_fanout_watches (
    table_name varchar(63)  not null,
    watcher    varchar(200) not null,
    created_at timestamptz  not null,
    primary key (table_name, watcher)
);
