//! The storage interface, backend-neutral: plain Rust types in and out, no database crate named.
//! The API speaks only to these traits, one per kind of thing stored (`SubmissionStore`,
//! `LedgerStore`, `SpotStore`, `AccountStore`, `AuditStore`, `AttachmentStore`), gathered in
//! `Storage`; SQLite implements them in `sqlite/` (one file per trait), and a PostgreSQL backend
//! will implement the same traits beside it. Every method is a whole unit of work (one
//! transaction): idempotency, ownership checks that must not race (`put_events`) and the audit
//! trail are the database's job, never a check-then-write in the caller.
//!
//! A new kind of stored thing gets a trait of its own in `storage/<kind>.rs` (declared below
//! with `mod <kind>; pub use <kind>::*;`), added to the supertraits of `Storage`, and an
//! implementation in `sqlite/<kind>.rs`: see the module docs of `sqlite` for the steps.

use serde::Serialize;
use std::borrow::Cow;

mod register;
pub use register::*;

/// A storage failure, as text (the API answers 503 `storage_unavailable` and logs it). Each
/// backend converts its own errors into it (`sqlite/mod.rs` for rusqlite's).
mod campaign;
mod express;
mod ledger_rows;
pub use campaign::*;
pub use express::*;
pub use ledger_rows::*;

#[derive(Debug)]
pub struct StoreError(pub String);

pub type Result<T> = std::result::Result<T, StoreError>;

/// What happened to one uploaded record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stored {
    /// New: stored now.
    New,
    /// The same id with the same content was already there: nothing new stored.
    Duplicate,
    /// The same id with different content: the new version is kept for review, the first stays.
    Conflict,
    /// The id is taken by a record outside the uploader's scope: nothing stored, nothing told.
    Forbidden,
    /// A second `created` event for a ledger entry that already has one: refused.
    EntryExists,
    /// An act on a ledger entry that has no `created` event: refused.
    UnknownEntry,
    /// An act on a ledger entry of an enterprise or region outside the uploader's scope: refused.
    OutsideScope,
    /// The id is already a record of the other kind (a submission's id sent as a ledger event's,
    /// or the reverse): one id space across submissions and events, so that an id names one
    /// record wherever it is cited. Nothing stored.
    IdInUse,
}

impl Stored {
    /// The outcome as written in the audit log.
    pub fn as_str(self) -> &'static str {
        match self {
            Stored::New => "stored",
            Stored::Duplicate => "duplicate",
            Stored::Conflict => "conflict",
            Stored::Forbidden => "forbidden",
            Stored::EntryExists => "entry_exists",
            Stored::UnknownEntry => "unknown_entry",
            Stored::OutsideScope => "outside_scope",
            Stored::IdInUse => "id_in_use",
        }
    }
}

/// The envelope fields a record is queried by, copied out of the submission when it arrives.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Meta {
    pub uscc: String,
    pub enterprise_name: String,
    pub region: String,
    pub product: String,
    pub form: String,
    pub link: String,
    pub inspected_at: String,
    /// `YYYY-MM-DD` of `inspected_at` in its own offset (what date ranges compare).
    pub inspected_date: String,
    pub valid: bool,
    pub level: String,
    pub errors: i64,
    pub findings: i64,
}

/// A submission ready to store, with the server's own report.
#[derive(Debug, Clone)]
pub struct NewSubmission {
    pub id: String,
    pub sha256: String,
    pub body: String,
    pub report: String,
    pub meta: Meta,
    /// SHA-256 of every attachment the answers cite.
    pub attachments: Vec<String>,
    pub received_at: String,
    /// The ledger entries its findings open, stored with it when it is new.
    pub events: Vec<NewEvent>,
}

/// One stored submission.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub id: String,
    pub sha256: String,
    pub body: String,
    pub report: String,
    pub received_at: String,
    pub meta: Meta,
    /// The account that uploaded it.
    pub uploaded_by: String,
}

/// A row of a query answer.
#[derive(Debug, Clone, Serialize)]
pub struct Summary {
    pub id: String,
    pub product: String,
    pub form: String,
    pub link: String,
    pub uscc: String,
    pub enterprise_name: String,
    pub region: String,
    pub inspected_at: String,
    pub received_at: String,
    pub valid: bool,
    pub level: String,
    pub errors: i64,
    pub findings: i64,
    /// The account that uploaded it.
    pub uploaded_by: String,
    #[serde(skip)]
    pub seq: i64,
}

/// What an account may see: everything, one enterprise, or some regions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    All,
    /// An enterprise: its USCC, and the division-code prefixes where it operates (its records must
    /// be filed there, so they reach the supervisors in charge of it).
    Enterprise {
        uscc: String,
        regions: Vec<String>,
    },
    /// Division-code prefixes (`52` for a province, `5201` for a prefecture, `520102` a county).
    Regions(Vec<String>),
}

/// The prefix a division code covers: `520000` (a province) covers every code starting `52`,
/// `520100` (a prefecture) every code starting `5201`, `520102` (a county) itself.
pub fn region_prefix(code: &str) -> String {
    let mut p = code;
    while p.len() > 2 {
        match p.strip_suffix("00") {
            Some(rest) => p = rest,
            None => break,
        }
    }
    p.to_string()
}

fn within(prefixes: &[String], region: &str) -> bool {
    prefixes
        .iter()
        .any(|p| !p.is_empty() && region.starts_with(p.as_str()))
}

impl Scope {
    /// May a record of this enterprise and region be read?
    pub fn covers(&self, uscc: &str, region: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Enterprise { uscc: own, .. } => !own.is_empty() && own == uscc,
            Scope::Regions(prefixes) => within(prefixes, region),
        }
    }

    /// May a record of this enterprise and region be written? An enterprise also files only under
    /// its own regions (a record filed elsewhere would escape its supervisors).
    pub fn may_write(&self, uscc: &str, region: &str) -> bool {
        match self {
            Scope::Enterprise { regions, .. } => {
                self.covers(uscc, region) && within(regions, region)
            }
            _ => self.covers(uscc, region),
        }
    }

    /// Is this division code within the scope (for supervisors' region views)?
    pub fn has_region(&self, region: &str) -> bool {
        match self {
            Scope::All => true,
            Scope::Enterprise { .. } => false,
            Scope::Regions(prefixes) => within(prefixes, region),
        }
    }
}

/// Filters of a submission query (all optional), newest first, keyset-paged by `after`.
#[derive(Debug, Clone, Default)]
pub struct Query {
    pub uscc: Option<String>,
    /// A division-code prefix, like the scope's.
    pub region: Option<String>,
    pub product: Option<String>,
    pub form: Option<String>,
    pub link: Option<String>,
    pub level: Option<String>,
    pub valid: Option<bool>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub after: Option<i64>,
    pub limit: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Enterprise,
    Inspector,
    /// A supervisor of the campaign at province, prefecture or county level (its regions): reads
    /// progress and summaries of its subtree and records supervision acts, beside what an
    /// inspector may do there.
    Supervisor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Enterprise => "enterprise",
            Role::Inspector => "inspector",
            Role::Supervisor => "supervisor",
            Role::Admin => "admin",
        }
    }
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "enterprise" => Some(Role::Enterprise),
            "inspector" => Some(Role::Inspector),
            "supervisor" => Some(Role::Supervisor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub username: String,
    pub role: Role,
    pub name: String,
    pub uscc: Option<String>,
    pub regions: Vec<String>,
    pub disabled: bool,
}

/// Changes an admin makes to an account (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub password_hash: Option<String>,
    pub regions: Option<Vec<String>>,
    pub name: Option<String>,
    pub disabled: Option<bool>,
}

/// The enterprise a ledger entry concerns: who may see and act on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    pub uscc: String,
    pub region: String,
}

/// A ledger event ready to store: the event as sent (canonical JSON).
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub id: String,
    pub entry: String,
    pub kind: String,
    pub sha256: String,
    pub body: String,
    /// The enterprise of a `created` event (from its content; read for `created` only). Every
    /// other act belongs to the enterprise of its entry's stored `created` event, read by the
    /// backend in the transaction that stores the act.
    pub owner: Option<Owner>,
    /// SHA-256 of every attachment the event cites (evidence, photos).
    pub attachments: Vec<String>,
    pub received_at: String,
    /// An assist result (`action_taken` of `assist`): the region it answers for. The bureau of
    /// that region may store it on another region's entry when the entry's tracing asked that
    /// region (协查), and nothing else there.
    pub assist: Option<String>,
    /// The event itself when the server made it (`body` is its JSON, which reads back to it:
    /// `api::submissions`' test): a batch that stores the entries it opens folds these rather
    /// than parsing the text it has just written (`postgres::ledger::opened_entries`).
    pub event: Option<paicha::ledger::Event>,
}

/// Whether one of an entry's stored `action_taken` bodies is a tracing that asked `region` to
/// assist.
pub fn asks_assist<'a>(bodies: impl IntoIterator<Item = &'a str>, region: &str) -> bool {
    bodies.into_iter().any(|b| {
        serde_json::from_str::<serde_json::Value>(b).is_ok_and(|v| {
            v.get("action").and_then(|a| a.as_str()) == Some("two_way_tracing")
                && v.get("assist_region").and_then(|a| a.as_str()) == Some(region)
        })
    })
}

/// A spot-check record to store: its id, content hash, text, and the enterprise it concerns.
pub struct SpotRecord<'a> {
    pub id: &'a str,
    pub sha256: &'a str,
    pub body: &'a str,
    pub uscc: &'a str,
    pub region: &'a str,
}

/// What happened to an uploaded spot-check record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Versioned {
    New,
    Duplicate,
    /// A later version of a known record (a re-check or announcement date added): it is now the
    /// current one, and the earlier versions stay in the history.
    Updated,
    /// The record exists outside the uploader's scope, or the update would move it to another
    /// enterprise or region: refused.
    Forbidden,
}

impl Versioned {
    /// The outcome as written in the audit log and answered.
    pub fn as_str(self) -> &'static str {
        match self {
            Versioned::New => "stored",
            Versioned::Duplicate => "duplicate",
            Versioned::Updated => "updated",
            Versioned::Forbidden => "forbidden",
        }
    }
}

/// Who did what, when, with what outcome.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub outcome: String,
    pub detail: String,
}

/// What the server knows of an attachment (its bytes live in the blob directory).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AttachmentMeta {
    pub sha256: String,
    pub length: u64,
    pub complete: bool,
    pub uploader: String,
}

/// The audit line written with a change, in the same transaction.
pub struct Audit<'a> {
    pub at: &'a str,
    pub actor: &'a str,
    pub action: &'a str,
    pub target: &'a str,
    pub outcome: &'a str,
    pub detail: &'a str,
}

/// An audit line's text as it is kept: control characters, line and paragraph separators and
/// bidirectional overrides written as `\u{..}` and a backslash as `\\`, so a name or id a
/// client sent cannot forge lines, reorder what a reader sees, or hide text in the log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditText<'a> {
    pub at: Cow<'a, str>,
    pub actor: Cow<'a, str>,
    pub action: Cow<'a, str>,
    pub target: Cow<'a, str>,
    pub outcome: Cow<'a, str>,
    pub detail: Cow<'a, str>,
}

/// Text with the characters `AuditText` describes escaped (unchanged, unallocated, when none).
pub fn escape_text(s: &str) -> Cow<'_, str> {
    let unsafe_char = |c: char| {
        c == '\\'
            || c.is_control()
            || matches!(
                c,
                '\u{2028}' | '\u{2029}' | '\u{200e}' | '\u{200f}' | '\u{061c}'
            )
            || ('\u{202a}'..='\u{202e}').contains(&c)
            || ('\u{2066}'..='\u{2069}').contains(&c)
    };
    if !s.chars().any(unsafe_char) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if unsafe_char(c) => out.push_str(&format!("\\u{{{:x}}}", u32::from(c))),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

impl<'a> Audit<'a> {
    pub fn escaped(&self) -> AuditText<'a> {
        AuditText {
            at: escape_text(self.at),
            actor: escape_text(self.actor),
            action: escape_text(self.action),
            target: escape_text(self.target),
            outcome: escape_text(self.outcome),
            detail: escape_text(self.detail),
        }
    }
}

/// Everything the API needs of a backend: one trait per kind of thing stored. A new kind's trait
/// is added here (and implemented by every backend).
/// `DocStore`: numbered documents (`documents.rs`); `RegisterStore`: the enterprise register
/// (`storage/register.rs`); `FollowStore`: work lines (`followup.rs`).
pub trait Storage:
    SubmissionStore
    + LedgerStore
    + SpotStore
    + AccountStore
    + AuditStore
    + AttachmentStore
    + crate::documents::DocStore
    + RegisterStore
    + crate::followup::FollowStore
    + ExpressStore
    + CampaignStore
{
}

impl<T> Storage for T where
    T: SubmissionStore
        + LedgerStore
        + SpotStore
        + AccountStore
        + AuditStore
        + AttachmentStore
        + crate::documents::DocStore
        + RegisterStore
        + crate::followup::FollowStore
        + ExpressStore
        + CampaignStore
{
}

/// Submissions (checklists), their conflicting versions and the records kept without an id.
pub trait SubmissionStore: Send + Sync {
    /// Store a batch in one transaction, each record idempotently by id and content hash, with
    /// one audit line per record, and the ledger events of each new record with it.
    /// `scope`: the uploader's; an id already taken outside it is `Forbidden`, never a conflict.
    fn put_submissions(
        &self,
        recs: &[NewSubmission],
        actor: &str,
        scope: &Scope,
    ) -> Result<Vec<Stored>>;
    /// Keep what could not be stored by id (no usable id, a malformed event): nothing a user
    /// sent is lost, up to `quota` bytes (bodies and reports) per account (`audit.actor`):
    /// `false` when over it (nothing kept; the audit line still written).
    fn put_rejected(&self, body: &str, report: &str, audit: &Audit<'_>, quota: u64)
        -> Result<bool>;
    fn submission(&self, id: &str) -> Result<Option<Record>>;
    /// Content hashes of the versions of `id` that conflicted with the stored one.
    fn conflicts(&self, id: &str) -> Result<Vec<String>>;
    fn query(&self, q: &Query, scope: &Scope) -> Result<Vec<Summary>>;
    /// Attachments a submission cites, with its author's upload of each (if any).
    fn cited_attachments(&self, id: &str) -> Result<Vec<(String, Option<AttachmentMeta>)>>;
}

/// The rectification ledger's events.
pub trait LedgerStore: Send + Sync {
    /// Store ledger events in one transaction, in the order given, idempotently by id and content
    /// hash (as submissions), with one audit line each. A `created` for an entry that has one is
    /// `EntryExists`; any other act takes its entry's enterprise from the stored `created`
    /// (`UnknownEntry` when there is none, earlier events of the batch included) and is
    /// `OutsideScope` when `scope` may not write for it. Read and checked in the transaction.
    fn put_events(&self, evs: &[NewEvent], actor: &str, scope: &Scope) -> Result<Vec<Stored>>;
    /// Events a scope may see, in the order the server received them, after `after` (a `seq`).
    fn events(&self, scope: &Scope, after: Option<i64>, limit: usize)
        -> Result<Vec<(i64, String)>>;
    /// The entries (of any region) with an assist request (协查) to a region under `prefix`.
    fn assist_entries(&self, prefix: &str) -> Result<Vec<String>>;
    /// The kept bodies of every entry of a scope (a region's prefixes, or an enterprise's).
    fn scope_bodies(&self, scope: &Scope) -> Result<Vec<String>>;
    /// One page of a scope's kept entries in the ledger view's order, ordered and counted by the
    /// database: the entries with a running deadline by the days left to it (the overdue first),
    /// then the open ones without one, then the closed ones, ties by entry id: the order of the
    /// core's `ledger::rank` (held equal to it by `server/tests/ledger_kept.rs` and the province
    /// benchmark). A province's view is then a sort in the database and one page read, not its
    /// 100,000 rows carried to the node.
    fn entry_page(&self, scope: &Scope, q: &PageQuery) -> Result<EntryPage>;
    /// The kept bodies of these entries (those kept), as (entry, body).
    fn entry_bodies(&self, entries: &[String]) -> Result<Vec<(String, String)>>;
    /// The kept bodies of the entries under `prefix` that can have follow-up tasks, and of the
    /// entries of any region that asked a region under `prefix` to assist: a line queue's.
    fn task_entries(&self, prefix: &str) -> Result<Vec<String>>;
}

/// Supervision spot checks (Order 18).
pub trait SpotStore: Send + Sync {
    /// Store a spot-check record (one supervision result and what followed), keeping every version.
    fn put_spot_check(
        &self,
        rec: &SpotRecord<'_>,
        scope: &Scope,
        audit: &Audit<'_>,
    ) -> Result<Versioned>;
    /// The current version of every spot check a scope may see, with the account that
    /// uploaded that version.
    fn spot_checks(&self, scope: &Scope) -> Result<Vec<(String, String)>>;
}

/// Accounts and bearer tokens.
pub trait AccountStore: Send + Sync {
    fn account_count(&self) -> Result<i64>;
    /// Create an account; `false` if the username is taken.
    fn create_account(&self, a: &Account, password_hash: &str, audit: &Audit<'_>) -> Result<bool>;
    /// The account and its password hash.
    fn account(&self, username: &str) -> Result<Option<(Account, String)>>;
    fn accounts(&self) -> Result<Vec<Account>>;
    /// Apply a change; disabling also revokes the account's tokens. `None` if there is no such account.
    fn update_account(
        &self,
        username: &str,
        c: &AccountChange,
        audit: &Audit<'_>,
    ) -> Result<Option<Account>>;

    fn put_token(&self, token_hash: &str, username: &str, expires_at: &str) -> Result<()>;
    /// The account a token hash belongs to and when the token expires.
    fn token(&self, token_hash: &str) -> Result<Option<(Account, String)>>;
    fn revoke_token(&self, token_hash: &str, audit: &Audit<'_>) -> Result<()>;
}

/// The append-only audit log.
pub trait AuditStore: Send + Sync {
    fn audit(&self, a: &Audit<'_>) -> Result<()>;
    fn audit_log(&self, after: Option<i64>, limit: usize) -> Result<Vec<AuditEntry>>;
}

/// What the server knows of attachments (the bytes live in the blob directory, or in the
/// database when the backend keeps them: `put_blob`).
pub trait AttachmentStore: Send + Sync {
    /// One uploader's upload of an attachment. Each account sends (and proves it has) the bytes
    /// itself: a hash known to someone else gives neither read access nor a say over the upload.
    fn attachment(&self, sha256: &str, uploader: &str) -> Result<Option<AttachmentMeta>>;
    /// Note an upload that starts or goes on (at `now`), or restart an unfinished one announced
    /// with another length (`true`: its partial bytes must be discarded). `None` when the
    /// uploader's unfinished uploads, this one included, would exceed `quota` bytes.
    fn begin_attachment(
        &self,
        sha256: &str,
        length: u64,
        uploader: &str,
        now: &str,
        quota: u64,
    ) -> Result<Option<(AttachmentMeta, bool)>>;
    /// Forget unfinished uploads untouched since `before` (RFC 3339); their (hash, uploader)
    /// pairs, whose partial bytes the caller deletes.
    fn expire_unfinished(&self, before: &str) -> Result<Vec<(String, String)>>;
    fn complete_attachment(&self, sha256: &str, uploader: &str, audit: &Audit<'_>) -> Result<()>;
    /// Forget an unfinished upload whose bytes did not match their name.
    fn drop_attachment(&self, sha256: &str, uploader: &str) -> Result<()>;
    /// May this account read the attachment: it uploaded the bytes itself, or it may read a
    /// submission or ledger event that cites them and whose author uploaded them.
    fn attachment_visible(&self, sha256: &str, username: &str, scope: &Scope) -> Result<bool>;
    /// Does this backend keep the bytes of finished uploads itself, where every node reads
    /// them (`put_blob`, `blob`)? `false`: they live in the node's blob directory (SQLite: one
    /// node, one disk).
    fn keeps_blobs(&self) -> bool {
        false
    }
    /// Keep the checked bytes of a finished upload (once per hash).
    fn put_blob(&self, _sha256: &str, _bytes: &[u8]) -> Result<()> {
        Err(StoreError("this backend keeps no attachment bytes".into()))
    }
    /// The bytes kept by `put_blob`.
    fn blob(&self, _sha256: &str) -> Result<Option<Vec<u8>>> {
        Ok(None)
    }
}
