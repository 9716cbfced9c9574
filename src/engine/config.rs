//! The server configuration behind CONFIG GET/SET: every parameter Redis 7.0.15 lists, with
//! its default (as a server started with `--save '' --appendonly no` reports it), its alias,
//! and the validation rules and error texts of Redis's config.c.

use super::limits::OutputLimits;
use crate::glob::glob_match_nocase;
use std::collections::HashMap;

/// How a parameter's value is checked and rendered.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// `yes` or `no`.
    Bool,
    /// An integer within the inclusive range.
    Int(i64, i64),
    /// A memory value (`1mb`, `512k` ...) within the inclusive range, rendered in bytes.
    Memory(i64, i64),
    /// One of the listed names, case-insensitive.
    Enum(&'static [&'static str]),
    /// Free text.
    Text,
    /// Cannot be changed at run time.
    Immutable,
    /// `save`: pairs of seconds and changes.
    Save,
    /// `notify-keyspace-events`: event class letters.
    KeyspaceEvents,
    /// `hz`: an integer clamped to 1..500.
    Hz,
    /// `client-output-buffer-limit`: `class hard soft seconds` groups, merged into the
    /// current limits.
    OutputBufferLimit,
}

/// One configuration parameter.
#[derive(Debug)]
struct Param {
    name: &'static str,
    alias: Option<&'static str>,
    default: &'static str,
    kind: Kind,
}

const PARAMS: &[Param] = &[
    Param {
        name: "acl-pubsub-default",
        alias: None,
        default: "resetchannels",
        kind: Kind::Enum(&["allchannels", "resetchannels"]),
    },
    Param {
        name: "aclfile",
        alias: None,
        default: "",
        kind: Kind::Immutable,
    },
    Param {
        name: "acllog-max-len",
        alias: None,
        default: "128",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "active-defrag-cycle-max",
        alias: None,
        default: "25",
        kind: Kind::Int(1, 99),
    },
    Param {
        name: "active-defrag-cycle-min",
        alias: None,
        default: "1",
        kind: Kind::Int(1, 99),
    },
    Param {
        name: "active-defrag-ignore-bytes",
        alias: None,
        default: "104857600",
        kind: Kind::Memory(1, i64::MAX),
    },
    Param {
        name: "active-defrag-max-scan-fields",
        alias: None,
        default: "1000",
        kind: Kind::Int(1, i64::MAX),
    },
    Param {
        name: "active-defrag-threshold-lower",
        alias: None,
        default: "10",
        kind: Kind::Int(0, 1000),
    },
    Param {
        name: "active-defrag-threshold-upper",
        alias: None,
        default: "100",
        kind: Kind::Int(0, 1000),
    },
    Param {
        name: "active-expire-effort",
        alias: None,
        default: "1",
        kind: Kind::Int(1, 10),
    },
    Param {
        name: "activedefrag",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "activerehashing",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "always-show-logo",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "aof-disable-auto-gc",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "aof-load-truncated",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "aof-rewrite-incremental-fsync",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "aof-timestamp-enabled",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "aof-use-rdb-preamble",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "aof_rewrite_cpulist",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "appenddirname",
        alias: None,
        default: "appendonlydir",
        kind: Kind::Immutable,
    },
    Param {
        name: "appendfilename",
        alias: None,
        default: "appendonly.aof",
        kind: Kind::Text,
    },
    Param {
        name: "appendfsync",
        alias: None,
        default: "everysec",
        kind: Kind::Enum(&["everysec", "always", "no"]),
    },
    Param {
        name: "appendonly",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "auto-aof-rewrite-min-size",
        alias: None,
        default: "67108864",
        kind: Kind::Memory(0, i64::MAX),
    },
    Param {
        name: "auto-aof-rewrite-percentage",
        alias: None,
        default: "100",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "bgsave_cpulist",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "bind",
        alias: None,
        default: "127.0.0.1",
        kind: Kind::Text,
    },
    Param {
        name: "bind-source-addr",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "bio_cpulist",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "busy-reply-threshold",
        alias: Some("lua-time-limit"),
        default: "5000",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "client-output-buffer-limit",
        alias: None,
        // Not Redis's default (no limit for normal clients): see engine::limits.
        default: super::limits::DEFAULT_OUTPUT_BUFFER_LIMIT,
        kind: Kind::OutputBufferLimit,
    },
    Param {
        name: "client-query-buffer-limit",
        alias: None,
        default: "1073741824",
        kind: Kind::Memory(1048576, i64::MAX),
    },
    Param {
        name: "cluster-allow-pubsubshard-when-down",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "cluster-allow-reads-when-down",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "cluster-allow-replica-migration",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "cluster-announce-bus-port",
        alias: None,
        default: "0",
        kind: Kind::Int(0, 65535),
    },
    Param {
        name: "cluster-announce-hostname",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "cluster-announce-ip",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "cluster-announce-port",
        alias: None,
        default: "0",
        kind: Kind::Int(0, 65535),
    },
    Param {
        name: "cluster-announce-tls-port",
        alias: None,
        default: "0",
        kind: Kind::Int(0, 65535),
    },
    Param {
        name: "cluster-config-file",
        alias: None,
        default: "nodes.conf",
        kind: Kind::Immutable,
    },
    Param {
        name: "cluster-enabled",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "cluster-link-sendbuf-limit",
        alias: None,
        default: "0",
        kind: Kind::Memory(0, i64::MAX),
    },
    Param {
        name: "cluster-migration-barrier",
        alias: None,
        default: "1",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "cluster-node-timeout",
        alias: None,
        default: "15000",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "cluster-port",
        alias: None,
        default: "0",
        kind: Kind::Immutable,
    },
    Param {
        name: "cluster-preferred-endpoint-type",
        alias: None,
        default: "ip",
        kind: Kind::Enum(&["ip", "hostname", "unknown-endpoint"]),
    },
    Param {
        name: "cluster-replica-no-failover",
        alias: Some("cluster-slave-no-failover"),
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "cluster-replica-validity-factor",
        alias: Some("cluster-slave-validity-factor"),
        default: "10",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "cluster-require-full-coverage",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "crash-log-enabled",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "crash-memcheck-enabled",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "daemonize",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "databases",
        alias: None,
        default: "16",
        kind: Kind::Immutable,
    },
    Param {
        name: "dbfilename",
        alias: None,
        default: "dump.rdb",
        kind: Kind::Text,
    },
    Param {
        name: "dir",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "disable-thp",
        alias: None,
        default: "yes",
        kind: Kind::Immutable,
    },
    Param {
        name: "dynamic-hz",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "enable-debug-command",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "enable-module-command",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "enable-protected-configs",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "hash-max-listpack-entries",
        alias: Some("hash-max-ziplist-entries"),
        default: "512",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "hash-max-listpack-value",
        alias: Some("hash-max-ziplist-value"),
        default: "64",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "hll-sparse-max-bytes",
        alias: None,
        default: "3000",
        kind: Kind::Memory(0, i64::MAX),
    },
    Param {
        name: "hz",
        alias: None,
        default: "10",
        kind: Kind::Hz,
    },
    Param {
        name: "ignore-warnings",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "io-threads",
        alias: None,
        default: "1",
        kind: Kind::Immutable,
    },
    Param {
        name: "io-threads-do-reads",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "jemalloc-bg-thread",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "latency-monitor-threshold",
        alias: None,
        default: "0",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "latency-tracking",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "latency-tracking-info-percentiles",
        alias: None,
        default: "50 99 99.9",
        kind: Kind::Text,
    },
    Param {
        name: "lazyfree-lazy-eviction",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "lazyfree-lazy-expire",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "lazyfree-lazy-server-del",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "lazyfree-lazy-user-del",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "lazyfree-lazy-user-flush",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "lfu-decay-time",
        alias: None,
        default: "1",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "lfu-log-factor",
        alias: None,
        default: "10",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "list-compress-depth",
        alias: None,
        default: "0",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "list-max-listpack-size",
        alias: Some("list-max-ziplist-size"),
        default: "-2",
        kind: Kind::Int(i32::MIN as i64, i32::MAX as i64),
    },
    Param {
        name: "logfile",
        alias: None,
        default: "",
        kind: Kind::Immutable,
    },
    Param {
        name: "loglevel",
        alias: None,
        default: "notice",
        kind: Kind::Enum(&["debug", "verbose", "notice", "warning"]),
    },
    Param {
        name: "masterauth",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "masteruser",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "maxclients",
        alias: None,
        default: "10000",
        kind: Kind::Int(1, u32::MAX as i64),
    },
    Param {
        name: "maxmemory",
        alias: None,
        default: "0",
        kind: Kind::Memory(0, i64::MAX),
    },
    Param {
        name: "maxmemory-clients",
        alias: None,
        default: "0",
        kind: Kind::Memory(0, i64::MAX),
    },
    Param {
        name: "maxmemory-eviction-tenacity",
        alias: None,
        default: "10",
        kind: Kind::Int(0, 100),
    },
    Param {
        name: "maxmemory-policy",
        alias: None,
        default: "noeviction",
        kind: Kind::Enum(&[
            "volatile-lru",
            "volatile-lfu",
            "volatile-random",
            "volatile-ttl",
            "allkeys-lru",
            "allkeys-lfu",
            "allkeys-random",
            "noeviction",
        ]),
    },
    Param {
        name: "maxmemory-samples",
        alias: None,
        default: "5",
        kind: Kind::Int(1, i32::MAX as i64),
    },
    Param {
        name: "min-replicas-max-lag",
        alias: Some("min-slaves-max-lag"),
        default: "10",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "min-replicas-to-write",
        alias: Some("min-slaves-to-write"),
        default: "0",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "no-appendfsync-on-rewrite",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "notify-keyspace-events",
        alias: None,
        default: "",
        kind: Kind::KeyspaceEvents,
    },
    Param {
        name: "oom-score-adj",
        alias: None,
        default: "no",
        kind: Kind::Enum(&["no", "yes", "relative", "absolute"]),
    },
    Param {
        name: "oom-score-adj-values",
        alias: None,
        default: "0 200 800",
        kind: Kind::Text,
    },
    Param {
        name: "pidfile",
        alias: None,
        default: "",
        kind: Kind::Immutable,
    },
    Param {
        name: "port",
        alias: None,
        default: "6379",
        kind: Kind::Int(0, 65535),
    },
    Param {
        name: "proc-title-template",
        alias: None,
        default: "{title} {listen-addr} {server-mode}",
        kind: Kind::Text,
    },
    Param {
        name: "propagation-error-behavior",
        alias: None,
        default: "ignore",
        kind: Kind::Enum(&["ignore", "panic", "panic-on-replicas"]),
    },
    Param {
        name: "protected-mode",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "proto-max-bulk-len",
        alias: None,
        default: "536870912",
        kind: Kind::Memory(1048576, i64::MAX),
    },
    Param {
        name: "rdb-del-sync-files",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "rdb-save-incremental-fsync",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "rdbchecksum",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "rdbcompression",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "repl-backlog-size",
        alias: None,
        default: "1048576",
        kind: Kind::Memory(1, i64::MAX),
    },
    Param {
        name: "repl-backlog-ttl",
        alias: None,
        default: "3600",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "repl-disable-tcp-nodelay",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "repl-diskless-load",
        alias: None,
        default: "disabled",
        kind: Kind::Enum(&["disabled", "on-empty-db", "swapdb"]),
    },
    Param {
        name: "repl-diskless-sync",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "repl-diskless-sync-delay",
        alias: None,
        default: "5",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "repl-diskless-sync-max-replicas",
        alias: None,
        default: "0",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "repl-ping-replica-period",
        alias: Some("repl-ping-slave-period"),
        default: "10",
        kind: Kind::Int(1, i32::MAX as i64),
    },
    Param {
        name: "repl-timeout",
        alias: None,
        default: "60",
        kind: Kind::Int(1, i32::MAX as i64),
    },
    Param {
        name: "replica-announce-ip",
        alias: Some("slave-announce-ip"),
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "replica-announce-port",
        alias: Some("slave-announce-port"),
        default: "0",
        kind: Kind::Int(0, 65535),
    },
    Param {
        name: "replica-announced",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "replica-ignore-disk-write-errors",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "replica-ignore-maxmemory",
        alias: Some("slave-ignore-maxmemory"),
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "replica-lazy-flush",
        alias: Some("slave-lazy-flush"),
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "replica-priority",
        alias: Some("slave-priority"),
        default: "100",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "replica-read-only",
        alias: Some("slave-read-only"),
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "replica-serve-stale-data",
        alias: Some("slave-serve-stale-data"),
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "replicaof",
        alias: Some("slaveof"),
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "requirepass",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "sanitize-dump-payload",
        alias: None,
        default: "no",
        kind: Kind::Enum(&["no", "yes", "clients"]),
    },
    Param {
        name: "save",
        alias: None,
        default: "",
        kind: Kind::Save,
    },
    Param {
        name: "server_cpulist",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "set-max-intset-entries",
        alias: None,
        default: "512",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "set-proc-title",
        alias: None,
        default: "yes",
        kind: Kind::Immutable,
    },
    Param {
        name: "shutdown-on-sigint",
        alias: None,
        default: "default",
        kind: Kind::Enum(&["default", "save", "nosave", "now", "force"]),
    },
    Param {
        name: "shutdown-on-sigterm",
        alias: None,
        default: "default",
        kind: Kind::Enum(&["default", "save", "nosave", "now", "force"]),
    },
    Param {
        name: "shutdown-timeout",
        alias: None,
        default: "10",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "slowlog-log-slower-than",
        alias: None,
        default: "10000",
        kind: Kind::Int(-1, i64::MAX),
    },
    Param {
        name: "slowlog-max-len",
        alias: None,
        default: "128",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "socket-mark-id",
        alias: None,
        default: "0",
        kind: Kind::Int(0, u32::MAX as i64),
    },
    Param {
        name: "stop-writes-on-bgsave-error",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "stream-node-max-bytes",
        alias: None,
        default: "4096",
        kind: Kind::Memory(0, i64::MAX),
    },
    Param {
        name: "stream-node-max-entries",
        alias: None,
        default: "100",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "supervised",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "syslog-enabled",
        alias: None,
        default: "no",
        kind: Kind::Immutable,
    },
    Param {
        name: "syslog-facility",
        alias: None,
        default: "local0",
        kind: Kind::Immutable,
    },
    Param {
        name: "syslog-ident",
        alias: None,
        default: "redis",
        kind: Kind::Immutable,
    },
    Param {
        name: "tcp-backlog",
        alias: None,
        default: "511",
        kind: Kind::Immutable,
    },
    Param {
        name: "tcp-keepalive",
        alias: None,
        default: "300",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "timeout",
        alias: None,
        default: "0",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "tls-auth-clients",
        alias: None,
        default: "yes",
        kind: Kind::Enum(&["no", "yes", "optional"]),
    },
    Param {
        name: "tls-ca-cert-dir",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-ca-cert-file",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-cert-file",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-ciphers",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-ciphersuites",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-client-cert-file",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-client-key-file",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-client-key-file-pass",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-cluster",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "tls-dh-params-file",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-key-file",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-key-file-pass",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-port",
        alias: None,
        default: "0",
        kind: Kind::Int(0, 65535),
    },
    Param {
        name: "tls-prefer-server-ciphers",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "tls-protocols",
        alias: None,
        default: "",
        kind: Kind::Text,
    },
    Param {
        name: "tls-replication",
        alias: None,
        default: "no",
        kind: Kind::Bool,
    },
    Param {
        name: "tls-session-cache-size",
        alias: None,
        default: "20480",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "tls-session-cache-timeout",
        alias: None,
        default: "300",
        kind: Kind::Int(0, i32::MAX as i64),
    },
    Param {
        name: "tls-session-caching",
        alias: None,
        default: "yes",
        kind: Kind::Bool,
    },
    Param {
        name: "tracking-table-max-keys",
        alias: None,
        default: "1000000",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "unixsocket",
        alias: None,
        default: "",
        kind: Kind::Immutable,
    },
    Param {
        name: "unixsocketperm",
        alias: None,
        default: "0",
        kind: Kind::Immutable,
    },
    Param {
        name: "zset-max-listpack-entries",
        alias: Some("zset-max-ziplist-entries"),
        default: "128",
        kind: Kind::Int(0, i64::MAX),
    },
    Param {
        name: "zset-max-listpack-value",
        alias: Some("zset-max-ziplist-value"),
        default: "64",
        kind: Kind::Int(0, i64::MAX),
    },
];

/// The live configuration: current values by parameter name.
#[derive(Debug, Clone)]
pub struct Config {
    values: HashMap<&'static str, String>,
    /// Cached `proto-max-bulk-len`, read on every string write.
    proto_max_bulk_len: u64,
    /// Cached `client-query-buffer-limit`, read on every socket read.
    query_buffer_limit: usize,
    /// Cached "`requirepass` is set", read on every command.
    password_required: bool,
    /// Cached `slowlog-log-slower-than` (microseconds; negative disables the log).
    slowlog_threshold: i64,
    /// Cached `slowlog-max-len`.
    slowlog_max_len: usize,
    /// Cached `busy-reply-threshold` (`lua-time-limit`), read by every script.
    busy_reply_threshold_ms: u64,
    /// Cached `maxmemory` in bytes (0: no limit).
    maxmemory: u64,
    /// Cached `client-output-buffer-limit`.
    output_limits: OutputLimits,
}

/// Why CONFIG SET failed, with the argument name Redis mentions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ConfigError {
    /// No such parameter: `Unknown option or number of arguments for CONFIG SET - '<name>'`.
    Unknown(String),
    /// `CONFIG SET failed (possibly related to argument '<name>') - <reason>`.
    Invalid { name: String, reason: String },
}

impl ConfigError {
    /// The error reply text, as Redis words it.
    pub fn message(&self) -> String {
        match self {
            ConfigError::Unknown(name) => {
                format!("ERR Unknown option or number of arguments for CONFIG SET - '{name}'")
            }
            ConfigError::Invalid { name, reason } => {
                format!("ERR CONFIG SET failed (possibly related to argument '{name}') - {reason}")
            }
        }
    }
}

fn find_param(name: &str) -> Option<&'static Param> {
    PARAMS.iter().find(|p| {
        p.name.eq_ignore_ascii_case(name) || p.alias.is_some_and(|a| a.eq_ignore_ascii_case(name))
    })
}

/// Redis's memtoull: digits with an optional unit (b, k, kb, m, mb, g, gb; case-insensitive).
pub(super) fn parse_memory(s: &str) -> Option<u64> {
    let lower = s.to_ascii_lowercase();
    let split = lower
        .find(|c: char| !c.is_ascii_digit() && c != '-')
        .unwrap_or(lower.len());
    let (digits, unit) = lower.split_at(split);
    let mul: u64 = match unit {
        "" | "b" => 1,
        "k" => 1000,
        "kb" => 1024,
        "m" => 1000 * 1000,
        "mb" => 1024 * 1024,
        "g" => 1000 * 1000 * 1000,
        "gb" => 1024 * 1024 * 1024,
        _ => return None,
    };
    let n: u64 = digits.parse().ok()?;
    n.checked_mul(mul)
}

/// The event-class letters of notify-keyspace-events, as keyspaceEventsStringToFlags reads them.
fn keyspace_events(value: &str) -> Option<String> {
    const ALL: &str = "g$lshzxetd";
    let mut classes = String::new();
    let (mut keyspace, mut keyevent, mut miss, mut new) = (false, false, false, false);
    for c in value.chars() {
        match c {
            'A' => classes.push_str(ALL),
            'g' | '$' | 'l' | 's' | 'h' | 'z' | 'x' | 'e' | 't' | 'd' => classes.push(c),
            'K' => keyspace = true,
            'E' => keyevent = true,
            'm' => miss = true,
            'n' => new = true,
            _ => return None,
        }
    }
    let mut out = String::new();
    if ALL.chars().all(|c| classes.contains(c)) {
        out.push('A');
    } else {
        out.extend(ALL.chars().filter(|c| classes.contains(*c)));
    }
    if new {
        out.push('n');
    }
    if keyspace {
        out.push('K');
    }
    if keyevent {
        out.push('E');
    }
    if miss {
        out.push('m');
    }
    Some(out)
}

/// The value to store for `param`, or the reason it is refused.
fn validate(param: &Param, value: &str) -> Result<String, String> {
    let out_of_range =
        |lo: i64, hi: i64| format!("argument must be between {lo} and {hi} inclusive");
    match param.kind {
        Kind::Immutable => Err("can't set immutable config".into()),
        Kind::Bool => match value.to_ascii_lowercase().as_str() {
            v @ ("yes" | "no") => Ok(v.to_string()),
            _ => Err("argument must be 'yes' or 'no'".into()),
        },
        Kind::Int(lo, hi) => {
            let n: i64 = crate::engine::args::parse_i64(value.as_bytes())
                .ok_or("argument couldn't be parsed into an integer")?;
            if n < lo || n > hi {
                return Err(out_of_range(lo, hi));
            }
            Ok(n.to_string())
        }
        Kind::Hz => {
            let n: i64 = crate::engine::args::parse_i64(value.as_bytes())
                .ok_or("argument couldn't be parsed into an integer")?;
            if n < 0 || n > i32::MAX as i64 {
                return Err(out_of_range(0, i32::MAX as i64));
            }
            Ok(n.clamp(1, 500).to_string())
        }
        Kind::Memory(lo, hi) => {
            let n = parse_memory(value).ok_or("argument must be a memory value")?;
            let n = i64::try_from(n).map_err(|_| out_of_range(lo, hi))?;
            if n < lo || n > hi {
                return Err(out_of_range(lo, hi));
            }
            Ok(n.to_string())
        }
        Kind::Enum(names) => names
            .iter()
            .find(|n| n.eq_ignore_ascii_case(value))
            .map(|n| n.to_string())
            .ok_or_else(|| {
                format!(
                    "argument(s) must be one of the following: {}",
                    names.join(", ")
                )
            }),
        Kind::Text => Ok(value.to_string()),
        Kind::Save => {
            let parts: Vec<&str> = value.split_whitespace().collect();
            let numbers: Option<Vec<i64>> = parts.iter().map(|p| p.parse().ok()).collect();
            match numbers {
                Some(n) if n.len() % 2 == 0 && n.iter().all(|v| *v >= 0) => {
                    Ok(n.iter().map(i64::to_string).collect::<Vec<_>>().join(" "))
                }
                _ => Err("Invalid save parameters".into()),
            }
        }
        Kind::KeyspaceEvents => keyspace_events(value)
            .ok_or_else(|| "Invalid event class character. Use 'Ag$lshzxeKEtmdn'.".into()),
        Kind::OutputBufferLimit => OutputLimits::default_limits()
            .updated(value)
            .map(|l| l.render()),
    }
}

impl Config {
    /// The defaults, with the port the engine listens on and its working directory.
    pub fn new(port: u16) -> Config {
        let mut values: HashMap<&'static str, String> = PARAMS
            .iter()
            .map(|p| (p.name, p.default.to_string()))
            .collect();
        values.insert("port", port.to_string());
        let dir = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_default();
        values.insert("dir", dir);
        Config {
            values,
            proto_max_bulk_len: 512 * 1024 * 1024,
            query_buffer_limit: 1024 * 1024 * 1024,
            password_required: false,
            slowlog_threshold: 10_000,
            slowlog_max_len: 128,
            busy_reply_threshold_ms: 5000,
            maxmemory: 0,
            output_limits: OutputLimits::default_limits(),
        }
    }

    /// The `client-output-buffer-limit` in force.
    pub fn output_limits(&self) -> &OutputLimits {
        &self.output_limits
    }

    /// The current value of a parameter (by name or alias, case-insensitive).
    pub fn get(&self, name: &str) -> Option<&str> {
        find_param(name).map(|p| self.values[p.name].as_str())
    }

    /// An integer parameter's value (0 if it is not an integer).
    pub fn get_i64(&self, name: &str) -> i64 {
        self.get(name).and_then(|v| v.parse().ok()).unwrap_or(0)
    }

    /// True when `requirepass` is set, so clients must AUTH first.
    pub fn password_required(&self) -> bool {
        self.password_required
    }

    /// Commands taking at least this many microseconds are logged; None when disabled.
    pub fn slowlog_threshold(&self) -> Option<u64> {
        u64::try_from(self.slowlog_threshold).ok()
    }

    /// The `maxmemory` limit in bytes; 0 means none.
    pub fn maxmemory(&self) -> u64 {
        self.maxmemory
    }

    /// How long a script runs before other clients are answered BUSY (ms).
    pub fn busy_reply_threshold_ms(&self) -> u64 {
        self.busy_reply_threshold_ms
    }

    /// How many entries SLOWLOG keeps.
    pub fn slowlog_max_len(&self) -> usize {
        self.slowlog_max_len
    }

    /// The `proto-max-bulk-len` limit in bytes.
    pub fn proto_max_bulk_len(&self) -> u64 {
        self.proto_max_bulk_len
    }

    /// `client-query-buffer-limit`: the most a client's unparsed input may hold.
    pub fn query_buffer_limit(&self) -> usize {
        self.query_buffer_limit
    }

    /// CONFIG GET: (name as matched, value) for every pattern; a pattern without glob
    /// characters must name a parameter exactly (or an alias), and each parameter appears once.
    pub fn matching(&self, patterns: &[&[u8]]) -> Vec<(String, String)> {
        let mut out: Vec<(String, String)> = Vec::new();
        let mut seen: Vec<&'static str> = Vec::new();
        for pattern in patterns {
            let text = String::from_utf8_lossy(pattern);
            if !pattern.iter().any(|c| matches!(c, b'[' | b'*' | b'?')) {
                let fresh = !out.iter().any(|(n, _)| n.eq_ignore_ascii_case(&text));
                if let Some(p) = find_param(&text).filter(|_| fresh) {
                    out.push((text.into_owned(), self.values[p.name].clone()));
                }
                continue;
            }
            for p in PARAMS {
                for name in std::iter::once(p.name).chain(p.alias) {
                    if seen.contains(&name) || out.iter().any(|(n, _)| n == name) {
                        continue;
                    }
                    if glob_match_nocase(pattern, name.as_bytes()) {
                        seen.push(name);
                        out.push((name.to_string(), self.values[p.name].clone()));
                    }
                }
            }
        }
        out
    }

    /// CONFIG SET with Redis's all-or-nothing rules: unknown names first, then immutable and
    /// duplicate parameters, then each value's validation.
    pub fn set_many(&mut self, pairs: &[(&[u8], &[u8])]) -> Result<(), ConfigError> {
        let mut chosen: Vec<(&'static Param, String)> = Vec::new();
        let mut first_problem: Option<ConfigError> = None;
        let mut spellings: Vec<String> = Vec::new();
        for (name, value) in pairs {
            let name = String::from_utf8_lossy(name).into_owned();
            if first_problem.is_some() {
                continue;
            }
            let Some(param) = find_param(&name) else {
                first_problem = Some(ConfigError::Unknown(name));
                continue;
            };
            if matches!(param.kind, Kind::Immutable) {
                first_problem = Some(ConfigError::Invalid {
                    name,
                    reason: "can't set immutable config".into(),
                });
                continue;
            }
            // An alias counts as a parameter of its own here, as in Redis's config table.
            let spelling = name.to_ascii_lowercase();
            if spellings.contains(&spelling) {
                first_problem = Some(ConfigError::Invalid {
                    name,
                    reason: "duplicate parameter".into(),
                });
                continue;
            }
            spellings.push(spelling);
            chosen.push((param, String::from_utf8_lossy(value).into_owned()));
        }
        if let Some(problem) = first_problem {
            return Err(problem);
        }
        let mut validated = Vec::with_capacity(chosen.len());
        for (param, value) in chosen {
            let checked = match param.kind {
                Kind::OutputBufferLimit => self.output_limits.updated(&value).map(|l| l.render()),
                _ => validate(param, &value),
            };
            match checked {
                Ok(v) => validated.push((param.name, v)),
                Err(reason) => {
                    return Err(ConfigError::Invalid {
                        name: param.name.to_string(),
                        reason,
                    });
                }
            }
        }
        for (name, value) in validated {
            if name == "proto-max-bulk-len" {
                self.proto_max_bulk_len = value.parse().unwrap_or(self.proto_max_bulk_len);
            }
            self.values.insert(name, value);
        }
        self.password_required = !self.values["requirepass"].is_empty();
        self.slowlog_threshold = self.get_i64("slowlog-log-slower-than");
        self.slowlog_max_len = self.get_i64("slowlog-max-len").max(0) as usize;
        self.maxmemory = self.get_i64("maxmemory").max(0) as u64;
        self.query_buffer_limit = self.get_i64("client-query-buffer-limit").max(0) as usize;
        self.output_limits = OutputLimits::default_redis()
            .updated(&self.values["client-output-buffer-limit"])
            .unwrap_or_default();
        self.busy_reply_threshold_ms = self.get_i64("busy-reply-threshold").max(0) as u64;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_validates_like_redis() {
        let mut c = Config::new(7000);
        let err = |c: &mut Config, n: &str, v: &str| {
            c.set_many(&[(n.as_bytes(), v.as_bytes())])
                .unwrap_err()
                .message()
        };
        assert_eq!(
            err(&mut c, "hz", "x"),
            "ERR CONFIG SET failed (possibly related to argument 'hz') - argument couldn't be parsed into an integer"
        );
        assert_eq!(
            err(&mut c, "nosuch", "1"),
            "ERR Unknown option or number of arguments for CONFIG SET - 'nosuch'"
        );
        c.set_many(&[(b"maxmemory", b"1mb"), (b"HZ", b"1000")])
            .unwrap();
        assert_eq!(c.get("maxmemory"), Some("1048576"));
        assert_eq!(c.get("hz"), Some("500"));
        c.set_many(&[(b"notify-keyspace-events", b"KEA")]).unwrap();
        assert_eq!(c.get("notify-keyspace-events"), Some("AKE"));
        c.set_many(&[(b"hash-max-ziplist-entries", b"7")]).unwrap();
        assert_eq!(c.get("hash-max-listpack-entries"), Some("7"));
    }

    #[test]
    fn get_matches_patterns_and_aliases() {
        let c = Config::new(7000);
        let names: Vec<String> = c
            .matching(&[b"hash-max-*"])
            .into_iter()
            .map(|(n, _)| n)
            .collect();
        assert_eq!(names.len(), 4, "{names:?}");
        assert_eq!(c.matching(&[b"PORT"]), vec![("PORT".into(), "7000".into())]);
    }
}
