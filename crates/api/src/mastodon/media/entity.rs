//! [MediaAttachment](https://docs.joinmastodon.org/entities/MediaAttachment/).

use serde::Serialize;
use starling_core::Instance;
use starling_core::entities::media_attachment;

#[derive(Debug, Clone, Serialize)]
pub struct MediaAttachment {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub url: Option<String>,
    pub preview_url: Option<String>,
    pub remote_url: Option<String>,
    pub preview_remote_url: Option<String>,
    pub text_url: Option<String>,
    pub meta: serde_json::Value,
    pub description: Option<String>,
    pub blurhash: Option<String>,
}

impl MediaAttachment {
    pub fn build(inst: &Instance, m: &media_attachment::Model) -> Self {
        let local = |path: &Option<String>| path.as_deref().map(|p| inst.urls.media(p));
        Self {
            id: m.id.to_string(),
            kind: m.kind.clone(),
            url: local(&m.file_path).or_else(|| m.remote_url.clone()),
            preview_url: local(&m.preview_path).or_else(|| m.remote_url.clone()),
            remote_url: m.remote_url.clone(),
            preview_remote_url: None,
            text_url: None,
            meta: serde_json::from_str(&m.meta).unwrap_or(serde_json::Value::Null),
            description: m.description.clone(),
            blurhash: m.blurhash.clone(),
        }
    }
}
