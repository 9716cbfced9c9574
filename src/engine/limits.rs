//! The limits that keep a mistaken or hostile request from taking the engine down, and with
//! it the tutor whose process it shares.
//!
//! - `client-output-buffer-limit`, as Redis parses, reports and enforces it (networking.c's
//!   checkClientOutputBufferLimits). Redis's default for normal clients is no limit at all;
//!   this engine's default is a hard limit of [`NORMAL_HARD_LIMIT`], so a reply a typo asked
//!   for (`SRANDMEMBER s -99999999999`) closes that connection, as Redis does when a limit is
//!   hit, instead of allocating until the kernel kills the process. `CONFIG GET` reports the
//!   limit in force and `CONFIG SET` changes it, `normal 0 0 0` included.
//! - Counts and ranges that decide a reply's size are checked against the room the limit
//!   leaves before the reply is built ([`reply_room`]).
//! - A memory safety limit on the whole process's heap (when the binary counts it, see
//!   `crate::heap`): above it, commands that may grow memory are refused with an OOM error.

use super::config::parse_memory;
use std::sync::atomic::{AtomicU64, Ordering};

/// The engine's hard output-buffer limit for normal clients: 64 MiB, several times what
/// `KEYS *` over a million keys or `HGETALL` of a million fields needs, far below what a
/// learner's machine can spare.
pub const NORMAL_HARD_LIMIT: u64 = 64 * 1024 * 1024;

/// The engine's `client-output-buffer-limit` default (Redis's, but for the normal class).
pub const DEFAULT_OUTPUT_BUFFER_LIMIT: &str =
    "normal 67108864 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60";

/// When the output-buffer limit of a class is off (`normal 0 0 0`), replies are still never
/// built beyond this (or beyond the memory safety limit's room, when the heap is counted).
const UNLIMITED_REPLY_CEILING: u64 = 1 << 30;

/// The process heap above which commands that may grow memory are refused: 1 GiB by default,
/// roughly ten times a million-key keyspace.
pub const DEFAULT_MEMORY_LIMIT: u64 = 1 << 30;

static MEMORY_LIMIT: AtomicU64 = AtomicU64::new(DEFAULT_MEMORY_LIMIT);

/// One class's limit: close the client at `hard` bytes, or when it stays at `soft` bytes or
/// more for longer than `soft_seconds`. Zero turns a limit off.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct BufferLimit {
    pub hard: u64,
    pub soft: u64,
    pub soft_seconds: u64,
}

/// The client classes `client-output-buffer-limit` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClientClass {
    Normal,
    Replica,
    Pubsub,
}

impl ClientClass {
    /// The name CONFIG GET and the log use.
    pub fn name(self) -> &'static str {
        match self {
            ClientClass::Normal => "normal",
            ClientClass::Replica => "slave",
            ClientClass::Pubsub => "pubsub",
        }
    }
}

/// `client-output-buffer-limit`: one limit per class.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputLimits {
    pub normal: BufferLimit,
    pub replica: BufferLimit,
    pub pubsub: BufferLimit,
}

impl Default for OutputLimits {
    fn default() -> Self {
        OutputLimits::default_limits()
    }
}

impl OutputLimits {
    /// The engine's defaults ([`DEFAULT_OUTPUT_BUFFER_LIMIT`]).
    pub fn default_limits() -> OutputLimits {
        OutputLimits::default_redis()
            .updated(DEFAULT_OUTPUT_BUFFER_LIMIT)
            .expect("the default parses")
    }

    /// Redis 7.0's own defaults (no limit for normal clients).
    pub fn default_redis() -> OutputLimits {
        OutputLimits {
            normal: BufferLimit::default(),
            replica: BufferLimit {
                hard: 256 << 20,
                soft: 64 << 20,
                soft_seconds: 60,
            },
            pubsub: BufferLimit {
                hard: 32 << 20,
                soft: 8 << 20,
                soft_seconds: 60,
            },
        }
    }

    /// CONFIG SET's value applied to these limits: groups of `class hard soft seconds`, the
    /// classes not named keep their limits. The errors are Redis's.
    pub fn updated(&self, value: &str) -> Result<OutputLimits, String> {
        let words: Vec<&str> = value.split_whitespace().collect();
        if !words.len().is_multiple_of(4) {
            return Err("Wrong number of arguments in buffer limit configuration.".into());
        }
        let mut limits = *self;
        for group in words.chunks(4) {
            let class = match group[0].to_ascii_lowercase().as_str() {
                "normal" => ClientClass::Normal,
                "slave" | "replica" => ClientClass::Replica,
                "pubsub" => ClientClass::Pubsub,
                _ => {
                    return Err(
                        "Invalid client class specified in buffer limit configuration.".into(),
                    );
                }
            };
            let (Some(hard), Some(soft), Ok(soft_seconds)) = (
                parse_memory(group[1]),
                parse_memory(group[2]),
                group[3].parse::<u64>(),
            ) else {
                return Err(
                    "Error in hard, soft or soft_seconds setting in buffer limit configuration."
                        .into(),
                );
            };
            *limits.class_mut(class) = BufferLimit {
                hard,
                soft,
                soft_seconds,
            };
        }
        Ok(limits)
    }

    fn class_mut(&mut self, class: ClientClass) -> &mut BufferLimit {
        match class {
            ClientClass::Normal => &mut self.normal,
            ClientClass::Replica => &mut self.replica,
            ClientClass::Pubsub => &mut self.pubsub,
        }
    }

    /// The limit of one class.
    pub fn of(&self, class: ClientClass) -> BufferLimit {
        match class {
            ClientClass::Normal => self.normal,
            ClientClass::Replica => self.replica,
            ClientClass::Pubsub => self.pubsub,
        }
    }

    /// The value as CONFIG GET shows it.
    pub fn render(&self) -> String {
        [
            ClientClass::Normal,
            ClientClass::Replica,
            ClientClass::Pubsub,
        ]
        .iter()
        .map(|&class| {
            let l = self.of(class);
            format!("{} {} {} {}", class.name(), l.hard, l.soft, l.soft_seconds)
        })
        .collect::<Vec<_>>()
        .join(" ")
    }
}

impl BufferLimit {
    /// checkClientOutputBufferLimits: true when a client holding `used` bytes of output must
    /// be closed. `soft_since` remembers when the soft limit was first reached (ms);
    /// `now_ms` is asked for the time only then (it is not read on every reply).
    pub fn reached(
        &self,
        used: u64,
        soft_since: &mut Option<i64>,
        now_ms: impl FnOnce() -> i64,
    ) -> bool {
        let hard = self.hard > 0 && used >= self.hard;
        let mut soft = self.soft > 0 && used >= self.soft;
        if soft {
            let now_ms = now_ms();
            match *soft_since {
                None => {
                    *soft_since = Some(now_ms);
                    soft = false;
                }
                Some(since) => {
                    if ((now_ms - since) / 1000) as u64 <= self.soft_seconds {
                        soft = false;
                    }
                }
            }
        } else {
            *soft_since = None;
        }
        hard || soft
    }

    /// How many more bytes a client already holding `used` may be given before the hard
    /// limit closes it; with no hard limit, the memory safety limit's room.
    pub fn room(&self, used: u64) -> u64 {
        if self.hard > 0 {
            self.hard.saturating_sub(used)
        } else {
            memory_room()
        }
    }
}

/// The process heap limit above which memory-growing commands are refused.
pub fn memory_limit() -> u64 {
    MEMORY_LIMIT.load(Ordering::Relaxed)
}

/// Changes the memory safety limit (0 turns it off). It covers the whole process: every
/// engine in it shares the one heap.
pub fn set_memory_limit(bytes: u64) {
    MEMORY_LIMIT.store(bytes, Ordering::Relaxed);
}

/// The heap in use when it is over the memory safety limit; None when under it, when the
/// limit is off, or when the heap is not counted.
pub fn over_memory_limit() -> Option<u64> {
    let limit = memory_limit();
    let used = crate::heap::in_use()? as u64;
    (limit > 0 && used > limit).then_some(used)
}

/// How much more the heap may grow under the memory safety limit (a fixed ceiling when the
/// heap is not counted or the limit is off).
pub fn memory_room() -> u64 {
    let limit = memory_limit();
    match crate::heap::in_use() {
        Some(used) if limit > 0 => limit.saturating_sub(used as u64),
        _ => UNLIMITED_REPLY_CEILING,
    }
}

/// The least a reply of `count` elements takes on the wire, each at least `each` bytes: what
/// commands compare with the room left before building a reply whose size a client chose.
pub fn reply_bytes(count: u64, each: u64) -> u64 {
    count.saturating_mul(each)
}

/// The size of a bulk string of `len` bytes on the wire (`$<len>\r\n<bytes>\r\n`).
pub fn bulk_bytes(len: usize) -> u64 {
    let digits = len.checked_ilog10().unwrap_or(0) as u64 + 1;
    1 + digits + 2 + len as u64 + 2
}

/// Bytes in MB as Redis's log and the console word them (`64mb`).
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 30 && bytes.is_multiple_of(1 << 30) {
        format!("{}gb", bytes >> 30)
    } else if bytes >= 1 << 20 && bytes.is_multiple_of(1 << 20) {
        format!("{}mb", bytes >> 20)
    } else if bytes >= 1 << 10 && bytes.is_multiple_of(1 << 10) {
        format!("{}kb", bytes >> 10)
    } else {
        format!("{bytes} bytes")
    }
}

/// Bytes rounded to a tenth of a MiB or GiB, for messages (`1.2gb`).
pub fn human_approx(bytes: u64) -> String {
    if bytes >= 1 << 30 {
        format!("{:.1}gb", bytes as f64 / (1u64 << 30) as f64)
    } else {
        format!("{:.1}mb", bytes as f64 / (1u64 << 20) as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_renders_like_redis() {
        let redis = OutputLimits::default_redis();
        assert_eq!(
            redis.render(),
            "normal 0 0 0 slave 268435456 67108864 60 pubsub 33554432 8388608 60"
        );
        assert_eq!(
            OutputLimits::default_limits().render(),
            DEFAULT_OUTPUT_BUFFER_LIMIT
        );
        let set = redis.updated("NORMAL 1gb 0 0 replica 1kb 2kb 3").unwrap();
        assert_eq!(
            set.render(),
            "normal 1073741824 0 0 slave 1024 2048 3 pubsub 33554432 8388608 60"
        );
        assert_eq!(redis.updated("").unwrap(), redis);
        for (value, error) in [
            ("wrong number", "Wrong number"),
            ("master 10mb 10mb 60", "Invalid client class"),
            ("normal 10mbs 10mb 60", "Error in hard"),
            ("normal 10mb 10mb -1", "Error in hard"),
        ] {
            let found = redis.updated(value).unwrap_err();
            assert!(found.starts_with(error), "{value}: {found}");
        }
    }

    #[test]
    fn soft_limits_wait_their_seconds() {
        let limit = BufferLimit {
            hard: 100,
            soft: 10,
            soft_seconds: 2,
        };
        let mut since = None;
        assert!(limit.reached(100, &mut since, || 0), "hard limit");
        assert!(
            !limit.reached(50, &mut since, || 0),
            "soft limit: first seen"
        );
        assert!(!limit.reached(50, &mut since, || 2_999));
        assert!(
            limit.reached(50, &mut since, || 3_000),
            "soft limit held too long"
        );
        assert!(!limit.reached(5, &mut since, || 4_000));
        assert_eq!(since, None, "back under the soft limit");
    }
}
