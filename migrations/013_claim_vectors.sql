-- Sentence vectors of claims, made in the background while a model is loaded (`--model`), one per
-- claim: by the model `model` names, of the fields whose digest `digest` holds. Derived data: a row
-- missing, stale or of another model is made again.

CREATE TABLE claim_vectors (
    claim_id INTEGER PRIMARY KEY,
    model    TEXT    NOT NULL,
    digest   INTEGER NOT NULL,
    vector   BLOB    NOT NULL              -- half floats, little-endian
);
