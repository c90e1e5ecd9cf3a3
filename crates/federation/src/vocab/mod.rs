//! ActivityPub vocabulary as other servers actually send it.
//!
//! **Input** is lenient: JSON-LD is read as plain JSON (contexts are never fetched);
//! properties may be a value, a list, an object with `id` or a bare URL; `null` and
//! wrong-typed optional properties read as absent; timestamps are parsed leniently
//! ([`lenient_datetime`]). Only what nothing works without is required, and refused
//! with a [`VocabError`] (answer 400) when missing: `id` and `type` on every document,
//! `actor` on activities. Nesting deeper than [`MAX_DEPTH`] is refused before parsing.
//!
//! - [`parse_activity`] / [`parse_activity_value`] → [`Activity`]
//! - [`parse_actor`] / [`parse_actor_bytes`] → [`Actor`]
//! - [`parse_object`] / [`parse_object_bytes`] → [`Object`]
//! - [`parse_document`] → any of them, sorted by `type`
//!
//! This is the input side only. What Starling publishes is rendered exactly, with
//! Mastodon's field names and context, by [`crate::objects`].
//!
//! The corpus test (`tests/corpus.rs`) parses real documents from a dozen servers kept
//! under `tests/assets/`.

mod activity;
mod actor;
mod error;
mod id;
mod kind;
pub mod lenient;
mod media;
mod object;
mod parse;

pub use activity::Activity;
pub use actor::{Actor, Endpoints, PropertyValue, PublicKey};
pub use error::VocabError;
pub use id::{
    AS_PUBLIC, IdRef, MAX_ID_LEN, ObjectOrLink, is_public, value_to_addresses, value_to_id,
    value_to_ids, value_to_link,
};
pub use kind::{ActivityKind, ActorKind, ObjectKind, type_names};
pub use lenient::{LangMap, OneOrMany, lenient_datetime};
pub use media::{Attachment, Image, Tag};
pub use object::{Object, QuestionOption, Source};
pub use parse::{
    Document, MAX_DEPTH, nesting_exceeds, parse_activity, parse_activity_value, parse_actor,
    parse_actor_bytes, parse_document, parse_document_value, parse_json, parse_object,
    parse_object_bytes,
};
