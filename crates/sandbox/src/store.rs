//! The simulated account's persistence: documents in SQLite with a write-through memory cache.
//!
//! Every entity is one JSON document in `entities(kind, id, doc)`; id counters live in
//! `counters`. That keeps 123 functions tractable (no schema per object type) while SQLite gives
//! durability across restarts. All reads are served from the in-memory cache, so list and
//! statistics calls over thousands of rows cost microseconds, not queries.
//!
//! A request runs as one [`Tx`]: changes go to the cache immediately and are recorded in an undo
//! log; `commit` writes the touched documents in one SQLite transaction, and a failed handler (or
//! a failed write) rolls the cache back. The caller serialises transactions with a mutex, so
//! concurrent requests never interleave.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::Value;

use crate::config::StateLocation;
use crate::error::{ApiError, SandboxError};

/// Bump when the document layout changes; an older state file is then regenerated.
const SCHEMA_VERSION: &str = "1";

/// An entity id that sorts numerically when it is numeric (`"9" < "10"`), numbers first.
/// Numeric ids are kept as numbers so lookups by id do not allocate.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum IdKey {
    /// A canonical decimal number (no sign, no leading zeros).
    Num(u64),
    /// Anything else (order ids, codes, tokens).
    Text(String),
}

impl IdKey {
    /// The key of an id string.
    pub fn of(id: &str) -> Self {
        let canonical = !id.is_empty()
            && id.bytes().all(|b| b.is_ascii_digit())
            && (id.len() == 1 || !id.starts_with('0'));
        match id.parse::<u64>() {
            Ok(n) if canonical => Self::Num(n),
            _ => Self::Text(id.to_string()),
        }
    }
}

/// The documents of one kind, keyed by [`IdKey`], each stored with its id text so iteration
/// hands out `&str` ids without allocating.
#[derive(Debug, Clone, Default)]
struct Table(BTreeMap<IdKey, (String, Value)>);

impl Table {
    fn get(&self, id: &str) -> Option<&Value> {
        self.0.get(&IdKey::of(id)).map(|(_, v)| v)
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Value> {
        self.0.get_mut(&IdKey::of(id)).map(|(_, v)| v)
    }

    fn insert(&mut self, id: &str, doc: Value) {
        self.0.insert(IdKey::of(id), (id.to_string(), doc));
    }

    fn remove(&mut self, id: &str) -> Option<Value> {
        self.0.remove(&IdKey::of(id)).map(|(_, v)| v)
    }

    fn iter(&self) -> impl DoubleEndedIterator<Item = (&str, &Value)> {
        self.0.values().map(|(id, v)| (id.as_str(), v))
    }

    fn len(&self) -> usize {
        self.0.len()
    }
}

/// The open account: the cache of every document, written through to SQLite for file state.
/// In-memory state (`:memory:`) has no database at all: nothing would survive anyway, and
/// skipping serialisation keeps test sandboxes cheap to start.
pub struct Store {
    conn: Option<Connection>,
    location: String,
    tables: HashMap<String, Table>,
    counters: HashMap<String, i64>,
    meta: HashMap<String, String>,
}

/// A copy of a whole account (used to start in-memory sandboxes from one generated seed).
#[derive(Debug, Clone)]
pub struct Snapshot {
    tables: HashMap<String, Table>,
    counters: HashMap<String, i64>,
    meta: HashMap<String, String>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store")
            .field("location", &self.location)
            .field("kinds", &self.tables.len())
            .finish()
    }
}

enum Undo {
    Doc {
        kind: String,
        id: String,
        old: Option<Value>,
    },
    Counter {
        kind: String,
        old: Option<i64>,
    },
}

fn open_file(path: &Path, reset: bool, loc: &str) -> Result<(Connection, bool), SandboxError> {
    let store_err = |source| SandboxError::Store {
        location: loc.to_string(),
        source,
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir)?;
    }
    let conn = Connection::open(path).map_err(store_err)?;
    conn.busy_timeout(std::time::Duration::from_secs(5))
        .map_err(store_err)?;
    // WAL keeps commits cheap; NORMAL is durable enough for a simulator.
    conn.pragma_update(None, "journal_mode", "WAL")
        .map_err(|e| SandboxError::Corrupt {
            location: loc.to_string(),
            detail: format!("not a SQLite database ({e})"),
        })?;
    conn.pragma_update(None, "synchronous", "NORMAL")
        .map_err(store_err)?;
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS entities (
             kind TEXT NOT NULL, id TEXT NOT NULL, doc TEXT NOT NULL,
             PRIMARY KEY (kind, id)) WITHOUT ROWID;
         CREATE TABLE IF NOT EXISTS counters (kind TEXT PRIMARY KEY, next INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);",
    )
    .map_err(store_err)?;
    let schema: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = 'schema'", [], |r| {
            r.get(0)
        })
        .optional()
        .map_err(store_err)?;
    let must_seed = reset || schema.as_deref() != Some(SCHEMA_VERSION);
    if must_seed {
        if schema.is_some() && !reset {
            tracing::warn!(state = %loc, "sandbox state has an old layout; regenerating the demo account");
        }
        conn.execute_batch("DELETE FROM entities; DELETE FROM counters; DELETE FROM meta;")
            .map_err(store_err)?;
    }
    Ok((conn, must_seed))
}

impl Store {
    /// Opens (creating if needed) the state at `location` and loads it into memory. Returns
    /// whether the account is empty and must be seeded (fresh file, `reset`, an old schema, or
    /// in-memory state).
    pub fn open(location: &StateLocation, reset: bool) -> Result<(Self, bool), SandboxError> {
        let loc = location.to_string();
        let (conn, must_seed) = match location {
            StateLocation::Memory => (None, true),
            StateLocation::File(path) => {
                let (c, seed) = open_file(path, reset, &loc)?;
                (Some(c), seed)
            }
        };
        let mut store = Self {
            conn,
            location: loc.clone(),
            tables: HashMap::new(),
            counters: HashMap::new(),
            meta: HashMap::new(),
        };
        if !must_seed {
            store.load().map_err(|e| match e {
                LoadError::Sql(source) => SandboxError::Store {
                    location: loc.clone(),
                    source,
                },
                LoadError::Json(detail) => SandboxError::Corrupt {
                    location: loc.clone(),
                    detail,
                },
            })?;
        }
        Ok((store, must_seed))
    }

    /// A copy of the whole account.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            tables: self.tables.clone(),
            counters: self.counters.clone(),
            meta: self.meta.clone(),
        }
    }

    /// Replaces the (in-memory) account by a snapshot.
    pub fn restore(&mut self, snap: &Snapshot) {
        self.tables = snap.tables.clone();
        self.counters = snap.counters.clone();
        self.meta = snap.meta.clone();
    }

    fn load(&mut self) -> Result<(), LoadError> {
        let Some(conn) = &self.conn else {
            return Ok(());
        };
        let mut stmt = conn.prepare("SELECT kind, id, doc FROM entities")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
            ))
        })?;
        for row in rows {
            let (kind, id, doc) = row?;
            let v: Value = serde_json::from_str(&doc)
                .map_err(|e| LoadError::Json(format!("document {kind}/{id}: {e}")))?;
            self.tables.entry(kind).or_default().insert(&id, v);
        }
        drop(stmt);
        let mut stmt = conn.prepare("SELECT kind, next FROM counters")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        for row in rows {
            let (k, n) = row?;
            self.counters.insert(k, n);
        }
        drop(stmt);
        let mut stmt = conn.prepare("SELECT key, value FROM meta")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?)))?;
        for row in rows {
            let (k, v) = row?;
            self.meta.insert(k, v);
        }
        Ok(())
    }

    /// Records that the account has been seeded (with the schema version).
    pub fn mark_seeded(&mut self, seed: u64, at: &str) -> Result<(), SandboxError> {
        let entries = [
            ("schema", SCHEMA_VERSION.to_string()),
            ("seed", seed.to_string()),
            ("seeded_at", at.to_string()),
        ];
        if let Some(conn) = &mut self.conn {
            let err = |source| SandboxError::Store {
                location: self.location.clone(),
                source,
            };
            let tx = conn.transaction().map_err(err)?;
            for (k, v) in &entries {
                tx.execute(
                    "INSERT OR REPLACE INTO meta (key, value) VALUES (?1, ?2)",
                    params![k, v],
                )
                .map_err(err)?;
            }
            tx.commit().map_err(err)?;
        }
        for (k, v) in entries {
            self.meta.insert(k.to_string(), v);
        }
        Ok(())
    }

    /// A `meta` value.
    pub fn meta(&self, key: &str) -> Option<&str> {
        self.meta.get(key).map(String::as_str)
    }

    /// Starts a transaction over the account.
    pub fn begin(&mut self) -> Tx<'_> {
        Tx {
            store: self,
            undo: Vec::new(),
            dirty: BTreeSet::new(),
            dirty_counters: BTreeSet::new(),
            done: false,
        }
    }

    fn write(
        &mut self,
        dirty: &BTreeSet<(String, String)>,
        dirty_counters: &BTreeSet<String>,
    ) -> rusqlite::Result<()> {
        let Some(conn) = &mut self.conn else {
            return Ok(());
        };
        let tx = conn.transaction()?;
        {
            let mut put = tx.prepare_cached(
                "INSERT OR REPLACE INTO entities (kind, id, doc) VALUES (?1, ?2, ?3)",
            )?;
            let mut del = tx.prepare_cached("DELETE FROM entities WHERE kind = ?1 AND id = ?2")?;
            for (kind, id) in dirty {
                match self.tables.get(kind).and_then(|t| t.get(id)) {
                    Some(doc) => {
                        put.execute(params![kind, id, doc.to_string()])?;
                    }
                    None => {
                        del.execute(params![kind, id])?;
                    }
                }
            }
            let mut ctr =
                tx.prepare_cached("INSERT OR REPLACE INTO counters (kind, next) VALUES (?1, ?2)")?;
            for kind in dirty_counters {
                if let Some(n) = self.counters.get(kind) {
                    ctr.execute(params![kind, n])?;
                }
            }
        }
        tx.commit()
    }
}

enum LoadError {
    Sql(rusqlite::Error),
    Json(String),
}

impl From<rusqlite::Error> for LoadError {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

/// One request's view of the account, with undo on drop unless committed.
pub struct Tx<'s> {
    store: &'s mut Store,
    undo: Vec<Undo>,
    dirty: BTreeSet<(String, String)>,
    dirty_counters: BTreeSet<String>,
    done: bool,
}

impl Tx<'_> {
    /// One document.
    pub fn get(&self, kind: &str, id: &str) -> Option<&Value> {
        self.store.tables.get(kind).and_then(|t| t.get(id))
    }

    /// Whether a document exists.
    pub fn exists(&self, kind: &str, id: &str) -> bool {
        self.get(kind, id).is_some()
    }

    /// All documents of a kind, ordered by id (numeric ids numerically).
    pub fn all(&self, kind: &str) -> impl DoubleEndedIterator<Item = (&str, &Value)> + '_ {
        self.store
            .tables
            .get(kind)
            .into_iter()
            .flat_map(Table::iter)
    }

    /// Number of documents of a kind.
    pub fn count(&self, kind: &str) -> usize {
        self.store.tables.get(kind).map_or(0, Table::len)
    }

    fn remember(&mut self, kind: &str, id: &str) {
        let key = (kind.to_string(), id.to_string());
        if self.dirty.insert(key) {
            let old = self.get(kind, id).cloned();
            self.undo.push(Undo::Doc {
                kind: kind.to_string(),
                id: id.to_string(),
                old,
            });
        }
    }

    /// Inserts or replaces a document.
    pub fn put(&mut self, kind: &str, id: &str, doc: Value) {
        self.remember(kind, id);
        self.store
            .tables
            .entry(kind.to_string())
            .or_default()
            .insert(id, doc);
    }

    /// A document to change in place.
    pub fn get_mut(&mut self, kind: &str, id: &str) -> Option<&mut Value> {
        if !self.exists(kind, id) {
            return None;
        }
        self.remember(kind, id);
        self.store.tables.get_mut(kind).and_then(|t| t.get_mut(id))
    }

    /// Removes a document, returning it.
    pub fn delete(&mut self, kind: &str, id: &str) -> Option<Value> {
        if !self.exists(kind, id) {
            return None;
        }
        self.remember(kind, id);
        self.store.tables.get_mut(kind).and_then(|t| t.remove(id))
    }

    /// The next value of a counter (starting at `first`), advancing it.
    pub fn next_id(&mut self, kind: &str, first: i64) -> i64 {
        if self.dirty_counters.insert(kind.to_string()) {
            let old = self.store.counters.get(kind).copied();
            self.undo.push(Undo::Counter {
                kind: kind.to_string(),
                old,
            });
        }
        let slot = self.store.counters.entry(kind.to_string()).or_insert(first);
        if *slot < first {
            *slot = first;
        }
        let v = *slot;
        *slot += 1;
        v
    }

    /// A deterministic pseudo-random number from the persisted sequence (tokens, keys, codes).
    pub fn random(&mut self) -> u64 {
        let n = self.next_id("~rng", 1);
        let seed: u64 = self
            .store
            .meta("seed")
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        crate::seed::splitmix(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
    }

    /// Writes all changes to SQLite. On a write error the cache is rolled back.
    pub fn commit(mut self) -> Result<(), ApiError> {
        if self.dirty.is_empty() && self.dirty_counters.is_empty() {
            self.done = true;
            return Ok(());
        }
        let dirty = std::mem::take(&mut self.dirty);
        let counters = std::mem::take(&mut self.dirty_counters);
        match self.store.write(&dirty, &counters) {
            Ok(()) => {
                self.done = true;
                Ok(())
            }
            Err(e) => {
                tracing::error!(error = %e, "sandbox state write failed; rolled back");
                Err(ApiError::internal(&e.to_string()))
            }
        }
    }

    fn rollback(&mut self) {
        while let Some(u) = self.undo.pop() {
            match u {
                Undo::Doc { kind, id, old } => {
                    let table = self.store.tables.entry(kind).or_default();
                    match old {
                        Some(doc) => {
                            table.insert(&id, doc);
                        }
                        None => {
                            table.remove(&id);
                        }
                    }
                }
                Undo::Counter { kind, old } => match old {
                    Some(n) => {
                        self.store.counters.insert(kind, n);
                    }
                    None => {
                        self.store.counters.remove(&kind);
                    }
                },
            }
        }
    }
}

impl Drop for Tx<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.rollback();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numeric_ids_sort_numerically() {
        let mut v = [
            IdKey::of("10"),
            IdKey::of("9"),
            IdKey::of("AB"),
            IdKey::of("007"),
        ];
        v.sort();
        assert_eq!(v[0], IdKey::Num(9));
        assert_eq!(v[1], IdKey::Num(10));
        assert_eq!(v[2], IdKey::Text("007".into()));
        assert_eq!(v[3], IdKey::Text("AB".into()));
    }

    #[test]
    fn rollback_on_drop_and_commit() {
        let (mut s, fresh) = Store::open(&StateLocation::Memory, false).unwrap();
        assert!(fresh);
        {
            let mut tx = s.begin();
            tx.put("thing", "1", json!({"a": 1}));
            assert_eq!(tx.next_id("thing", 100), 100);
            tx.commit().unwrap();
        }
        {
            let mut tx = s.begin();
            tx.put("thing", "2", json!({"a": 2}));
            tx.get_mut("thing", "1").unwrap()["a"] = json!(5);
            assert_eq!(tx.next_id("thing", 100), 101);
            // dropped without commit
        }
        let mut tx = s.begin();
        assert_eq!(tx.get("thing", "1"), Some(&json!({"a": 1})));
        assert!(tx.get("thing", "2").is_none());
        assert_eq!(tx.next_id("thing", 100), 101);
    }

    #[test]
    fn file_state_survives_reopen() {
        let dir = std::env::temp_dir().join(format!("ds24-sbx-store-{}", std::process::id()));
        let path = dir.join("s.sqlite");
        let loc = StateLocation::File(path.clone());
        {
            let (mut s, fresh) = Store::open(&loc, false).unwrap();
            assert!(fresh);
            let mut tx = s.begin();
            tx.put("thing", "7", json!({"x": "y"}));
            tx.commit().unwrap();
            s.mark_seeded(1, "now").unwrap();
        }
        {
            let (mut s, fresh) = Store::open(&loc, false).unwrap();
            assert!(!fresh);
            let tx = s.begin();
            assert_eq!(tx.get("thing", "7"), Some(&json!({"x": "y"})));
        }
        {
            let (mut s, fresh) = Store::open(&loc, true).unwrap();
            assert!(fresh, "reset empties the account");
            let tx = s.begin();
            assert!(tx.get("thing", "7").is_none());
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
