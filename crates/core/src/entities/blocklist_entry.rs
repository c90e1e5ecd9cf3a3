//! `blocklist_entries`: one domain of one subscribed list, with what the list says about it
//! and whether that is in force ([`crate::moderation::subscriptions`]).
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "blocklist_entries")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub source_id: i64,
    /// Lower-case ASCII (punycode), no trailing dot.
    pub domain: String,
    /// What the list says now: `silence`, `suspend` or `noop`, …
    pub severity: String,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
    /// `draft`, `approved`, `rejected` or `retracted`.
    pub state: String,
    /// JSON of the values this entry puts in force (approved by a moderator, or taken
    /// from the list without review); `None` when it puts nothing in force.
    pub approved: Option<String>,
    pub first_seen_at: DateTimeUtc,
    pub last_seen_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
