//! `/admin/moderation/accounts`: local and remote accounts and the actions taken on
//! them (suspend, silence, mark sensitive, disable, and their undoing).

use super::prelude::*;
use starling_core::moderation::accounts::{self as actions, Action, ActionKind, Actor, Undo};
use starling_core::moderation::domains;

const PATH: &str = "/admin/moderation/accounts";

struct AccountRow {
    id: i64,
    acct: String,
    local: bool,
    role: &'static str,
    states: Vec<&'static str>,
    suspended: bool,
    silenced: bool,
    sensitized: bool,
    /// Local accounts only: whether the login is disabled.
    disabled: bool,
    created_at: String,
}

#[derive(Template)]
#[template(path = "moderation_accounts.html")]
struct AccountsPage<'a> {
    site_title: &'a str,
    username: String,
    is_admin: bool,
    csrf_token: String,
    section: &'static str,
    origin: &'static str,
    accounts: Vec<AccountRow>,
}

#[derive(Debug, Deserialize)]
struct AccountsQuery {
    /// `local`, `remote`, or anything else for both.
    #[serde(default, deserialize_with = "de::opt_string")]
    origin: Option<String>,
}

/// # `GET /admin/moderation/accounts`
async fn page(
    State(app): State<AppState>,
    jar: CookieJar,
    Params(q): Params<AccountsQuery>,
) -> Answer {
    let (origin, here) = match q.origin.as_deref() {
        Some("local") => (Some(actions::Origin::Local), "local"),
        Some("remote") => (Some(actions::Origin::Remote), "remote"),
        _ => (None, ""),
    };
    let path = if here.is_empty() {
        PATH.to_string()
    } else {
        format!("{PATH}?origin={here}")
    };
    let staff = page_guard(&app, &jar, &path, Role::Moderator).await?;
    let filter = actions::Filter {
        origin,
        ..actions::Filter::default()
    };
    let list = actions::list(&app.inst, &filter, &Page::first(LIST_SIZE))
        .await
        .map_err(|e| error_page(&app, e))?;
    let accounts = list
        .iter()
        .map(|m| {
            let a = &m.account;
            let mut states = Vec::new();
            if a.suspended_at.is_some() {
                states.push("suspended");
            }
            if a.silenced_at.is_some() {
                states.push("silenced");
            }
            if m.user.as_ref().is_some_and(|u| u.disabled) {
                states.push("disabled");
            }
            if a.sensitized_at.is_some() {
                states.push("sensitive");
            }
            if m.user.as_ref().is_some_and(|u| !u.approved) {
                states.push("pending");
            }
            AccountRow {
                id: a.id,
                acct: match &a.domain {
                    Some(d) => format!("{}@{}", a.username, domains::to_unicode(d)),
                    None => a.username.clone(),
                },
                local: a.domain.is_none(),
                role: m.role().map_or("", Role::as_str),
                suspended: a.suspended_at.is_some(),
                silenced: a.silenced_at.is_some(),
                sensitized: a.sensitized_at.is_some(),
                disabled: m.user.as_ref().is_some_and(|u| u.disabled),
                states,
                created_at: when(a.created_at),
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        &AccountsPage {
            site_title: &app.inst.config.instance.title,
            username: staff.local.account.username.clone(),
            is_admin: staff.is_admin(),
            csrf_token: staff.session.csrf_token.clone(),
            section: "accounts",
            origin: here,
            accounts,
        },
    ))
}

/// # `POST /admin/moderation/accounts/:id/:verb` (`suspend`, `unsuspend`, `silence`,
/// `unsilence`, `sensitive`, `unsensitive`, `disable`, `enable`)
async fn action(
    State(app): State<AppState>,
    jar: CookieJar,
    Path((id, verb)): Path<(String, String)>,
) -> Answer {
    let (staff, id) = row(&app, &jar, &id, PATH, Role::Moderator).await?;
    let actor = Actor::of(&staff.local);
    let inst = &app.inst;
    let act = |kind| actions::act(inst, actor, id, Action::new(kind));
    let undo = |u| async move { actions::undo(inst, actor, id, u).await.map(|_| ()) };
    let result = match verb.as_str() {
        "suspend" => act(ActionKind::Suspend).await,
        "silence" => act(ActionKind::Silence).await,
        "sensitive" => act(ActionKind::Sensitive).await,
        "disable" => act(ActionKind::Disable).await,
        "unsuspend" => undo(Undo::Unsuspend).await,
        "unsilence" => undo(Undo::Unsilence).await,
        "unsensitive" => undo(Undo::Unsensitive).await,
        "enable" => undo(Undo::Enable).await,
        _ => Err(CoreError::NotFound),
    };
    Ok(done(&app, result, PATH))
}

pub(super) fn routes() -> Router<AppState> {
    Router::new()
        .route(PATH, get(page))
        .route("/admin/moderation/accounts/{id}/{verb}", post(action))
}
