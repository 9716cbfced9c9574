//! Redis's argument splitting (`sdssplitargs`): inline commands and redis-cli input lines.

/// Splits a line into arguments with redis-cli's quoting rules.
///
/// Double quotes allow escapes (`\n`, `\xhh`, `\"` ...); single quotes are literal except `\'`;
/// a closing quote must be followed by white space or the end. Returns `None` for unbalanced
/// quotes, which redis-cli reports as "Invalid argument(s)".
///
/// Redis reads the line as a C string, so a NUL byte ends it: `GET a\0b` is `GET a`, and a
/// quote still open at the NUL is unbalanced.
pub fn split_args(line: &[u8]) -> Option<Vec<Vec<u8>>> {
    let line = match line.iter().position(|&b| b == 0) {
        Some(nul) => &line[..nul],
        None => line,
    };
    let mut args = Vec::new();
    let mut i = 0;
    let at = |i: usize| line.get(i).copied().unwrap_or(0);
    loop {
        while i < line.len() && is_space(line[i]) {
            i += 1;
        }
        if i >= line.len() {
            return Some(args);
        }
        let mut current = Vec::new();
        let (mut in_double, mut in_single) = (false, false);
        loop {
            let c = at(i);
            if in_double {
                if c == b'\\'
                    && at(i + 1) == b'x'
                    && at(i + 2).is_ascii_hexdigit()
                    && at(i + 3).is_ascii_hexdigit()
                {
                    let hex =
                        std::str::from_utf8(&line[i + 2..i + 4]).expect("hex digits are ASCII");
                    current.push(u8::from_str_radix(hex, 16).expect("checked hex digits"));
                    i += 3;
                } else if c == b'\\' && i + 1 < line.len() {
                    i += 1;
                    current.push(match at(i) {
                        b'n' => b'\n',
                        b'r' => b'\r',
                        b't' => b'\t',
                        b'b' => 0x08,
                        b'a' => 0x07,
                        other => other,
                    });
                } else if c == b'"' {
                    if i + 1 < line.len() && !is_space(at(i + 1)) {
                        return None;
                    }
                    i += 1;
                    break;
                } else if i >= line.len() {
                    return None;
                } else {
                    current.push(c);
                }
            } else if in_single {
                if c == b'\\' && at(i + 1) == b'\'' {
                    i += 1;
                    current.push(b'\'');
                } else if c == b'\'' {
                    if i + 1 < line.len() && !is_space(at(i + 1)) {
                        return None;
                    }
                    i += 1;
                    break;
                } else if i >= line.len() {
                    return None;
                } else {
                    current.push(c);
                }
            } else if i >= line.len() || matches!(c, b' ' | b'\n' | b'\r' | b'\t') {
                break;
            } else if c == b'"' {
                in_double = true;
            } else if c == b'\'' {
                in_single = true;
            } else {
                current.push(c);
            }
            i += 1;
        }
        args.push(current);
    }
}

/// C's isspace.
fn is_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

#[cfg(test)]
mod tests {
    use super::split_args;

    fn split(s: &str) -> Option<Vec<String>> {
        split_args(s.as_bytes()).map(|v| {
            v.into_iter()
                .map(|a| String::from_utf8_lossy(&a).into_owned())
                .collect()
        })
    }

    #[test]
    fn follows_redis_cli_quoting() {
        assert_eq!(
            split("set  a b"),
            Some(vec!["set".into(), "a".into(), "b".into()])
        );
        assert_eq!(
            split(r#"set k "a b\n\x41\"""#),
            Some(vec!["set".into(), "k".into(), "a b\nA\"".into()])
        );
        assert_eq!(
            split(r"set k 'it\'s \n'"),
            Some(vec!["set".into(), "k".into(), "it's \\n".into()])
        );
        assert_eq!(split(r#"ab"cd""#), Some(vec!["abcd".into()]));
        assert_eq!(split(r#"get "x"#), None);
        assert_eq!(split(r#"get "x"y"#), None);
        assert_eq!(split("get 'x"), None);
        assert_eq!(split("   "), Some(vec![]));
        assert_eq!(split(r#""""#), Some(vec!["".into()]));
    }

    /// The fuzz crash of `serve`: a NUL outside quotes sent the splitter into an endless loop
    /// of empty arguments until memory ran out. Redis stops at the NUL.
    #[test]
    fn a_nul_byte_ends_the_line_as_in_redis() {
        assert_eq!(split("GET a\0b"), Some(vec!["GET".into(), "a".into()]));
        assert_eq!(split("GET a \0 b"), Some(vec!["GET".into(), "a".into()]));
        assert_eq!(split("\0GET"), Some(vec![]));
        assert_eq!(
            split("GET \"a\0b\""),
            None,
            "a quote open at the NUL is unbalanced"
        );
        assert_eq!(split("GET 'a\0'"), None);
        assert_eq!(
            split(r#"SET k "\x00""#),
            Some(vec!["SET".into(), "k".into(), "\0".into()]),
            "an escaped NUL is data"
        );
    }
}
