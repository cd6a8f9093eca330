//! Parser from source text to an unresolved syntax tree (names still as text).
//!
//! Precedence climbing over the XPath 1.0 levels. Two limits keep hostile input from exhausting
//! the stack: `depth` counts the parser's own nesting (parentheses, call arguments, unary minus)
//! and fails before recursing further, and every node records its height so that long operator
//! chains such as `1+1+1+...`, which the loop builds without recursing, cannot produce a tree
//! deeper than `MAX_DEPTH` for evaluation (or for `Drop`) to recurse through.

use super::lexer::{syntax, Lexer, Tok, Token};
use super::{ExprError, MAX_DEPTH, MAX_EXPR_LEN};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum BinOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Add,
    Sub,
    Mul,
    Div,
    Mod,
}

#[derive(Debug)]
pub(super) enum SynKind<'a> {
    Num(f64),
    Str(&'a str),
    Ref(&'a str),
    Dot,
    Neg(Box<Syn<'a>>),
    Binary(BinOp, Box<Syn<'a>>, Box<Syn<'a>>),
    /// `and`/`or` chains are flat: they are associative, and a flat list keeps a long list of
    /// alternatives (`${x} = 'a' or ${x} = 'b' or ...`) from counting against the depth limit.
    And(Vec<Syn<'a>>),
    Or(Vec<Syn<'a>>),
    Call(&'a str, Vec<Syn<'a>>),
}

#[derive(Debug)]
pub(super) struct Syn<'a> {
    /// Byte offset of the node's first token (for calls and references: the name or `$`; for
    /// binary operators: the operator).
    pub pos: usize,
    /// 0 for leaves, else 1 + the tallest child.
    pub height: usize,
    pub kind: SynKind<'a>,
}

/// Binding strength of the binary operators; `and`/`or` included so one loop handles all levels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Op {
    Or,
    And,
    Bin(BinOp),
}

fn precedence(op: Op) -> u8 {
    match op {
        Op::Or => 1,
        Op::And => 2,
        Op::Bin(BinOp::Eq | BinOp::Ne) => 3,
        Op::Bin(BinOp::Lt | BinOp::Le | BinOp::Gt | BinOp::Ge) => 4,
        Op::Bin(BinOp::Add | BinOp::Sub) => 5,
        Op::Bin(BinOp::Mul | BinOp::Div | BinOp::Mod) => 6,
    }
}

fn too_deep(pos: usize) -> ExprError {
    ExprError {
        pos,
        code: "too_deep",
        message: format!("expression is nested more than {MAX_DEPTH} levels deep"),
    }
}

/// Parses `src`, rejecting it first if it is longer than `MAX_EXPR_LEN`.
pub(super) fn parse(src: &str) -> Result<Syn<'_>, ExprError> {
    if src.len() > MAX_EXPR_LEN {
        return Err(ExprError {
            pos: 0,
            code: "too_long",
            message: format!(
                "expression is {} bytes long; the limit is {MAX_EXPR_LEN}",
                src.len()
            ),
        });
    }
    parse_unbounded(src)
}

/// Parses `src` of any length. Still bounded in depth, which is what keeps the stack safe; the
/// length limit only bounds work and memory. Separate so tests can reach the depth checks with
/// inputs longer than `MAX_EXPR_LEN`.
pub(super) fn parse_unbounded(src: &str) -> Result<Syn<'_>, ExprError> {
    let mut lexer = Lexer::new(src);
    let peek = lexer.next_token()?;
    let mut p = Parser {
        lexer,
        peek,
        depth: 0,
    };
    let root = p.expr(0)?;
    match p.peek.tok {
        Tok::Eof => Ok(root),
        Tok::RParen => Err(syntax(p.peek.pos, "unmatched ')'")),
        other => Err(syntax(
            p.peek.pos,
            format!(
                "unexpected {} after a complete expression; {}",
                other.describe(),
                missing_operator_hint(other)
            ),
        )),
    }
}

struct Parser<'a> {
    lexer: Lexer<'a>,
    /// The next, not yet consumed token.
    peek: Token<'a>,
    depth: usize,
}

impl<'a> Parser<'a> {
    fn advance(&mut self) -> Result<Token<'a>, ExprError> {
        let next = self.lexer.next_token()?;
        Ok(std::mem::replace(&mut self.peek, next))
    }

    /// Enters one level of parser recursion; paired with `self.depth -= 1` by the caller.
    fn enter(&mut self, pos: usize) -> Result<(), ExprError> {
        if self.depth >= MAX_DEPTH {
            return Err(too_deep(pos));
        }
        self.depth += 1;
        Ok(())
    }

    /// The operator at the current token, if it is in operator position. Keyword operators are
    /// only recognised here, which is why `and`, `or`, `div` and `mod` remain usable elsewhere.
    fn peek_op(&self) -> Option<Op> {
        Some(match self.peek.tok {
            Tok::Name("or") => Op::Or,
            Tok::Name("and") => Op::And,
            Tok::Name("div") => Op::Bin(BinOp::Div),
            Tok::Name("mod") => Op::Bin(BinOp::Mod),
            Tok::Eq => Op::Bin(BinOp::Eq),
            Tok::Ne => Op::Bin(BinOp::Ne),
            Tok::Lt => Op::Bin(BinOp::Lt),
            Tok::Le => Op::Bin(BinOp::Le),
            Tok::Gt => Op::Bin(BinOp::Gt),
            Tok::Ge => Op::Bin(BinOp::Ge),
            Tok::Plus => Op::Bin(BinOp::Add),
            Tok::Minus => Op::Bin(BinOp::Sub),
            Tok::Star => Op::Bin(BinOp::Mul),
            _ => return None,
        })
    }

    /// Operators binding at least as tightly as `min_prec`, left-associative.
    fn expr(&mut self, min_prec: u8) -> Result<Syn<'a>, ExprError> {
        let mut lhs = self.unary()?;
        while let Some(op) = self.peek_op() {
            let prec = precedence(op);
            if prec < min_prec {
                break;
            }
            let op_pos = self.advance()?.pos;
            // The right operand only takes tighter operators, so this recursion is at most one
            // frame per precedence level.
            let rhs = self.expr(prec + 1)?;
            lhs = match (op, lhs) {
                (
                    Op::Or,
                    Syn {
                        pos,
                        height,
                        kind: SynKind::Or(mut items),
                    },
                ) => {
                    let height = height.max(rhs.height + 1);
                    items.push(rhs);
                    Syn {
                        pos,
                        height,
                        kind: SynKind::Or(items),
                    }
                }
                (
                    Op::And,
                    Syn {
                        pos,
                        height,
                        kind: SynKind::And(mut items),
                    },
                ) => {
                    let height = height.max(rhs.height + 1);
                    items.push(rhs);
                    Syn {
                        pos,
                        height,
                        kind: SynKind::And(items),
                    }
                }
                (Op::Or, lhs) => node(op_pos, SynKind::Or(vec![lhs, rhs])),
                (Op::And, lhs) => node(op_pos, SynKind::And(vec![lhs, rhs])),
                (Op::Bin(b), lhs) => node(op_pos, SynKind::Binary(b, Box::new(lhs), Box::new(rhs))),
            };
            if lhs.height > MAX_DEPTH {
                return Err(too_deep(op_pos));
            }
        }
        Ok(lhs)
    }

    fn unary(&mut self) -> Result<Syn<'a>, ExprError> {
        if self.peek.tok != Tok::Minus {
            return self.primary();
        }
        let pos = self.advance()?.pos;
        self.enter(pos)?;
        let operand = self.unary()?;
        self.depth -= 1;
        let n = node(pos, SynKind::Neg(Box::new(operand)));
        if n.height > MAX_DEPTH {
            return Err(too_deep(pos));
        }
        Ok(n)
    }

    fn primary(&mut self) -> Result<Syn<'a>, ExprError> {
        let Token { tok, pos } = self.advance()?;
        let leaf = |kind| {
            Ok(Syn {
                pos,
                height: 0,
                kind,
            })
        };
        match tok {
            Tok::Num(n) => leaf(SynKind::Num(n)),
            Tok::Str(s) => leaf(SynKind::Str(s)),
            Tok::Ref(r) => leaf(SynKind::Ref(r)),
            Tok::Dot => leaf(SynKind::Dot),
            Tok::LParen => {
                self.enter(pos)?;
                let inner = self.expr(0)?;
                self.depth -= 1;
                if self.peek.tok != Tok::RParen {
                    return Err(syntax(
                        self.peek.pos,
                        format!(
                            "expected ')' to close the '(' at byte {pos}, found {}",
                            self.peek.tok.describe()
                        ),
                    ));
                }
                self.advance()?;
                Ok(inner)
            }
            Tok::Name(name) if self.peek.tok == Tok::LParen => self.call(name, pos),
            Tok::Name(kw @ ("and" | "or" | "div" | "mod")) => {
                Err(syntax(pos, format!("expected a value before '{kw}'")))
            }
            Tok::Name(name) => Err(syntax(
                pos,
                format!(
                    "'{name}' is neither a function call nor a reference: write {name}(...) to \
                     call a function or ${{{name}}} to use an item's answer"
                ),
            )),
            Tok::Eof => Err(syntax(pos, "unexpected end of expression")),
            other => Err(syntax(
                pos,
                format!("expected a value, found {}", other.describe()),
            )),
        }
    }

    /// Arguments of `name(`, with the current token being the `(`.
    fn call(&mut self, name: &'a str, pos: usize) -> Result<Syn<'a>, ExprError> {
        self.advance()?;
        self.enter(pos)?;
        let mut args = Vec::new();
        if self.peek.tok == Tok::RParen {
            self.advance()?;
        } else {
            loop {
                args.push(self.expr(0)?);
                match self.advance()? {
                    Token {
                        tok: Tok::Comma, ..
                    } => {}
                    Token {
                        tok: Tok::RParen, ..
                    } => break,
                    Token { tok: Tok::Eof, pos } => {
                        return Err(syntax(
                            pos,
                            format!("expected ')' after arguments of {name}()"),
                        ))
                    }
                    Token { tok, pos } => {
                        return Err(syntax(
                            pos,
                            format!(
                                "expected ',' or ')' after an argument of {name}(), found {}; {}",
                                tok.describe(),
                                missing_operator_hint(tok)
                            ),
                        ))
                    }
                }
            }
        }
        self.depth -= 1;
        let n = node(pos, SynKind::Call(name, args));
        if n.height > MAX_DEPTH {
            return Err(too_deep(pos));
        }
        Ok(n)
    }
}

/// Spreadsheet habits (`AND`, `Or`) are the usual reason an operator seems to be missing.
fn missing_operator_hint(tok: Tok<'_>) -> String {
    match tok {
        Tok::Name(n) if ["and", "or", "div", "mod"].contains(&n.to_ascii_lowercase().as_str()) => {
            format!(
                "operators are lowercase: write '{}'",
                n.to_ascii_lowercase()
            )
        }
        _ => "is an operator missing?".to_owned(),
    }
}

/// Builds an inner node, computing its height from its children.
fn node(pos: usize, kind: SynKind<'_>) -> Syn<'_> {
    let child_height = match &kind {
        SynKind::Num(_) | SynKind::Str(_) | SynKind::Ref(_) | SynKind::Dot => None,
        SynKind::Neg(a) => Some(a.height),
        SynKind::Binary(_, a, b) => Some(a.height.max(b.height)),
        SynKind::And(items) | SynKind::Or(items) | SynKind::Call(_, items) => {
            Some(items.iter().map(|s| s.height).max().unwrap_or(0))
        }
    };
    Syn {
        pos,
        height: child_height.map_or(0, |h| h + 1),
        kind,
    }
}
