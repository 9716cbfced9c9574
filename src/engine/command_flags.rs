//! Command flags (COMMAND INFO's second field) as a typed bitset, parsed once from the command
//! table snapshot: what the pipeline consults to refuse, queue or time a command.

use bitflags::bitflags;

bitflags! {
    /// Redis 7.0's CMD_* flags, by the names COMMAND INFO prints.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
    pub struct CommandFlags: u32 {
        const WRITE = 1 << 0;
        const READONLY = 1 << 1;
        const DENYOOM = 1 << 2;
        const MODULE = 1 << 3;
        const ADMIN = 1 << 4;
        const PUBSUB = 1 << 5;
        const NOSCRIPT = 1 << 6;
        const BLOCKING = 1 << 7;
        const LOADING = 1 << 8;
        const STALE = 1 << 9;
        const SKIP_MONITOR = 1 << 10;
        const SKIP_SLOWLOG = 1 << 11;
        const ASKING = 1 << 12;
        const FAST = 1 << 13;
        const NO_AUTH = 1 << 14;
        const MAY_REPLICATE = 1 << 15;
        const NO_MANDATORY_KEYS = 1 << 16;
        const NO_ASYNC_LOADING = 1 << 17;
        const NO_MULTI = 1 << 18;
        const MOVABLEKEYS = 1 << 19;
        const ALLOW_BUSY = 1 << 20;
    }
}

/// Commands Redis 7.0 flags CMD_MAY_REPLICATE without COMMAND INFO listing it: they may
/// propagate writes, so CLIENT PAUSE WRITE holds them.
const MAY_REPLICATE: &[&str] = &["eval", "evalsha", "fcall", "publish", "spublish", "pfcount"];

impl CommandFlags {
    /// The flags of command `name` given the flags COMMAND INFO lists for it.
    pub fn of_command(name: &str, listed: CommandFlags) -> CommandFlags {
        if MAY_REPLICATE.contains(&name) {
            listed | CommandFlags::MAY_REPLICATE
        } else {
            listed
        }
    }

    /// The flag COMMAND INFO names `name`; None for names this engine does not act on.
    pub fn named(name: &str) -> Option<CommandFlags> {
        Some(match name {
            "write" => CommandFlags::WRITE,
            "readonly" => CommandFlags::READONLY,
            "denyoom" => CommandFlags::DENYOOM,
            "module" => CommandFlags::MODULE,
            "admin" => CommandFlags::ADMIN,
            "pubsub" => CommandFlags::PUBSUB,
            "noscript" => CommandFlags::NOSCRIPT,
            "blocking" => CommandFlags::BLOCKING,
            "loading" => CommandFlags::LOADING,
            "stale" => CommandFlags::STALE,
            "skip_monitor" => CommandFlags::SKIP_MONITOR,
            "skip_slowlog" => CommandFlags::SKIP_SLOWLOG,
            "asking" => CommandFlags::ASKING,
            "fast" => CommandFlags::FAST,
            "no_auth" => CommandFlags::NO_AUTH,
            "may_replicate" => CommandFlags::MAY_REPLICATE,
            "no_mandatory_keys" => CommandFlags::NO_MANDATORY_KEYS,
            "no_async_loading" => CommandFlags::NO_ASYNC_LOADING,
            "no_multi" => CommandFlags::NO_MULTI,
            "movablekeys" => CommandFlags::MOVABLEKEYS,
            "allow_busy" => CommandFlags::ALLOW_BUSY,
            _ => return None,
        })
    }

    /// The flags named in a COMMAND INFO flag list; unknown names are ignored.
    pub fn from_names<'a>(names: impl IntoIterator<Item = &'a str>) -> CommandFlags {
        names
            .into_iter()
            .filter_map(CommandFlags::named)
            .fold(CommandFlags::empty(), |all, f| all | f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_command_info_names() {
        let flags = CommandFlags::from_names(["write", "denyoom", "fast", "@string"]);
        assert_eq!(
            flags,
            CommandFlags::WRITE | CommandFlags::DENYOOM | CommandFlags::FAST
        );
    }
}
