//! Black-box tests: each starts a real emulator on a free port and speaks HTTP to it.

mod aliases;
mod binary;
mod concurrency;
mod control;
mod durability;
mod errors;
mod functions;
mod helpers;
mod invoke;
mod lifecycle;
mod publish;
mod resilience;
