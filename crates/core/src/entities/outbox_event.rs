//! `outbox_events`: domain events written by core in the transaction of the change, consumed by federation.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "outbox_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    /// What happened, e.g. `status.created` (see `crate::events::EventKind`).
    pub kind: String,
    /// The local account that acted.
    pub account_id: i64,
    /// The row the event is about (a status, a follow, …), when there is one.
    pub subject_id: Option<i64>,
    /// JSON with what the consumer needs once the subject may be gone.
    pub payload: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
