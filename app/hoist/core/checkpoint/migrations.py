"""The checkpoint store's schema, as the numbered migrations that build it (STYLE.md 9).

MIGRATIONS[n - 1] takes the schema from version n - 1 to n, in one transaction with its
schema_version row (:func:`hoist.core.checkpoint.store_file._migrate`). Never edit a
released migration: append the next one.
"""

from hoist.core.checkpoint.states import PartState, TaskState

_STATES = ", ".join(f"'{s.value}'" for s in TaskState)
_PART_STATES = ", ".join(f"'{s.value}'" for s in PartState)

MIGRATIONS: list[tuple[str, ...]] = [
    (   # 1: the first schema
        f"""CREATE TABLE tasks (
            id INTEGER PRIMARY KEY,
            source_path TEXT NOT NULL,
            fingerprint TEXT,
            account TEXT NOT NULL,
            endpoint_url TEXT,
            region TEXT,
            profile TEXT,
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            size INTEGER NOT NULL CHECK (size >= 0),
            part_size INTEGER NOT NULL DEFAULT 0,
            upload_id TEXT,
            checksum_algorithm TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL CHECK (state IN ({_STATES})),
            message TEXT NOT NULL DEFAULT '',
            error_code TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            updated_at REAL NOT NULL,
            finished_at REAL
        )""",
        "CREATE INDEX tasks_destination ON tasks (bucket, key, source_path)",   # find_live_tasks
        f"""CREATE TABLE parts (
            task_id INTEGER NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
            number INTEGER NOT NULL CHECK (number BETWEEN 1 AND 10000),
            offset INTEGER NOT NULL,
            size INTEGER NOT NULL,
            etag TEXT,
            checksum TEXT,
            state TEXT NOT NULL CHECK (state IN ({_PART_STATES})),
            PRIMARY KEY (task_id, number)
        )""",
    ),
    (   # 2: progress counted from an index alone, for a quick start with 10,000 tasks
        "CREATE INDEX parts_progress ON parts (task_id, state, size)",
    ),
    (   # 3: how a completed upload was verified ("CRC32", "MD5", "size"; '' before this)
        "ALTER TABLE tasks ADD COLUMN verified TEXT NOT NULL DEFAULT ''",
    ),
    (   # 4: what each upload cost: retries by cause, parts re-sent, time offline (core/stats)
        """CREATE TABLE task_stats (
            task_id INTEGER PRIMARY KEY REFERENCES tasks (id) ON DELETE CASCADE,
            stats TEXT NOT NULL
        )""",
    ),
    (   # 5: what was sent, kept apart from the tasks so that clearing completed rows does not
        # make the next run send everything again (core/checkpoint/sent.py)
        """CREATE TABLE sent_files (
            endpoint TEXT NOT NULL,
            bucket TEXT NOT NULL,
            key TEXT NOT NULL,
            source_path TEXT NOT NULL,
            fingerprint TEXT NOT NULL,
            etag TEXT NOT NULL,
            sent_at REAL NOT NULL,
            PRIMARY KEY (endpoint, bucket, key, source_path)
        ) WITHOUT ROWID""",
    ),
    (   # 6: what the object looks like (core/remote/objects.py's ObjectSettings as JSON),
        # fixed when the task is made; NULL for a task made before: Hoist's defaults
        "ALTER TABLE tasks ADD COLUMN object_settings TEXT",
    ),
    (   # 7: how the destination's certificate is trusted: its CA bundle (NULL: AWS_CA_BUNDLE,
        # the profile's, the system's) and whether it is checked at all (issue #29)
        "ALTER TABLE tasks ADD COLUMN ca_bundle TEXT",
        "ALTER TABLE tasks ADD COLUMN verify_tls INTEGER NOT NULL DEFAULT 1",
    ),
    (   # 8: downloads, a task of another kind in the same rows (issue #25): its direction; the
        # object's ETag pinned when it began (every GET carries it as If-Match), the version
        # asked for (NULL: the current one), and the mtime the file gets (the object's stored
        # source mtime, else LastModified). Its ranges are rows in ``parts``; the target is
        # ``source_path``; how it was proved goes in ``verified``.
        "ALTER TABLE tasks ADD COLUMN direction TEXT NOT NULL DEFAULT 'upload'"
        " CHECK (direction IN ('upload', 'download'))",
        "ALTER TABLE tasks ADD COLUMN remote_etag TEXT",
        "ALTER TABLE tasks ADD COLUMN version_id TEXT",
        "ALTER TABLE tasks ADD COLUMN remote_mtime REAL",
    ),
    (   # 9: watched folders (issue #27, core/checkpoint/watches.py): what each sends where,
        # restored at start-up; its last upload, for the window and `hoist watch`
        """CREATE TABLE watches (
            id INTEGER PRIMARY KEY,
            folder TEXT NOT NULL,
            account TEXT NOT NULL,
            endpoint_url TEXT,
            region TEXT,
            profile TEXT,
            ca_bundle TEXT,
            verify_tls INTEGER NOT NULL DEFAULT 1,
            bucket TEXT NOT NULL,
            prefix TEXT NOT NULL DEFAULT '',
            rules TEXT NOT NULL DEFAULT '[]',
            settle REAL NOT NULL DEFAULT 5.0,
            delete_remote INTEGER NOT NULL DEFAULT 0,
            paused INTEGER NOT NULL DEFAULT 0,
            last_upload TEXT NOT NULL DEFAULT '',
            last_upload_at REAL
        )""",
    ),
]
