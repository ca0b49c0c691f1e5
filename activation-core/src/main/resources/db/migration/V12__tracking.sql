-- Tracking and attribution (io.activation.tracking): the key tracking links are signed with, short links for SMS,
-- every open / click / unsubscribe followed from a message, and the conversions attributed to messages.

-- The HMAC key of tracking tokens when activation.tracking.secret is not set: generated once per installation.
create table tracking_keys (
    name       varchar(50) primary key,
    secret     bytea       not null,
    created_at timestamptz not null
);

-- Short click links (SMS): a random code naming a delivery and the target URL. One code per delivery and URL.
create table tracking_short_links (
    code        varchar(12) primary key,
    delivery_id bigint      not null references deliveries (id) on delete cascade,
    url         text        not null,
    created_at  timestamptz not null
);
create unique index tracking_short_links_target_idx on tracking_short_links (delivery_id, md5(url));

-- Every open, click and unsubscribe followed from a delivery. is_unique marks the first of a burst (the first open of
-- a delivery, the first click of a URL within activation.tracking.open-burst), which reports count as unique.
create table message_interactions (
    id          bigint generated always as identity primary key,
    delivery_id bigint       not null references deliveries (id) on delete cascade,
    contact_id  bigint       not null,
    scenario_id bigint,
    channel     varchar(20)  not null,
    kind        varchar(20)  not null,  -- open | click | unsubscribe
    url         text,                   -- the target of a click
    is_unique   boolean      not null,
    user_agent  varchar(500),
    ip          varchar(64),
    at          timestamptz  not null
);
create index message_interactions_delivery_idx on message_interactions (delivery_id, kind, at);
-- Attribution looks for a contact's latest click (or open) before a conversion.
create index message_interactions_contact_idx on message_interactions (contact_id, at) where kind in ('open', 'click');
create index message_interactions_scenario_idx on message_interactions (scenario_id, kind) where scenario_id is not null;

-- A conversion (a new row of the attribution table, e.g. an order) attributed to the message interacted with before
-- it. One attribution per row: replaying the change event attributes nothing twice.
create table message_attributions (
    id             bigint generated always as identity primary key,
    table_name     varchar(100)  not null,
    row_key        varchar(500)  not null,
    contact_id     bigint        not null,
    delivery_id    bigint        not null references deliveries (id) on delete cascade,
    interaction_id bigint        references message_interactions (id) on delete set null,
    scenario_id    bigint,
    touch          varchar(20)   not null,  -- click | open
    revenue        numeric(19, 4),
    converted_at   timestamptz   not null,
    unique (table_name, row_key)
);
create index message_attributions_delivery_idx on message_attributions (delivery_id);
create index message_attributions_scenario_idx on message_attributions (scenario_id) where scenario_id is not null;
