//! [Account](https://docs.joinmastodon.org/entities/Account/),
//! [CredentialAccount](https://docs.joinmastodon.org/entities/Account/#CredentialAccount),
//! [Relationship](https://docs.joinmastodon.org/entities/Relationship/) and
//! [Role](https://docs.joinmastodon.org/entities/Role/).

use serde::Serialize;
use starling_core::Instance;
use starling_core::accounts::{self, LocalAccount, Role as CoreRole};
use starling_core::entities::account;
use starling_core::follows;

use crate::mastodon::format::{date, midnight, timestamp};

#[derive(Debug, Clone, Serialize)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct AccountRole {
    pub id: String,
    pub name: String,
    pub color: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub acct: String,
    pub display_name: String,
    pub locked: bool,
    pub bot: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub group: bool,
    pub created_at: String,
    pub note: String,
    pub url: String,
    pub uri: String,
    pub avatar: String,
    pub avatar_static: String,
    pub header: String,
    pub header_static: String,
    pub followers_count: i64,
    pub following_count: i64,
    pub statuses_count: i64,
    pub last_status_at: Option<String>,
    pub hide_collections: bool,
    pub emojis: Vec<serde_json::Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suspended: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub limited: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub noindex: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub roles: Option<Vec<AccountRole>>,
    pub fields: Vec<Field>,
}

fn image_url(
    inst: &Instance,
    file: &Option<String>,
    remote: &Option<String>,
    missing: String,
) -> String {
    match (file, remote) {
        (Some(path), _) => inst.urls.media(path),
        (None, Some(url)) => url.clone(),
        (None, None) => missing,
    }
}

/// Mastodon's `Role` of a local user.
#[derive(Debug, Clone, Serialize)]
pub struct Role {
    pub id: String,
    pub name: String,
    pub permissions: String,
    pub color: String,
    pub highlighted: bool,
}

impl Role {
    pub fn of(role: CoreRole) -> Self {
        match role {
            CoreRole::Admin => Self {
                id: "3".into(),
                name: "Admin".into(),
                permissions: "1".into(),
                color: String::new(),
                highlighted: true,
            },
            CoreRole::Moderator => Self {
                id: "2".into(),
                name: "Moderator".into(),
                // view_audit_log | view_dashboard | manage_reports | manage_taxonomies | manage_users
                permissions: "1308".into(),
                color: String::new(),
                highlighted: true,
            },
            CoreRole::User => Self {
                id: "-99".into(),
                name: String::new(),
                // invite_users
                permissions: "65536".into(),
                color: String::new(),
                highlighted: false,
            },
        }
    }
}

impl Account {
    /// The entity of `a`. `role` is the local user's role, when known.
    pub fn build(inst: &Instance, a: &account::Model, role: Option<CoreRole>) -> Self {
        let unavailable = a.suspended_at.is_some();
        let avatar = if unavailable {
            inst.urls.missing_avatar()
        } else {
            image_url(
                inst,
                &a.avatar_file,
                &a.avatar_remote_url,
                inst.urls.missing_avatar(),
            )
        };
        let header = if unavailable {
            inst.urls.missing_header()
        } else {
            image_url(
                inst,
                &a.header_file,
                &a.header_remote_url,
                inst.urls.missing_header(),
            )
        };
        let fields = if unavailable {
            Vec::new()
        } else {
            accounts::profile_fields(a)
                .into_iter()
                .map(|f| Field {
                    name: f.name,
                    value: f.value,
                    verified_at: f.verified_at.map(timestamp),
                })
                .collect()
        };
        let roles = a.is_local().then(|| match role {
            Some(role @ (CoreRole::Admin | CoreRole::Moderator)) => {
                let r = Role::of(role);
                vec![AccountRole {
                    id: r.id,
                    name: r.name,
                    color: r.color,
                }]
            }
            _ => Vec::new(),
        });
        Self {
            id: a.id.to_string(),
            username: a.username.clone(),
            acct: a.acct(),
            display_name: if unavailable {
                String::new()
            } else {
                a.display_name.clone()
            },
            locked: !unavailable && a.locked,
            bot: !unavailable && a.bot,
            discoverable: !unavailable && a.discoverable,
            indexable: !unavailable && a.indexable,
            group: a.actor_type == "Group",
            created_at: midnight(a.created_at),
            note: if unavailable {
                String::new()
            } else {
                a.note.clone()
            },
            url: a.url.clone().unwrap_or_else(|| a.uri.clone()),
            uri: a.uri.clone(),
            avatar_static: avatar.clone(),
            avatar,
            header_static: header.clone(),
            header,
            followers_count: a.followers_count,
            following_count: a.following_count,
            statuses_count: a.statuses_count,
            last_status_at: a.last_status_at.map(date),
            hide_collections: a.hide_collections,
            emojis: Vec::new(),
            suspended: unavailable.then_some(true),
            limited: a.silenced_at.is_some().then_some(true),
            noindex: a.is_local().then_some(!a.discoverable),
            roles,
            fields,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SourceField {
    pub name: String,
    pub value: String,
    pub verified_at: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub privacy: String,
    pub sensitive: bool,
    pub language: Option<String>,
    pub note: String,
    pub fields: Vec<SourceField>,
    pub follow_requests_count: u64,
    pub hide_collections: bool,
    pub discoverable: bool,
    pub indexable: bool,
    pub attribution_domains: Vec<String>,
    pub quote_policy: String,
}

/// The signed-in user's own account, with `source` and `role`.
#[derive(Debug, Clone, Serialize)]
pub struct CredentialAccount {
    #[serde(flatten)]
    pub account: Account,
    pub source: Source,
    pub role: Role,
}

impl CredentialAccount {
    pub fn build(inst: &Instance, local: &LocalAccount, follow_requests_count: u64) -> Self {
        let a = &local.account;
        let u = &local.user;
        Self {
            account: Account::build(inst, a, Some(local.role())),
            source: Source {
                privacy: u.default_visibility.clone(),
                sensitive: u.default_sensitive,
                language: u.default_language.clone(),
                note: a.note_source.clone(),
                fields: accounts::profile_fields(a)
                    .into_iter()
                    .map(|f| SourceField {
                        value: f.value_source.unwrap_or(f.value),
                        name: f.name,
                        verified_at: f.verified_at.map(timestamp),
                    })
                    .collect(),
                follow_requests_count: follow_requests_count.min(40),
                hide_collections: a.hide_collections,
                discoverable: a.discoverable,
                indexable: a.indexable,
                attribution_domains: Vec::new(),
                quote_policy: "nobody".into(),
            },
            role: Role::of(local.role()),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Relationship {
    pub id: String,
    pub following: bool,
    pub showing_reblogs: bool,
    pub notifying: bool,
    pub languages: Option<Vec<String>>,
    pub followed_by: bool,
    pub blocking: bool,
    pub blocked_by: bool,
    pub muting: bool,
    pub muting_notifications: bool,
    pub requested: bool,
    pub requested_by: bool,
    pub domain_blocking: bool,
    pub endorsed: bool,
    pub note: String,
}

impl From<follows::Relationship> for Relationship {
    fn from(r: follows::Relationship) -> Self {
        Self {
            id: r.id.to_string(),
            following: r.following,
            showing_reblogs: r.showing_reblogs,
            notifying: r.notifying,
            languages: r.languages,
            followed_by: r.followed_by,
            blocking: r.blocking,
            blocked_by: r.blocked_by,
            muting: r.muting,
            muting_notifications: r.muting_notifications,
            requested: r.requested,
            requested_by: r.requested_by,
            domain_blocking: r.domain_blocking,
            endorsed: r.endorsed,
            note: r.note,
        }
    }
}
