//! The kinds not yet ported to PostgreSQL (the campaign port, p2-pgcampaign, replaces these one
//! by one with `postgres/<kind>.rs`: delete a trait's block here when its real impl lands, and
//! this file with the last). Each method answers a storage error, so on PostgreSQL those routes
//! answer 503 `storage_unavailable` until then, while everything else runs; nothing is accepted
//! and then lost.

use super::Postgres;
use crate::documents::{Document, NewDocument, RecordRef};
use crate::storage::*;
use paicha::campaign::{Leaf, Plan, Registered};
use std::collections::HashMap;

fn pending() -> StoreError {
    StoreError("not yet stored in PostgreSQL (campaign kinds are being ported)".into())
}

impl crate::documents::DocStore for Postgres {
    fn record_ref(&self, _id: &str) -> Result<Option<RecordRef>> {
        Err(pending())
    }

    fn issue_document(&self, _d: &NewDocument<'_>, _audit: &Audit<'_>) -> Result<(Document, bool)> {
        Err(pending())
    }

    fn documents(&self, _record: &str) -> Result<Vec<Document>> {
        Err(pending())
    }
}

impl RegisterStore for Postgres {
    fn put_register(
        &self,
        _entries: &[Registered],
        _source: &str,
        _audit: &Audit<'_>,
    ) -> Result<Vec<Change>> {
        Err(pending())
    }

    fn register_regions(&self, _usccs: &[&str]) -> Result<HashMap<String, String>> {
        Err(pending())
    }

    fn register_entry(&self, _uscc: &str) -> Result<Option<Version>> {
        Err(pending())
    }

    fn register_history(&self, _uscc: &str) -> Result<Vec<Version>> {
        Err(pending())
    }

    fn register_under(&self, _prefix: &str) -> Result<Vec<Registered>> {
        Err(pending())
    }

    fn register_in_scope(&self, _scope: &Scope) -> Result<Vec<Registered>> {
        Err(pending())
    }

    fn register_counts(&self, _prefix: &str) -> Result<Vec<RegisterCount>> {
        Err(pending())
    }

    fn register_changes(
        &self,
        _scope: &Scope,
        _after: Option<i64>,
        _limit: usize,
    ) -> Result<Vec<Version>> {
        Err(pending())
    }

    fn unregistered(&self, _scope: &Scope, _all: bool, _limit: usize) -> Result<Vec<Unregistered>> {
        Err(pending())
    }

    fn dismiss_unregistered(&self, _uscc: &str, _reason: &str, _audit: &Audit<'_>) -> Result<()> {
        Err(pending())
    }

    fn put_correction(&self, _c: &Correction, _audit: &Audit<'_>) -> Result<Proposed> {
        Err(pending())
    }

    fn correction(&self, _id: &str) -> Result<Option<Correction>> {
        Err(pending())
    }

    fn corrections(&self, _scope: &Scope, _pending_only: bool) -> Result<Vec<Correction>> {
        Err(pending())
    }

    fn review_correction(
        &self,
        _id: &str,
        _updated: Option<&Registered>,
        _note: &str,
        _audit: &Audit<'_>,
    ) -> Result<Reviewed> {
        Err(pending())
    }
}

impl ExpressStore for Postgres {
    fn put_express(
        &self,
        _evs: &[NewExpressEvent],
        _actor: &str,
        _scope: &Scope,
    ) -> Result<Vec<(Stored, Option<String>)>> {
        Err(pending())
    }

    fn express_report(&self, _report: &str) -> Result<Option<ReportRow>> {
        Err(pending())
    }

    fn express_events_of(&self, _report: &str) -> Result<Vec<(String, String)>> {
        Err(pending())
    }

    fn express_events(
        &self,
        _scope: &Scope,
        _after: Option<i64>,
        _limit: usize,
    ) -> Result<Vec<StoredExpress>> {
        Err(pending())
    }

    fn entry_events(&self, _entry: &str) -> Result<Vec<String>> {
        Err(pending())
    }

    fn put_morning(&self, _m: &MorningRow, _audit: &Audit<'_>) -> Result<bool> {
        Err(pending())
    }

    fn morning_report(&self, _id: &str) -> Result<Option<MorningRow>> {
        Err(pending())
    }

    fn morning_reports(&self, _scope: &Scope) -> Result<Vec<MorningRow>> {
        Err(pending())
    }

    fn send_morning(
        &self,
        _id: &str,
        _note: &str,
        _by: &str,
        _at: &str,
        _audit: &Audit<'_>,
    ) -> Result<Option<MorningRow>> {
        Err(pending())
    }

    fn put_case(&self, _c: &CaseRow, _audit: &Audit<'_>) -> Result<Stored> {
        Err(pending())
    }

    fn case(&self, _id: &str) -> Result<Option<CaseRow>> {
        Err(pending())
    }

    fn cases(&self, _scope: &Scope) -> Result<Vec<CaseRow>> {
        Err(pending())
    }

    fn decide_case(&self, _d: &Decision<'_>, _audit: &Audit<'_>) -> Result<Option<CaseRow>> {
        Err(pending())
    }

    fn published_cases(&self) -> Result<Vec<String>> {
        Err(pending())
    }
}

impl CampaignStore for Postgres {
    fn campaign_leaves(&self, _plan: &Plan, _prefix: &str, _today: &str) -> Result<Vec<Leaf>> {
        Err(pending())
    }

    fn open_over_time(&self, _plan: &Plan, _prefix: &str, _days: &[String]) -> Result<Vec<u32>> {
        Err(pending())
    }

    fn local_facts(&self, _prefix: &str) -> Result<LocalFacts> {
        Err(pending())
    }

    fn traced(
        &self,
        _plan: &Plan,
        _figure: Figure,
        _prefix: &str,
        _product: Option<&str>,
        _today: &str,
        _limit: usize,
    ) -> Result<Vec<Traced>> {
        Err(pending())
    }

    fn put_campaign_record(&self, _r: &NewCampaignRecord<'_>) -> Result<Stored> {
        Err(pending())
    }

    fn campaign_records(
        &self,
        _kind: &str,
        _campaign: &str,
        _scope: &Scope,
    ) -> Result<Vec<String>> {
        Err(pending())
    }
}
