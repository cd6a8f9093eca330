//! The ledger's feed in PostgreSQL: every event's place (`pos`), the order devices pull events
//! in (`events(after)`), kept in a narrow table of its own, `event_feed` (position, the event's
//! `seq`, its enterprise), apart from the events' rows.
//!
//! Positions must become visible in the order they are given, or a reader paging by `pos` would
//! skip an event whose transaction commits after a later position was read. So they are given
//! as a transaction's last statement under the feed's lock (`serial`, held until commit): every
//! writer of the province passes through it one at a time, and whatever runs under it is the
//! limit of the whole database's ingest. Inserting the events themselves there (800 rows of
//! 0.5 KB and seven indexes for a batch of 100 submissions: 48 ms of the 55 a batch held the
//! lock, measured with `pg_stat_statements` on two nodes, 2026-12-03) made the lock the
//! bottleneck; the events are now inserted before, side by side with other writers, and only
//! their positions under the lock: one narrow row each (two integers, two short texts, three
//! indexes). Rewriting the events' rows instead (`UPDATE events SET pos`, before 2026-12) wrote
//! every row twice.

use super::{serial, Tx};
use crate::storage::Result;
use r2d2_postgres::postgres::types::Type;

/// The feed `serial` orders.
const FEED: &str = "events";

/// Migration 6: the feed's own table, filled with the positions given so far (a device's cursor
/// stays valid), and the events' position indexes dropped (new events get no `pos` of their
/// own; the column keeps the old ones). The sequence `events_pos` goes on.
pub(super) const FEED_TABLE: &str = "
CREATE TABLE IF NOT EXISTS event_feed (
    pos BIGINT PRIMARY KEY,
    event BIGINT NOT NULL,
    uscc TEXT NOT NULL,
    region TEXT NOT NULL
);
INSERT INTO event_feed (pos, event, uscc, region)
SELECT pos, seq, uscc, region FROM events WHERE pos IS NOT NULL;
CREATE INDEX IF NOT EXISTS event_feed_uscc ON event_feed (uscc, pos);
CREATE INDEX IF NOT EXISTS event_feed_region ON event_feed (region, pos);
DROP INDEX IF EXISTS events_uscc;
DROP INDEX IF EXISTS events_region;
ALTER TABLE events DROP CONSTRAINT IF EXISTS events_pos_key;
";

/// Give the events this transaction stored (`ids`) their places in the feed, in the order they
/// were stored: the last statement before commit (module doc).
pub(super) fn publish(tx: &mut Tx<'_>, ids: &[String]) -> Result<()> {
    if ids.is_empty() {
        return Ok(());
    }
    serial(tx, FEED)?;
    tx.execute_typed(
        "INSERT INTO event_feed (pos, event, uscc, region)
         SELECT nextval('events_pos'), seq, uscc, region
         FROM (SELECT seq, uscc, region FROM events WHERE id = ANY($1) ORDER BY seq) o",
        &[(&ids, Type::TEXT_ARRAY)],
    )?;
    Ok(())
}

/// An event as its feed row is made: its `seq` and enterprise.
pub(super) struct Fed {
    pub seq: i64,
    pub uscc: String,
    pub region: String,
}

/// [`publish`] for events whose rows the caller has in hand (their insert returned them): no
/// look-up under the lock.
pub(super) fn publish_rows(tx: &mut Tx<'_>, mut rows: Vec<Fed>) -> Result<()> {
    if rows.is_empty() {
        return Ok(());
    }
    rows.sort_unstable_by_key(|r| r.seq);
    let seq: Vec<i64> = rows.iter().map(|r| r.seq).collect();
    let uscc: Vec<&str> = rows.iter().map(|r| r.uscc.as_str()).collect();
    let region: Vec<&str> = rows.iter().map(|r| r.region.as_str()).collect();
    serial(tx, FEED)?;
    tx.execute_typed(
        "INSERT INTO event_feed (pos, event, uscc, region)
         SELECT nextval('events_pos'), * FROM unnest($1::bigint[], $2::text[], $3::text[])",
        &[
            (&seq, Type::INT8_ARRAY),
            (&uscc, Type::TEXT_ARRAY),
            (&region, Type::TEXT_ARRAY),
        ],
    )?;
    Ok(())
}

/// The feed read after `after` (`$1`) for rows meeting `cond` (on the feed's `uscc` and
/// `region`, `f.`): each event's position and body, in order.
pub(super) fn read_sql(after: &str, cond: &str, limit: usize) -> String {
    format!(
        "SELECT f.pos, e.body FROM event_feed f JOIN events e ON e.seq = f.event
         WHERE f.pos > {after} AND {cond} ORDER BY f.pos LIMIT {limit}"
    )
}
