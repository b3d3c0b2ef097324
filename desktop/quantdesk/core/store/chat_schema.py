"""The chat tables of the history file (one step of ``database.MIGRATIONS``).

A chat row holds the conversation's settings; its turns and their answers (the first and any
"regenerate with…" alternatives) hang off it and go with it when it is deleted.
"""

CHATS = """
CREATE TABLE chats (
    id            TEXT PRIMARY KEY,
    title         TEXT NOT NULL DEFAULT '',
    variant       TEXT NOT NULL,            -- the model the next turn goes to
    system_prompt TEXT NOT NULL DEFAULT '',
    options       TEXT NOT NULL DEFAULT '{}',  -- JSON: Ollama option names and values
    created_at    TEXT NOT NULL,
    updated_at    TEXT NOT NULL
);
CREATE TABLE chat_turns (
    chat_id   TEXT NOT NULL REFERENCES chats(id) ON DELETE CASCADE,
    position  INTEGER NOT NULL,
    user_text TEXT NOT NULL,
    chosen    INTEGER NOT NULL DEFAULT 0,
    asked_at  TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (chat_id, position)
);
CREATE TABLE chat_answers (
    chat_id       TEXT NOT NULL,
    turn          INTEGER NOT NULL,
    position      INTEGER NOT NULL,
    variant       TEXT NOT NULL,
    state         TEXT NOT NULL,            -- streaming | done | stopped | failed
    text          TEXT NOT NULL DEFAULT '',
    thinking      TEXT NOT NULL DEFAULT '',
    error         TEXT NOT NULL DEFAULT '',
    done_reason   TEXT NOT NULL DEFAULT '',
    eval_tokens   INTEGER,
    eval_tps      REAL,
    prompt_tokens INTEGER,
    prompt_tps    REAL,
    load_s        REAL,
    total_s       REAL,
    first_token_s REAL,
    estimated     INTEGER,
    size          INTEGER,
    size_vram     INTEGER,
    context_length INTEGER,
    started_at    TEXT NOT NULL DEFAULT '',
    finished_at   TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (chat_id, turn, position),
    FOREIGN KEY (chat_id, turn) REFERENCES chat_turns(chat_id, position) ON DELETE CASCADE
);
CREATE INDEX chats_by_update ON chats(updated_at DESC);
"""
