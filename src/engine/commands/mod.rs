//! Command implementations, one file per command family, and the registry that maps full
//! command names (`get`, `client|setname`) to handlers.

use super::command::Handler;

pub(crate) use eviction::perform_evictions;

mod bitmaps;
mod connection;
mod eviction;
mod functions;
mod geo;
mod hashes;
mod hyperloglog;
mod keys;
mod lists;
mod pubsub;
mod scan;
mod scripting;
mod server;
mod sets;
mod sort;
mod sorted_sets;
mod strings;
mod transactions;

/// Every family's handlers.
const FAMILIES: &[&[(&str, Handler)]] = &[
    connection::COMMANDS,
    lists::COMMANDS,
    sets::COMMANDS,
    sort::COMMANDS,
    hashes::COMMANDS,
    sorted_sets::COMMANDS,
    strings::COMMANDS,
    bitmaps::COMMANDS,
    keys::COMMANDS,
    server::COMMANDS,
    hyperloglog::COMMANDS,
    geo::COMMANDS,
    transactions::COMMANDS,
    scripting::COMMANDS,
    functions::COMMANDS,
    pubsub::COMMANDS,
];

/// The handler for a lower-case full command name, if this engine implements it.
pub fn handler(name: &str) -> Option<Handler> {
    FAMILIES
        .iter()
        .flat_map(|f| f.iter())
        .find(|(n, _)| *n == name)
        .map(|(_, h)| *h)
}
