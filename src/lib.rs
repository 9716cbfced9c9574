//! redis-tutor: an interactive Redis course with an embedded, byte-faithful Redis 7.0.
//!
//! Everything but `tui` is terminal-free and tested headless: the embedded `engine`, the
//! `backend` that reaches it (or a learner's own server) over RESP, the `course` material and
//! progress, the `grader`, the redis-cli-like `console` core and the `markdown` renderer.

pub mod backend;
pub mod console;
pub mod course;
pub mod engine;
pub mod glob;
pub mod grader;
pub mod heap;
pub mod markdown;
pub mod resp;
pub mod tui;
