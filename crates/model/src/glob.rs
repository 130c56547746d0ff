//! Shell-pattern matching with the semantics of Go's `path.Match`, which SFTPGo uses for
//! permission keys, file pattern filters and event conditions.
//!
//! - `*` matches any run of characters except `/`; `?` matches one character except `/`.
//! - `[abc]`, `[a-z]`, `[^a-z]` are character classes (they may match `/`); `\` escapes.
//! - A malformed pattern is an error ([`BadPattern`]) even when the name does not match.
//!
//! Crates such as `globset` or `glob-match` treat `/`, `**` and escapes differently, which would
//! change which permission entry applies, so this is a direct implementation of Go's rules.

/// The pattern is malformed (unterminated class, empty class, trailing `\`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("syntax error in pattern")]
pub struct BadPattern;

/// True if `name` matches the whole `pattern`.
pub fn matches(pattern: &str, name: &str) -> Result<bool, BadPattern> {
    let mut pattern = pattern;
    let mut name = name;
    'outer: while !pattern.is_empty() {
        let (star, chunk, rest) = scan_chunk(pattern);
        pattern = rest;
        if star && chunk.is_empty() {
            // A trailing star matches the rest of the name unless it crosses a directory.
            return Ok(!name.contains('/'));
        }
        // Try to match the chunk right here.
        let here = match_chunk(chunk, name);
        if let Ok(Some(t)) = here
            && (t.is_empty() || !pattern.is_empty())
        {
            name = t;
            continue;
        }
        here?;
        if star {
            // The star may swallow characters, but never a '/'.
            for (idx, c) in name.char_indices() {
                if c == '/' {
                    break;
                }
                let skipped = &name[idx + c.len_utf8()..];
                if let Some(t) = match_chunk(chunk, skipped)? {
                    if pattern.is_empty() && !t.is_empty() {
                        continue;
                    }
                    name = t;
                    continue 'outer;
                }
            }
        }
        // No match: still report a syntax error in the rest of the pattern.
        while !pattern.is_empty() {
            let (_, chunk, rest) = scan_chunk(pattern);
            pattern = rest;
            match_chunk(chunk, "")?;
        }
        return Ok(false);
    }
    Ok(name.is_empty())
}

/// Checks the syntax of a pattern.
pub fn validate(pattern: &str) -> Result<(), BadPattern> {
    matches(pattern, "abc").map(|_| ())
}

/// True if `pattern` contains characters with a special meaning (`*`, `?`, `[`, `\`).
pub fn has_meta(pattern: &str) -> bool {
    pattern.contains(['*', '?', '[', '\\'])
}

/// Splits off the leading stars and the literal/class chunk up to the next unbracketed star.
fn scan_chunk(pattern: &str) -> (bool, &str, &str) {
    let trimmed = pattern.trim_start_matches('*');
    let star = trimmed.len() != pattern.len();
    let bytes = trimmed.as_bytes();
    let mut in_class = false;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => i += 1,
            b'[' => in_class = true,
            b']' => in_class = false,
            b'*' if !in_class => break,
            _ => {}
        }
        i += 1;
    }
    // `i` may point inside a multi-byte character only after a backslash; move to a boundary.
    while !trimmed.is_char_boundary(i) {
        i += 1;
    }
    (star, &trimmed[..i], &trimmed[i..])
}

fn first_char(s: &str) -> Option<(char, &str)> {
    let mut it = s.chars();
    let c = it.next()?;
    Some((c, it.as_str()))
}

/// Matches one chunk (no stars) against the start of `s`; returns the unmatched rest of `s`.
/// After a mismatch the rest of the chunk is still parsed so syntax errors are reported.
fn match_chunk<'a>(chunk: &str, s: &'a str) -> Result<Option<&'a str>, BadPattern> {
    let mut chunk = chunk;
    let mut s = s;
    let mut failed = false;
    while let Some((c, after)) = first_char(chunk) {
        if !failed && s.is_empty() {
            failed = true;
        }
        match c {
            '[' => {
                let mut target = '\0';
                if !failed && let Some((r, rest)) = first_char(s) {
                    target = r;
                    s = rest;
                }
                chunk = after;
                let negated = chunk.starts_with('^');
                if negated {
                    chunk = &chunk[1..];
                }
                let mut matched = false;
                let mut ranges = 0;
                loop {
                    if ranges > 0 && chunk.starts_with(']') {
                        chunk = &chunk[1..];
                        break;
                    }
                    let (lo, rest) = class_char(chunk)?;
                    chunk = rest;
                    let mut hi = lo;
                    if let Some(rest) = chunk.strip_prefix('-') {
                        let (h, rest) = class_char(rest)?;
                        hi = h;
                        chunk = rest;
                    }
                    if lo <= target && target <= hi {
                        matched = true;
                    }
                    ranges += 1;
                }
                if matched == negated {
                    failed = true;
                }
            }
            '?' => {
                if !failed && let Some((r, rest)) = first_char(s) {
                    if r == '/' {
                        failed = true;
                    }
                    s = rest;
                }
                chunk = after;
            }
            _ => {
                let (literal, rest) = if c == '\\' { first_char(after).ok_or(BadPattern)? } else { (c, after) };
                if !failed && let Some((r, s_rest)) = first_char(s) {
                    if r != literal {
                        failed = true;
                    }
                    s = s_rest;
                }
                chunk = rest;
            }
        }
    }
    Ok(if failed { None } else { Some(s) })
}

/// One (possibly escaped) character of a class; the class must continue after it.
fn class_char(chunk: &str) -> Result<(char, &str), BadPattern> {
    let chunk = match chunk.as_bytes().first() {
        None | Some(b'-') | Some(b']') => return Err(BadPattern),
        Some(b'\\') => &chunk[1..],
        Some(_) => chunk,
    };
    let (c, rest) = first_char(chunk).ok_or(BadPattern)?;
    if rest.is_empty() {
        return Err(BadPattern);
    }
    Ok((c, rest))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(p: &str, n: &str) -> Result<bool, BadPattern> {
        matches(p, n)
    }

    // Cases taken from the behaviour documented for Go's path.Match.
    #[test]
    fn go_match_table() {
        let ok = |p: &str, n: &str, want: bool| assert_eq!(m(p, n), Ok(want), "{p:?} vs {n:?}");
        ok("abc", "abc", true);
        ok("*", "abc", true);
        ok("*c", "abc", true);
        ok("a*", "a", true);
        ok("a*", "abc", true);
        ok("a*", "ab/c", false);
        ok("a*/b", "abc/b", true);
        ok("a*/b", "a/c/b", false);
        ok("a*b*c*d*e*/f", "axbxcxdxe/f", true);
        ok("a*b*c*d*e*/f", "axbxcxdxexxx/f", true);
        ok("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", false);
        ok("a*b*c*d*e*/f", "axbxcxdxexxx/fff", false);
        ok("a*b?c*x", "abxbbxdbxebxczzx", true);
        ok("a*b?c*x", "abxbbxdbxebxczzy", false);
        ok("ab[c]", "abc", true);
        ok("ab[b-d]", "abc", true);
        ok("ab[e-g]", "abc", false);
        ok("ab[^c]", "abc", false);
        ok("ab[^b-d]", "abc", false);
        ok("ab[^e-g]", "abc", true);
        ok("a\\*b", "a*b", true);
        ok("a\\*b", "ab", false);
        ok("a?b", "a☺b", true);
        ok("a[^a]b", "a☺b", true);
        ok("a???b", "a☺b", false);
        ok("a[^a][^a][^a]b", "a☺b", false);
        ok("[a-ζ]*", "α", true);
        ok("*[a-ζ]", "A", false);
        ok("a?b", "a/b", false);
        ok("a*b", "a/b", false);
        ok("[\\]a]", "]", true);
        ok("[\\-]", "-", true);
        ok("[x\\-]", "x", true);
        ok("[x\\-]", "-", true);
        ok("[x\\-]", "z", false);
        ok("[\\-x]", "x", true);
        ok("[\\-x]", "-", true);
        ok("[\\-x]", "a", false);
        ok("*x", "xxx", true);
        ok("", "", true);
        ok("", "a", false);
        ok("a[^b]c", "a/c", true);
    }

    #[test]
    fn bad_patterns() {
        for p in ["[]a]", "[-]", "[x-]", "[-x]", "\\", "[a-b-c]", "[", "[^", "[^bc", "a[", "ab[^"] {
            assert_eq!(m(p, "a"), Err(BadPattern), "{p:?}");
            assert_eq!(validate(p), Err(BadPattern), "{p:?}");
        }
        // The syntax error is found even after a mismatch earlier in the pattern.
        assert_eq!(m("x*[", "abc"), Err(BadPattern));
        assert_eq!(m("zz[", "a"), Err(BadPattern));
        assert!(validate("*.zip").is_ok());
        assert!(validate("/p*").is_ok());
    }

    #[test]
    fn star_never_crosses_slash() {
        assert_eq!(m("/p*", "/p1"), Ok(true));
        assert_eq!(m("/p*", "/p1/sub"), Ok(false));
        assert_eq!(m("/p/*", "/p/x"), Ok(true));
        assert_eq!(m("/p/*", "/p/x/y"), Ok(false));
        assert_eq!(m("/*/b", "/a/b"), Ok(true));
        assert_eq!(m("*", "/"), Ok(false));
    }

    #[test]
    fn has_meta_detects_specials() {
        assert!(has_meta("/a*"));
        assert!(has_meta("a[bc]"));
        assert!(!has_meta("/plain/dir"));
    }
}
