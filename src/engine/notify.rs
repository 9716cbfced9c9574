//! The modification hook. Every write and every expiry of a key is recorded as a `KeyEvent` in
//! its database; after each command (and after active expiry and eviction) the store hands each
//! event to what hangs on the hook: blocked clients waiting for the key, WATCH, keyspace
//! notifications. This is Redis's signalModifiedKey plus notifyKeyspaceEvent (db.c, notify.c).

use bitflags::bitflags;
use bytes::Bytes;

bitflags! {
    /// The event classes of `notify-keyspace-events` (NOTIFY_* in server.h).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct EventClass: u16 {
        /// `K`: publish on `__keyspace@<db>__:<key>`.
        const KEYSPACE = 1 << 0;
        /// `E`: publish on `__keyevent@<db>__:<event>`.
        const KEYEVENT = 1 << 1;
        /// `g`: DEL, EXPIRE, RENAME ...
        const GENERIC = 1 << 2;
        /// `$`
        const STRING = 1 << 3;
        /// `l`
        const LIST = 1 << 4;
        /// `s`
        const SET = 1 << 5;
        /// `h`
        const HASH = 1 << 6;
        /// `z`
        const ZSET = 1 << 7;
        /// `x`: a key's TTL passed.
        const EXPIRED = 1 << 8;
        /// `e`: a key was evicted for maxmemory.
        const EVICTED = 1 << 9;
        /// `t`
        const STREAM = 1 << 10;
        /// `m`: a read found no key (not part of `A`).
        const KEY_MISS = 1 << 11;
        /// `n`: a key was created (not part of `A`).
        const NEW = 1 << 12;
        /// `A`: every class but `m` and `n`.
        const ALL = Self::GENERIC.bits() | Self::STRING.bits() | Self::LIST.bits()
            | Self::SET.bits() | Self::HASH.bits() | Self::ZSET.bits() | Self::EXPIRED.bits()
            | Self::EVICTED.bits() | Self::STREAM.bits();
    }
}

impl EventClass {
    /// keyspaceEventsStringToFlags: the classes a `notify-keyspace-events` value names (the
    /// value was validated when it was set, so unknown letters are ignored).
    pub fn from_config(value: &str) -> EventClass {
        value.chars().fold(EventClass::empty(), |all, c| {
            all | match c {
                'A' => EventClass::ALL,
                'g' => EventClass::GENERIC,
                '$' => EventClass::STRING,
                'l' => EventClass::LIST,
                's' => EventClass::SET,
                'h' => EventClass::HASH,
                'z' => EventClass::ZSET,
                'x' => EventClass::EXPIRED,
                'e' => EventClass::EVICTED,
                't' => EventClass::STREAM,
                'm' => EventClass::KEY_MISS,
                'n' => EventClass::NEW,
                'K' => EventClass::KEYSPACE,
                'E' => EventClass::KEYEVENT,
                _ => EventClass::empty(),
            }
        })
    }
}

/// Key `key` was modified: `name` is the event keyspace notifications publish (`set`,
/// `lpush`, `expired` ...), `class` the class that decides whether they do.
#[derive(Debug, Clone, PartialEq)]
pub struct KeyEvent {
    pub class: EventClass,
    pub name: &'static str,
    pub key: Bytes,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_letters_map_to_classes() {
        let flags = EventClass::from_config("AKE");
        assert!(flags.contains(EventClass::ALL | EventClass::KEYSPACE | EventClass::KEYEVENT));
        assert!(!flags.intersects(EventClass::KEY_MISS | EventClass::NEW));
        assert_eq!(
            EventClass::from_config("Kl"),
            EventClass::KEYSPACE | EventClass::LIST
        );
    }
}
