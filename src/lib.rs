//! paicha core: checklist templates, validation and hazard grading for the hidden-danger
//! investigation of key industrial products.
//!
//! Pure Rust with no JS types: the same code runs natively (CLI, server) and as WebAssembly in the
//! browser, so client and server cannot disagree. The WASM bindings are thin crates of their own
//! (`paicha-wasm/` for the checker, `ledger-wasm/` for the ledger), so this crate is a plain library.
//!
//! Flow: a [`Template`] (data, versioned, embedded in the [`Catalogue`] or loaded at run time) is
//! compiled once; a [`Submission`] is checked against it by [`check`], giving a [`Report`] with entry
//! errors, hazard findings, the overall level and the follow-up actions the [`Policy`] requires.
//! A [`Session`] does the same one answer at a time for live forms.

pub mod campaign;
pub mod catalogue;
pub mod compact;
pub mod date;
pub mod divisions;
pub mod doc;
pub mod expr;
pub mod express;
pub mod ids;
pub mod issue;
pub mod ledger;
pub mod policy;
pub mod report;
pub mod session;
pub mod submission;
pub mod template;
pub mod text;

mod answer;
mod change;
mod state;

pub use catalogue::Catalogue;
pub use compact::{check_compact, Compact};
pub use issue::Issue;
pub use policy::Policy;
pub use report::{check, check_json, check_value, Action, Finding, Level, Report, Reports};
/// Borrowed JSON (keys and strings point into the input text): what submissions are read into.
pub use serde_json_borrow::Value as Json;
pub use session::Session;
pub use submission::Submission;
pub use template::{Form, Link, Template, TemplateError};
pub use text::Text;
