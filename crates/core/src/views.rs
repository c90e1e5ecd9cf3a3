//! Everything needed to render statuses and notifications, loaded in a fixed number of
//! batched queries per page (authors, boosted originals, mentions, tags, media,
//! applications, the viewer's own marks), never one query per status.

use std::collections::HashMap;

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};

use crate::accounts;
use crate::entities::{
    account, favourite, media_attachment, notification, oauth_application, report, status,
    status_mention, status_pin, status_tag, tag,
};
use crate::error::CoreResult;
use crate::instance::Instance;

/// A status with what its Mastodon entity shows.
#[derive(Debug, Clone)]
pub struct StatusView {
    pub status: status::Model,
    pub account: account::Model,
    /// The boosted status, for boosts.
    pub reblog: Option<Box<StatusView>>,
    pub mentions: Vec<account::Model>,
    pub tags: Vec<tag::Model>,
    pub media: Vec<media_attachment::Model>,
    pub application: Option<oauth_application::Model>,
    /// The viewer's marks; `None` for anonymous viewers.
    pub viewer: Option<ViewerMarks>,
    /// The viewer's account id.
    pub viewer_id: Option<i64>,
}

/// What the viewer did with a status.
#[derive(Debug, Clone, Copy, Default)]
pub struct ViewerMarks {
    pub favourited: bool,
    pub reblogged: bool,
    pub muted: bool,
    pub bookmarked: bool,
    /// Only meaningful on the viewer's own statuses.
    pub pinned: bool,
}

/// Loads views of `statuses` for `viewer`, in the given order. Statuses whose author
/// is missing are skipped.
pub async fn status_views(
    inst: &Instance,
    statuses: Vec<status::Model>,
    viewer: Option<i64>,
) -> CoreResult<Vec<StatusView>> {
    let conn = &inst.store.read;
    if statuses.is_empty() {
        return Ok(Vec::new());
    }
    let reblog_ids: Vec<i64> = statuses.iter().filter_map(|s| s.reblog_of_id).collect();
    let originals: HashMap<i64, status::Model> = if reblog_ids.is_empty() {
        HashMap::new()
    } else {
        status::Entity::find()
            .filter(status::Column::Id.is_in(reblog_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|s| (s.id, s))
            .collect()
    };
    let all: Vec<&status::Model> = statuses.iter().chain(originals.values()).collect();
    let ids: Vec<i64> = all.iter().map(|s| s.id).collect();

    // Silent mentions (dropped by an edit) keep access but are not listed.
    let mentions = status_mention::Entity::find()
        .filter(status_mention::Column::StatusId.is_in(ids.clone()))
        .filter(status_mention::Column::Silent.eq(false))
        .all(conn)
        .await?;
    let account_ids = all
        .iter()
        .map(|s| s.account_id)
        .chain(mentions.iter().map(|m| m.account_id));
    let accounts: HashMap<i64, account::Model> = accounts::get_many(conn, account_ids)
        .await?
        .into_iter()
        .map(|a| (a.id, a))
        .collect();

    let tag_links = status_tag::Entity::find()
        .filter(status_tag::Column::StatusId.is_in(ids.clone()))
        .all(conn)
        .await?;
    let tags: HashMap<i64, tag::Model> = if tag_links.is_empty() {
        HashMap::new()
    } else {
        tag::Entity::find()
            .filter(tag::Column::Id.is_in(tag_links.iter().map(|t| t.tag_id)))
            .all(conn)
            .await?
            .into_iter()
            .map(|t| (t.id, t))
            .collect()
    };

    let with_media: Vec<i64> = all.iter().filter(|s| s.has_media).map(|s| s.id).collect();
    let mut media: HashMap<i64, Vec<media_attachment::Model>> = HashMap::new();
    if !with_media.is_empty() {
        for m in media_attachment::Entity::find()
            .filter(media_attachment::Column::StatusId.is_in(with_media))
            .all(conn)
            .await?
        {
            media
                .entry(m.status_id.unwrap_or_default())
                .or_default()
                .push(m);
        }
        for list in media.values_mut() {
            list.sort_by_key(|m| m.id);
        }
    }

    let app_ids: Vec<i64> = all.iter().filter_map(|s| s.application_id).collect();
    let apps: HashMap<i64, oauth_application::Model> = if app_ids.is_empty() {
        HashMap::new()
    } else {
        oauth_application::Entity::find()
            .filter(oauth_application::Column::Id.is_in(app_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect()
    };

    let (pinned, reblogged, favourited): (Vec<i64>, Vec<i64>, Vec<i64>) = match viewer {
        Some(viewer) => {
            let own: Vec<i64> = all
                .iter()
                .filter(|s| s.account_id == viewer)
                .map(|s| s.id)
                .collect();
            let pinned = if own.is_empty() {
                Vec::new()
            } else {
                status_pin::Entity::find()
                    .select_only()
                    .column(status_pin::Column::StatusId)
                    .filter(status_pin::Column::AccountId.eq(viewer))
                    .filter(status_pin::Column::StatusId.is_in(own))
                    .into_tuple()
                    .all(conn)
                    .await?
            };
            let reblogged = status::Entity::find()
                .select_only()
                .column(status::Column::ReblogOfId)
                .filter(status::Column::AccountId.eq(viewer))
                .filter(status::Column::ReblogOfId.is_in(ids.clone()))
                .into_tuple::<Option<i64>>()
                .all(conn)
                .await?
                .into_iter()
                .flatten()
                .collect();
            let favourited = favourite::Entity::find()
                .select_only()
                .column(favourite::Column::StatusId)
                .filter(favourite::Column::AccountId.eq(viewer))
                .filter(favourite::Column::StatusId.is_in(ids.clone()))
                .into_tuple()
                .all(conn)
                .await?;
            (pinned, reblogged, favourited)
        }
        None => Default::default(),
    };

    let build = |s: &status::Model| -> Option<StatusView> {
        let mut mentioned: Vec<account::Model> = mentions
            .iter()
            .filter(|m| m.status_id == s.id)
            .filter_map(|m| accounts.get(&m.account_id).cloned())
            .collect();
        mentioned.sort_by_key(|a| a.id);
        let mut status_tags: Vec<tag::Model> = tag_links
            .iter()
            .filter(|t| t.status_id == s.id)
            .filter_map(|t| tags.get(&t.tag_id).cloned())
            .collect();
        status_tags.sort_by(|a, b| a.name.cmp(&b.name));
        Some(StatusView {
            account: accounts.get(&s.account_id)?.clone(),
            reblog: None,
            mentions: mentioned,
            tags: status_tags,
            media: media.get(&s.id).cloned().unwrap_or_default(),
            application: s.application_id.and_then(|id| apps.get(&id).cloned()),
            viewer: viewer.map(|_| ViewerMarks {
                favourited: favourited.contains(&s.id),
                reblogged: reblogged.contains(&s.id),
                pinned: pinned.contains(&s.id),
                ..ViewerMarks::default()
            }),
            viewer_id: viewer,
            status: s.clone(),
        })
    };

    Ok(statuses
        .iter()
        .filter_map(|s| {
            let mut view = build(s)?;
            if let Some(original_id) = s.reblog_of_id {
                let original = originals.get(&original_id)?;
                view.reblog = Some(Box::new(build(original)?));
            }
            Some(view)
        })
        .collect())
}

/// One status view.
pub async fn status_view(
    inst: &Instance,
    status: status::Model,
    viewer: Option<i64>,
) -> CoreResult<StatusView> {
    status_views(inst, vec![status], viewer)
        .await?
        .pop()
        .ok_or(crate::error::CoreError::NotFound)
}

/// A notification with its sender and status.
#[derive(Debug, Clone)]
pub struct NotificationView {
    pub notification: notification::Model,
    pub account: account::Model,
    pub status: Option<StatusView>,
    /// For `severed_relationships`: the event that severed the follows.
    pub severance: Option<crate::moderation::effects::SeveranceEvent>,
    /// For `admin.report`: the report and its target.
    pub report: Option<(report::Model, account::Model)>,
}

/// Loads views of notifications for their recipient `viewer`, in order. Notifications
/// whose status or report has gone are skipped.
pub async fn notification_views(
    inst: &Instance,
    notifications: Vec<notification::Model>,
    viewer: i64,
) -> CoreResult<Vec<NotificationView>> {
    let conn = &inst.store.read;
    let accounts: HashMap<i64, account::Model> =
        accounts::get_many(conn, notifications.iter().map(|n| n.from_account_id))
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    let status_ids: Vec<i64> = notifications.iter().filter_map(|n| n.status_id).collect();
    let statuses = if status_ids.is_empty() {
        Vec::new()
    } else {
        status::Entity::find()
            .filter(status::Column::Id.is_in(status_ids))
            .all(conn)
            .await?
    };
    let views: HashMap<i64, StatusView> = status_views(inst, statuses, Some(viewer))
        .await?
        .into_iter()
        .map(|v| (v.status.id, v))
        .collect();
    let severed: Vec<i64> = notifications
        .iter()
        .filter(|n| n.kind == "severed_relationships")
        .map(|n| n.id)
        .collect();
    let mut severances = if severed.is_empty() {
        HashMap::new()
    } else {
        crate::moderation::effects::events_of_notifications(conn, &severed).await?
    };
    let report_ids: Vec<i64> = notifications.iter().filter_map(|n| n.report_id).collect();
    let reports: HashMap<i64, report::Model> = if report_ids.is_empty() {
        HashMap::new()
    } else {
        report::Entity::find()
            .filter(report::Column::Id.is_in(report_ids))
            .all(conn)
            .await?
            .into_iter()
            .map(|r| (r.id, r))
            .collect()
    };
    let targets: HashMap<i64, account::Model> =
        accounts::get_many(conn, reports.values().map(|r| r.target_account_id))
            .await?
            .into_iter()
            .map(|a| (a.id, a))
            .collect();
    Ok(notifications
        .into_iter()
        .filter_map(|n| {
            let account = accounts.get(&n.from_account_id)?.clone();
            let status = match n.status_id {
                Some(id) => Some(views.get(&id)?.clone()),
                None => None,
            };
            let severance = severances.remove(&n.id);
            let report = match n.report_id {
                Some(id) => {
                    let r = reports.get(&id)?;
                    Some((r.clone(), targets.get(&r.target_account_id)?.clone()))
                }
                None => None,
            };
            Some(NotificationView {
                notification: n,
                account,
                status,
                severance,
                report,
            })
        })
        .collect())
}
