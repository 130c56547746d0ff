//! A small dotenv parser for `env.d` files and `.env` configuration files.
//!
//! Syntax (compatible with what SFTPGo's loader accepts):
//! - `KEY=VALUE` or `KEY: VALUE`, optionally preceded by `export `; keys use `A-Z a-z 0-9 _ .`;
//! - blank lines and lines starting with `#` are ignored;
//! - unquoted values end at the first `#` and are trimmed;
//! - single-quoted values are literal;
//! - double-quoted values understand `\n`, `\r`, `\t`, `\\`, `\"`, `\$`;
//! - quoted values may span lines;
//! - `$NAME` and `${NAME}` are expanded in unquoted and double-quoted values, from the caller's
//!   lookup first, then from variables defined earlier in the same file (unknown names expand to
//!   nothing).
//!
//! Written here rather than taken from a crate so that expansion reads an injected environment,
//! never the process one.

use std::collections::HashMap;

/// A syntax error, with the 1-based line where the offending entry starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DotenvError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for DotenvError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// Parses `content` into `(name, value)` pairs in file order.
pub(crate) fn parse(
    content: &str,
    lookup: &dyn Fn(&str) -> Option<String>,
) -> Result<Vec<(String, String)>, DotenvError> {
    let mut parser = Parser { chars: content.chars().collect(), pos: 0, line: 1 };
    let mut out = Vec::new();
    let mut local: HashMap<String, String> = HashMap::new();
    loop {
        parser.skip_blank_and_comments();
        if parser.at_end() {
            break;
        }
        let start_line = parser.line;
        let err = |message: String| DotenvError { line: start_line, message };
        parser.skip_export();
        let key = parser.key();
        if key.is_empty() {
            return Err(err("expected a variable name".to_owned()));
        }
        parser.skip_inline_space();
        match parser.peek() {
            Some('=') => parser.pos += 1,
            Some(':') => parser.pos += 1,
            _ => return Err(err(format!("expected '=' after {key}"))),
        }
        parser.skip_inline_space();
        let resolve = |name: &str| lookup(name).or_else(|| local.get(name).cloned());
        let value = match parser.peek() {
            Some('\'') => {
                parser.pos += 1;
                let raw = parser.until_quote('\'').ok_or_else(|| err(format!("unterminated single quote in {key}")))?;
                parser.expect_line_end().map_err(err)?;
                raw
            }
            Some('"') => {
                parser.pos += 1;
                let raw = parser.until_quote('"').ok_or_else(|| err(format!("unterminated double quote in {key}")))?;
                parser.expect_line_end().map_err(err)?;
                expand(&raw, true, &resolve)
            }
            _ => {
                let raw = parser.rest_of_line();
                let raw = raw.split('#').next().unwrap_or_default().trim();
                expand(raw, false, &resolve)
            }
        };
        local.insert(key.clone(), value.clone());
        out.push((key, value));
    }
    Ok(out)
}

struct Parser {
    chars: Vec<char>,
    pos: usize,
    line: usize,
}

impl Parser {
    fn at_end(&self) -> bool {
        self.pos >= self.chars.len()
    }

    fn peek(&self) -> Option<char> {
        self.chars.get(self.pos).copied()
    }

    fn bump(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.pos += 1;
        if c == '\n' {
            self.line += 1;
        }
        Some(c)
    }

    fn skip_inline_space(&mut self) {
        while matches!(self.peek(), Some(' ' | '\t')) {
            self.pos += 1;
        }
    }

    fn skip_blank_and_comments(&mut self) {
        loop {
            while matches!(self.peek(), Some(c) if c.is_whitespace()) {
                self.bump();
            }
            if self.peek() == Some('#') {
                self.rest_of_line();
                continue;
            }
            break;
        }
    }

    fn skip_export(&mut self) {
        let word: String = self.chars[self.pos..].iter().take(7).collect();
        if word == "export " || word == "export\t" {
            self.pos += 7;
            self.skip_inline_space();
        }
    }

    fn key(&mut self) -> String {
        let mut key = String::new();
        while let Some(c) = self.peek() {
            if c.is_ascii_alphanumeric() || c == '_' || c == '.' {
                key.push(c);
                self.pos += 1;
            } else {
                break;
            }
        }
        key
    }

    /// Consumes up to the end of the line (excluding the newline).
    fn rest_of_line(&mut self) -> String {
        let mut out = String::new();
        while let Some(c) = self.peek() {
            if c == '\n' {
                break;
            }
            out.push(c);
            self.pos += 1;
        }
        out.trim_end_matches('\r').to_owned()
    }

    /// Reads a quoted value whose opening quote was consumed. Backslash escapes are kept as-is for
    /// double quotes (they are interpreted by `expand`).
    fn until_quote(&mut self, quote: char) -> Option<String> {
        let mut out = String::new();
        loop {
            let c = self.bump()?;
            if c == quote {
                return Some(out);
            }
            if c == '\\' && quote == '"' {
                let next = self.bump()?;
                out.push('\\');
                out.push(next);
                continue;
            }
            out.push(c);
        }
    }

    fn expect_line_end(&mut self) -> Result<(), String> {
        let rest = self.rest_of_line();
        let rest = rest.trim();
        if rest.is_empty() || rest.starts_with('#') {
            Ok(())
        } else {
            Err(format!("unexpected text after the closing quote: {rest}"))
        }
    }
}

/// Expands `$NAME`/`${NAME}` and, for double-quoted values, backslash escapes.
fn expand(raw: &str, escapes: bool, resolve: &dyn Fn(&str) -> Option<String>) -> String {
    let chars: Vec<char> = raw.chars().collect();
    let mut out = String::with_capacity(raw.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' && i + 1 < chars.len() {
            let next = chars[i + 1];
            match next {
                '$' => out.push('$'),
                'n' if escapes => out.push('\n'),
                'r' if escapes => out.push('\r'),
                't' if escapes => out.push('\t'),
                '\\' if escapes => out.push('\\'),
                '"' if escapes => out.push('"'),
                _ => {
                    out.push('\\');
                    out.push(next);
                }
            }
            i += 2;
            continue;
        }
        if c == '$' {
            if chars.get(i + 1) == Some(&'{') {
                if let Some(close) = chars[i + 2..].iter().position(|&ch| ch == '}') {
                    let name: String = chars[i + 2..i + 2 + close].iter().collect();
                    out.push_str(&resolve(&name).unwrap_or_default());
                    i += close + 3;
                    continue;
                }
            } else {
                let name: String =
                    chars[i + 1..].iter().take_while(|ch| ch.is_ascii_alphanumeric() || **ch == '_').collect();
                if !name.is_empty() {
                    out.push_str(&resolve(&name).unwrap_or_default());
                    i += name.chars().count() + 1;
                    continue;
                }
            }
        }
        out.push(c);
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn pairs(content: &str) -> Vec<(String, String)> {
        parse(content, &no_env).unwrap()
    }

    fn kv(k: &str, v: &str) -> (String, String) {
        (k.to_owned(), v.to_owned())
    }

    #[test]
    fn plain_and_commented_lines() {
        let got = pairs("# comment\n\nA=1\nexport B = two words  \nC=x # trailing\nD=\nE: yaml\n");
        assert_eq!(got, vec![kv("A", "1"), kv("B", "two words"), kv("C", "x"), kv("D", ""), kv("E", "yaml")]);
    }

    #[test]
    fn quotes_escapes_and_expansion() {
        let lookup = |name: &str| (name == "OUTER").then(|| "out".to_owned());
        let got = parse(
            "A='lit $OUTER \\n'\nB=\"tab\\there \\\"q\\\" $OUTER ${A}\"\nC=$OUTER-$B_NOPE-\\$x\nD=\"multi\nline\" # c\n",
            &lookup,
        )
        .unwrap();
        assert_eq!(
            got,
            vec![
                kv("A", "lit $OUTER \\n"),
                kv("B", "tab\there \"q\" out lit $OUTER \\n"),
                kv("C", "out--$x"),
                kv("D", "multi\nline"),
            ]
        );
    }

    #[test]
    fn caller_environment_wins_over_earlier_lines() {
        let lookup = |name: &str| (name == "X").then(|| "env".to_owned());
        let got = parse("X=file\nY=$X\n", &lookup).unwrap();
        assert_eq!(got[1], kv("Y", "env"));
    }

    #[test]
    fn errors_name_the_line() {
        let err = parse("A=1\nnot a pair\n", &no_env).unwrap_err();
        assert_eq!(err.line, 2);
        let err = parse("A=1\nB=\"open\n", &no_env).unwrap_err();
        assert_eq!(err.line, 2);
        assert!(err.message.contains("unterminated"));
        let err = parse("A='x' y\n", &no_env).unwrap_err();
        assert!(err.message.contains("after the closing quote"));
    }
}
