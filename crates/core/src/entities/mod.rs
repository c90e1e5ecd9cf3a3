//! sea-orm entities, one module per table. Rows are storage: they never serialise
//! themselves to wire JSON (the api and federation crates own the wire formats).

pub mod account;
pub mod block;
pub mod delivery;
pub mod domain_allow;
pub mod domain_block;
pub mod favourite;
pub mod federation_host;
pub mod follow;
pub mod follow_request;
pub mod home_feed;
pub mod idempotency_key;
pub mod inbox_activity;
pub mod media_attachment;
pub mod moderation_log;
pub mod notification;
pub mod oauth_access_token;
pub mod oauth_application;
pub mod oauth_authorization_code;
pub mod outbox_event;
pub mod outgoing_activity;
pub mod report;
pub mod setting;
pub mod status;
pub mod status_edit;
pub mod status_mention;
pub mod status_pin;
pub mod status_tag;
pub mod tag;
pub mod user;
pub mod web_session;
