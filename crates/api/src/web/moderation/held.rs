//! `/admin/moderation/held`: the remote posts the content policy holds for review,
//! released or discarded.

use super::prelude::*;
use starling_core::moderation::domains;
use starling_core::moderation::held::{self, HeldKind};

const PATH: &str = "/admin/moderation/held";

struct HeldRow {
    id: i64,
    held_at: String,
    kind: &'static str,
    author: String,
    rule: String,
    reason: String,
    text: String,
    media: usize,
    uri: String,
    /// Linked only when it is an `http(s)` URL.
    link: bool,
}

#[derive(Template)]
#[template(path = "moderation_held.html")]
struct HeldPage<'a> {
    site_title: &'a str,
    username: String,
    is_admin: bool,
    csrf_token: String,
    section: &'static str,
    posts: Vec<HeldRow>,
    /// How many wait in all (the page shows the oldest [`LIST_SIZE`]).
    total: u64,
}

/// # `GET /admin/moderation/held`
async fn page(State(app): State<AppState>, jar: CookieJar) -> Answer {
    let staff = page_guard(&app, &jar, PATH, Role::Moderator).await?;
    let (posts, total) = held::list(&app.inst, LIST_SIZE)
        .await
        .map_err(|e| error_page(&app, e))?;
    let posts = posts
        .iter()
        .map(|p| HeldRow {
            id: p.id,
            held_at: when(p.held_at),
            kind: match p.kind {
                HeldKind::Create => "new post",
                HeldKind::Update => "edit",
            },
            author: match p.acct.split_once('@') {
                Some((user, domain)) => format!("{user}@{}", domains::to_unicode(domain)),
                None => p.acct.clone(),
            },
            rule: p.rule.clone(),
            reason: p.reason.clone(),
            text: p.text(),
            media: p.post.media.len(),
            uri: p.uri.clone(),
            link: p.uri.starts_with("https://") || p.uri.starts_with("http://"),
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &HeldPage {
            site_title: &app.inst.config.instance.title,
            username: staff.local.account.username.clone(),
            is_admin: staff.is_admin(),
            csrf_token: staff.session.csrf_token.clone(),
            section: "held",
            posts,
            total,
        },
    ))
}

/// # `POST /admin/moderation/held/:id/:verb` (`release`, `discard`)
async fn action(
    State(app): State<AppState>,
    jar: CookieJar,
    Path((id, verb)): Path<(String, String)>,
) -> Answer {
    let (staff, id) = row(&app, &jar, &id, PATH, Role::Moderator).await?;
    let by = Some(staff.id());
    let result = match verb.as_str() {
        "release" => held::release(&app.inst, by, id).await.map(|_| ()),
        "discard" => held::discard(&app.inst, by, id).await,
        _ => Err(CoreError::NotFound),
    };
    Ok(done(&app, result, PATH))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(page))
        .route("/admin/moderation/held/{id}/{verb}", post(action))
}
