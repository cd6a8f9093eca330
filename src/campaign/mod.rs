//! The special action itself (专项行动): the register of enterprises that must be covered (底数),
//! the campaign plan and its milestones, progress and 动态清零 per locality, supervision of lagging
//! localities. Pure data and functions like the rest of the core: "now" is always an argument.
//!
//! `register` holds the register entry, the one shape the server stores, the import reads, the
//! devices sync and the progress figures count; `validate` checks one, `import` (with `columns`)
//! turns spreadsheet rows into entries with errors per row and column, and entries back into rows.

pub mod columns;
pub mod import;
pub mod register;
pub mod validate;

pub use register::{
    Certificate, CertificateKind, Contact, KeyFlag, Registered, RegisteredProduct, Scale,
};
