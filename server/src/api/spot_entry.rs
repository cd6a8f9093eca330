//! The ledger entry of an unqualified spot-check result (`paicha::ledger::spot_entry`), kept in
//! step with the record: every stored version of a spot check (uploaded, or imported from a result
//! list) is mirrored here, in the ledger's own events, so the line queues, the ledger views and
//! the campaign figures (folded from the events) count the failure until its re-check passes.
//!
//! Ids derive from the spot check's own id, as a submission's entries from the submission's
//! (`{id}/ledger/{n}`): the entry is `{spot}/ledger/1`, its `created` event `{spot}/ledger/2`.
//! Each change of the record's follow-up is one `spot_followed` event; a version that changes
//! nothing the entry mirrors stores nothing, so a re-upload or a re-import is idempotent.

use super::submissions::{derived_uuid, server_event};
use super::App;
use crate::auth::sha256_hex;
use crate::storage::{Owner, Scope, Stored};
use paicha::ledger::{self, Act, Event, SpotCheck, SpotFollow, SpotResult};
use paicha::Catalogue;

/// The ledger entry a spot check's unqualified result opens.
pub(crate) fn entry_id(spot: &str) -> String {
    derived_uuid(&format!("{spot}/ledger/1"))
}

/// The days of Order 18 are China's calendar days: derived events are dated in UTC+8.
pub(super) fn now_in_china() -> chrono::DateTime<chrono::FixedOffset> {
    let now = super::now();
    match chrono::FixedOffset::east_opt(8 * 3600) {
        Some(cst) => now.with_timezone(&cst),
        None => now,
    }
}

/// Store what a stored version of `s` brings to its ledger entry (the entry itself the first
/// time its result is unqualified, then its follow-up when that changed), written as `author`
/// within `scope`. Returns how many events were stored.
pub(super) fn mirror(
    app: &App,
    s: &SpotCheck,
    author: &str,
    scope: &Scope,
) -> crate::storage::Result<usize> {
    let entry = entry_id(&s.id);
    let stored: Vec<Event> = app
        .store
        .entry_events(&entry)?
        .iter()
        .filter_map(|b| Event::from_json(b).ok())
        .collect();
    let opened = stored.iter().any(|e| matches!(e.act, Act::Created(_)));
    let follow = SpotFollow::of(s);
    let state = ledger::fold(&stored);
    let mirrored = state
        .entry(&entry)
        .and_then(|e| e.spot.as_ref())
        .map(|m| &m.follow);
    // A qualified result opens nothing (a corrected one withdraws an entry opened before).
    if mirrored == Some(&follow) || (!opened && s.result == SpotResult::Qualified) {
        return Ok(0);
    }
    let mut events = Vec::new();
    if !opened {
        let policy = Catalogue::builtin().policy();
        let created_id = derived_uuid(&format!("{}/ledger/2", s.id));
        match ledger::open_spot_entry(s, policy, author, entry.clone(), created_id) {
            Some(c) => events.push(c),
            None => return Ok(0),
        }
    }
    let at = now_in_china().to_rfc3339();
    let text = serde_json::to_string(&follow).unwrap_or_default();
    events.push(Event {
        id: derived_uuid(&format!(
            "{}/ledger/follow/{}/{at}",
            s.id,
            sha256_hex(text.as_bytes())
        )),
        entry,
        author: author.to_string(),
        device: "server".to_string(),
        at: at.clone(),
        follows: None,
        act: Act::SpotFollowed(Box::new(follow)),
    });
    if events.iter().any(|e| e.validate().is_err()) {
        return Ok(0);
    }
    let owner = Owner {
        uscc: s.enterprise.uscc.clone(),
        region: s.enterprise.region.clone(),
    };
    let new: Vec<_> = events
        .into_iter()
        .filter_map(|e| server_event(e, &owner, &at))
        .collect();
    let outcomes = app.store.put_events(&new, author, scope)?;
    Ok(outcomes.iter().filter(|o| **o == Stored::New).count())
}

/// Whether `entry` is a spot check's (its loop is the record's: no order or re-check on it).
pub(super) fn is_spot_entry(app: &App, entry: &str) -> crate::storage::Result<bool> {
    Ok(app
        .store
        .created_body(entry)?
        .and_then(|b| Event::from_json(&b).ok())
        .is_some_and(|e| matches!(e.act, Act::Created(c) if c.spot_check.is_some())))
}

/// Mirror every stored spot check (at start-up): records stored before spot checks opened
/// ledger entries get theirs, and nothing is stored twice. Returns how many events were stored.
pub fn mirror_all(app: &App) -> crate::storage::Result<usize> {
    let mut n = 0;
    for (body, by) in app.store.spot_checks(&Scope::All)? {
        if let Ok(s) = serde_json::from_str::<SpotCheck>(&body) {
            n += mirror(app, &s, &by, &Scope::All)?;
        }
    }
    Ok(n)
}
