//! Shared test support: a real redis-server started on a free port, the differential harness
//! that sends the same commands to it and to the embedded engine, and small test courses.
#![allow(dead_code)] // each test binary uses a different part of the support code

pub mod course;
pub mod differential;
pub mod fuzz;
pub mod real_redis;
pub mod screen;
