//! # starling-federation
//!
//! ActivityPub for Starling: the vocabulary (lenient serde types with Mastodon's
//! extensions), HTTP signatures (draft-cavage and RFC 9421), the SSRF-guarded HTTP
//! client, WebFinger and NodeInfo, the inbox (verify, persist, then process) and the
//! persistent per-host delivery queue. It maps ActivityPub to core operations and back;
//! core never sees ActivityPub JSON.

pub mod blocklists;
pub mod delivery;
pub mod dispatch;
pub mod entities;
pub mod error;
pub mod fetch;
pub mod inbox;
pub mod net;
pub mod notes;
pub mod objects;
pub mod resolve;
pub mod routes;
pub mod signatures;
pub mod signed;
pub mod state;
pub mod vocab;
pub mod workers;

pub use error::{FedError, FedResult};
pub use state::Federation;
