//! Expressions in the XLSForm / ODK syntax that form authors already know
//! (`${field} <= 25 and selected(${x}, 'a')`).
//!
//! An expression is parsed and resolved once, when its template loads: `${key}` names become slot
//! numbers and table lookups become lookup ids, so evaluating it per submission (or per keystroke)
//! does no string lookups and no parsing. Nothing is ever `eval`ed. Parsing is bounded (length and
//! nesting depth) so a hostile template gives an error, not a stack overflow; evaluation recursion is
//! bounded by the parsed depth.
//!
//! Written by hand because no maintained crate parses ODK XPath for WASM: the XPath crates
//! (sxd-xpath, xee) evaluate against an XML DOM and would weigh far more than this whole core.

mod ast;
mod eval;
mod func;
mod lexer;
mod parser;
mod value;

pub use ast::Expr;
pub use value::{format_date, parse_date, Value};

/// Longest expression accepted, in bytes.
pub const MAX_EXPR_LEN: usize = 4096;
/// Deepest nesting of parentheses, function calls and operators accepted.
pub const MAX_DEPTH: usize = 64;

/// A parse or resolution error, with the byte offset in the expression where it was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExprError {
    /// Byte offset into the source expression.
    pub pos: usize,
    /// Stable code: `syntax`, `too_long`, `too_deep`, `unknown_function`, `arity`,
    /// `unknown_reference`, `unknown_table`, `dot_not_allowed`.
    pub code: &'static str,
    /// English explanation for template authors.
    pub message: String,
}

/// Maps names to slots when an expression is compiled.
pub trait Resolver {
    /// Slot of `${name}`, or None when no such item exists.
    fn var(&self, name: &str) -> Option<u32>;
    /// Id of a table lookup: returns the value of `column` in the row of `table` whose
    /// `key_columns` equal the keys given at evaluation. None when table or a column is unknown.
    fn table(&self, table: &str, column: &str, key_columns: &[&str]) -> Option<u32>;
    /// Whether `.` (the current item's value) may be used in this expression.
    fn dot_allowed(&self) -> bool {
        true
    }
}

/// What an expression reads while it is evaluated.
pub trait Env {
    /// Value of `${slot}`: `Value::Empty` when unanswered or not relevant.
    fn var(&self, slot: u32) -> Value;
    /// Value of `.`: the item the expression belongs to.
    fn dot(&self) -> Value;
    /// Today's date (days since 1970-01-01) for `today()`; the caller decides what today is.
    fn today(&self) -> Option<i32>;
    /// Result of lookup `id` for the given key values; `Value::Empty` when no row matches.
    fn lookup(&self, id: u32, keys: &[Value]) -> Value;
    /// Number of instances of the repeat group in `slot`, for `count(${group})`.
    fn count(&self, slot: u32) -> usize;
    /// Whether `${slot}` has a (relevant) answer: `var` without cloning the value.
    fn answered(&self, slot: u32) -> bool {
        !self.var(slot).is_empty()
    }
}

/// Parse and resolve `src` against `resolver`.
pub fn compile(src: &str, resolver: &dyn Resolver) -> Result<Expr, ExprError> {
    let node = parser::parse(src)?;
    ast::resolve(node, src, resolver)
}

#[cfg(test)]
mod tests;
