//! The simulated account's persistence: typed documents in memory, written through to SQLite.
//!
//! Every document is one JSON row in `entities(kind, id, doc)`; id counters live in
//! `counters`. That keeps ~35 kinds of objects tractable (no schema per type) while SQLite
//! gives durability across restarts. The memory side holds each document as its Rust type
//! (see [`crate::documents`]), so reads and lists cost no parsing: handlers ask for
//! `tx.get::<Purchase>(id)` or iterate `tx.all::<Transaction>()` over thousands of rows.
//!
//! A request runs as one [`Tx`]: changes go to the cache immediately and are recorded in an undo
//! log; `commit` writes the touched documents in one SQLite transaction, and a failed handler (or
//! a failed write) rolls the cache back. The caller serialises transactions with a mutex, so
//! concurrent requests never interleave.

use std::any::Any;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use crate::config::StateLocation;
use crate::documents::{self as d, Document};
use crate::error::{ApiError, SandboxError};

/// Bump when the document layout changes; an older state file is then regenerated.
/// 2: typed documents (flags, counts and amounts normalised; deleted products kept).
const SCHEMA_VERSION: &str = "2";

/// A stored document of any kind (the type-erased side of [`Document`]).
pub trait Stored: Any + Send + Sync {
    /// For typed reads.
    fn as_any(&self) -> &dyn Any;
    /// For typed writes.
    fn as_any_mut(&mut self) -> &mut dyn Any;
    /// For typed removal.
    fn into_any(self: Box<Self>) -> Box<dyn Any>;
    /// A copy (snapshots, undo).
    fn clone_box(&self) -> Box<dyn Stored>;
    /// The JSON row written to SQLite.
    fn to_json(&self) -> serde_json::Result<String>;
}

impl<T: Document> Stored for T {
    fn as_any(&self) -> &dyn Any {
        self
    }
    fn as_any_mut(&mut self) -> &mut dyn Any {
        self
    }
    fn into_any(self: Box<Self>) -> Box<dyn Any> {
        self
    }
    fn clone_box(&self) -> Box<dyn Stored> {
        Box::new(self.clone())
    }
    fn to_json(&self) -> serde_json::Result<String> {
        serde_json::to_string(self)
    }
}

impl Clone for Box<dyn Stored> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

type Loader = fn(&str) -> serde_json::Result<Box<dyn Stored>>;

fn loader<T: Document>(json: &str) -> serde_json::Result<Box<dyn Stored>> {
    Ok(Box::new(serde_json::from_str::<T>(json)?))
}

/// Every kind of document, for reading them back from SQLite.
const KINDS: &[(&str, Loader)] = &[
    (d::Account::KIND, loader::<d::Account>),
    (d::AccountAccess::KIND, loader::<d::AccountAccess>),
    (d::MemberAccess::KIND, loader::<d::MemberAccess>),
    (d::ApiKeyRequest::KIND, loader::<d::ApiKeyRequest>),
    (d::ApiKey::KIND, loader::<d::ApiKey>),
    (d::RevokedKey::KIND, loader::<d::RevokedKey>),
    (d::Ipn::KIND, loader::<d::Ipn>),
    (d::ConversionTool::KIND, loader::<d::ConversionTool>),
    (d::Product::KIND, loader::<d::Product>),
    (d::DeletedProduct::KIND, loader::<d::DeletedProduct>),
    (d::ProductGroup::KIND, loader::<d::ProductGroup>),
    (d::PaymentPlan::KIND, loader::<d::PaymentPlan>),
    (d::Upsells::KIND, loader::<d::Upsells>),
    (d::Orderform::KIND, loader::<d::Orderform>),
    (d::Image::KIND, loader::<d::Image>),
    (d::ShippingPolicy::KIND, loader::<d::ShippingPolicy>),
    (d::Voucher::KIND, loader::<d::Voucher>),
    (d::BuyUrl::KIND, loader::<d::BuyUrl>),
    (d::Upgrade::KIND, loader::<d::Upgrade>),
    (d::SmartUpgrade::KIND, loader::<d::SmartUpgrade>),
    (d::MarketplaceEntry::KIND, loader::<d::MarketplaceEntry>),
    (d::Buyer::KIND, loader::<d::Buyer>),
    (d::Purchase::KIND, loader::<d::Purchase>),
    (d::Transaction::KIND, loader::<d::Transaction>),
    (d::RebillChange::KIND, loader::<d::RebillChange>),
    (d::Payout::KIND, loader::<d::Payout>),
    (d::FraudReport::KIND, loader::<d::FraudReport>),
    (d::CustomFormRecord::KIND, loader::<d::CustomFormRecord>),
    (d::Affiliate::KIND, loader::<d::Affiliate>),
    (d::Commission::KIND, loader::<d::Commission>),
    (d::Referrer::KIND, loader::<d::Referrer>),
    (d::EmailAffiliate::KIND, loader::<d::EmailAffiliate>),
    (d::Eticket::KIND, loader::<d::Eticket>),
    (d::EticketTemplate::KIND, loader::<d::EticketTemplate>),
    (d::EticketLocation::KIND, loader::<d::EticketLocation>),
    (d::Delivery::KIND, loader::<d::Delivery>),
    (d::ServiceProof::KIND, loader::<d::ServiceProof>),
];

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

/// The documents of one kind, keyed by [`IdKey`], each stored with its id text.
#[derive(Clone, Default)]
struct Table(BTreeMap<IdKey, (String, Box<dyn Stored>)>);

impl Table {
    fn get(&self, id: &str) -> Option<&dyn Stored> {
        self.0.get(&IdKey::of(id)).map(|(_, v)| v.as_ref())
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut Box<dyn Stored>> {
        self.0.get_mut(&IdKey::of(id)).map(|(_, v)| v)
    }

    fn insert(&mut self, id: &str, doc: Box<dyn Stored>) {
        self.0.insert(IdKey::of(id), (id.to_string(), doc));
    }

    fn remove(&mut self, id: &str) -> Option<Box<dyn Stored>> {
        self.0.remove(&IdKey::of(id)).map(|(_, v)| v)
    }
}

/// The open account: every document in memory, written through to SQLite for file state.
/// In-memory state (`:memory:`) has no database at all: nothing would survive anyway, and
/// skipping serialisation keeps test sandboxes cheap to start.
pub struct Store {
    conn: Option<Connection>,
    /// Held while the store is open: one process per state file (see [`lock_state`]).
    _lock: Option<std::fs::File>,
    location: String,
    tables: HashMap<&'static str, Table>,
    counters: HashMap<String, i64>,
    meta: HashMap<String, String>,
}

/// A copy of a whole account (used to start in-memory sandboxes from one generated seed).
#[derive(Clone)]
pub struct Snapshot {
    tables: HashMap<&'static str, Table>,
    counters: HashMap<String, i64>,
    meta: HashMap<String, String>,
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("kinds", &self.tables.len())
            .finish_non_exhaustive()
    }
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
        kind: &'static str,
        id: String,
        old: Option<Box<dyn Stored>>,
    },
    Counter {
        kind: String,
        old: Option<i64>,
    },
}

/// Takes `<state>.lock` for this process. The account lives in memory and is written through
/// to the file, so two processes on one file (Claude Desktop's `stdio --sandbox` beside a
/// `serve --sandbox` in a terminal, both on the default path) would hand out the same ids and
/// overwrite each other's writes without a word. The second one is refused instead.
fn lock_state(path: &Path, loc: &str) -> Result<std::fs::File, SandboxError> {
    let unwritable = |cause| SandboxError::Unwritable {
        location: loc.to_owned(),
        cause,
    };
    if let Some(dir) = path.parent()
        && !dir.as_os_str().is_empty()
    {
        std::fs::create_dir_all(dir).map_err(unwritable)?;
    }
    let mut name = path.as_os_str().to_owned();
    name.push(".lock");
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&name)
        .map_err(unwritable)?;
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(SandboxError::InUse {
            location: loc.to_owned(),
        }),
        Err(std::fs::TryLockError::Error(cause)) => Err(unwritable(cause)),
    }
}

fn open_file(path: &Path, reset: bool, loc: &str) -> Result<(Connection, bool), SandboxError> {
    let store_err = |cause| SandboxError::Store {
        location: loc.to_string(),
        cause,
    };
    let unwritable = |cause| SandboxError::Unwritable {
        location: loc.to_string(),
        cause,
    };
    if reset {
        // "Regenerate" also holds for a file that is no sandbox account at all (or no SQLite).
        for suffix in ["", "-wal", "-shm"] {
            let mut name = path.as_os_str().to_owned();
            name.push(suffix);
            match std::fs::remove_file(&name) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(unwritable(e)),
                _ => {}
            }
        }
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
        let (conn, lock, must_seed) = match location {
            StateLocation::Memory => (None, None, true),
            StateLocation::File(path) => {
                // Taken before anything is read or reset.
                let lock = lock_state(path, &loc)?;
                let (c, seed) = open_file(path, reset, &loc)?;
                (Some(c), Some(lock), seed)
            }
        };
        let mut store = Self {
            conn,
            _lock: lock,
            location: loc.clone(),
            tables: HashMap::new(),
            counters: HashMap::new(),
            meta: HashMap::new(),
        };
        if !must_seed {
            store.load().map_err(|e| match e {
                LoadError::Sql(cause) => SandboxError::Store {
                    location: loc.clone(),
                    cause,
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
            let Some((kind, load)) = KINDS.iter().find(|(k, _)| *k == kind) else {
                return Err(LoadError::Json(format!("unknown document kind '{kind}'")));
            };
            let v =
                load(&doc).map_err(|e| LoadError::Json(format!("document {kind}/{id}: {e}")))?;
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
            let err = |cause| SandboxError::Store {
                location: self.location.clone(),
                cause,
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
        dirty: &BTreeSet<(&'static str, String)>,
        dirty_counters: &BTreeSet<String>,
    ) -> Result<(), WriteError> {
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
                        put.execute(params![kind, id, doc.to_json()?])?;
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
        tx.commit()?;
        Ok(())
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

#[derive(Debug, thiserror::Error)]
enum WriteError {
    #[error("{0}")]
    Sql(#[from] rusqlite::Error),
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// One request's view of the account, with undo on drop unless committed.
pub struct Tx<'s> {
    store: &'s mut Store,
    undo: Vec<Undo>,
    dirty: BTreeSet<(&'static str, String)>,
    dirty_counters: BTreeSet<String>,
    done: bool,
}

impl Tx<'_> {
    /// One document.
    pub fn get<T: Document>(&self, id: &str) -> Option<&T> {
        self.store
            .tables
            .get(T::KIND)
            .and_then(|t| t.get(id))
            .and_then(|d| d.as_any().downcast_ref::<T>())
    }

    /// Whether a document exists.
    pub fn exists<T: Document>(&self, id: &str) -> bool {
        self.get::<T>(id).is_some()
    }

    /// All documents of a kind, ordered by id (numeric ids numerically).
    pub fn all<T: Document>(&self) -> impl DoubleEndedIterator<Item = &T> + '_ {
        self.store
            .tables
            .get(T::KIND)
            .into_iter()
            .flat_map(|t| t.0.values())
            .filter_map(|(_, d)| d.as_any().downcast_ref::<T>())
    }

    /// Number of documents of a kind.
    pub fn count<T: Document>(&self) -> usize {
        self.store.tables.get(T::KIND).map_or(0, |t| t.0.len())
    }

    fn remember(&mut self, kind: &'static str, id: &str) {
        if self.dirty.insert((kind, id.to_string())) {
            let old = self
                .store
                .tables
                .get(kind)
                .and_then(|t| t.get(id))
                .map(Stored::clone_box);
            self.undo.push(Undo::Doc {
                kind,
                id: id.to_string(),
                old,
            });
        }
    }

    /// Inserts or replaces a document (under its own id).
    pub fn put<T: Document>(&mut self, doc: T) {
        let id = doc.id();
        self.remember(T::KIND, &id);
        self.store
            .tables
            .entry(T::KIND)
            .or_default()
            .insert(&id, Box::new(doc));
    }

    /// A document to change in place.
    pub fn get_mut<T: Document>(&mut self, id: &str) -> Option<&mut T> {
        if !self.exists::<T>(id) {
            return None;
        }
        self.remember(T::KIND, id);
        self.store
            .tables
            .get_mut(T::KIND)
            .and_then(|t| t.get_mut(id))
            .and_then(|d| d.as_any_mut().downcast_mut::<T>())
    }

    /// Removes a document, returning it.
    pub fn delete<T: Document>(&mut self, id: &str) -> Option<T> {
        if !self.exists::<T>(id) {
            return None;
        }
        self.remember(T::KIND, id);
        let doc = self.store.tables.get_mut(T::KIND)?.remove(id)?;
        doc.into_any().downcast::<T>().ok().map(|b| *b)
    }

    /// The next value of a counter (starting at `first`), advancing it.
    pub fn next_id(&mut self, counter: &str, first: i64) -> i64 {
        if self.dirty_counters.insert(counter.to_string()) {
            let old = self.store.counters.get(counter).copied();
            self.undo.push(Undo::Counter {
                kind: counter.to_string(),
                old,
            });
        }
        let slot = self
            .store
            .counters
            .entry(counter.to_string())
            .or_insert(first);
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
        crate::ids::splitmix(seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15))
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
    use crate::documents::ProductGroup;

    fn group(id: &str, name: &str) -> ProductGroup {
        ProductGroup {
            id: id.into(),
            name: name.into(),
            position: 1,
            is_shown_as_tab: false,
            created_at: String::new(),
            modified_at: String::new(),
        }
    }

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
    fn every_kind_is_loadable() {
        let mut kinds: Vec<&str> = KINDS.iter().map(|k| k.0).collect();
        kinds.sort_unstable();
        let n = kinds.len();
        kinds.dedup();
        assert_eq!(kinds.len(), n, "a kind is listed twice");
    }

    #[test]
    fn rollback_on_drop_and_commit() {
        let (mut s, fresh) = Store::open(&StateLocation::Memory, false).unwrap();
        assert!(fresh);
        {
            let mut tx = s.begin();
            tx.put(group("1", "a"));
            assert_eq!(tx.next_id("thing", 100), 100);
            tx.commit().unwrap();
        }
        {
            let mut tx = s.begin();
            tx.put(group("2", "b"));
            tx.get_mut::<ProductGroup>("1").unwrap().name = "changed".into();
            assert_eq!(tx.next_id("thing", 100), 101);
            // dropped without commit
        }
        let mut tx = s.begin();
        assert_eq!(tx.get::<ProductGroup>("1"), Some(&group("1", "a")));
        assert!(tx.get::<ProductGroup>("2").is_none());
        assert_eq!(tx.next_id("thing", 100), 101);
        assert_eq!(tx.delete::<ProductGroup>("1"), Some(group("1", "a")));
        assert_eq!(tx.count::<ProductGroup>(), 0);
    }

    #[test]
    fn file_state_survives_reopen() {
        let dir = std::env::temp_dir().join(format!("ds24-sbx-store-{}", std::process::id()));
        // A directory of an earlier run with the same process id would not be fresh.
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("s.sqlite");
        let loc = StateLocation::File(path.clone());
        {
            let (mut s, fresh) = Store::open(&loc, false).unwrap();
            assert!(fresh);
            let mut tx = s.begin();
            tx.put(group("7", "y"));
            tx.commit().unwrap();
            s.mark_seeded(1, "now").unwrap();
        }
        {
            let (mut s, fresh) = Store::open(&loc, false).unwrap();
            assert!(!fresh);
            let tx = s.begin();
            assert_eq!(tx.get::<ProductGroup>("7"), Some(&group("7", "y")));
        }
        {
            let (mut s, fresh) = Store::open(&loc, true).unwrap();
            assert!(fresh, "reset empties the account");
            let tx = s.begin();
            assert!(tx.get::<ProductGroup>("7").is_none());
        }
        let _ = std::fs::remove_dir_all(dir);
    }
}
