//! The server's own count of the commands it ran (INFO commandstats): how a check knows what
//! was run when the work was done outside the tutor's console (redis-cli, the learner's own
//! program) or inside a script, where no transcript sees it.

use crate::backend::Connection;
use crate::resp::Value;
use std::collections::BTreeMap;

/// Calls per command, keyed as INFO names them: `get`, `config|get`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CommandStats(pub BTreeMap<String, u64>);

impl CommandStats {
    /// Reads INFO commandstats; None when the server will not say (an ACL without INFO).
    pub async fn read(conn: &mut Connection) -> Option<CommandStats> {
        match conn.request(&["INFO", "commandstats"]).await.ok()? {
            Value::Bulk(text) | Value::Verbatim { text, .. } => {
                Some(CommandStats::parse(&String::from_utf8_lossy(&text)))
            }
            _ => None,
        }
    }

    /// Parses `cmdstat_get:calls=2,usec=...` lines.
    pub fn parse(text: &str) -> CommandStats {
        let mut calls = BTreeMap::new();
        for line in text.lines() {
            let Some((name, fields)) = line
                .trim()
                .strip_prefix("cmdstat_")
                .and_then(|l| l.split_once(':'))
            else {
                continue;
            };
            let count = fields
                .split(',')
                .find_map(|f| f.strip_prefix("calls="))
                .and_then(|n| n.parse().ok());
            if let Some(count) = count {
                calls.insert(name.to_ascii_lowercase(), count);
            }
        }
        CommandStats(calls)
    }

    /// The calls made since `baseline` was read.
    pub fn since(&self, baseline: &CommandStats) -> CommandStats {
        CommandStats(
            self.0
                .iter()
                .filter_map(|(name, &calls)| {
                    let before = baseline.0.get(name).copied().unwrap_or(0);
                    (calls > before).then(|| (name.clone(), calls - before))
                })
                .collect(),
        )
    }

    /// Calls of a command by the name a learner reads (`KEYS`, `CONFIG GET`); a container
    /// named alone counts all its subcommands.
    pub fn calls(&self, name: &str) -> u64 {
        let key = name.to_ascii_lowercase().replace(' ', "|");
        if key.contains('|') {
            return self.0.get(&key).copied().unwrap_or(0);
        }
        self.0
            .iter()
            .filter(|(n, _)| **n == key || n.starts_with(&format!("{key}|")))
            .map(|(_, calls)| calls)
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_counts_and_subtracts_a_baseline() {
        let before = CommandStats::parse(
            "# Commandstats\r\ncmdstat_get:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n",
        );
        let after = CommandStats::parse(
            "# Commandstats\r\ncmdstat_get:calls=5,usec=9\r\ncmdstat_keys:calls=1,usec=3\r\ncmdstat_config|get:calls=2,usec=1\r\n",
        );
        let delta = after.since(&before);
        assert_eq!(delta.calls("GET"), 3);
        assert_eq!(delta.calls("keys"), 1);
        assert_eq!(delta.calls("CONFIG GET"), 2);
        assert_eq!(delta.calls("CONFIG"), 2);
        assert_eq!(delta.calls("SCAN"), 0);
    }
}
