-- Progress of date and schedule triggers (io.activation.journey.TriggerScheduler): one row per scenario with such a
-- trigger. Each page of announced occurrences commits with its progress, so a crash resumes without doubles.
create table journey_schedules (
    scenario_id    bigint      primary key references scenarios (id) on delete cascade,
    watermark      timestamptz not null,  -- every occurrence before it has been announced
    window_end     timestamptz,           -- date trigger: the window [watermark, window_end) being paged
    occurrence     timestamptz,           -- schedule trigger: the occurrence whose segment is being paged
    cursor_contact bigint,                -- keyset position inside the window / occurrence
    cursor_row     bigint,
    cursor_date    date,
    revision       bigint      not null,  -- optimistic check: lifecycle changes and runs never overwrite each other
    updated_at     timestamptz not null
);
