//! The one rule for commands that carry credentials, used by the history (which never stores
//! them, as redis-cli's does not) and the transcript (which stores them with the secrets
//! replaced by [`REDACTED`], and never persists them).

/// What a secret argument is replaced with in the transcript.
pub const REDACTED: &[u8] = b"(redacted)";

/// The positions of the secret arguments of a command that carries credentials, or None for
/// a command that carries none. redis-cli's list: AUTH; ACL SETUSER (its password rules),
/// GETUSER and DELUSER; CONFIG SET of masterauth, masteruser or requirepass; HELLO with AUTH;
/// MIGRATE with AUTH or AUTH2. ACL GETUSER and DELUSER carry no secret argument but are kept
/// out of the history all the same.
pub fn secret_arguments(args: &[Vec<u8>]) -> Option<Vec<usize>> {
    let command = args.first()?;
    let is = |arg: &[u8], name: &str| arg.eq_ignore_ascii_case(name.as_bytes());
    let argc = args.len();
    let found = |positions: Vec<usize>| (!positions.is_empty()).then_some(positions);
    if is(command, "auth") {
        return Some(vec![argc - 1]).filter(|_| argc > 1);
    }
    if argc > 1 && is(command, "acl") {
        if is(&args[1], "setuser") {
            let rules = args
                .iter()
                .enumerate()
                .skip(3)
                .filter(|(_, rule)| matches!(rule.first(), Some(b'>' | b'<' | b'#' | b'!')))
                .map(|(i, _)| i)
                .collect();
            return Some(rules);
        }
        return ["deluser", "getuser"]
            .iter()
            .any(|s| is(&args[1], s))
            .then(Vec::new);
    }
    if argc > 2 && is(command, "config") && is(&args[1], "set") {
        return found(
            (2..argc)
                .step_by(2)
                .filter(|&i| {
                    ["masterauth", "masteruser", "requirepass"]
                        .iter()
                        .any(|s| is(&args[i], s))
                })
                .map(|i| i + 1)
                .filter(|&i| i < argc)
                .collect(),
        );
    }
    if argc > 4 && is(command, "hello") {
        let mut positions = Vec::new();
        let mut j = 2;
        while j < argc {
            let more = argc - 1 - j;
            if is(&args[j], "auth") && more >= 2 {
                positions.push(j + 2);
                j += 3;
            } else if is(&args[j], "setname") && more >= 1 {
                j += 2;
            } else {
                break;
            }
        }
        return found(positions);
    }
    if argc > 7 && is(command, "migrate") {
        let mut positions = Vec::new();
        let mut j = 6;
        while j < argc {
            let more = argc - 1 - j;
            if is(&args[j], "auth") && more >= 1 {
                positions.push(j + 1);
                j += 2;
            } else if is(&args[j], "auth2") && more >= 2 {
                positions.push(j + 2);
                j += 3;
            } else if is(&args[j], "keys") {
                break;
            } else {
                j += 1;
            }
        }
        return found(positions);
    }
    None
}

/// Whether a command carries credentials.
pub fn is_sensitive_command(args: &[Vec<u8>]) -> bool {
    secret_arguments(args).is_some()
}

/// `args` with passwords and password rules replaced by [`REDACTED`]; everything else kept.
pub fn redact_credentials(args: &[Vec<u8>]) -> Vec<Vec<u8>> {
    let mut out = args.to_vec();
    for position in secret_arguments(args).unwrap_or_default() {
        out[position] = REDACTED.to_vec();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Vec<Vec<u8>> {
        line.split(' ').map(|a| a.as_bytes().to_vec()).collect()
    }

    fn redacted(line: &str) -> String {
        redact_credentials(&cmd(line))
            .iter()
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect::<Vec<_>>()
            .join(" ")
    }

    #[test]
    fn secrets_are_redacted_and_the_rest_kept() {
        assert_eq!(redacted("AUTH pw"), "AUTH (redacted)");
        assert_eq!(redacted("AUTH bob pw"), "AUTH bob (redacted)");
        assert_eq!(
            redacted("ACL SETUSER bob on >pw ~* +@all"),
            "ACL SETUSER bob on (redacted) ~* +@all"
        );
        assert_eq!(
            redacted("CONFIG SET maxmemory 1mb requirepass pw"),
            "CONFIG SET maxmemory 1mb requirepass (redacted)"
        );
        assert_eq!(
            redacted("HELLO 3 AUTH bob pw SETNAME me"),
            "HELLO 3 AUTH bob (redacted) SETNAME me"
        );
        assert_eq!(
            redacted("MIGRATE h 1 k 0 5 AUTH2 u pw"),
            "MIGRATE h 1 k 0 5 AUTH2 u (redacted)"
        );
        assert_eq!(redacted("SET k v"), "SET k v");
    }

    #[test]
    fn the_same_rule_decides_what_is_sensitive() {
        for line in [
            "AUTH pw",
            "auth bob pw",
            "ACL SETUSER bob on",
            "acl getuser bob",
            "ACL DELUSER bob",
            "CONFIG SET requirepass pw",
            "HELLO 3 AUTH bob pw",
            "MIGRATE h 1 k 0 5 AUTH pw",
        ] {
            assert!(is_sensitive_command(&cmd(line)), "{line}");
        }
        for line in [
            "SET k v",
            "AUTH",
            "ACL LIST",
            "CONFIG SET maxmemory 1mb",
            "HELLO 3 SETNAME me",
            "HELLO 3 AUTH bob",
            "MIGRATE h 1 k 0 5 KEYS a AUTH",
        ] {
            assert!(!is_sensitive_command(&cmd(line)), "{line}");
        }
    }
}
