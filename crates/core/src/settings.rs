//! Instance-wide values kept in the database rather than the configuration file,
//! because the instance creates them itself: the instance actor's key pair.

use chrono::Utc;
use sea_orm::{EntityTrait, IntoActiveModel};

use crate::crypto::{self, ActorKeys};
use crate::entities::setting;
use crate::error::CoreResult;
use crate::instance::Instance;

const INSTANCE_PRIVATE_KEY: &str = "instance_actor.private_key_pem";
const INSTANCE_PUBLIC_KEY: &str = "instance_actor.public_key_pem";

/// A stored value.
pub async fn get(inst: &Instance, key: &str) -> CoreResult<Option<String>> {
    Ok(setting::Entity::find_by_id(key.to_string())
        .one(&inst.store.read)
        .await?
        .map(|s| s.value))
}

/// The key pair of the instance actor (`/actor`), which signs requests made on behalf
/// of the whole instance. Created on first use; the first writer wins a race.
pub async fn instance_actor_keys(inst: &Instance) -> CoreResult<ActorKeys> {
    if let (Some(private_pem), Some(public_pem)) = (
        get(inst, INSTANCE_PRIVATE_KEY).await?,
        get(inst, INSTANCE_PUBLIC_KEY).await?,
    ) {
        return Ok(ActorKeys {
            private_pem,
            public_pem,
        });
    }
    let keys = crypto::generate_actor_keys_async().await?;
    let txn = inst.store.begin().await?;
    for (key, value) in [
        (INSTANCE_PRIVATE_KEY, &keys.private_pem),
        (INSTANCE_PUBLIC_KEY, &keys.public_pem),
    ] {
        setting::Entity::insert(
            setting::Model {
                key: key.to_string(),
                value: value.clone(),
                updated_at: Utc::now(),
            }
            .into_active_model(),
        )
        .on_conflict_do_nothing()
        .exec_without_returning(&txn)
        .await?;
    }
    txn.commit().await?;
    Ok(ActorKeys {
        private_pem: get_written(inst, INSTANCE_PRIVATE_KEY).await?,
        public_pem: get_written(inst, INSTANCE_PUBLIC_KEY).await?,
    })
}

async fn get_written(inst: &Instance, key: &str) -> CoreResult<String> {
    Ok(setting::Entity::find_by_id(key.to_string())
        .one(&inst.store.write)
        .await?
        .map(|s| s.value)
        .unwrap_or_default())
}
