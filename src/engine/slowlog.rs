//! SLOWLOG: commands that ran longer than `slowlog-log-slower-than` microseconds, newest first,
//! kept up to `slowlog-max-len` entries, with Redis's argument truncation.

use crate::resp::Value;
use bytes::Bytes;
use std::collections::VecDeque;

/// At most this many arguments are kept per entry (the last one says how many were dropped).
const MAX_ARGS: usize = 32;
/// Arguments longer than this are cut, with a note of how many bytes were dropped.
const MAX_ARG_LEN: usize = 128;

/// One logged command.
#[derive(Debug, Clone)]
struct Entry {
    id: u64,
    /// Unix time in seconds when it was logged.
    time: i64,
    micros: u64,
    args: Vec<Bytes>,
    peer: String,
    name: Bytes,
}

/// The slow log.
#[derive(Debug, Default)]
pub struct Slowlog {
    entries: VecDeque<Entry>,
    next_id: u64,
}

impl Slowlog {
    /// Logs a command that took `micros` (the caller checked the threshold).
    pub fn push(
        &mut self,
        args: &[Bytes],
        micros: u64,
        now_s: i64,
        peer: &str,
        name: Bytes,
        max_len: usize,
    ) {
        let mut kept: Vec<Bytes> = Vec::with_capacity(args.len().min(MAX_ARGS));
        for (i, arg) in args.iter().enumerate() {
            if i == MAX_ARGS - 1 && args.len() > MAX_ARGS {
                let more = args.len() - i;
                kept.push(Bytes::from(format!("... ({more} more arguments)")));
                break;
            }
            if arg.len() > MAX_ARG_LEN {
                let mut cut = arg[..MAX_ARG_LEN].to_vec();
                cut.extend_from_slice(
                    format!("... ({} more bytes)", arg.len() - MAX_ARG_LEN).as_bytes(),
                );
                kept.push(Bytes::from(cut));
            } else {
                kept.push(arg.clone());
            }
        }
        self.entries.push_front(Entry {
            id: self.next_id,
            time: now_s,
            micros,
            args: kept,
            peer: peer.to_string(),
            name,
        });
        self.next_id += 1;
        self.entries.truncate(max_len);
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Drops every entry (ids keep counting).
    pub fn reset(&mut self) {
        self.entries.clear();
    }

    /// SLOWLOG GET: the newest `count` entries (all when None).
    pub fn newest(&self, count: Option<usize>) -> Value {
        let count = count.unwrap_or(self.entries.len());
        Value::Array(
            self.entries
                .iter()
                .take(count)
                .map(|e| {
                    Value::Array(vec![
                        Value::Integer(e.id as i64),
                        Value::Integer(e.time),
                        Value::Integer(e.micros as i64),
                        Value::Array(e.args.iter().cloned().map(Value::Bulk).collect()),
                        Value::Bulk(Bytes::from(e.peer.clone())),
                        Value::Bulk(e.name.clone()),
                    ])
                })
                .collect(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_long_arguments_and_argument_lists() {
        let mut log = Slowlog::default();
        let long = Bytes::from("x".repeat(130));
        let args: Vec<Bytes> = std::iter::once(long)
            .chain((0..40).map(|i| Bytes::from(i.to_string())))
            .collect();
        log.push(&args, 5, 0, "127.0.0.1:1", Bytes::new(), 128);
        let Value::Array(entries) = log.newest(None) else {
            panic!()
        };
        let Value::Array(fields) = &entries[0] else {
            panic!()
        };
        let Value::Array(kept) = &fields[3] else {
            panic!()
        };
        assert_eq!(kept.len(), 32);
        assert!(kept[0].as_bytes().unwrap().ends_with(b"... (2 more bytes)"));
        assert_eq!(kept[31].as_bytes().unwrap(), b"... (10 more arguments)");
    }

    #[test]
    fn keeps_the_newest_entries() {
        let mut log = Slowlog::default();
        for i in 0..5 {
            log.push(&[Bytes::from(i.to_string())], 1, 0, "", Bytes::new(), 3);
        }
        assert_eq!(log.len(), 3);
        log.reset();
        assert!(log.is_empty());
        log.push(&[Bytes::from("x")], 1, 0, "", Bytes::new(), 3);
        let Value::Array(entries) = log.newest(Some(1)) else {
            panic!()
        };
        let Value::Array(fields) = &entries[0] else {
            panic!()
        };
        assert_eq!(
            fields[0],
            Value::Integer(5),
            "ids keep counting after RESET"
        );
    }
}
