//! Accident express reports (快报), morning reports (早报) and typical cases (典型案例): issue 14.
//!
//! Built as the ledger is: every report is a set of immutable [`ExpressEvent`]s with client-made
//! ids (made at the scene, often offline), its state a pure [`fold`] of them; the grade is computed
//! from casualties and loss by the thresholds of the policy (`express-policy.json`, data), the
//! reporter may raise it but never lower it; the clocks run from when the bureau learned of the
//! event and stop when the server has the report ("now" is always an argument, the core reads no
//! clock). Shapes, codes and rules: `docs/express.md`.

pub mod case;
pub mod clock;
pub mod error;
pub mod event;
pub mod fold;
pub mod morning;
pub mod policy;
pub mod view;

pub use case::{mask_name, publish, Proposal, Published, Source};
pub use clock::{clocks, level_of, recipients, Clock, ClockKind, ClockState, Recipient};
pub use error::{ExpressCode, ExpressError};
pub use event::{Enterprise, ExpressAct, ExpressEvent, FollowUp, Initial, Reporter};
pub use fold::{fold, ExpressState, Report, Status};
pub use morning::{morning, Morning};
pub use policy::{ExpressPolicy, Figures, Grade, Level};
pub use view::{views, ReportView};
