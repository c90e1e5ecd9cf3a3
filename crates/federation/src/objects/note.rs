//! Local statuses as `Note` objects, with Mastodon's addressing:
//!
//! | visibility | `to`              | `cc`                         |
//! |------------|-------------------|------------------------------|
//! | public     | Public            | followers, mentioned         |
//! | unlisted   | followers         | Public, mentioned            |
//! | private    | followers         | mentioned                    |
//! | direct     | mentioned         | —                            |

use serde_json::{Value, json};
use starling_core::Instance;
use starling_core::entities::{account, media_attachment};
use starling_core::statuses::Visibility;
use starling_core::views::StatusView;

use super::{PUBLIC, timestamp, with_context};
use crate::error::FedResult;

/// `to` and `cc` of a status by `author` mentioning `mentions`.
pub fn addressing(
    visibility: Visibility,
    author: &account::Model,
    mentions: &[account::Model],
) -> (Vec<String>, Vec<String>) {
    let followers = author
        .followers_url
        .clone()
        .unwrap_or_else(|| format!("{}/followers", author.uri));
    let mentioned: Vec<String> = mentions.iter().map(|m| m.uri.clone()).collect();
    match visibility {
        Visibility::Public => (
            vec![PUBLIC.to_string()],
            std::iter::once(followers).chain(mentioned).collect(),
        ),
        Visibility::Unlisted => (
            vec![followers],
            std::iter::once(PUBLIC.to_string())
                .chain(mentioned)
                .collect(),
        ),
        Visibility::Private => (vec![followers], mentioned),
        Visibility::Direct => (mentioned, vec![]),
    }
}

fn attachment(inst: &Instance, m: &media_attachment::Model) -> Value {
    let meta: Value = serde_json::from_str(&m.meta).unwrap_or(Value::Null);
    let url = m
        .file_path
        .as_deref()
        .map(|p| inst.urls.media(p))
        .or_else(|| m.remote_url.clone())
        .unwrap_or_default();
    let mut doc = json!({
        "type": "Document",
        "mediaType": m.content_type.clone().unwrap_or_else(|| "image/jpeg".into()),
        "url": url,
        "name": m.description,
        "blurhash": m.blurhash,
    });
    if let (Some(w), Some(h)) = (
        meta["original"]["width"].as_u64(),
        meta["original"]["height"].as_u64(),
    ) {
        doc["width"] = json!(w);
        doc["height"] = json!(h);
    }
    if let (Some(x), Some(y)) = (meta["focus"]["x"].as_f64(), meta["focus"]["y"].as_f64()) {
        doc["focalPoint"] = json!([x, y]);
    }
    doc
}

/// The `Note` of a local status (not a boost), without `@context`.
pub async fn note(inst: &Instance, view: &StatusView) -> FedResult<Value> {
    let s = &view.status;
    let in_reply_to = match s.in_reply_to_id {
        Some(id) => starling_core::statuses::find(inst, id)
            .await?
            .map(|p| p.uri),
        None => None,
    };
    let (to, cc) = addressing(Visibility::of(s), &view.account, &view.mentions);
    let mut tags: Vec<Value> = view
        .mentions
        .iter()
        .map(|m| {
            let acct = match &m.domain {
                Some(d) => format!("@{}@{d}", m.username),
                None => format!("@{}@{}", m.username, inst.domain()),
            };
            json!({"type": "Mention", "href": m.uri, "name": acct})
        })
        .collect();
    tags.extend(view.tags.iter().map(|t| {
        json!({
            "type": "Hashtag",
            "href": inst.urls.tag(&t.name),
            "name": format!("#{}", t.display_name),
        })
    }));
    let language = s.language.clone().unwrap_or_else(|| "en".into());
    let mut doc = json!({
        "id": s.uri,
        "type": "Note",
        "summary": if s.spoiler_text.is_empty() { Value::Null } else { json!(s.spoiler_text) },
        "inReplyTo": in_reply_to,
        "published": timestamp(s.created_at),
        "url": s.url,
        "attributedTo": view.account.uri,
        "to": to,
        "cc": cc,
        "sensitive": s.sensitive,
        "atomUri": s.uri,
        "conversation": s.conversation,
        "context": s.conversation,
        "content": s.content,
        "contentMap": { language: s.content },
        "attachment": view.media.iter().map(|m| attachment(inst, m)).collect::<Vec<_>>(),
        "tag": tags,
        "replies": {
            "id": format!("{}/replies", s.uri),
            "type": "Collection",
            "first": {
                "type": "CollectionPage",
                "next": format!("{}/replies?only_other_accounts=true&page=true", s.uri),
                "partOf": format!("{}/replies", s.uri),
                "items": [],
            },
        },
    });
    if let Some(edited) = s.edited_at {
        doc["updated"] = json!(timestamp(edited));
    }
    Ok(doc)
}

/// The `Note` with `@context`, as `GET /users/:name/statuses/:id` answers.
pub async fn note_document(inst: &Instance, view: &StatusView) -> FedResult<Value> {
    Ok(with_context(note(inst, view).await?))
}
