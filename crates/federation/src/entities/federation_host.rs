//! `federation_hosts`: health of each remote host deliveries go to.
use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "federation_hosts")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub host: String,
    pub consecutive_failures: i32,
    pub first_failure_at: Option<DateTimeUtc>,
    pub last_failure_at: Option<DateTimeUtc>,
    pub last_success_at: Option<DateTimeUtc>,
    /// No delivery to this host before this time (backoff, `Retry-After`).
    pub retry_at: Option<DateTimeUtc>,
    pub last_error: Option<String>,
    pub delivered_count: i64,
    pub dropped_count: i64,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
