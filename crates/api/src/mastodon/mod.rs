//! The Mastodon client API: routes, handlers and entities, one module per resource
//! (`<resource>/mod.rs` handlers, `<resource>/entity.rs` wire shapes).

pub mod accounts;
pub mod admin;
pub mod apps;
pub mod empty;
pub mod follow_requests;
pub mod format;
pub mod instance;
pub mod media;
pub mod notifications;
pub mod reports;
pub mod search;
pub mod statuses;
pub mod timelines;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, patch, post};

use crate::state::AppState;

/// Every `/api/v1` and `/api/v2` route.
pub fn routes(state: &AppState) -> Router<AppState> {
    let limits = &state.inst.config.limits;
    let upload_limit =
        DefaultBodyLimit::max(limits.max_image_bytes.max(limits.max_avatar_bytes) + 64 * 1024);
    Router::new()
        .route("/api/v1/instance", get(instance::v1))
        .route("/api/v2/instance", get(instance::v2))
        .route("/api/v1/instance/rules", get(instance::rules))
        .route("/api/v1/instance/peers", get(instance::peers))
        .route(
            "/api/v1/instance/domain_blocks",
            get(admin::domains::public_blocks),
        )
        .route("/api/v1/apps", post(apps::create))
        .route(
            "/api/v1/apps/verify_credentials",
            get(apps::verify_credentials),
        )
        .route("/api/v1/accounts", post(accounts::register))
        .route(
            "/api/v1/accounts/verify_credentials",
            get(accounts::verify_credentials),
        )
        .route(
            "/api/v1/accounts/update_credentials",
            patch(accounts::update_credentials).layer(upload_limit),
        )
        .route("/api/v1/accounts/lookup", get(accounts::lookup))
        .route(
            "/api/v1/accounts/relationships",
            get(accounts::relationships),
        )
        .route(
            "/api/v1/accounts/familiar_followers",
            get(accounts::familiar_followers),
        )
        .route("/api/v1/accounts/{id}", get(accounts::show))
        .route("/api/v1/accounts/{id}/statuses", get(accounts::statuses))
        .route("/api/v1/accounts/{id}/followers", get(accounts::followers))
        .route("/api/v1/accounts/{id}/following", get(accounts::following))
        .route("/api/v1/accounts/{id}/follow", post(accounts::follow))
        .route("/api/v1/accounts/{id}/unfollow", post(accounts::unfollow))
        .route("/api/v1/accounts/{id}/block", post(accounts::block))
        .route("/api/v1/accounts/{id}/unblock", post(accounts::unblock))
        .route("/api/v1/accounts/{id}/mute", post(accounts::mutes::mute))
        .route(
            "/api/v1/accounts/{id}/unmute",
            post(accounts::mutes::unmute),
        )
        .route(
            "/api/v1/accounts/{id}/featured_tags",
            get(empty::public_list),
        )
        .route("/api/v1/accounts/{id}/lists", get(empty::lists))
        .route("/api/v1/preferences", get(accounts::preferences))
        .route(
            "/api/v1/statuses",
            post(statuses::create).get(statuses::show_many),
        )
        .route(
            "/api/v1/statuses/{id}",
            get(statuses::show).delete(statuses::delete),
        )
        .route("/api/v1/statuses/{id}/context", get(statuses::context))
        // `PUT /api/v1/statuses/:id`, `…/history`, `…/source`.
        .merge(statuses::edit::routes())
        .merge(admin::routes())
        .route("/api/v1/statuses/{id}/pin", post(statuses::pin))
        .route("/api/v1/statuses/{id}/unpin", post(statuses::unpin))
        .route("/api/v2/search", get(search::v2))
        .route("/api/v1/timelines/home", get(timelines::home))
        .route("/api/v1/timelines/public", get(timelines::public))
        .route("/api/v1/timelines/tag/{hashtag}", get(timelines::tag))
        .route("/api/v1/media", post(media::upload).layer(upload_limit))
        .route("/api/v2/media", post(media::upload).layer(upload_limit))
        .route("/api/v1/media/{id}", get(media::show).put(media::update))
        .route("/api/v1/notifications", get(notifications::list))
        .route("/api/v1/notifications/clear", post(notifications::clear))
        .route("/api/v1/notifications/{id}", get(notifications::show))
        .route(
            "/api/v1/notifications/{id}/dismiss",
            post(notifications::dismiss),
        )
        .route("/api/v1/reports", post(reports::create))
        .route("/api/v1/follow_requests", get(follow_requests::list))
        .route(
            "/api/v1/follow_requests/{id}/authorize",
            post(follow_requests::authorize),
        )
        .route(
            "/api/v1/follow_requests/{id}/reject",
            post(follow_requests::reject),
        )
        .route("/api/v1/custom_emojis", get(empty::custom_emojis))
        .route("/api/v1/filters", get(empty::filters))
        .route("/api/v2/filters", get(empty::filters))
        .route("/api/v1/lists", get(empty::lists))
        .route("/api/v1/blocks", get(accounts::blocks))
        .route(
            "/api/v1/domain_blocks",
            get(accounts::domain_blocks::list)
                .post(accounts::domain_blocks::create)
                .delete(accounts::domain_blocks::delete),
        )
        .route("/api/v1/mutes", get(accounts::mutes::list))
        // Favourites and boosts, with `GET /api/v1/favourites`.
        .merge(statuses::interactions::routes())
        .route("/api/v1/bookmarks", get(empty::bookmarks))
        .route("/api/v1/conversations", get(empty::read_list))
        .route("/api/v1/followed_tags", get(empty::read_list))
        .route("/api/v1/featured_tags", get(empty::read_list))
        .route("/api/v1/announcements", get(empty::read_list))
        .route("/api/v1/endorsements", get(empty::read_list))
        .route("/api/v1/suggestions", get(empty::read_list))
        .route("/api/v2/suggestions", get(empty::read_list))
        .route("/api/v1/markers", get(empty::markers))
        .route("/api/v1/trends", get(empty::public_list))
        .route("/api/v1/trends/tags", get(empty::public_list))
        .route("/api/v1/trends/statuses", get(empty::public_list))
        .route("/api/v1/trends/links", get(empty::public_list))
}
