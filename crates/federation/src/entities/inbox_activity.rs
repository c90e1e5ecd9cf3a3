//! `inbox_activities`: received activities, persisted before the inbox answers.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_activities")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i64,
    pub activity_uri: String,
    pub actor_uri: String,
    pub kind: String,
    pub body: String,
    pub attempts: i32,
    pub received_at: DateTimeUtc,
    pub processed_at: Option<DateTimeUtc>,
    pub error: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
