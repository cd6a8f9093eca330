//! The rectification ledger (整改台账): every hidden danger found, followed until it is closed out.
//!
//! Inspectors and enterprises act on the same ledger from different devices, offline. So the
//! ledger is not a table that devices edit but a set of immutable [`Event`]s, and its state is a
//! pure function of that set ([`fold`]): merging two devices' events in any order, with copies,
//! gives the same [`LedgerState`]. Acts that do not fit an entry's state, and concurrent acts that
//! disagree, are data in the state (errors, conflicts waiting for a decision), never lost.
//!
//! The core reads no clock: "now" is an argument of the views ([`overdue`], [`follow_up`],
//! [`region_ledger`]...). Deadlines are calendar days in the offset of the event that set them.
//! Spot checks (监督抽查) and the two-failures-in-two-years rule are in [`spot`].
//!
//! Event shapes, states and error codes: `docs/ledger.md`.

mod causal;
pub mod date;
pub mod entry;
pub mod error;
pub mod event;
pub mod fold;
pub mod follow;
pub mod key;
pub mod lines;
pub mod measure;
pub mod spot;
pub mod spot_entry;
pub mod view;

pub use date::Deadline;
pub use entry::{Case, Entry, Reopening, Status};
pub use error::{LedgerCode, LedgerError};
pub use event::{
    Act, Attachment, CloseReason, Created, Danger, Enterprise, EscalationReason, Event, Taken,
};
pub use fold::{fold, LedgerState, Logged, Outcome};
pub use follow::{
    check_deadlines, deadline_bounds, default_deadlines, default_order, follow_up, measures_for,
    open_entries, open_self_found, overdue, trace_by, Due, Maker, Overdue, Task,
};
pub use key::{key_follow_up, Inspected, KeyFollowUp, KeyState};
pub use lines::{queue, queue_in, task_region, Line, Lines, Queued};
pub use measure::{is_county_level, optional_fields, reaches_criminal_threshold, required_fields};
pub use spot::{
    key_inspections, spot_tasks, spot_tasks_with, KeyInspection, SpotCheck, SpotResult, SpotTask,
};
pub use spot_entry::{open_spot_entry, SpotFollow, SpotFollowed};
pub use view::{
    enterprise_open, in_region, looks_like_formula, rank, region_key_inspections, region_ledger,
    to_csv, view, LedgerView, Row, Viewer,
};
