//! Black-box tests: each starts a real emulator on a free port and speaks HTTP to it.

mod aliases;
mod async_invoke_config;
mod binary;
mod concurrency;
mod control;
mod disk_full;
mod durability;
mod errors;
mod events;
mod fast;
mod function_settings;
mod functions;
mod helpers;
mod invoke;
mod lifecycle;
mod observability;
mod publish;
mod quotas;
mod reserved_instances;
mod resilience;
mod shape;
mod tags;
mod triggers;
mod ui;
