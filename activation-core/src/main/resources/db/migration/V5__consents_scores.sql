-- Customer value: consents (with history), RFM models and scores, behaviour scores (definitions, points ledger),
-- interest profiles and the secondary (gift / incidental) purchases. Owned by io.activation.consent and
-- io.activation.segment.value; the segment rule compiler reads contact_consents, rfm_scores and contact_interests.

-- The current consent per contact, channel and purpose.
create table contact_consents (
    contact_id bigint      not null references contacts (id) on delete cascade,
    channel    varchar(10) not null check (channel in ('email', 'sms', 'push', 'wallet', 'print')),
    purpose    varchar(50) not null,
    status     varchar(10) not null check (status in ('granted', 'withdrawn')),
    changed_at timestamptz not null,
    source     varchar(100) not null,
    proof      jsonb       not null default '{}'::jsonb,
    primary key (contact_id, channel, purpose)
);

-- Every change, append-only: who said what, when, through which source, with which proof.
create table contact_consent_history (
    id              bigint generated always as identity primary key,
    contact_id      bigint      not null references contacts (id) on delete cascade,
    channel         varchar(10) not null,
    purpose         varchar(50) not null,
    status          varchar(10) not null,
    previous_status varchar(10),
    changed_at      timestamptz not null,
    source          varchar(100) not null,
    proof           jsonb       not null default '{}'::jsonb
);
create index contact_consent_history_contact_idx on contact_consent_history (contact_id, changed_at);

-- RFM models: which interaction table, date, amount and exclusions; the definition is JSON validated by the app.
create table rfm_models (
    name          varchar(63) primary key,
    definition    jsonb       not null,
    created_at    timestamptz not null,
    computed_at   timestamptz,
    reference_day date
);

create table rfm_scores (
    model        varchar(63)   not null references rfm_models (name) on delete cascade,
    contact_id   bigint        not null references contacts (id) on delete cascade,
    recency_days integer       not null,
    frequency    bigint        not null,
    monetary     numeric       not null,
    r            smallint      not null check (r between 1 and 5),
    f            smallint      not null check (f between 1 and 5),
    m            smallint      not null check (m between 1 and 5),
    rfm_group    varchar(30)   not null,
    computed_at  timestamptz   not null,
    primary key (model, contact_id)
);
create index rfm_scores_group_idx on rfm_scores (model, rfm_group);
create index rfm_scores_contact_idx on rfm_scores (contact_id);

-- Behaviour scores: rules, decay and thresholds as validated JSON; the value is the contact attribute score_<name>.
create table score_definitions (
    name       varchar(50) primary key,
    definition jsonb       not null,
    created_at timestamptz not null
);

-- The points ledger: one row per source event and rule, so a replayed event never counts twice.
create table score_points (
    score       varchar(50)  not null references score_definitions (name) on delete cascade,
    contact_id  bigint       not null references contacts (id) on delete cascade,
    dedupe_key  varchar(300) not null,
    points      numeric      not null,
    awarded_at  timestamptz  not null,
    primary key (score, dedupe_key)
);
create index score_points_contact_idx on score_points (score, contact_id);

-- Thresholds already reached, so crossing one publishes once until the score falls below it again.
create table score_thresholds_reached (
    score      varchar(50) not null references score_definitions (name) on delete cascade,
    contact_id bigint      not null references contacts (id) on delete cascade,
    threshold  numeric     not null,
    reached_at timestamptz not null,
    primary key (score, contact_id, threshold)
);

-- Interest profiles: weight 0..1 per interest, in the primary profile or the secondary (gifts, incidental).
create table contact_interests (
    contact_id bigint       not null references contacts (id) on delete cascade,
    interest   varchar(100) not null,
    weight     numeric(6, 5) not null check (weight >= 0 and weight <= 1),
    profile    varchar(10)  not null check (profile in ('primary', 'secondary')),
    signals    numeric      not null,
    computed_at timestamptz not null,
    primary key (contact_id, profile, interest)
);
create index contact_interests_interest_idx on contact_interests (profile, interest, weight);

-- The one interest / secondary-purchase configuration (sources of signals, gift flag, secondary rules).
create table interest_settings (
    id          smallint    primary key check (id = 1),
    definition  jsonb       not null,
    updated_at  timestamptz not null,
    computed_at timestamptz
);

-- Purchase rows classified as secondary (gift or incidental): left out of RFM and the primary profile.
create table secondary_purchases (
    table_name varchar(63)  not null,
    row_id     bigint       not null,
    contact_id bigint       not null references contacts (id) on delete cascade,
    category   varchar(100),
    reason     varchar(200) not null,
    occurred_at timestamptz,
    primary key (table_name, row_id)
);
create index secondary_purchases_contact_idx on secondary_purchases (contact_id);
