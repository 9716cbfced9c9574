//! Server commands: INFO, TIME, LASTSAVE, CONFIG GET/SET/RESETSTAT/HELP and the COMMAND
//! family answered from Redis 7.0.15's own command table.

use super::keys::{help_reply, key_memory};
use crate::engine::args::syntax_error;
use crate::engine::command::{Ctx, Handler};
use crate::engine::command_table::{CommandSpec, command_table};
use crate::engine::encoding::EncodingLimits;
use crate::engine::notify::EventClass;
use crate::engine::store::{Stats, Store};
use crate::glob::glob_match_nocase;
use crate::resp::Value;
use bytes::Bytes;
use std::fmt::Write;
use std::sync::OnceLock;

pub const COMMANDS: &[(&str, Handler)] = &[
    ("info", info),
    ("time", time),
    ("lastsave", lastsave),
    ("config|get", config_get),
    ("config|set", config_set),
    ("config|resetstat", config_resetstat),
    ("config|help", config_help),
    ("config|rewrite", config_rewrite),
    ("role", role),
    ("debug", debug),
    ("slowlog|get", slowlog_get),
    ("slowlog|len", slowlog_len),
    ("slowlog|reset", slowlog_reset),
    ("slowlog|help", slowlog_help),
    ("memory|stats", memory_stats),
    ("memory|doctor", memory_doctor),
    ("memory|purge", memory_purge),
    ("memory|malloc-stats", memory_malloc_stats),
    ("command", command),
    ("command|count", command_count),
    ("command|info", command_info),
    ("command|docs", command_docs),
    ("command|list", command_list),
    ("command|getkeys", command_getkeys),
    ("command|help", command_help),
];

/// Sections of INFO, in Redis's order; `default` is everything but commandstats and
/// latencystats.
const SECTIONS: &[&str] = &[
    "server",
    "clients",
    "memory",
    "persistence",
    "stats",
    "replication",
    "cpu",
    "modules",
    "commandstats",
    "errorstats",
    "latencystats",
    "cluster",
    "keyspace",
];

/// A random 40-character hex id, fixed for the life of the process (run_id, master_replid).
fn hex_id(which: usize) -> &'static str {
    static IDS: OnceLock<[String; 2]> = OnceLock::new();
    let ids = IDS.get_or_init(|| {
        let make = || {
            (0..40)
                .map(|_| char::from_digit(rand::random_range(0..16u32), 16).unwrap_or('0'))
                .collect::<String>()
        };
        [make(), make()]
    });
    &ids[which]
}

/// bytesToHuman: `894.92K`, `1.00M` ...
fn human_bytes(n: u64) -> String {
    let units = [
        (1u64 << 50, "P"),
        (1 << 40, "T"),
        (1 << 30, "G"),
        (1 << 20, "M"),
        (1 << 10, "K"),
    ];
    for (size, unit) in units {
        if n >= size {
            return format!("{:.2}{unit}", n as f64 / size as f64);
        }
    }
    format!("{n}B")
}

/// Seconds of user and system CPU time of this process, from /proc when available.
fn cpu_seconds() -> (f64, f64) {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // Fields after the parenthesised command name: state is field 3, utime 14, stime 15.
    let after = stat.rsplit_once(')').map(|(_, rest)| rest).unwrap_or("");
    let fields: Vec<&str> = after.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) / 100.0, ticks(12) / 100.0)
}

/// A fresh server's footprint (used_memory_startup).
const STARTUP_MEMORY: u64 = 876_184;

/// Per connected client (query and reply buffers).
const CLIENT_MEMORY: u64 = 20_512;

/// The main dict's bucket array for a database of `keys` keys (MEMORY STATS overhead).
fn main_dict_overhead(keys: usize) -> u64 {
    8 * keys.next_power_of_two() as u64
}

/// The expires dict's overhead: a bucket and an entry per key with a TTL.
fn expires_dict_overhead(expires: usize) -> u64 {
    if expires == 0 {
        0
    } else {
        8 * expires.next_power_of_two() as u64 + 24 * expires as u64
    }
}

/// The engine's estimate of its dataset's size (MEMORY USAGE of every key).
fn dataset_memory(store: &Store) -> u64 {
    store
        .dbs
        .iter()
        .flat_map(|db| db.entries())
        .map(|(key, entry)| key_memory(key, entry) as u64)
        .sum()
}

/// The engine's estimate of its memory use, on top of a fresh server's footprint.
pub(super) fn used_memory(store: &Store) -> u64 {
    let overhead: u64 = store
        .dbs
        .iter()
        .filter(|db| !db.is_empty())
        .map(|db| main_dict_overhead(db.len()) + expires_dict_overhead(db.expires_len()))
        .sum();
    STARTUP_MEMORY + CLIENT_MEMORY * store.clients.len() as u64 + overhead + dataset_memory(store)
}

fn push_section(out: &mut String, title: &str, fields: &[(&str, String)]) {
    if !out.is_empty() {
        out.push_str("\r\n");
    }
    let _ = write!(out, "# {title}\r\n");
    for (k, v) in fields {
        let _ = write!(out, "{k}:{v}\r\n");
    }
}

fn server_section(ctx: &Ctx) -> Vec<(&'static str, String)> {
    let store = &ctx.store;
    let now_ms = ctx.now_ms();
    let uptime = ((now_ms - store.started_ms).max(0) / 1000) as u64;
    let executable = std::env::current_exe()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    let os = std::fs::read_to_string("/proc/sys/kernel/osrelease")
        .map(|r| format!("Linux {} {}", r.trim(), std::env::consts::ARCH))
        .unwrap_or_else(|_| format!("{} {}", std::env::consts::OS, std::env::consts::ARCH));
    vec![
        ("redis_version", "7.0.15".into()),
        ("redis_git_sha1", "00000000".into()),
        ("redis_git_dirty", "0".into()),
        ("redis_build_id", "ae4d7c971a948f0".into()),
        ("redis_mode", "standalone".into()),
        ("os", os),
        ("arch_bits", "64".into()),
        ("monotonic_clock", "POSIX clock_gettime".into()),
        ("multiplexing_api", "epoll".into()),
        ("atomicvar_api", "c11-builtin".into()),
        ("gcc_version", "0.0.0".into()),
        ("process_id", std::process::id().to_string()),
        ("process_supervised", "no".into()),
        ("run_id", hex_id(0).into()),
        ("tcp_port", store.port.to_string()),
        ("server_time_usec", ctx.now_us.to_string()),
        ("uptime_in_seconds", uptime.to_string()),
        ("uptime_in_days", (uptime / 86_400).to_string()),
        ("hz", store.config.get_i64("hz").to_string()),
        ("configured_hz", store.config.get_i64("hz").to_string()),
        ("lru_clock", ((now_ms / 1000) & ((1 << 24) - 1)).to_string()),
        ("executable", executable),
        ("config_file", String::new()),
        ("io_threads_active", "0".into()),
    ]
}

fn clients_section(store: &Store) -> Vec<(&'static str, String)> {
    vec![
        ("connected_clients", store.clients.len().to_string()),
        ("cluster_connections", "0".into()),
        ("maxclients", store.config.get_i64("maxclients").to_string()),
        ("client_recent_max_input_buffer", "20480".into()),
        ("client_recent_max_output_buffer", "0".into()),
        ("blocked_clients", store.blocked.blocked_count().to_string()),
        ("tracking_clients", store.tracking.clients.to_string()),
        (
            "clients_in_timeout_table",
            store.blocked.blocked_count().to_string(),
        ),
    ]
}

fn memory_section(store: &Store) -> Vec<(&'static str, String)> {
    let used = used_memory(store);
    let startup = STARTUP_MEMORY;
    let rss = used * 7;
    let maxmemory = store.config.get_i64("maxmemory") as u64;
    let policy = store.config.get("maxmemory-policy").unwrap_or("noeviction");
    let dataset = used - startup.min(used);
    let overhead = used - dataset;
    vec![
        ("used_memory", used.to_string()),
        ("used_memory_human", human_bytes(used)),
        ("used_memory_rss", rss.to_string()),
        ("used_memory_rss_human", human_bytes(rss)),
        ("used_memory_peak", used.to_string()),
        ("used_memory_peak_human", human_bytes(used)),
        ("used_memory_peak_perc", "100.00%".into()),
        ("used_memory_overhead", overhead.to_string()),
        ("used_memory_startup", startup.to_string()),
        ("used_memory_dataset", dataset.to_string()),
        (
            "used_memory_dataset_perc",
            format!("{:.2}%", dataset as f64 * 100.0 / used.max(1) as f64),
        ),
        ("allocator_allocated", (used + 774_448).to_string()),
        ("allocator_active", (used + 910_416).to_string()),
        ("allocator_resident", (used + 3_581_008).to_string()),
        ("total_system_memory", "25276514304".into()),
        ("total_system_memory_human", "23.54G".into()),
        ("used_memory_lua", "32768".into()),
        ("used_memory_vm_eval", "32768".into()),
        ("used_memory_lua_human", "32.00K".into()),
        ("used_memory_scripts_eval", "0".into()),
        ("number_of_cached_scripts", "0".into()),
        ("number_of_functions", "0".into()),
        ("number_of_libraries", "0".into()),
        ("used_memory_vm_functions", "33792".into()),
        ("used_memory_vm_total", "66560".into()),
        ("used_memory_vm_total_human", "65.00K".into()),
        ("used_memory_functions", "200".into()),
        ("used_memory_scripts", "200".into()),
        ("used_memory_scripts_human", "200B".into()),
        ("maxmemory", maxmemory.to_string()),
        ("maxmemory_human", human_bytes(maxmemory)),
        ("maxmemory_policy", policy.into()),
        ("allocator_frag_ratio", "1.08".into()),
        ("allocator_frag_bytes", "135968".into()),
        ("allocator_rss_ratio", "2.46".into()),
        ("allocator_rss_bytes", "2670592".into()),
        ("rss_overhead_ratio", "1.50".into()),
        ("rss_overhead_bytes", "2232320".into()),
        (
            "mem_fragmentation_ratio",
            format!("{:.2}", rss as f64 / used.max(1) as f64),
        ),
        ("mem_fragmentation_bytes", (rss - used).to_string()),
        ("mem_not_counted_for_evict", "0".into()),
        ("mem_replication_backlog", "0".into()),
        ("mem_total_replication_buffers", "0".into()),
        ("mem_clients_slaves", "0".into()),
        (
            "mem_clients_normal",
            (CLIENT_MEMORY * store.clients.len() as u64).to_string(),
        ),
        ("mem_cluster_links", "0".into()),
        ("mem_aof_buffer", "0".into()),
        ("mem_allocator", "jemalloc-5.3.0".into()),
        ("active_defrag_running", "0".into()),
        ("lazyfree_pending_objects", "0".into()),
        ("lazyfreed_objects", "0".into()),
    ]
}

fn persistence_section(store: &Store) -> Vec<(&'static str, String)> {
    let zeros = |names: &[&'static str]| -> Vec<(&'static str, String)> {
        names.iter().map(|n| (*n, "0".to_string())).collect()
    };
    let mut fields = zeros(&[
        "loading",
        "async_loading",
        "current_cow_peak",
        "current_cow_size",
        "current_cow_size_age",
    ]);
    fields.push(("current_fork_perc", "0.00".into()));
    fields.extend(zeros(&[
        "current_save_keys_processed",
        "current_save_keys_total",
        "rdb_changes_since_last_save",
        "rdb_bgsave_in_progress",
    ]));
    fields.push(("rdb_last_save_time", (store.started_ms / 1000).to_string()));
    fields.push(("rdb_last_bgsave_status", "ok".into()));
    fields.push(("rdb_last_bgsave_time_sec", "-1".into()));
    fields.push(("rdb_current_bgsave_time_sec", "-1".into()));
    fields.extend(zeros(&[
        "rdb_saves",
        "rdb_last_cow_size",
        "rdb_last_load_keys_expired",
        "rdb_last_load_keys_loaded",
    ]));
    let aof = (store.config.get("appendonly") == Some("yes")) as u8;
    fields.push(("aof_enabled", aof.to_string()));
    fields.extend(zeros(&["aof_rewrite_in_progress", "aof_rewrite_scheduled"]));
    fields.push(("aof_last_rewrite_time_sec", "-1".into()));
    fields.push(("aof_current_rewrite_time_sec", "-1".into()));
    fields.push(("aof_last_bgrewrite_status", "ok".into()));
    fields.extend(zeros(&[
        "aof_rewrites",
        "aof_rewrites_consecutive_failures",
    ]));
    fields.push(("aof_last_write_status", "ok".into()));
    fields.extend(zeros(&[
        "aof_last_cow_size",
        "module_fork_in_progress",
        "module_fork_last_cow_size",
    ]));
    fields
}

/// expired_keys counts lazy expiry (kept by each database) as well as active expiry.
fn expired_keys(store: &Store) -> u64 {
    store.stats.expired_keys + store.dbs.iter().map(|d| d.lazily_expired()).sum::<u64>()
}

fn stats_section(store: &Store) -> Vec<(&'static str, String)> {
    let s: &Stats = &store.stats;
    let n = |v: u64| v.to_string();
    let zero = || "0".to_string();
    vec![
        ("total_connections_received", n(s.connections_received)),
        ("total_commands_processed", n(s.commands_processed)),
        ("instantaneous_ops_per_sec", zero()),
        ("total_net_input_bytes", zero()),
        ("total_net_output_bytes", zero()),
        ("total_net_repl_input_bytes", zero()),
        ("total_net_repl_output_bytes", zero()),
        ("instantaneous_input_kbps", "0.00".into()),
        ("instantaneous_output_kbps", "0.00".into()),
        ("instantaneous_input_repl_kbps", "0.00".into()),
        ("instantaneous_output_repl_kbps", "0.00".into()),
        ("rejected_connections", zero()),
        ("sync_full", zero()),
        ("sync_partial_ok", zero()),
        ("sync_partial_err", zero()),
        ("expired_keys", n(expired_keys(store))),
        ("expired_stale_perc", "0.00".into()),
        ("expired_time_cap_reached_count", zero()),
        ("expire_cycle_cpu_milliseconds", zero()),
        ("evicted_keys", n(s.evicted_keys)),
        ("evicted_clients", zero()),
        ("total_eviction_exceeded_time", zero()),
        ("current_eviction_exceeded_time", zero()),
        ("keyspace_hits", n(s.keyspace_hits)),
        ("keyspace_misses", n(s.keyspace_misses)),
        ("pubsub_channels", zero()),
        ("pubsub_patterns", zero()),
        ("pubsubshard_channels", zero()),
        ("latest_fork_usec", zero()),
        ("total_forks", zero()),
        ("migrate_cached_sockets", zero()),
        ("slave_expires_tracked_keys", zero()),
        ("active_defrag_hits", zero()),
        ("active_defrag_misses", zero()),
        ("active_defrag_key_hits", zero()),
        ("active_defrag_key_misses", zero()),
        ("total_active_defrag_time", zero()),
        ("current_active_defrag_time", zero()),
        (
            "tracking_total_keys",
            store.tracking.total_keys().to_string(),
        ),
        (
            "tracking_total_items",
            store.tracking.total_items().to_string(),
        ),
        (
            "tracking_total_prefixes",
            store.tracking.total_prefixes().to_string(),
        ),
        ("unexpected_error_replies", zero()),
        ("total_error_replies", n(s.total_error_replies)),
        ("dump_payload_sanitizations", zero()),
        ("total_reads_processed", n(s.commands_processed)),
        ("total_writes_processed", n(s.commands_processed)),
        ("io_threaded_reads_processed", zero()),
        ("io_threaded_writes_processed", zero()),
        ("reply_buffer_shrinks", zero()),
        ("reply_buffer_expands", zero()),
    ]
}

fn replication_section() -> Vec<(&'static str, String)> {
    vec![
        ("role", "master".into()),
        ("connected_slaves", "0".into()),
        ("master_failover_state", "no-failover".into()),
        ("master_replid", hex_id(1).into()),
        ("master_replid2", "0".repeat(40)),
        ("master_repl_offset", "0".into()),
        ("second_repl_offset", "-1".into()),
        ("repl_backlog_active", "0".into()),
        ("repl_backlog_size", "1048576".into()),
        ("repl_backlog_first_byte_offset", "0".into()),
        ("repl_backlog_histlen", "0".into()),
    ]
}

fn cpu_section() -> Vec<(&'static str, String)> {
    let (user, sys) = cpu_seconds();
    vec![
        ("used_cpu_sys", format!("{sys:.6}")),
        ("used_cpu_user", format!("{user:.6}")),
        ("used_cpu_sys_children", "0.000000".into()),
        ("used_cpu_user_children", "0.000000".into()),
        ("used_cpu_sys_main_thread", format!("{sys:.6}")),
        ("used_cpu_user_main_thread", format!("{user:.6}")),
    ]
}

/// Per-command lines, by Redis's command name order for a stable listing.
fn sorted_command_stats(store: &Store) -> Vec<(&'static str, crate::engine::store::CommandStat)> {
    let table = command_table();
    let mut stats: Vec<_> = store
        .stats
        .commands
        .iter()
        .enumerate()
        .filter(|(_, s)| s.calls + s.rejected_calls > 0)
        .map(|(id, s)| (table.name_of(id), *s))
        .collect();
    stats.sort_by_key(|(k, _)| *k);
    stats
}

fn info_text(ctx: &Ctx, wanted: &[String]) -> String {
    let store = &ctx.store;
    let everything = wanted.iter().any(|w| w == "all" || w == "everything");
    let default = wanted.is_empty() || wanted.iter().any(|w| w == "default");
    let include = |section: &str| {
        everything
            || wanted.iter().any(|w| w == section)
            || (default && section != "commandstats" && section != "latencystats")
    };
    let mut out = String::new();
    for &section in SECTIONS {
        if !include(section) {
            continue;
        }
        match section {
            "server" => push_section(&mut out, "Server", &server_section(ctx)),
            "clients" => push_section(&mut out, "Clients", &clients_section(store)),
            "memory" => push_section(&mut out, "Memory", &memory_section(store)),
            "persistence" => push_section(&mut out, "Persistence", &persistence_section(store)),
            "stats" => push_section(&mut out, "Stats", &stats_section(store)),
            "replication" => push_section(&mut out, "Replication", &replication_section()),
            "cpu" => push_section(&mut out, "CPU", &cpu_section()),
            "modules" => push_section(&mut out, "Modules", &[]),
            "commandstats" => {
                let lines: Vec<(String, String)> = sorted_command_stats(store)
                    .into_iter()
                    .map(|(name, s)| {
                        let per_call = if s.calls == 0 {
                            0.0
                        } else {
                            s.usec as f64 / s.calls as f64
                        };
                        (
                            format!("cmdstat_{name}"),
                            format!(
                                "calls={},usec={},usec_per_call={per_call:.2},rejected_calls={},failed_calls={}",
                                s.calls, s.usec, s.rejected_calls, s.failed_calls
                            ),
                        )
                    })
                    .collect();
                push_owned(&mut out, "Commandstats", &lines);
            }
            "errorstats" => {
                let mut codes: Vec<_> = store.stats.errors.iter().collect();
                codes.sort();
                let lines: Vec<(String, String)> = codes
                    .into_iter()
                    .map(|(code, n)| (format!("errorstat_{code}"), format!("count={n}")))
                    .collect();
                push_owned(&mut out, "Errorstats", &lines);
            }
            "latencystats" => {
                let lines: Vec<(String, String)> = sorted_command_stats(store)
                    .into_iter()
                    .filter(|(_, s)| s.calls > 0)
                    .map(|(name, s)| {
                        let avg = s.usec as f64 / s.calls as f64;
                        (
                            format!("latency_percentiles_usec_{name}"),
                            format!("p50={avg:.3},p99={avg:.3},p99.9={avg:.3}"),
                        )
                    })
                    .collect();
                push_owned(&mut out, "Latencystats", &lines);
            }
            "cluster" => push_section(&mut out, "Cluster", &[("cluster_enabled", "0".into())]),
            "keyspace" => {
                let now = ctx.now_ms();
                let lines: Vec<(String, String)> = store
                    .dbs
                    .iter()
                    .enumerate()
                    .filter(|(_, db)| !db.is_empty())
                    .map(|(i, db)| {
                        (
                            format!("db{i}"),
                            format!(
                                "keys={},expires={},avg_ttl={}",
                                db.len(),
                                db.expires_len(),
                                db.avg_ttl(now)
                            ),
                        )
                    })
                    .collect();
                push_owned(&mut out, "Keyspace", &lines);
            }
            _ => {}
        }
    }
    out
}

fn push_owned(out: &mut String, title: &str, lines: &[(String, String)]) {
    let borrowed: Vec<(&str, String)> =
        lines.iter().map(|(k, v)| (k.as_str(), v.clone())).collect();
    push_section(out, title, &borrowed);
}

fn info(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let wanted: Vec<String> = args[1..]
        .iter()
        .map(|a| String::from_utf8_lossy(a).to_ascii_lowercase())
        .collect();
    Value::Verbatim {
        format: Bytes::from_static(b"txt"),
        text: Bytes::from(info_text(ctx, &wanted)),
    }
}

/// TIME reads the clock live, as Redis's gettimeofday does (inside a script too, where the
/// time keys expire by stands still).
fn time(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let now = ctx.store.clock.now_us();
    let (secs, micros) = (now.div_euclid(1_000_000), now.rem_euclid(1_000_000));
    Value::Array(vec![
        Value::Bulk(Bytes::from(secs.to_string())),
        Value::Bulk(Bytes::from(micros.to_string())),
    ])
}

fn lastsave(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Integer(ctx.store.started_ms / 1000)
}

fn config_get(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let patterns: Vec<&[u8]> = args[2..].iter().map(|a| a.as_ref()).collect();
    let pairs = ctx
        .store
        .config
        .matching(&patterns)
        .into_iter()
        .map(|(k, v)| (Value::Bulk(Bytes::from(k)), Value::Bulk(Bytes::from(v))))
        .collect();
    Value::Map(pairs)
}

fn config_set(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() < 4 || args.len() % 2 == 1 {
        return syntax_error();
    }
    let pairs: Vec<(&[u8], &[u8])> = args[2..]
        .chunks(2)
        .map(|p| (p[0].as_ref(), p[1].as_ref()))
        .collect();
    let had_password = ctx.store.config.password_required();
    match ctx.store.config.set_many(&pairs) {
        Ok(()) => {
            ctx.store.encoding_limits = EncodingLimits::from_config(&ctx.store.config);
            ctx.store.notify_flags = EventClass::from_config(
                ctx.store.config.get("notify-keyspace-events").unwrap_or(""),
            );
            if !had_password && ctx.store.config.password_required() {
                // Connections made while no password was needed stay authenticated.
                for client in ctx.store.clients.values_mut() {
                    client.authenticated = true;
                }
            }
            Value::ok()
        }
        Err(e) => Value::error(e.message()),
    }
}

fn config_resetstat(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.store.stats = Stats::default();
    for db in &mut ctx.store.dbs {
        db.reset_lazily_expired();
    }
    Value::ok()
}

fn config_rewrite(_: &mut Ctx, _: &[Bytes]) -> Value {
    Value::error("ERR The server is running without a config file")
}

fn memory_stats(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    let store = &ctx.store;
    let used = used_memory(store);
    let dataset = dataset_memory(store);
    let clients = CLIENT_MEMORY * store.clients.len() as u64;
    let int = |n: u64| Value::Integer(n as i64);
    let head = [
        ("peak.allocated", int(used)),
        ("total.allocated", int(used)),
        ("startup.allocated", int(STARTUP_MEMORY)),
        ("replication.backlog", int(0)),
        ("clients.slaves", int(0)),
        ("clients.normal", int(clients)),
        ("cluster.links", int(0)),
        ("aof.buffer", int(0)),
        ("lua.caches", int(0)),
        ("functions.caches", int(200)),
    ];
    let mut pairs: Vec<(Value, Value)> =
        head.into_iter().map(|(k, v)| (Value::bulk(k), v)).collect();
    let mut overhead = STARTUP_MEMORY + clients;
    let mut keys = 0;
    for (i, db) in store
        .dbs
        .iter()
        .enumerate()
        .filter(|(_, db)| !db.is_empty())
    {
        let main = main_dict_overhead(db.len());
        let expires = expires_dict_overhead(db.expires_len());
        overhead += main + expires;
        keys += db.len() as u64;
        pairs.push((
            Value::Bulk(Bytes::from(format!("db.{i}"))),
            Value::Map(vec![
                (Value::bulk("overhead.hashtable.main"), int(main)),
                (Value::bulk("overhead.hashtable.expires"), int(expires)),
                (Value::bulk("overhead.hashtable.slot-to-keys"), int(0)),
            ]),
        ));
    }
    let rss = used * 7;
    let net = (used - STARTUP_MEMORY).max(1);
    let tail = [
        ("overhead.total", int(overhead)),
        ("keys.count", int(keys)),
        (
            "keys.bytes-per-key",
            int(net.checked_div(keys).unwrap_or(0)),
        ),
        ("dataset.bytes", int(dataset)),
        (
            "dataset.percentage",
            Value::Double(dataset as f64 * 100.0 / net as f64),
        ),
        ("peak.percentage", Value::Double(100.0)),
        ("allocator.allocated", int(used + 774_448)),
        ("allocator.active", int(used + 910_416)),
        ("allocator.resident", int(used + 3_581_008)),
        ("allocator-fragmentation.ratio", Value::Double(1.08)),
        ("allocator-fragmentation.bytes", int(135_968)),
        ("allocator-rss.ratio", Value::Double(2.46)),
        ("allocator-rss.bytes", int(2_670_592)),
        ("rss-overhead.ratio", Value::Double(1.5)),
        ("rss-overhead.bytes", int(2_232_320)),
        ("fragmentation", Value::Double(rss as f64 / used as f64)),
        ("fragmentation.bytes", int(rss - used)),
    ];
    pairs.extend(tail.into_iter().map(|(k, v)| (Value::bulk(k), v)));
    Value::Map(pairs)
}

fn memory_doctor(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    // Redis's doctor only looks at instances using at least 5 MB.
    let text = if used_memory(ctx.store) < 5 * 1024 * 1024 {
        "Hi Sam, this instance is empty or is using very little memory, my issues detector can't be used in these conditions. Please, leave for your mission on Earth and fill it with some data. The new Sam and I will be back to our programming as soon as I finished rebooting.\n"
    } else {
        "Hi Sam, I can't find any memory issue in your instance. I can only account for what occurs on this base.\n"
    };
    Value::Verbatim {
        format: Bytes::from_static(b"txt"),
        text: Bytes::from_static(text.as_bytes()),
    }
}

fn memory_purge(_: &mut Ctx, _: &[Bytes]) -> Value {
    Value::ok()
}

fn memory_malloc_stats(_: &mut Ctx, _: &[Bytes]) -> Value {
    Value::bulk("Stats not supported for the current allocator")
}

fn slowlog_get(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    let count = match args.len() {
        2 => Some(10),
        3 => match crate::engine::args::parse_i64(&args[2]) {
            Some(-1) => None,
            Some(n) if n >= 0 => Some(n as usize),
            _ => return Value::error("ERR count should be greater than or equal to -1"),
        },
        _ => {
            return Value::error(format!(
                "ERR unknown subcommand or wrong number of arguments for '{}'. Try SLOWLOG HELP.",
                String::from_utf8_lossy(&args[1])
            ));
        }
    };
    ctx.store.slowlog.newest(count)
}

fn slowlog_len(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Integer(ctx.store.slowlog.len() as i64)
}

fn slowlog_reset(ctx: &mut Ctx, _: &[Bytes]) -> Value {
    ctx.store.slowlog.reset();
    Value::ok()
}

fn slowlog_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "SLOWLOG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET [<count>]",
        "    Return top <count> entries from the slowlog (default: 10, -1 mean all).",
        "    Entries are made of:",
        "    id, timestamp, time in microseconds, arguments array, client IP and port,",
        "    client name",
        "LEN",
        "    Return the length of the slowlog.",
        "RESET",
        "    Reset the slowlog.",
        "HELP",
        "    Prints this help.",
    ])
}

/// DEBUG is a protected command, refused while `enable-debug-command` is `no` (the default).
fn debug(_: &mut Ctx, _: &[Bytes]) -> Value {
    Value::error(
        "ERR DEBUG command not allowed. If the enable-debug-command option is set to \"local\", you can run it from a local connection, otherwise you need to set this option in the configuration file, and then restart the server.",
    )
}

fn role(_: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Array(vec![
        Value::bulk("master"),
        Value::Integer(0),
        Value::Array(vec![]),
    ])
}

fn config_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Prints this help.",
    ])
}

/// Looks a command up by full name (`get`, `config|get`), case-insensitively.
fn find_command(name: &[u8]) -> Option<&'static CommandSpec> {
    let name = String::from_utf8_lossy(name).to_ascii_lowercase();
    let table = command_table();
    match name.split_once('|') {
        Some((container, sub)) => table.get(container)?.subcommands.get(sub),
        None => table.get(&name),
    }
}

fn command(_: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Array(command_table().iter().map(|s| s.info.clone()).collect())
}

fn command_count(_: &mut Ctx, _: &[Bytes]) -> Value {
    Value::Integer(command_table().len() as i64)
}

fn command_info(ctx: &mut Ctx, args: &[Bytes]) -> Value {
    if args.len() == 2 {
        return command(ctx, args);
    }
    Value::Array(
        args[2..]
            .iter()
            .map(|name| find_command(name).map_or(Value::Null, |s| s.info.clone()))
            .collect(),
    )
}

fn command_docs(_: &mut Ctx, args: &[Bytes]) -> Value {
    let docs = |s: &CommandSpec| (Value::Bulk(Bytes::from(s.name.clone())), s.docs.clone());
    if args.len() == 2 {
        return Value::Map(command_table().iter().map(docs).collect());
    }
    Value::Map(
        args[2..]
            .iter()
            .filter_map(|name| find_command(name))
            .map(docs)
            .collect(),
    )
}

/// Every command and subcommand, containers before their subcommands.
fn all_specs() -> Vec<&'static CommandSpec> {
    let mut out = Vec::new();
    for spec in command_table().iter() {
        out.push(spec);
        out.extend(spec.subcommands.values());
    }
    out
}

/// The ACL categories in a COMMAND INFO entry (without the `@`).
fn acl_categories(spec: &CommandSpec) -> Vec<String> {
    match &spec.info {
        Value::Array(fields) => match fields.get(6) {
            Some(Value::Array(cats) | Value::Set(cats)) => cats
                .iter()
                .filter_map(|c| c.as_bytes())
                .map(|c| {
                    String::from_utf8_lossy(c)
                        .trim_start_matches('@')
                        .to_string()
                })
                .collect(),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn command_list(_: &mut Ctx, args: &[Bytes]) -> Value {
    let specs = all_specs();
    let names = |keep: &dyn Fn(&CommandSpec) -> bool| {
        Value::Array(
            specs
                .iter()
                .filter(|s| keep(s))
                .map(|s| Value::Bulk(Bytes::from(s.name.clone())))
                .collect(),
        )
    };
    match args.len() {
        2 => names(&|_| true),
        5 if args[2].eq_ignore_ascii_case(b"filterby") => {
            let arg = &args[4];
            if args[3].eq_ignore_ascii_case(b"module") {
                names(&|_| false)
            } else if args[3].eq_ignore_ascii_case(b"aclcat") {
                let wanted = String::from_utf8_lossy(arg).to_ascii_lowercase();
                names(&|s| acl_categories(s).contains(&wanted))
            } else if args[3].eq_ignore_ascii_case(b"pattern") {
                names(&|s| glob_match_nocase(arg, s.name.as_bytes()))
            } else {
                syntax_error()
            }
        }
        _ => syntax_error(),
    }
}

fn command_getkeys(_: &mut Ctx, args: &[Bytes]) -> Value {
    let Some(mut spec) = find_command(&args[2]) else {
        return Value::error("ERR Invalid command specified");
    };
    let argv = &args[2..];
    if !spec.subcommands.is_empty() && argv.len() >= 2 {
        match spec
            .subcommands
            .get(&String::from_utf8_lossy(&argv[1]).to_ascii_lowercase())
        {
            Some(sub) => spec = sub,
            None => return Value::error("ERR Invalid command specified"),
        }
    }
    let int = |i: usize| match &spec.info {
        Value::Array(fields) => match fields.get(i) {
            Some(Value::Integer(n)) => *n,
            _ => 0,
        },
        _ => 0,
    };
    let (first, last, step) = (int(3), int(4), int(5));
    if first == 0 {
        return Value::error("ERR The command has no key arguments");
    }
    if !spec.arity_ok(argv.len()) {
        return Value::error("ERR Invalid number of arguments specified for command");
    }
    if spec.name == "sort" {
        let keys = super::sort::sort_keys(argv);
        return Value::Array(keys.map(|i| Value::Bulk(argv[i].clone())).collect());
    }
    let last = if last < 0 {
        argv.len() as i64 + last
    } else {
        last
    };
    let mut keys = Vec::new();
    let mut i = first;
    while i <= last && (i as usize) < argv.len() {
        keys.push(Value::Bulk(argv[i as usize].clone()));
        i += step.max(1);
    }
    if keys.is_empty() {
        return Value::error("ERR Invalid arguments specified for command");
    }
    Value::Array(keys)
}

fn command_help(_: &mut Ctx, _: &[Bytes]) -> Value {
    help_reply(&[
        "COMMAND <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "(no subcommand)",
        "    Return details about all Redis commands.",
        "COUNT",
        "    Return the total number of commands in this Redis server.",
        "LIST",
        "    Return a list of all commands in this Redis server.",
        "INFO [<command-name> ...]",
        "    Return details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "DOCS [<command-name> ...]",
        "    Return documentation details about multiple Redis commands.",
        "    If no command names are given, documentation details for all",
        "    commands are returned.",
        "GETKEYS <full-command>",
        "    Return the keys from a full Redis command.",
        "GETKEYSANDFLAGS <full-command>",
        "    Return the keys and the access flags from a full Redis command.",
        "HELP",
        "    Prints this help.",
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_bytes_matches_redis() {
        assert_eq!(human_bytes(200), "200B");
        assert_eq!(human_bytes(916_400), "894.92K");
        assert_eq!(human_bytes(32_768), "32.00K");
        assert_eq!(human_bytes(6_729_728), "6.42M");
    }
}
