"""The structured side of the index: reports, facts, checks, chunk texts and the manifest, in SQLite
(default, inside the index folder) or PostgreSQL (a database URL, shared by several app processes).

It is also the source of truth for what is visible: a report exists for readers only once its
transaction commits, so a crash mid-index never shows half a report (vectors written before the
commit are ignored by readers and swept on the next run).

Lexical search lives here too, in the store's own engine: an FTS5 table (`chunk_fts`, ranked by
`bm25()`) in SQLite, a `tsvector` column with a GIN index (ranked by `ts_rank_cd`) in PostgreSQL,
both over the chunk's jieba tokens (`index.bm25.tokenize`). They are written in the same
transaction as the report's facts and deleted with them: nothing to rebuild, nothing on local disk.
"""
from __future__ import annotations

import json
import re
import sqlite3
import threading
import time
from pathlib import Path

from .chunker import Chunk
from .errors import IndexStoreError
from .model import Report

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS reports (
  report_id TEXT PRIMARY KEY, agency TEXT, year INTEGER, title TEXT, source TEXT, sha256 TEXT,
  format TEXT, aliases TEXT, warnings TEXT, path TEXT, indexed_at REAL, reading TEXT);
CREATE INDEX IF NOT EXISTS reports_agency_year ON reports(agency, year);
CREATE TABLE IF NOT EXISTS facts (
  fact_id INTEGER PRIMARY KEY AUTOINCREMENT, report_id TEXT NOT NULL, kind TEXT, label TEXT, value TEXT,
  number REAL, unit TEXT, quote TEXT, section TEXT, table_title TEXT, row_label TEXT, col_label TEXT,
  start_pos INTEGER, end_pos INTEGER, page INTEGER, layout TEXT, note TEXT);
CREATE INDEX IF NOT EXISTS facts_report ON facts(report_id);
CREATE INDEX IF NOT EXISTS facts_key ON facts(table_title, row_label, col_label);
CREATE INDEX IF NOT EXISTS facts_prose ON facts(fact_id) WHERE kind = 'prose';
CREATE INDEX IF NOT EXISTS reports_path ON reports(path);
CREATE INDEX IF NOT EXISTS reports_source ON reports(source);
CREATE TABLE IF NOT EXISTS checks (
  report_id TEXT NOT NULL, table_title TEXT, rule TEXT, expected TEXT, found TEXT, passed INTEGER, cells TEXT);
CREATE INDEX IF NOT EXISTS checks_report ON checks(report_id);
CREATE TABLE IF NOT EXISTS chunks (
  chunk_id TEXT PRIMARY KEY, report_id TEXT NOT NULL, kind TEXT, text TEXT, section TEXT,
  table_title TEXT, row_label TEXT, start_pos INTEGER, end_pos INTEGER, page INTEGER, tokens TEXT);
CREATE INDEX IF NOT EXISTS chunks_report ON chunks(report_id);
CREATE TABLE IF NOT EXISTS paragraphs (
  report_id TEXT NOT NULL, section TEXT, text TEXT, start_pos INTEGER, end_pos INTEGER, page INTEGER);
CREATE INDEX IF NOT EXISTS paragraphs_report ON paragraphs(report_id);
CREATE TABLE IF NOT EXISTS pending_vectors (report_id TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS meanings (meaning TEXT PRIMARY KEY);
CREATE TABLE IF NOT EXISTS work_queue (path TEXT PRIMARY KEY, state TEXT NOT NULL, owner TEXT, taken_at REAL);
CREATE TABLE IF NOT EXISTS manifest (
  path TEXT PRIMARY KEY, sha256 TEXT NOT NULL, report_id TEXT NOT NULL, size INTEGER, mtime REAL);
"""
# columns added after the first release: an existing store gains them (ALTER TABLE ... ADD COLUMN)
#   facts.layout   how a cell was read: grid (table markup), words (spaced values), runs-split
#                  (a digit run split by the template's arithmetic); NULL for prose facts
#   facts.note     set for a cell that could not be read (value "", number NULL): why, e.g.
#                  "无法从原文唯一读出（候选：1、14）"; a reader must refuse such a cell, saying so
#   reports.reading  JSON list per table: cells read against cells expected, and by which layout
#   chunks.meaning   the chunk's meaning id (its one vector in the vector store): table rows, and
#                    paragraphs indexed since paragraph meanings (NULL: one vector per paragraph)
#   meanings         the meanings whose vectors were written (committed with the first report holding one)
MIGRATIONS = (("facts", "layout", "TEXT"), ("facts", "note", "TEXT"), ("reports", "reading", "TEXT"),
              ("chunks", "meaning", "TEXT"), ("pending_vectors", "owner", "TEXT"))
#   pending_vectors.owner  the indexer process that wrote them (PostgreSQL: swept only once that
#                  process's session is gone, so concurrent writers never sweep each other's vectors)
#   work_queue     PostgreSQL: files indexer processes take with FOR UPDATE SKIP LOCKED
OWNER_LOCK = 727275             # (this, hashtext(owner)): held by a live indexer process for its session
REPORT_LOCK = 727276            # (this, hashtext(report id)): held by a transaction writing that report

# lexical search over the chunks' jieba tokens, in each engine's own full-text index. SQLite: an
# FTS5 table whose `rid` column holds the report id as one token (so a report filter is a posting
# list, and a report's rows are deleted by it); its weight in bm25() is 0.
SQLITE_FTS = ("CREATE VIRTUAL TABLE IF NOT EXISTS chunk_fts USING fts5(tokens, rid, chunk_id UNINDEXED,"
              " tokenize='unicode61 remove_diacritics 0')")
# PostgreSQL: the tokens as a tsvector written lexeme by lexeme (no parser, no stemming: the
# `simple` configuration's behaviour, exactly the jieba tokens), a GIN index, ts_rank_cd.
PG_FTS = ("ALTER TABLE chunks ADD COLUMN IF NOT EXISTS tsv tsvector;"
          "CREATE INDEX IF NOT EXISTS chunks_tsv ON chunks USING GIN (tsv)")
LEXICAL_FILTER_IDS = 400        # a report filter up to this size goes into the full-text query itself


def _fts_quote(token: str) -> str:
    return '"' + token.replace('"', '""') + '"'


def _ts_quote(token: str) -> str:
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


def tsvector_literal(tokens: list[str]) -> str:
    """The tokens as a tsvector literal, each with its position (1-based, capped as PostgreSQL caps)."""
    return " ".join(f"{_ts_quote(t)}:{min(i + 1, 16383)}" for i, t in enumerate(tokens))


class _Sql:
    """One connection, SQLite or PostgreSQL; statements are written for SQLite and translated."""

    def __init__(self, url: str):
        self.url = url
        if url.startswith(("postgresql://", "postgres://")):
            try:
                import psycopg
                from psycopg.rows import dict_row

                self.conn = psycopg.connect(url, autocommit=True, row_factory=dict_row)
            except Exception as exc:
                raise IndexStoreError(f"cannot connect to PostgreSQL: {exc}") from exc
            self.dialect = "postgresql"
        else:
            path = Path(url.removeprefix("sqlite:///"))
            path.parent.mkdir(parents=True, exist_ok=True)
            self.conn = sqlite3.connect(str(path), check_same_thread=False, timeout=60, isolation_level=None)
            self.conn.row_factory = sqlite3.Row
            self.conn.execute("PRAGMA journal_mode=WAL")
            self.conn.execute("PRAGMA synchronous=NORMAL")
            self.dialect = "sqlite"

    def translate(self, sql: str) -> str:
        if self.dialect == "sqlite":
            return sql
        sql = re.sub(r"INSERT OR IGNORE INTO (\w+)( \([^)]*\))? VALUES \(([^)]*)\)",
                     r"INSERT INTO \1\2 VALUES (\3) ON CONFLICT DO NOTHING", sql)
        sql = re.sub(r"INSERT OR REPLACE INTO manifest VALUES \(([^)]*)\)",
                     r"INSERT INTO manifest VALUES (\1) ON CONFLICT (path) DO UPDATE SET sha256=EXCLUDED.sha256, "
                     r"report_id=EXCLUDED.report_id, size=EXCLUDED.size, mtime=EXCLUDED.mtime", sql)
        sql = sql.replace("IS ?", "IS NOT DISTINCT FROM ?").replace("BEGIN IMMEDIATE", "BEGIN")
        sql = re.sub(r" INDEXED BY \w+", "", sql)          # a SQLite planner hint; PostgreSQL has statistics
        sql = sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY").replace(" REAL", " DOUBLE PRECISION")
        return sql.replace("?", "%s")

    def execute(self, sql: str, args=()) -> None:
        self.conn.execute(self.translate(sql), args)

    def executemany(self, sql: str, rows: list) -> None:
        if not rows:
            return
        if self.dialect == "sqlite":
            self.conn.executemany(sql, rows)
        else:
            with self.conn.cursor() as cur:
                cur.executemany(self.translate(sql), rows)

    def query(self, sql: str, args=()) -> list[dict]:
        if self.dialect == "sqlite":
            return [dict(r) for r in self.conn.execute(sql, args).fetchall()]
        with self.conn.cursor() as cur:
            cur.execute(self.translate(sql), args)
            return list(cur.fetchall())

    def script(self, sql: str) -> None:
        for stmt in (x.strip() for x in sql.split(";")):
            if stmt:
                self.execute(stmt)

    def columns(self, table: str) -> set[str]:
        if self.dialect == "sqlite":
            return {r["name"] for r in self.query(f"PRAGMA table_info({table})")}
        return {r["column_name"] for r in self.query(
            "SELECT column_name FROM information_schema.columns WHERE table_name=? AND table_schema=current_schema()",
            (table,))}

    def migrate(self) -> None:
        """Add the columns a store made by an earlier version lacks (rows keep NULL there)."""
        for table, column, kind in MIGRATIONS:
            if column not in self.columns(table):
                self.execute(f"ALTER TABLE {table} ADD COLUMN {column} {kind}")

    def close(self) -> None:
        self.conn.close()


class FactStore:
    def __init__(self, url: Path | str):
        """`url`: a SQLite file path (or sqlite:///path) or a postgresql:// URL."""
        self._lock = threading.RLock()
        try:
            self._sql = _Sql(str(url))
            self.dialect = self._sql.dialect
            if self.dialect == "postgresql":     # several processes may start at once: create the schema once
                self._sql.query("SELECT pg_advisory_lock(727274)")
            try:
                self._sql.script(SCHEMA)
                self._sql.migrate()
                self._lexical_schema()
            finally:
                if self.dialect == "postgresql":
                    self._sql.query("SELECT pg_advisory_unlock(727274)")
        except sqlite3.DatabaseError as exc:
            raise IndexStoreError(f"the fact store {url} is unreadable ({exc}); remove it and index again") from exc

    def close(self) -> None:
        self._sql.close()

    def _lexical_schema(self) -> None:
        """The full-text index; a store made before it gets it filled once from the stored tokens."""
        db = self._sql
        db.execute("CREATE INDEX IF NOT EXISTS chunks_meaning ON chunks(meaning, report_id)")
        if self.dialect == "sqlite":
            db.execute(SQLITE_FTS)
            if db.query("SELECT 1 FROM chunks LIMIT 1") and not db.query("SELECT 1 FROM chunk_fts LIMIT 1"):
                db.execute("INSERT INTO chunk_fts (tokens, rid, chunk_id) SELECT tokens, report_id, chunk_id FROM chunks")
        else:
            db.script(PG_FTS)
            rows = db.query("SELECT chunk_id, tokens FROM chunks WHERE tsv IS NULL")
            db.executemany("UPDATE chunks SET tsv = ?::tsvector WHERE chunk_id = ?",
                           [(tsvector_literal(r["tokens"].split(" ") if r["tokens"] else []), r["chunk_id"]) for r in rows])

    def advisory_connection(self):
        """PostgreSQL only: a connection of its own for the writer's advisory lock (session-level,
        so it is released when the holder's process dies, wherever that process runs)."""
        import psycopg

        try:
            return psycopg.connect(self._sql.url, autocommit=True)
        except Exception as exc:
            raise IndexStoreError(f"cannot connect to PostgreSQL for the writer lock: {exc}") from exc

    def _q(self, sql: str, args: tuple | list = ()) -> list[dict]:
        with self._lock:
            return self._sql.query(sql, args)

    # --- write side -----------------------------------------------------------------------

    def generation(self) -> int:
        rows = self._q("SELECT value FROM meta WHERE key='generation'")
        return int(rows[0]["value"]) if rows else 0

    def put_report(self, report: Report, chunks: list[Chunk], tokens: list[list[str]], path: str,
                   size: int, mtime: float, replaces: str | None) -> bool | None:
        """Insert a report and everything derived from it, and drop the one it replaces, atomically.
        Files of the same content are one report with several sources (manifest rows): the report
        `path` replaces is dropped only when `path` was its last source; otherwise it stays, named
        after a source that still holds it. True when `replaces` was dropped (its vectors may go);
        None when the report was already there (committed by another writer since this one looked):
        `path` is then only recorded as one more of its sources."""
        m = report.meta
        retired = False
        with self._lock:
            db = self._sql
            db.execute("BEGIN IMMEDIATE")
            try:
                self._lock_reports(m.report_id, replaces)
                if not replaces and db.query("SELECT 1 FROM reports WHERE report_id=?", (m.report_id,)):
                    # another writer committed the same content meanwhile: this file is one more source
                    db.execute("INSERT OR REPLACE INTO manifest VALUES (?,?,?,?,?)", (path, m.sha256, m.report_id, size, mtime))
                    db.execute("COMMIT")
                    return None
                if replaces and replaces != m.report_id:
                    if not self._other_sources(replaces, path):
                        self._delete_rows(replaces)
                        db.execute("INSERT OR IGNORE INTO pending_vectors (report_id) VALUES (?)", (replaces,))
                        retired = True
                db.execute("DELETE FROM pending_vectors WHERE report_id=?", (m.report_id,))
                self._delete_rows(m.report_id)
                db.execute("INSERT INTO reports (report_id, agency, year, title, source, sha256, format, aliases,"
                           " warnings, path, indexed_at, reading) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                           (m.report_id, m.agency, m.year, m.title, m.source, m.sha256, m.format,
                            json.dumps(list(m.aliases), ensure_ascii=False),
                            json.dumps(list(report.warnings), ensure_ascii=False), path, time.time(),
                            json.dumps(report.reading(), ensure_ascii=False)))
                db.executemany(
                    "INSERT INTO facts (report_id, kind, label, value, number, unit, quote, section, table_title,"
                    " row_label, col_label, start_pos, end_pos, page, layout, note)"
                    " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    [(m.report_id, f.kind, f.label, f.value, f.number, f.unit, f.quote, f.section, f.table,
                      f.row, f.column, f.start, f.end, f.page, f.layout, f.note) for f in report.facts])
                db.executemany("INSERT INTO checks VALUES (?,?,?,?,?,?,?)",
                               [(m.report_id, c.table, c.rule, c.expected, c.found,
                                 None if c.passed is None else int(c.passed), json.dumps(list(c.cells), ensure_ascii=False))
                                for c in report.checks])
                self._put_chunks(chunks, tokens)
                db.executemany("INSERT INTO paragraphs VALUES (?,?,?,?,?,?)",
                               [(m.report_id, p.section, p.text, p.start, p.end, p.page) for p in report.paragraphs])
                db.execute("INSERT OR REPLACE INTO manifest VALUES (?,?,?,?,?)", (path, m.sha256, m.report_id, size, mtime))
                self._bump(db)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return retired

    def _other_sources(self, report_id: str, path: str) -> list[str]:
        """The report's other sources; if the report was named after `path`, it is renamed after the
        first of them (its path and source name), inside the caller's transaction."""
        others = [r["path"] for r in self._sql.query(
            "SELECT path FROM manifest WHERE report_id=? AND path<>? ORDER BY path", (report_id, path))]
        if others:
            self._sql.execute("UPDATE reports SET path=?, source=? WHERE report_id=? AND path=?",
                              (others[0], Path(others[0]).name, report_id, path))
        return others

    def sources(self, report_id: str) -> list[str]:
        """Every file indexed as this report (files of the same content share one report)."""
        return [r["path"] for r in self._q("SELECT path FROM manifest WHERE report_id=? ORDER BY path", (report_id,))]

    def remove_source(self, path: str) -> tuple[str | None, bool]:
        """Forget one source file: (its report id, whether the report went with it, because no other
        source holds the same content). A report with other sources stays, named after one of them."""
        with self._lock:
            db = self._sql
            db.execute("BEGIN IMMEDIATE")
            try:
                row = db.query("SELECT report_id FROM manifest WHERE path=?", (path,))
                if not row:
                    db.execute("COMMIT")
                    return None, False
                rid = row[0]["report_id"]
                self._lock_reports(rid)
                db.execute("DELETE FROM manifest WHERE path=?", (path,))
                dropped = not self._other_sources(rid, path)
                if dropped:
                    self._drop(db, rid)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return rid, dropped

    forget_source = remove_source

    def _drop(self, db, report_id: str) -> bool:
        """Inside the caller's transaction: the report's rows gone, its vectors marked for removal,
        the generation moved when it existed. True when it existed."""
        found = bool(db.query("SELECT 1 FROM reports WHERE report_id=?", (report_id,)))
        self._delete_rows(report_id)
        db.execute("INSERT OR IGNORE INTO pending_vectors (report_id) VALUES (?)", (report_id,))
        if found:
            self._bump(db)
        return found

    def touch_manifest(self, path: str, sha: str, report_id: str, size: int, mtime: float) -> None:
        with self._lock:
            self._sql.execute("INSERT OR REPLACE INTO manifest VALUES (?,?,?,?,?)", (path, sha, report_id, size, mtime))

    def remove_report(self, report_id: str) -> bool:
        with self._lock:
            db = self._sql
            db.execute("BEGIN IMMEDIATE")
            try:
                self._lock_reports(report_id)
                db.execute("DELETE FROM manifest WHERE report_id=?", (report_id,))
                found = self._drop(db, report_id)
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        return found

    def _lock_reports(self, *report_ids: str | None) -> None:
        """PostgreSQL, inside the caller's transaction: writers of the same report take turns (one
        commits, the other then sees it); writers of different reports run at once. SQLite has one
        writer at a time anyway."""
        if self.dialect != "postgresql":
            return
        for rid in sorted({r for r in report_ids if r}):
            self._sql.query("SELECT pg_advisory_xact_lock(CAST(? AS INTEGER), hashtext(?))", (REPORT_LOCK, rid))

    def mark_vectors_pending(self, report_ids: list[str], owner: str | None = None) -> None:
        """Before vectors are written: remember them, so a crash before the commit can be swept."""
        with self._lock:
            self._sql.executemany("INSERT OR IGNORE INTO pending_vectors (report_id, owner) VALUES (?,?)",
                                  [(r, owner) for r in report_ids])

    def pending_vectors(self, me: str | None = None) -> list[str]:
        """Report ids whose vectors may exist without a committed report (to delete from the vector
        store): never those of a live indexer process other than `me` (it may be about to commit)."""
        rows = self._q("SELECT report_id, owner FROM pending_vectors WHERE report_id NOT IN (SELECT report_id FROM reports)")
        return [r["report_id"] for r in rows if not r["owner"] or r["owner"] == me or not self.owner_alive(r["owner"])]

    # --- the work queue (PostgreSQL: indexer processes on several machines share the files) ----

    def owner_alive(self, owner: str) -> bool:
        """Whether the indexer process `owner` still holds its session lock."""
        if self.dialect != "postgresql":
            return False
        with self._lock:
            got = self._sql.query("SELECT pg_try_advisory_lock(CAST(? AS INTEGER), hashtext(?)) AS ok", (OWNER_LOCK, owner))[0]["ok"]
            if got:
                self._sql.query("SELECT pg_advisory_unlock(CAST(? AS INTEGER), hashtext(?))", (OWNER_LOCK, owner))
            return not got

    def enqueue(self, paths: list[str]) -> None:
        """Queue files; one already indexed by an earlier run is queued again (it is then found unchanged)."""
        with self._lock:
            self._sql.executemany("INSERT INTO work_queue (path, state) VALUES (?, 'queued') ON CONFLICT (path) DO "
                                  "UPDATE SET state='queued', owner=NULL WHERE work_queue.state='done'",
                                  [(p,) for p in paths])

    def reclaim(self) -> int:
        """Files taken by indexer processes that died: queued again."""
        owners = [r["owner"] for r in self._q("SELECT DISTINCT owner FROM work_queue WHERE state='taken'")]
        dead = [o for o in owners if o and not self.owner_alive(o)]
        with self._lock:
            for o in dead:
                self._sql.execute("UPDATE work_queue SET state='queued', owner=NULL WHERE state='taken' AND owner=?", (o,))
        return len(dead)

    def take(self, owner: str, paths: list[str], n: int) -> list[str]:
        """Up to `n` queued files among `paths`, now this owner's (FOR UPDATE SKIP LOCKED: processes
        taking at once get different files)."""
        with self._lock, self._sql.conn.cursor() as cur:
            cur.execute("UPDATE work_queue SET state='taken', owner=%s, taken_at=%s WHERE path IN ("
                        "SELECT path FROM work_queue WHERE state='queued' AND path = ANY(%s) ORDER BY path"
                        " LIMIT %s FOR UPDATE SKIP LOCKED) RETURNING path", (owner, time.time(), paths, n))
            return sorted(r["path"] for r in cur.fetchall())

    def finish(self, paths: list[str]) -> None:
        with self._lock:
            self._sql.executemany("UPDATE work_queue SET state='done' WHERE path=?", [(p,) for p in paths])

    def manifest_rows(self, paths: list[str]) -> dict[str, dict]:
        out: dict[str, dict] = {}
        for i in range(0, len(paths), 500):
            part = paths[i:i + 500]
            out |= {r["path"]: r for r in self._q(f"SELECT * FROM manifest WHERE path IN ({','.join('?' * len(part))})", part)}
        return out

    def clear_pending(self, report_ids: list[str]) -> None:
        with self._lock:
            self._sql.executemany("DELETE FROM pending_vectors WHERE report_id=?", [(r,) for r in report_ids])

    def _put_chunks(self, chunks: list[Chunk], tokens: list[list[str]]) -> None:
        """Inside the caller's transaction: the chunks and their full-text entries."""
        db = self._sql
        cols = "chunk_id, report_id, kind, text, section, table_title, row_label, start_pos, end_pos, page, tokens, meaning"
        rows = [(c.chunk_id, c.report_id, c.kind, c.text, c.section, c.table, c.row, c.start, c.end, c.page,
                 " ".join(t), getattr(c, "meaning", None)) for c, t in zip(chunks, tokens)]
        # in one order in every writer: two PostgreSQL writers inserting shared meanings in their own
        # (set) orders deadlock, and one report fails
        db.executemany("INSERT OR IGNORE INTO meanings VALUES (?)", [(m,) for m in sorted({r[11] for r in rows if r[11]})])
        if self.dialect == "sqlite":
            db.executemany(f"INSERT INTO chunks ({cols}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)", rows)
            db.executemany("INSERT INTO chunk_fts (tokens, rid, chunk_id) VALUES (?,?,?)",
                           [(r[10], r[1], r[0]) for r in rows])
        else:
            db.executemany(f"INSERT INTO chunks ({cols}, tsv) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?::tsvector)",
                           [(*r, tsvector_literal(t)) for r, t in zip(rows, tokens)])

    def _delete_rows(self, report_id: str) -> None:
        if self.dialect == "sqlite":
            self._sql.execute("DELETE FROM chunk_fts WHERE chunk_fts MATCH ?", (f"rid : {_fts_quote(report_id)}",))
        for table in ("reports", "facts", "checks", "chunks", "paragraphs"):
            self._sql.execute(f"DELETE FROM {table} WHERE report_id=?", (report_id,))

    @staticmethod
    def _bump(db) -> None:
        db.execute("INSERT INTO meta VALUES ('generation', '1') ON CONFLICT(key) "
                   "DO UPDATE SET value = CAST(CAST(meta.value AS INTEGER) + 1 AS TEXT)")

    # --- read side ------------------------------------------------------------------------

    def manifest(self) -> dict[str, dict]:
        return {r["path"]: r for r in self._q("SELECT * FROM manifest")}

    def manifest_of_name(self, key: str) -> dict[str, dict]:
        """The manifest rows of a file given by its path or by its name alone."""
        rows = self._q("SELECT * FROM manifest WHERE path=?", (key,))
        if not rows and "/" not in key:
            # (LIKE narrows; the name is compared exactly: % and _ in a name only widen the narrowing)
            rows = [r for r in self._q("SELECT * FROM manifest WHERE path LIKE ?", ("%/" + key,))
                    if Path(r["path"]).name == key]
        return {r["path"]: r for r in rows}

    def reports(self) -> list[dict]:
        return [_report_row(r) for r in self._q("SELECT * FROM reports ORDER BY agency, year")]

    def report_list(self) -> list[dict]:
        """Every report without its per-table reading (what answering holds in memory for each
        report: about a tenth of the whole row); `read_templates` says which template tables were read."""
        out = []
        for r in self._q("SELECT * FROM reports ORDER BY agency, year"):
            d = _report_row(r)
            d["read_templates"] = tuple(sorted({str(t.get("template") or "") for t in d.pop("reading") if t.get("read")}))
            out.append(d)
        return out

    def report(self, report_id: str) -> dict | None:
        """One report by id (a key lookup: the web routes ask this per request, at any corpus size)."""
        rows = self._q("SELECT * FROM reports WHERE report_id=?", (report_id,))
        return _report_row(rows[0]) if rows else None

    def reports_with_source(self, source: str) -> list[dict]:
        return [_report_row(r) for r in self._q("SELECT * FROM reports WHERE source=?", (source,))]

    def reports_of(self, agency: str, year: int) -> list[dict]:
        """The committed reports of one agency and year (normally one)."""
        return self._q("SELECT report_id, source, agency, year, sha256 FROM reports WHERE agency=? AND year=?"
                       " ORDER BY source", (agency, year))

    def conflicting_reports(self, report_ids: list[str] | set[str] | None = None) -> list[dict]:
        """Groups of two or more reports of one agency and year (e.g. the same report saved twice in
        different encodings, one edited), limited to groups touching `report_ids` when given.
        Each group: agency, year, reports [{report_id, source}], and `differing`: the table cells
        whose values differ between them, as {table, row, column, values: {report_id: value}}."""
        if report_ids is None:
            groups = self._q("SELECT agency, year FROM reports WHERE agency IS NOT NULL AND year IS NOT NULL"
                             " GROUP BY agency, year HAVING COUNT(*) > 1 ORDER BY agency, year")
        else:       # an answer's few reports: look at their agencies and years only
            ids = list(report_ids)
            groups = []
            for i in range(0, len(ids), 500):
                part = ids[i:i + 500]
                groups += self._q("SELECT DISTINCT agency, year FROM reports WHERE report_id IN "
                                  f"({','.join('?' * len(part))}) AND agency IS NOT NULL AND year IS NOT NULL", part)
        out = []
        for g in groups:
            members = self.reports_of(g["agency"], g["year"])
            if len(members) < 2:
                continue
            ids = [m["report_id"] for m in members]
            cells: dict[tuple, dict[str, str]] = {}
            for f in self.facts(ids):      # a cell by its labels, a prose figure by its section and subject
                key = ((f["table_title"], f["row_label"], f["col_label"]) if f["kind"] == "cell"
                       else (f["section"], f["label"], None))
                got = cells.setdefault(key, {})
                got[f["report_id"]] = "、".join(x for x in (got.get(f["report_id"]), f["value"]) if x is not None)
            differing = [{"table": k[0], "row": k[1], "column": k[2], "values": v} for k, v in cells.items()
                         if len(v) == len(ids) and len(set(v.values())) > 1]
            out.append({"agency": g["agency"], "year": g["year"],
                        "reports": [{"report_id": m["report_id"], "source": m["source"]} for m in members],
                        "differing": differing})
        return out

    def report_id_of_path(self, path: str) -> str | None:
        rows = self._q("SELECT report_id FROM reports WHERE path=?", (path,))
        return rows[0]["report_id"] if rows else None

    def has_report(self, report_id: str) -> bool:
        return bool(self._q("SELECT 1 FROM reports WHERE report_id=?", (report_id,)))

    def report_ids(self) -> set[str]:
        return {r["report_id"] for r in self._q("SELECT report_id FROM reports")}

    def facts(self, report_ids: list[str] | set[str]) -> list[dict]:
        ids = list(report_ids)
        if not ids:
            return []
        out = []
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out += [dict(r) for r in self._q(
                f"SELECT * FROM facts WHERE report_id IN ({','.join('?' * len(part))}) ORDER BY fact_id", part)]
        return out

    def distinct_cell_keys(self) -> list[tuple[str, str | None, str | None]]:
        return [(r["table_title"], r["row_label"], r["col_label"]) for r in self._q(
            "SELECT DISTINCT table_title, row_label, col_label FROM facts WHERE kind='cell'")]

    def prose_labels(self) -> list[tuple]:
        return [(r["fact_id"], r["report_id"], r["label"], r["quote"], r["value"], r["unit"], r["start_pos"]) for r in self._q(
            "SELECT fact_id, report_id, label, quote, value, unit, start_pos FROM facts WHERE kind='prose' ORDER BY fact_id")]

    def facts_by_key(self, key: tuple, report_ids: set[str] | None = None) -> list[dict]:
        """Cells with this (table, row, column) label, in the given reports (all when None)."""
        table, row, col = key
        if report_ids is not None and len(report_ids) <= 500:
            # a few reports: their ~200 facts each beat the key's rows across the whole corpus
            sql = (f"SELECT * FROM facts INDEXED BY facts_report WHERE report_id IN ({','.join('?' * len(report_ids))})"
                   " AND table_title=? AND row_label IS ? AND col_label IS ? AND kind='cell'")
            return self._q(sql, [*sorted(report_ids), table, row, col])
        return self._q("SELECT * FROM facts WHERE table_title=? AND row_label IS ? AND col_label IS ? AND kind='cell'",
                       (table, row, col))

    def facts_by_ids(self, fact_ids: list[int]) -> list[dict]:
        if not fact_ids:
            return []
        return [dict(r) for r in self._q(
            f"SELECT * FROM facts WHERE fact_id IN ({','.join('?' * len(fact_ids))})", list(fact_ids))]

    def checks(self, report_ids: list[str] | set[str] | None = None) -> list[dict]:
        if report_ids is None:
            rows = self._q("SELECT * FROM checks")
        else:
            ids = list(report_ids)
            if not ids:
                return []
            rows = self._q(f"SELECT * FROM checks WHERE report_id IN ({','.join('?' * len(ids))})", ids)
        out = []
        for r in rows:
            d = dict(r)
            d["cells"] = json.loads(d["cells"] or "[]")
            d["passed"] = None if d["passed"] is None else bool(d["passed"])
            out.append(d)
        return out

    def chunks(self, chunk_ids: list[str]) -> dict[str, dict]:
        if not chunk_ids:
            return {}
        rows = self._q(f"SELECT * FROM chunks WHERE chunk_id IN ({','.join('?' * len(chunk_ids))})", chunk_ids)
        return {r["chunk_id"]: dict(r) for r in rows}

    def paragraphs(self, report_ids: list[str] | set[str]) -> list[dict]:
        ids = list(report_ids)
        if not ids:
            return []
        return [dict(r) for r in self._q(
            f"SELECT * FROM paragraphs WHERE report_id IN ({','.join('?' * len(ids))})", ids)]

    def all_chunk_tokens(self) -> list[tuple[str, str, list[str]]]:
        return [(r["chunk_id"], r["report_id"], r["tokens"].split(" ") if r["tokens"] else [])
                for r in self._q("SELECT chunk_id, report_id, tokens FROM chunks ORDER BY chunk_id")]

    def lexical_search(self, tokens: list[str], k: int = 20,
                       report_ids: list[str] | set[str] | None = None) -> list[tuple[str, float]]:
        """(chunk_id, score) of the chunks that best match `tokens` (any of them), best first:
        FTS5's bm25() in SQLite, ts_rank_cd in PostgreSQL; limited to `report_ids` when given."""
        terms = list(dict.fromkeys(t for t in tokens if t and t.strip()))
        if not terms or (report_ids is not None and not report_ids):
            return []
        ids = None if report_ids is None else sorted(set(report_ids))
        if self.dialect == "sqlite":
            return self._fts5_search(terms, k, ids)
        query = " | ".join(_ts_quote(t) for t in terms)
        where, args = "", [query, query]
        if ids is not None:
            where, args = " AND report_id = ANY(%s)", [query, query, ids]
        with self._lock, self._sql.conn.cursor() as cur:
            cur.execute("SELECT chunk_id, ts_rank_cd(tsv, %s::tsquery) AS score FROM chunks"
                        f" WHERE tsv @@ %s::tsquery{where} ORDER BY score DESC, chunk_id LIMIT %s", (*args, k))
            return [(r["chunk_id"], float(r["score"])) for r in cur.fetchall()]

    def _fts5_search(self, terms: list[str], k: int, ids: list[str] | None) -> list[tuple[str, float]]:
        match = "tokens : (" + " OR ".join(_fts_quote(t) for t in terms) + ")"
        rank = "bm25(chunk_fts, 1.0, 0.0)"            # the report-id column counts for nothing
        if ids is not None and len(ids) <= LEXICAL_FILTER_IDS:
            match += " AND rid : (" + " OR ".join(_fts_quote(r) for r in ids) + ")"
            ids = None
        if ids is None:
            rows = self._q(f"SELECT chunk_id, {rank} AS r FROM chunk_fts WHERE chunk_fts MATCH ? ORDER BY r, chunk_id LIMIT ?",
                           (match, k))
        else:            # a wide filter: rank every match and keep the allowed reports' (no id list in SQL)
            allowed = set(ids)
            rows = [r for r in self._q(f"SELECT chunk_id, rid, {rank} AS r FROM chunk_fts WHERE chunk_fts MATCH ?"
                                       " ORDER BY r, chunk_id", (match,)) if r["rid"] in allowed][:k]
        return [(r["chunk_id"], -float(r["r"])) for r in rows]

    def known_meanings(self, meanings: list[str] | set[str]) -> set[str]:
        """Those of `meanings` whose vectors a committed report's indexing wrote."""
        ms, out = list(meanings), set()
        for i in range(0, len(ms), 500):
            part = ms[i:i + 500]
            out |= {r["meaning"] for r in self._q(
                f"SELECT meaning FROM meanings WHERE meaning IN ({','.join('?' * len(part))})", part)}
        return out

    def meaning_count(self) -> int:
        return self._q("SELECT COUNT(*) AS n FROM meanings")[0]["n"]

    def vector_ids(self) -> set[str]:
        """The ids the vector store should hold for the committed reports: each meaning of their
        chunks once (and a paragraph of an index built before paragraph meanings, by chunk id)."""
        return {r["v"] for r in self._q("SELECT chunk_id AS v FROM chunks WHERE kind <> 'table_row' AND meaning IS NULL"
                                        " UNION SELECT meaning AS v FROM chunks WHERE meaning IS NOT NULL")}

    def paragraph_meanings(self, report_ids: list[str], limit: int) -> list[tuple[str, str]] | None:
        """(chunk_id, meaning) of the paragraphs of these reports, or None when there are more than
        `limit` (the caller then searches the vector store instead of scoring each one)."""
        out: list[tuple[str, str]] = []
        ids = sorted(set(report_ids))
        for i in range(0, len(ids), 500):
            part = ids[i:i + 500]
            out += [(r["chunk_id"], r["meaning"]) for r in self._q(
                f"SELECT chunk_id, meaning FROM chunks WHERE report_id IN ({','.join('?' * len(part))})"
                f" AND kind = 'paragraph' AND meaning IS NOT NULL ORDER BY chunk_id", part)]
            if len(out) > limit:
                return None
        return out

    def has_unshared_paragraphs(self, report_ids: list[str] | None) -> bool:
        """Paragraphs stored before paragraph meanings (their vector is per report, by chunk id)."""
        if report_ids is None:
            return bool(self._q("SELECT 1 AS x FROM chunks WHERE meaning IS NULL AND kind = 'paragraph' LIMIT 1"))
        ids = sorted(set(report_ids))
        return any(self._q(f"SELECT 1 AS x FROM chunks WHERE meaning IS NULL AND kind = 'paragraph' AND report_id IN"
                           f" ({','.join('?' * len(ids[i:i + 500]))}) LIMIT 1", ids[i:i + 500])
                   for i in range(0, len(ids), 500))

    def meanings_of(self, report_ids: list[str]) -> set[str]:
        out: set[str] = set()
        for rid in set(report_ids):
            out |= {r["meaning"] for r in self._q("SELECT DISTINCT meaning FROM chunks WHERE report_id=?"
                                                  " AND meaning IS NOT NULL", (rid,))}
        return out

    def orphan_meanings(self, candidates: set[str]) -> list[str]:
        """Those of `candidates` (the meanings of replaced or removed reports) whose vectors were
        written but that no committed chunk has any more: one index probe each, at any corpus size."""
        out = []
        for m in sorted(candidates):
            if not self._q("SELECT 1 AS x FROM chunks WHERE meaning=? LIMIT 1", (m,)) \
                    and self._q("SELECT 1 AS x FROM meanings WHERE meaning=?", (m,)):
                out.append(m)
        return out

    def forget_meanings(self, meanings: list[str]) -> None:
        """Before their vectors are deleted: a report committed later with one of these meanings
        then writes its vector again."""
        with self._lock:
            for i in range(0, len(meanings), 500):
                part = meanings[i:i + 500]
                self._sql.execute(f"DELETE FROM meanings WHERE meaning IN ({','.join('?' * len(part))})", part)

    def chunks_of_meanings(self, meanings: list[str], report_ids: list[str] | None, limit: int) -> list[tuple[str, str]]:
        """(meaning, chunk_id) of the chunks with these meanings, in the given reports (all when
        None), the meanings' order kept, at most `limit` in all."""
        out: list[tuple[str, str]] = []
        for m in meanings:
            if report_ids is None:
                parts = [None]
            else:
                ids = sorted(set(report_ids))
                parts = [ids[i:i + 500] for i in range(0, len(ids), 500)]
            for part in parts:
                if len(out) >= limit:
                    return out
                if part is None:
                    rows = self._q("SELECT chunk_id FROM chunks WHERE meaning=? ORDER BY report_id LIMIT ?",
                                   (m, limit - len(out)))
                else:
                    rows = self._q(f"SELECT chunk_id FROM chunks WHERE meaning=? AND report_id IN "
                                   f"({','.join('?' * len(part))}) ORDER BY report_id LIMIT ?", (m, *part, limit - len(out)))
                out += [(m, r["chunk_id"]) for r in rows]
        return out


def _report_row(r) -> dict:
    d = dict(r)
    d["aliases"] = json.loads(d["aliases"] or "[]")
    d["warnings"] = json.loads(d["warnings"] or "[]")
    d["reading"] = json.loads(d.get("reading") or "[]")
    return d
