//! The embedded Redis 7.0: a real RESP2/RESP3 server on loopback with 16 databases, lazy and
//! active expiry and a virtual clock. It knows nothing of the course or the terminal.

pub mod args;
pub mod blocking;
pub mod client;
pub mod clock;
pub mod command;
pub mod command_flags;
pub mod command_table;
mod commands;
pub mod config;
pub mod data;
pub mod db;
pub mod encoding;
mod event_loop;
pub mod geohash;
pub mod hash_value;
pub mod hyperloglog;
pub mod limits;
pub mod long_double;
pub mod lua;
mod lua_bit;
mod lua_cjson;
mod lua_cmsgpack;
mod lua_functions;
mod lua_pcall;
mod lua_readonly;
mod lua_struct;
pub mod multi;
pub mod notify;
pub mod protocol;
pub mod pubsub;
pub mod rdb;
mod server;
pub mod set_value;
pub mod slowlog;
pub mod sorted_set;
pub mod store;
pub mod tracking;

pub use clock::Clock;
pub use command_table::{CommandSpec, CommandTable, command_table};
pub use server::Engine;
