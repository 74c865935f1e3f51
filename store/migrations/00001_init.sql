-- +goose Up
-- The first schema: the organisation (regions, units, people, their roles and links), the
-- editable dictionaries (working groups, categories), the ledger (cases and their immutable
-- events), invites, and the per-day ticket counters.

-- The region tree: city → county/district → township/street → village/community.
CREATE TABLE regions (
    id         bigserial PRIMARY KEY,
    code       text NOT NULL UNIQUE,
    name       text NOT NULL,
    level      text NOT NULL CHECK (level IN ('city', 'county', 'township', 'village')),
    parent_id  bigint REFERENCES regions (id),
    created_at timestamptz NOT NULL DEFAULT now(),
    CHECK (parent_id IS NULL OR parent_id <> id)
);
CREATE INDEX regions_parent_idx ON regions (parent_id);

-- The four special working groups (专班) a case escalates to when a region's office cannot
-- solve it.
CREATE TABLE working_groups (
    code    text PRIMARY KEY,
    name_zh text NOT NULL,
    name_en text NOT NULL
);
INSERT INTO working_groups (code, name_zh, name_en) VALUES
    ('finance',  '金融服务', 'Financial services'),
    ('industry', '产业发展', 'Industrial development'),
    ('factors',  '要素保障', 'Production factors'),
    ('legal',    '涉法涉诉', 'Legal affairs');

-- Enterprises and villages/communities: the units problems are raised for.
CREATE TABLE units (
    id          bigserial PRIMARY KEY,
    kind        text NOT NULL CHECK (kind IN ('enterprise', 'village')),
    name        text NOT NULL,
    -- 统一社会信用代码, enterprises only; checked by its check digit before it is stored.
    credit_code text UNIQUE CHECK (credit_code IS NULL OR length(credit_code) = 18),
    region_id   bigint NOT NULL REFERENCES regions (id),
    -- A unit named by a self-registered reporter, not loaded from the organisation data.
    self_registered boolean NOT NULL DEFAULT false,
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX units_region_idx ON units (region_id);

CREATE TABLE people (
    id               bigserial PRIMARY KEY,
    name             text NOT NULL DEFAULT '',
    telegram_user_id bigint UNIQUE,
    -- Where notifications go; for a private chat equal to the user id.
    chat_id          bigint,
    phone            text NOT NULL DEFAULT '',
    department       text NOT NULL DEFAULT '',
    region_id        bigint REFERENCES regions (id),
    -- The language chosen with /lang; NULL follows the user's Telegram language.
    lang             text CHECK (lang IS NULL OR lang IN ('zh-CN', 'en')),
    -- Set when Telegram answers 403 (the person blocked the bot); their office sees it.
    unreachable_at   timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX people_region_idx ON people (region_id);

-- A person's roles. A reporter's role is scoped to a unit; a handler's and an office's to a
-- region (an office sees its region and the regions below it); a working group's lead to the
-- group.
CREATE TABLE person_roles (
    id            bigserial PRIMARY KEY,
    person_id     bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    role          text NOT NULL CHECK (role IN ('reporter', 'handler', 'office', 'admin')),
    unit_id       bigint REFERENCES units (id),
    region_id     bigint REFERENCES regions (id),
    working_group text REFERENCES working_groups (code),
    created_at    timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX person_roles_uniq ON person_roles
    (person_id, role, coalesce(unit_id, 0), coalesce(region_id, 0), coalesce(working_group, ''));

-- 包联关系: which cadre is linked to which unit.
CREATE TABLE links (
    person_id  bigint NOT NULL REFERENCES people (id) ON DELETE CASCADE,
    unit_id    bigint NOT NULL REFERENCES units (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (person_id, unit_id)
);
CREATE INDEX links_unit_idx ON links (unit_id);

-- Two editable dictionaries of problem categories, one per unit kind.
CREATE TABLE categories (
    id            bigserial PRIMARY KEY,
    code          text NOT NULL,
    unit_kind     text NOT NULL CHECK (unit_kind IN ('enterprise', 'village')),
    name_zh       text NOT NULL,
    name_en       text NOT NULL,
    working_group text REFERENCES working_groups (code),
    position      int NOT NULL,
    active        boolean NOT NULL DEFAULT true,
    UNIQUE (unit_kind, code)
);
INSERT INTO categories (unit_kind, code, name_zh, name_en, working_group, position) VALUES
    ('enterprise', 'policy',     '政策落实',   'Policy implementation',     'industry', 1),
    ('enterprise', 'financing',  '融资',       'Financing',                 'finance',  2),
    ('enterprise', 'land',       '用地',       'Land use',                  'factors',  3),
    ('enterprise', 'utilities',  '用电/用水/用气', 'Power, water and gas',  'factors',  4),
    ('enterprise', 'labour',     '用工',       'Labour',                    'factors',  5),
    ('enterprise', 'permits',    '审批办证',   'Approvals and permits',     'industry', 6),
    ('enterprise', 'markets',    '产销对接',   'Markets and sales',         'industry', 7),
    ('enterprise', 'talent',     '科技人才',   'Technology and talent',     'industry', 8),
    ('enterprise', 'digital',    '数字化转型', 'Digital transformation',    'industry', 9),
    ('enterprise', 'legal',      '涉法涉诉',   'Legal matters',             'legal',    10),
    ('enterprise', 'other',      '其他',       'Other',                     NULL,       11),
    ('village',    'infrastructure', '基础设施', 'Roads, water and irrigation', NULL,    1),
    ('village',    'collective', '集体经济',   'Collective economy',        NULL,       2),
    ('village',    'industry',   '产业发展',   'Local industry',            NULL,       3),
    ('village',    'environment','人居环境',   'Living environment',        NULL,       4),
    ('village',    'services',   '公共服务',   'Public services',           NULL,       5),
    ('village',    'disputes',   '矛盾纠纷',   'Disputes',                  'legal',    6),
    ('village',    'jobs',       '就业',       'Jobs',                      NULL,       7),
    ('village',    'other',      '其他',       'Other',                     NULL,       8);

-- The ledger (问题台账): one row a case. Urged, supervised and escalated are flags and counters,
-- not statuses.
CREATE TABLE cases (
    id               bigserial PRIMARY KEY,
    ticket_no        text NOT NULL UNIQUE,
    status           text NOT NULL DEFAULT 'submitted' CHECK (status IN
                         ('submitted', 'assigned', 'in_progress', 'resolved', 'closed', 'rejected', 'merged')),
    region_id        bigint NOT NULL REFERENCES regions (id),
    unit_id          bigint REFERENCES units (id),
    reporter_id      bigint REFERENCES people (id),
    category_id      bigint REFERENCES categories (id),
    description      text NOT NULL,
    urgency          text NOT NULL DEFAULT 'normal' CHECK (urgency IN ('normal', 'urgent')),
    complexity       text NOT NULL DEFAULT 'ordinary' CHECK (complexity IN ('ordinary', 'complex')),
    latitude         double precision,
    longitude        double precision,
    assignee_id      bigint REFERENCES people (id),
    assignee_group   text REFERENCES working_groups (code),
    merged_into_id   bigint REFERENCES cases (id),
    assigned_at      timestamptz,
    signed_at        timestamptz,
    first_feedback_at timestamptz,
    resolved_at      timestamptz,
    closed_at        timestamptz,
    sign_due_at      timestamptz,
    feedback_due_at  timestamptz,
    resolve_due_at   timestamptz,
    urge_count       int NOT NULL DEFAULT 0,
    supervised       boolean NOT NULL DEFAULT false,
    escalation_level int NOT NULL DEFAULT 0,
    rehandle_count   int NOT NULL DEFAULT 0,
    handback_count   int NOT NULL DEFAULT 0,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cases_reporter_idx ON cases (reporter_id, created_at DESC);
CREATE INDEX cases_assignee_open_idx ON cases (assignee_id, resolve_due_at)
    WHERE status IN ('assigned', 'in_progress');
CREATE INDEX cases_region_status_idx ON cases (region_id, status, created_at);
CREATE INDEX cases_unit_idx ON cases (unit_id, category_id, created_at DESC);

-- Every transition appends one immutable event; the figures are computed from these.
CREATE TABLE case_events (
    id          bigserial PRIMARY KEY,
    case_id     bigint NOT NULL REFERENCES cases (id),
    at          timestamptz NOT NULL DEFAULT now(),
    actor_id    bigint REFERENCES people (id),
    kind        text NOT NULL,
    from_status text,
    to_status   text,
    note        text NOT NULL DEFAULT '',
    -- Internal notes are shown to offices and handlers, never to reporters.
    internal    boolean NOT NULL DEFAULT false,
    data        jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX case_events_case_idx ON case_events (case_id, id);

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION case_events_immutable() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'case events are immutable';
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER case_events_no_update BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_immutable();

-- Photos and documents, kept by Telegram file id.
CREATE TABLE case_attachments (
    id             bigserial PRIMARY KEY,
    case_id        bigint NOT NULL REFERENCES cases (id),
    event_id       bigint REFERENCES case_events (id),
    kind           text NOT NULL CHECK (kind IN ('photo', 'document')),
    file_id        text NOT NULL,
    file_unique_id text NOT NULL DEFAULT '',
    file_name      text NOT NULL DEFAULT '',
    mime_type      text NOT NULL DEFAULT '',
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX case_attachments_case_idx ON case_attachments (case_id);

-- Invites bind a person to a role. Only a hash of the code is kept, so a leaked table
-- does not leak usable links.
CREATE TABLE invites (
    id         bigserial PRIMARY KEY,
    code_hash  bytea NOT NULL UNIQUE,
    role       text NOT NULL CHECK (role IN ('reporter', 'handler', 'office', 'admin')),
    unit_id    bigint REFERENCES units (id),
    person_id  bigint REFERENCES people (id),
    region_id  bigint REFERENCES regions (id),
    max_uses   int NOT NULL DEFAULT 1 CHECK (max_uses > 0),
    uses       int NOT NULL DEFAULT 0 CHECK (uses >= 0 AND uses <= max_uses),
    expires_at timestamptz NOT NULL,
    revoked_at timestamptz,
    created_by bigint REFERENCES people (id),
    created_at timestamptz NOT NULL DEFAULT now()
);

-- One counter row per ticket prefix and local day. Incrementing it inside the transaction
-- that creates the case serialises creators on that row, so numbers are unique and, because
-- a rolled-back case rolls its increment back too, gap-free.
CREATE TABLE ticket_counters (
    prefix text NOT NULL,
    day    date NOT NULL,
    last   int  NOT NULL,
    PRIMARY KEY (prefix, day)
);

-- +goose Down
DROP TABLE ticket_counters;
DROP TABLE invites;
DROP TABLE case_attachments;
DROP TRIGGER case_events_no_update ON case_events;
DROP FUNCTION case_events_immutable();
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE categories;
DROP TABLE links;
DROP TABLE person_roles;
DROP TABLE people;
DROP TABLE units;
DROP TABLE working_groups;
DROP TABLE regions;
