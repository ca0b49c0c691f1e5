-- CSV imports (io.activation.ingest.CsvImporter): one row per uploaded file with its mapping, its progress
-- (counters over committed chunks) and its first line errors. The file itself waits in a spool directory of the
-- node that received it; heartbeat_at tells whether that node still works on it.
create table imports (
    id             uuid primary key,
    target_table   varchar(63)  not null,
    status         varchar(10)  not null check (status in ('QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED')),
    file_name      varchar(255),
    size_bytes     bigint       not null,
    records        bigint       not null,
    mapping        jsonb        not null,
    options        jsonb        not null,
    lines_read     bigint       not null default 0,
    rows_created   bigint       not null default 0,
    rows_updated   bigint       not null default 0,
    rows_unchanged bigint       not null default 0,
    rows_rejected  bigint       not null default 0,
    rows_skipped   bigint       not null default 0,
    warnings       bigint       not null default 0,
    errors         jsonb        not null default '[]',
    warning_kinds  jsonb        not null default '[]',
    message        text,
    created_by     varchar(100),
    created_at     timestamptz  not null,
    started_at     timestamptz,
    finished_at    timestamptz,
    heartbeat_at   timestamptz  not null
);
create index imports_created_idx on imports (created_at desc);
create index imports_unfinished_idx on imports (heartbeat_at) where status in ('QUEUED', 'RUNNING');
