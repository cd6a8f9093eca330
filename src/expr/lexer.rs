//! Tokens of the expression language, produced one at a time on demand.
//!
//! The lexer is lazy so that errors come out in source order: a hostile input fails at its first
//! problem without the whole input being tokenized first.

use super::ExprError;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Tok<'a> {
    Num(f64),
    /// Contents of a quoted string, without the quotes.
    Str(&'a str),
    /// The key inside `${...}`.
    Ref(&'a str),
    Dot,
    /// A function name or one of the keyword operators `and`, `or`, `div`, `mod`; which one it is
    /// depends on where it appears, as in XPath.
    Name(&'a str),
    LParen,
    RParen,
    Comma,
    Plus,
    Minus,
    Star,
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
    Eof,
}

#[derive(Debug, Clone, Copy)]
pub(super) struct Token<'a> {
    pub tok: Tok<'a>,
    /// Byte offset of the token's first character.
    pub pos: usize,
}

impl Tok<'_> {
    /// How the token is named in error messages.
    pub fn describe(&self) -> String {
        match self {
            Tok::Num(n) => format!("number {n}"),
            Tok::Str(s) => format!("string '{s}'"),
            Tok::Ref(r) => format!("${{{r}}}"),
            Tok::Dot => "'.'".into(),
            Tok::Name(n) => format!("'{n}'"),
            Tok::LParen => "'('".into(),
            Tok::RParen => "')'".into(),
            Tok::Comma => "','".into(),
            Tok::Plus => "'+'".into(),
            Tok::Minus => "'-'".into(),
            Tok::Star => "'*'".into(),
            Tok::Eq => "'='".into(),
            Tok::Ne => "'!='".into(),
            Tok::Lt => "'<'".into(),
            Tok::Le => "'<='".into(),
            Tok::Gt => "'>'".into(),
            Tok::Ge => "'>='".into(),
            Tok::Eof => "end of expression".into(),
        }
    }
}

pub(super) fn syntax(pos: usize, message: impl Into<String>) -> ExprError {
    ExprError {
        pos,
        code: "syntax",
        message: message.into(),
    }
}

pub(super) struct Lexer<'a> {
    src: &'a str,
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub fn new(src: &'a str) -> Self {
        Lexer { src, pos: 0 }
    }

    fn byte(&self, at: usize) -> Option<u8> {
        self.src.as_bytes().get(at).copied()
    }

    fn slice(&self, from: usize, to: usize) -> &'a str {
        self.src.get(from..to).unwrap_or("")
    }

    /// Advances past bytes matching `pred` and returns the new position.
    fn skip_while(&mut self, pred: impl Fn(u8) -> bool) -> usize {
        while self.byte(self.pos).is_some_and(&pred) {
            self.pos += 1;
        }
        self.pos
    }

    pub fn next_token(&mut self) -> Result<Token<'a>, ExprError> {
        self.skip_while(|b| b.is_ascii_whitespace());
        let start = self.pos;
        let Some(b) = self.byte(start) else {
            return Ok(Token {
                tok: Tok::Eof,
                pos: start,
            });
        };
        let next = self.byte(start + 1);
        let (tok, len) = match b {
            b'(' => (Tok::LParen, 1),
            b')' => (Tok::RParen, 1),
            b',' => (Tok::Comma, 1),
            b'+' => (Tok::Plus, 1),
            b'-' => (Tok::Minus, 1),
            b'*' => (Tok::Star, 1),
            b'=' if next == Some(b'=') => {
                return Err(syntax(start, "use '=' to compare, not '=='"));
            }
            b'=' => (Tok::Eq, 1),
            b'!' if next == Some(b'=') => (Tok::Ne, 2),
            b'!' => return Err(syntax(start, "use not(...) to negate, not '!'")),
            b'<' if next == Some(b'=') => (Tok::Le, 2),
            b'<' => (Tok::Lt, 1),
            b'>' if next == Some(b'=') => (Tok::Ge, 2),
            b'>' => (Tok::Gt, 1),
            b'&' => return Err(syntax(start, "use 'and' to combine conditions, not '&'")),
            b'|' => return Err(syntax(start, "use 'or' to combine conditions, not '|'")),
            b'.' if !next.is_some_and(|n| n.is_ascii_digit()) => (Tok::Dot, 1),
            b'0'..=b'9' | b'.' => return self.number(start),
            b'\'' | b'"' => return self.string(start, b),
            b'$' => return self.reference(start),
            b'a'..=b'z' | b'A'..=b'Z' | b'_' => return Ok(self.name(start)),
            _ => {
                let c = self.src.get(start..).and_then(|s| s.chars().next());
                let shown = c.map_or_else(|| "?".to_owned(), |c| c.to_string());
                return Err(syntax(start, format!("unexpected character '{shown}'")));
            }
        };
        self.pos = start + len;
        Ok(Token { tok, pos: start })
    }

    fn number(&mut self, start: usize) -> Result<Token<'a>, ExprError> {
        self.skip_while(|b| b.is_ascii_digit());
        if self.byte(self.pos) == Some(b'.') {
            self.pos += 1;
            self.skip_while(|b| b.is_ascii_digit());
        }
        let text = self.slice(start, self.pos);
        match text.parse::<f64>() {
            Ok(n) => Ok(Token {
                tok: Tok::Num(n),
                pos: start,
            }),
            Err(_) => Err(syntax(start, format!("invalid number '{text}'"))),
        }
    }

    /// XPath string literals have no escapes: a quote of the other kind is how one is embedded.
    fn string(&mut self, start: usize, quote: u8) -> Result<Token<'a>, ExprError> {
        self.pos = start + 1;
        let end = self.skip_while(|b| b != quote);
        if self.byte(end).is_none() {
            return Err(syntax(start, "unterminated string: missing closing quote"));
        }
        self.pos = end + 1;
        Ok(Token {
            tok: Tok::Str(self.slice(start + 1, end)),
            pos: start,
        })
    }

    fn reference(&mut self, start: usize) -> Result<Token<'a>, ExprError> {
        if self.byte(start + 1) != Some(b'{') {
            return Err(syntax(
                start,
                "expected '{' after '$' (items are referenced as ${name})",
            ));
        }
        let key_start = start + 2;
        let rest = self.src.get(key_start..).unwrap_or("");
        // Keys may be written in any script, so accept Unicode letters and digits, not just ASCII.
        for (i, c) in rest.char_indices() {
            let at = key_start + i;
            if c == '}' {
                if i == 0 {
                    return Err(syntax(start, "empty reference '${}'"));
                }
                self.pos = at + 1;
                return Ok(Token {
                    tok: Tok::Ref(self.slice(key_start, at)),
                    pos: start,
                });
            }
            // Item keys are ASCII (checked when templates load); ASCII here also keeps the
            // Unicode tables out of the WASM build.
            if !(c.is_ascii_alphanumeric() || matches!(c, '_' | '.' | '-')) {
                return Err(syntax(
                    at,
                    format!("invalid character '{c}' in reference name"),
                ));
            }
        }
        Err(syntax(start, "unterminated reference: missing '}'"))
    }

    /// Names may contain `-` (`count-selected`), but only when a letter follows, so that
    /// `3 mod-1` still reads as `3 mod -1`.
    fn name(&mut self, start: usize) -> Token<'a> {
        loop {
            self.skip_while(|b| b.is_ascii_alphanumeric() || b == b'_');
            let hyphenated = self.byte(self.pos) == Some(b'-')
                && self
                    .byte(self.pos + 1)
                    .is_some_and(|b| b.is_ascii_alphabetic());
            if !hyphenated {
                break;
            }
            self.pos += 1;
        }
        Token {
            tok: Tok::Name(self.slice(start, self.pos)),
            pos: start,
        }
    }
}
