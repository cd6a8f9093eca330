//! The compiled form of an expression, and resolution from the parser's syntax tree into it.
//!
//! Everything textual is settled here, once per template load: references become slots, table
//! lookups become ids, function names become `Func` values, string literals become shared
//! `Arc<str>` values, and sub-expressions made only of constants are evaluated in advance (so
//! `${d} > date('2024-01-01')` does not parse the date on every keystroke).

use super::eval::{Arith, Cmp};
use super::func::{self, Func};
use super::lexer::syntax;
use super::parser::{BinOp, Syn, SynKind};
use super::{Env, ExprError, Resolver, Value};

/// A node of a compiled expression. Height is bounded by `MAX_DEPTH` (the parser guarantees it),
/// which is what bounds recursion in `eval` and in `Drop`.
#[derive(Debug, Clone)]
pub(super) enum Node {
    Const(Value),
    Var(u32),
    Dot,
    Today,
    /// `count(${group})`.
    Count(u32),
    Neg(Box<Node>),
    Not(Box<Node>),
    And(Box<[Node]>),
    Or(Box<[Node]>),
    Cmp(Cmp, Box<[Node; 2]>),
    Arith(Arith, Box<[Node; 2]>),
    /// Condition, then, else: separate from `Call` because only one branch is evaluated.
    If(Box<[Node; 3]>),
    /// A pure function of its arguments.
    Call(Func, Box<[Node]>),
    /// Lookup id and the key values, in the key-column order given to `Resolver::table`.
    Lookup(u32, Box<[Node]>),
}

/// A parsed, resolved expression, ready to evaluate any number of times from any thread.
#[derive(Debug, Clone)]
pub struct Expr {
    root: Node,
    refs: Box<[u32]>,
    uses_dot: bool,
    uses_today: bool,
    source: Box<str>,
}

impl Expr {
    /// The value of the expression. Never fails: operands of the wrong kind give `Empty`, `NaN`
    /// or `false` as XPath prescribes.
    pub fn eval(&self, env: &dyn Env) -> Value {
        self.root.eval(env)
    }

    /// The expression as a condition (XPath `boolean()` of its value).
    pub fn eval_bool(&self, env: &dyn Env) -> bool {
        self.root.eval_bool(env)
    }

    /// Slots of every `${...}` the expression reads, including `count()` arguments; sorted and
    /// without duplicates, so callers can build dependency graphs directly from it.
    pub fn refs(&self) -> &[u32] {
        &self.refs
    }

    /// Whether the expression reads `.`.
    pub fn uses_dot(&self) -> bool {
        self.uses_dot
    }

    /// Whether the expression calls `today()`, i.e. may change from one day to the next.
    pub fn uses_today(&self) -> bool {
        self.uses_today
    }

    /// The source text the expression was compiled from.
    pub fn source(&self) -> &str {
        &self.source
    }
}

/// Resolves the parser's tree against `resolver`.
pub(super) fn resolve(syn: Syn<'_>, src: &str, resolver: &dyn Resolver) -> Result<Expr, ExprError> {
    let mut cx = Resolve {
        resolver,
        refs: Vec::new(),
        uses_dot: false,
        uses_today: false,
    };
    let root = cx.node(syn)?;
    cx.refs.sort_unstable();
    cx.refs.dedup();
    Ok(Expr {
        root,
        refs: cx.refs.into(),
        uses_dot: cx.uses_dot,
        uses_today: cx.uses_today,
        source: src.into(),
    })
}

fn error(pos: usize, code: &'static str, message: String) -> ExprError {
    ExprError { pos, code, message }
}

struct Resolve<'r> {
    resolver: &'r dyn Resolver,
    refs: Vec<u32>,
    uses_dot: bool,
    uses_today: bool,
}

impl Resolve<'_> {
    fn node(&mut self, syn: Syn<'_>) -> Result<Node, ExprError> {
        let Syn { pos, kind, .. } = syn;
        Ok(match kind {
            SynKind::Num(n) => Node::Const(Value::Num(n)),
            SynKind::Str(s) => Node::Const(Value::str(s)),
            SynKind::Ref(name) => Node::Var(self.var(name, pos)?),
            SynKind::Dot => {
                if !self.resolver.dot_allowed() {
                    return Err(error(
                        pos,
                        "dot_not_allowed",
                        "'.' (this item's own answer) cannot be used in this expression".into(),
                    ));
                }
                self.uses_dot = true;
                Node::Dot
            }
            SynKind::Neg(a) => fold(Node::Neg(Box::new(self.node(*a)?))),
            SynKind::Binary(op, a, b) => {
                let pair = Box::new([self.node(*a)?, self.node(*b)?]);
                fold(match op {
                    BinOp::Eq => Node::Cmp(Cmp::Eq, pair),
                    BinOp::Ne => Node::Cmp(Cmp::Ne, pair),
                    BinOp::Lt => Node::Cmp(Cmp::Lt, pair),
                    BinOp::Le => Node::Cmp(Cmp::Le, pair),
                    BinOp::Gt => Node::Cmp(Cmp::Gt, pair),
                    BinOp::Ge => Node::Cmp(Cmp::Ge, pair),
                    BinOp::Add => Node::Arith(Arith::Add, pair),
                    BinOp::Sub => Node::Arith(Arith::Sub, pair),
                    BinOp::Mul => Node::Arith(Arith::Mul, pair),
                    BinOp::Div => Node::Arith(Arith::Div, pair),
                    BinOp::Mod => Node::Arith(Arith::Mod, pair),
                })
            }
            SynKind::And(items) => fold(Node::And(self.nodes(items)?)),
            SynKind::Or(items) => fold(Node::Or(self.nodes(items)?)),
            SynKind::Call(name, args) => self.call(name, pos, args)?,
        })
    }

    fn nodes(&mut self, syns: Vec<Syn<'_>>) -> Result<Box<[Node]>, ExprError> {
        syns.into_iter().map(|s| self.node(s)).collect()
    }

    fn var(&mut self, name: &str, pos: usize) -> Result<u32, ExprError> {
        let slot = self.resolver.var(name).ok_or_else(|| {
            error(
                pos,
                "unknown_reference",
                format!("${{{name}}} does not refer to any item"),
            )
        })?;
        self.refs.push(slot);
        Ok(slot)
    }

    fn call(&mut self, name: &str, pos: usize, args: Vec<Syn<'_>>) -> Result<Node, ExprError> {
        let (func, min, max) = func::find(name).ok_or_else(|| {
            error(
                pos,
                "unknown_function",
                format!("unknown function {name}()"),
            )
        })?;
        let n = args.len();
        let lookup_pairs_ok = func != Func::Lookup || n % 2 == 0;
        if n < min || n > max || !lookup_pairs_ok {
            let expected = if func == Func::Lookup {
                "takes a table, a column and one or more (key column, key value) pairs".to_owned()
            } else {
                func::arity_text(min, max)
            };
            return Err(error(
                pos,
                "arity",
                format!("{name}() {expected}, but was given {n}"),
            ));
        }
        Ok(match func {
            Func::True => Node::Const(Value::Bool(true)),
            Func::False => Node::Const(Value::Bool(false)),
            Func::Today => {
                self.uses_today = true;
                Node::Today
            }
            // The arity check above makes these conversions succeed.
            Func::Not => match Box::<[Node; 1]>::try_from(self.nodes(args)?) {
                Ok(one) => {
                    let [a] = *one;
                    fold(Node::Not(Box::new(a)))
                }
                Err(_) => Node::Const(Value::Empty),
            },
            Func::If => match Box::<[Node; 3]>::try_from(self.nodes(args)?) {
                Ok(parts) => fold(Node::If(parts)),
                Err(_) => Node::Const(Value::Empty),
            },
            Func::Count => match args.into_iter().next() {
                Some(Syn {
                    kind: SynKind::Ref(group),
                    pos,
                    ..
                }) => Node::Count(self.var(group, pos)?),
                other => {
                    let at = other.map_or(pos, |s| s.pos);
                    return Err(syntax(
                        at,
                        "count() takes a repeat group reference such as ${group}",
                    ));
                }
            },
            Func::Lookup | Func::Pulldata => self.lookup(name, pos, args)?,
            _ => fold(Node::Call(func, self.nodes(args)?)),
        })
    }

    /// `lookup('table', 'column', 'key_col', value, ...)`: names must be literals so the lookup
    /// is resolved to an id now and a typo fails when the template loads, not in the field.
    fn lookup(&mut self, name: &str, pos: usize, args: Vec<Syn<'_>>) -> Result<Node, ExprError> {
        let mut args = args.into_iter();
        let (Some(table), Some(column)) = (args.next(), args.next()) else {
            return Err(error(
                pos,
                "arity",
                format!("{name}() is missing its table"),
            ));
        };
        let table_name = literal(&table, name, "table name")?;
        let column_name = literal(&column, name, "column name")?;
        let mut key_columns = Vec::new();
        let mut key_values = Vec::new();
        while let Some(key_column) = args.next() {
            key_columns.push(literal(&key_column, name, "key column name")?);
            let Some(value) = args.next() else {
                return Err(error(
                    key_column.pos,
                    "arity",
                    format!("{name}(): key column has no value after it"),
                ));
            };
            key_values.push(self.node(value)?);
        }
        let id = self
            .resolver
            .table(table_name, column_name, &key_columns)
            .ok_or_else(|| {
                error(
                    table.pos,
                    "unknown_table",
                    format!(
                        "no table '{table_name}' with column '{column_name}' and key column(s) '{}'",
                        key_columns.join("', '")
                    ),
                )
            })?;
        Ok(Node::Lookup(id, key_values.into()))
    }
}

fn literal<'a>(syn: &Syn<'a>, func: &str, what: &str) -> Result<&'a str, ExprError> {
    match syn.kind {
        SynKind::Str(s) => Ok(s),
        _ => Err(syntax(
            syn.pos,
            format!("the {what} in {func}() must be a quoted string"),
        )),
    }
}

/// Replaces a node whose operands are all constants by its value. Only nodes that read nothing
/// from the environment get here with all-constant children, so evaluating them against an
/// environment that has nothing gives the value they will always have.
fn fold(node: Node) -> Node {
    let all_const = |nodes: &[Node]| nodes.iter().all(|n| matches!(n, Node::Const(_)));
    let foldable = match &node {
        Node::Neg(a) | Node::Not(a) => matches!(**a, Node::Const(_)),
        Node::Cmp(_, pair) | Node::Arith(_, pair) => all_const(pair.as_slice()),
        Node::If(parts) => all_const(parts.as_slice()),
        Node::And(items) | Node::Or(items) | Node::Call(_, items) => all_const(items),
        _ => false,
    };
    if foldable {
        Node::Const(node.eval(&NoEnv))
    } else {
        node
    }
}

/// The environment constant folding evaluates against; never actually consulted.
struct NoEnv;

impl Env for NoEnv {
    fn var(&self, _: u32) -> Value {
        Value::Empty
    }
    fn dot(&self) -> Value {
        Value::Empty
    }
    fn today(&self) -> Option<i32> {
        None
    }
    fn lookup(&self, _: u32, _: &[Value]) -> Value {
        Value::Empty
    }
    fn count(&self, _: u32) -> usize {
        0
    }
}
