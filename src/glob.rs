//! Redis's glob matching (`stringmatchlen` in util.c): KEYS, SCAN MATCH, and the key patterns
//! an exercise owns.

/// True when `string` matches the Redis glob `pattern` (`*`, `?`, `[a-z]`, `[^x]`, `\` escapes).
pub fn glob_match(pattern: &[u8], string: &[u8]) -> bool {
    let mut skip_longer = false;
    match_from(pattern, string, false, &mut skip_longer, 0)
}

/// Like `glob_match`, ignoring ASCII case.
pub fn glob_match_nocase(pattern: &[u8], string: &[u8]) -> bool {
    let mut skip_longer = false;
    match_from(pattern, string, true, &mut skip_longer, 0)
}

/// How deep `*` matching may recurse before giving up with no match: Redis's own protection
/// against abusive patterns (CVE-2024-31228, in Redis from 7.2.6; 7.0.15 has none). Without
/// it, `KEYS` with thousands of `*a` against a long key overflows the engine thread's stack,
/// which would end the whole tutor.
const MAX_NESTING: usize = 1000;

fn eq(a: u8, b: u8, nocase: bool) -> bool {
    if nocase {
        a.eq_ignore_ascii_case(&b)
    } else {
        a == b
    }
}

/// A port of stringmatchlen_impl; bytes past the end read as 0, like C's terminator.
fn match_from(
    pattern: &[u8],
    string: &[u8],
    nocase: bool,
    skip_longer: &mut bool,
    nesting: usize,
) -> bool {
    if nesting > MAX_NESTING {
        return false;
    }
    let pat = |i: usize| pattern.get(i).copied().unwrap_or(0);
    let (mut p, mut s) = (0usize, 0usize);
    while p < pattern.len() && s < string.len() {
        match pattern[p] {
            b'*' => {
                while p + 1 < pattern.len() && pattern[p + 1] == b'*' {
                    p += 1;
                }
                if p + 1 == pattern.len() {
                    return true;
                }
                while s < string.len() {
                    if match_from(
                        &pattern[p + 1..],
                        &string[s..],
                        nocase,
                        skip_longer,
                        nesting + 1,
                    ) {
                        return true;
                    }
                    if *skip_longer {
                        return false;
                    }
                    s += 1;
                }
                *skip_longer = true;
                return false;
            }
            b'?' => s += 1,
            b'[' => {
                p += 1;
                let not = pat(p) == b'^';
                if not {
                    p += 1;
                }
                let c = string[s];
                let mut matched = false;
                loop {
                    if pat(p) == b'\\' && pattern.len() - p >= 2 {
                        p += 1;
                        if pattern[p] == c {
                            matched = true;
                        }
                    } else if pat(p) == b']' {
                        break;
                    } else if p >= pattern.len() {
                        p -= 1;
                        break;
                    } else if pattern.len() - p >= 3 && pattern[p + 1] == b'-' {
                        let (mut start, mut end, mut ch) = (pattern[p], pattern[p + 2], c);
                        if start > end {
                            std::mem::swap(&mut start, &mut end);
                        }
                        if nocase {
                            start = start.to_ascii_lowercase();
                            end = end.to_ascii_lowercase();
                            ch = ch.to_ascii_lowercase();
                        }
                        p += 2;
                        if ch >= start && ch <= end {
                            matched = true;
                        }
                    } else if eq(pattern[p], c, nocase) {
                        matched = true;
                    }
                    p += 1;
                }
                if not {
                    matched = !matched;
                }
                if !matched {
                    return false;
                }
                s += 1;
            }
            other => {
                let expected = if other == b'\\' && pattern.len() - p >= 2 {
                    p += 1;
                    pattern[p]
                } else {
                    other
                };
                if !eq(expected, string[s], nocase) {
                    return false;
                }
                s += 1;
            }
        }
        p += 1;
        if s == string.len() {
            while pat(p) == b'*' {
                p += 1;
            }
            break;
        }
    }
    p >= pattern.len() && s == string.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A pattern of 100,000 `*a` against a key of 100,000 `a`: recursion stops at Redis's
    /// nesting limit (no match) instead of overflowing the engine thread's 2 MB stack.
    #[test]
    fn abusive_patterns_cannot_overflow_the_stack() {
        let pattern = b"*a".repeat(100_000);
        let key = vec![b'a'; 100_000];
        let matched = std::thread::Builder::new()
            .stack_size(2 * 1024 * 1024)
            .spawn(move || glob_match(&pattern, &key))
            .unwrap()
            .join()
            .unwrap();
        assert!(!matched);
        assert!(glob_match(&b"*a".repeat(500), &[b'a'; 600]));
    }

    #[test]
    fn matches_like_redis() {
        let cases: &[(&str, &str, bool)] = &[
            ("*", "", false), // as in C; KEYS special-cases a lone "*"
            ("*", "anything", true),
            ("product:*", "product:1001", true),
            ("product:*", "products", false),
            ("h?llo", "hello", true),
            ("h?llo", "hllo", false),
            ("h*llo", "heeeello", true),
            ("h[ae]llo", "hallo", true),
            ("h[ae]llo", "hillo", false),
            ("h[^e]llo", "hallo", true),
            ("h[^e]llo", "hello", false),
            ("h[a-b]llo", "hbllo", true),
            ("h[b-a]llo", "hallo", true),
            ("a\\*b", "a*b", true),
            ("a\\*b", "axb", false),
            ("", "", true),
            ("", "a", false),
            ("a*", "a", true),
            ("*a*b*", "xaxbx", true),
            ("[abc", "a", true),
            ("user:*:sessions", "user:42:sessions", true),
        ];
        for (p, s, want) in cases {
            assert_eq!(
                glob_match(p.as_bytes(), s.as_bytes()),
                *want,
                "{p:?} vs {s:?}"
            );
        }
        assert!(glob_match_nocase(b"PRODUCT:*", b"product:1"));
    }

    #[test]
    fn pathological_patterns_finish() {
        let s = "a".repeat(60);
        assert!(!glob_match(
            "*a*a*a*a*a*a*a*a*a*a*b".as_bytes(),
            s.as_bytes()
        ));
    }
}
