//! Workspace integration tests: real Starling instances on loopback, real HTTP, a real
//! database each (SQLite by default; PostgreSQL with `STARLING_TEST_DATABASE=postgres`).
//!
//! Every test starts its own instance through [`support::TestApp`], so tests run in
//! parallel with no shared state. Tests that need the real binary (restart, SIGKILL,
//! the command line) start `CARGO_BIN_EXE_starling` themselves.

mod accounts;
mod admin_accounts;
mod bad_input;
mod blocklists;
mod cli;
mod edits;
mod endpoints;
mod federation;
mod follows;
mod forms;
mod instance;
mod interactions;
mod moderation;
mod oauth;
mod process;
mod remote_statuses;
mod reports;
mod statuses;
mod support;
mod timelines;
mod user_tools;
mod web;
mod web_moderation;
