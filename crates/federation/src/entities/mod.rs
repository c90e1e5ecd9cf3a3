//! The tables federation owns, one module per table: received activities waiting to be
//! applied, outgoing activities and their deliveries, and the health of remote hosts.
//! Core never reads them; the tables it owns are in [`starling_core::entities`].

pub mod delivery;
pub mod federation_host;
pub mod inbox_activity;
pub mod outgoing_activity;
