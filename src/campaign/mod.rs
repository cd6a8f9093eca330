//! The special action itself (专项行动): the register of enterprises that must be covered (底数),
//! the campaign plan and its milestones, progress and 动态清零 per locality, supervision of lagging
//! localities. Pure data and functions like the rest of the core: "now" is always an argument.
//!
//! `register` holds the register entry, the one shape the server stores, the import reads, the
//! devices sync and the progress figures count; `validate` checks one, `import` (with `columns`)
//! turns spreadsheet rows into entries with errors per row and column, and entries back into rows.
//! `plan` is the campaign as data; `facts` the rows progress counts (one per submission, ledger
//! entry, spot check); `progress` the figures per locality rolled up the hierarchy with
//! behind-schedule flags; `risk` the ranking of enterprises for on-site inspection; `roster` a locality's register with
//! coverage and licences (the register views);
//! `answer` the progress answer's one shape (server and WASM);
//! `supervision` the acts addressed to localities and the look-back.

pub mod answer;
pub mod breakdown;
pub mod columns;
pub mod facts;
pub mod import;
pub mod plan;
pub mod progress;
pub mod register;
pub mod risk;
pub mod roster;
pub mod spot_import;
pub mod supervision;
pub mod validate;

pub use answer::Answer;
pub use breakdown::{Breakdown, ByLink, ByMeasure, BySeverity, Cell, MeasureState, Records};
pub use facts::{EntryFact, EntryState, SpotFact, SubmissionFact};
pub use plan::{Milestone, MilestoneKind, Plan, PlanProblem};
pub use progress::{
    assemble, by_uscc, chain, flags, lagging, leaves, percent, progress, slot, tree, Acc, Figures,
    Flag, FlagCode, Inputs, Leaf, Level, Node, ProductFigures, Progress,
};
pub use register::{
    Certificate, CertificateKind, Contact, KeyFlag, Registered, RegisteredProduct, Scale,
};
pub use risk::{rank, Factor, FactorCode, Ranked};
pub use roster::{roster, LicenceState, RosterLicence, RosterProduct, RosterRow, View};
pub use supervision::{
    candidates, sample, Candidate, LookbackResult, SupervisionAct, SupervisionKind, TargetKind,
};
