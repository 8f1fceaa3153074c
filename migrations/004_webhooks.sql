-- Signed webhooks. Events are written to the outbox in the same transaction as the change that caused
-- them, with one delivery row per subscription that wants them: nothing is sent for a change that did
-- not commit, and nothing committed goes unsent.

CREATE TABLE webhooks (
    id              INTEGER PRIMARY KEY,
    url             TEXT    NOT NULL,
    events          TEXT    NOT NULL,        -- JSON array of event types
    secret          TEXT    NOT NULL,        -- whsec_<base64>, as Standard Webhooks has it
    description     TEXT,
    active          INTEGER NOT NULL DEFAULT 1,
    disabled_reason TEXT,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL
);

CREATE TABLE outbox (
    id          INTEGER PRIMARY KEY,         -- commit order
    message_id  TEXT    NOT NULL UNIQUE,     -- the webhook-id header: the same on every attempt
    type        TEXT    NOT NULL,
    claim_id    INTEGER,
    payload     TEXT    NOT NULL,
    created_at  TEXT    NOT NULL
);

CREATE TABLE deliveries (
    id           INTEGER PRIMARY KEY,
    webhook_id   INTEGER NOT NULL REFERENCES webhooks (id),
    event_id     INTEGER NOT NULL REFERENCES outbox (id),
    claim_id     INTEGER,                    -- copied from the event: deliveries per claim go in order
    state        TEXT    NOT NULL DEFAULT 'pending'
                 CHECK (state IN ('pending', 'delivered', 'failed', 'cancelled')),
    attempts     INTEGER NOT NULL DEFAULT 0,
    due_at       TEXT    NOT NULL,
    last_status  INTEGER,
    last_error   TEXT,
    finished_at  TEXT,
    created_at   TEXT    NOT NULL,
    UNIQUE (webhook_id, event_id)
);
CREATE INDEX deliveries_due ON deliveries (state, due_at);
CREATE INDEX deliveries_in_order ON deliveries (webhook_id, claim_id, state, event_id);

-- Every attempt, for GET /v1/admin/webhooks/{id}/deliveries.
CREATE TABLE delivery_attempts (
    id           INTEGER PRIMARY KEY,
    delivery_id  INTEGER NOT NULL REFERENCES deliveries (id),
    at           TEXT    NOT NULL,
    status       INTEGER,
    error        TEXT,
    duration_ms  INTEGER NOT NULL
);
CREATE INDEX delivery_attempts_by_delivery ON delivery_attempts (delivery_id);
