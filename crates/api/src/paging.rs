//! Paging parameters and `Link` headers exactly as Mastodon writes them:
//! `<…?limit=2&max_id=…>; rel="next", <…?limit=2&min_id=…>; rel="prev"` — absolute
//! URLs, the request's other parameters kept in alphabetical order, `next` first.

use axum::http::{HeaderMap, HeaderValue, Uri, header};
use serde::Deserialize;
use starling_core::paging::Page;

use crate::error::ApiError;
use crate::params::de;

/// `max_id`, `since_id`, `min_id` and `limit`.
#[derive(Debug, Default, Deserialize)]
pub struct PageQuery {
    #[serde(default, deserialize_with = "de::opt_id")]
    pub max_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub since_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_id")]
    pub min_id: Option<i64>,
    #[serde(default, deserialize_with = "de::opt_u64")]
    pub limit: Option<u64>,
}

impl PageQuery {
    /// The page to fetch: `limit` defaults to `default` and is capped at twice it, as
    /// Mastodon's `limit_param` does.
    pub fn page(&self, default: u64) -> Page {
        let limit = self.limit.unwrap_or(default).clamp(1, default * 2);
        Page {
            max_id: self.max_id,
            since_id: self.since_id,
            min_id: self.min_id,
            limit,
        }
    }
}

/// When the `next` link is included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NextLink {
    /// Whenever the page is not empty (timelines).
    Always,
    /// Only when the page is full (account lists, account statuses).
    WhenFull,
}

/// Which parameter the `prev` link carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrevParam {
    MinId,
    SinceId,
}

/// Builds the `Link` header for a page whose items have the paging ids `ids` (in the
/// order returned). `None` for an empty page.
pub fn link_header(
    base_url: &str,
    uri: &Uri,
    page: &Page,
    ids: &[i64],
    next: NextLink,
    prev: PrevParam,
) -> Option<HeaderValue> {
    let (first, last) = (ids.first()?, ids.last()?);
    let mut kept: Vec<(String, String)> = uri
        .query()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .filter(|(k, _)| {
                    !matches!(
                        k.as_ref(),
                        "max_id" | "min_id" | "since_id" | "access_token"
                    )
                })
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        })
        .unwrap_or_default();
    kept.sort_by(|a, b| a.0.cmp(&b.0));
    let url_with = |key: &str, id: i64| {
        let mut pairs = kept.clone();
        pairs.push((key.to_string(), id.to_string()));
        pairs.sort_by(|a, b| a.0.cmp(&b.0));
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(pairs)
            .finish();
        format!("{base_url}{}?{query}", uri.path())
    };
    let mut links = Vec::new();
    if next == NextLink::Always || ids.len() as u64 >= page.limit {
        links.push(format!("<{}>; rel=\"next\"", url_with("max_id", *last)));
    }
    let prev_key = match prev {
        PrevParam::MinId => "min_id",
        PrevParam::SinceId => "since_id",
    };
    links.push(format!("<{}>; rel=\"prev\"", url_with(prev_key, *first)));
    HeaderValue::from_str(&links.join(", ")).ok()
}

/// Headers with a `Link` for the page, when there is one.
pub fn link_headers(
    base_url: &str,
    uri: &Uri,
    page: &Page,
    ids: &[i64],
    next: NextLink,
    prev: PrevParam,
) -> HeaderMap {
    let mut headers = HeaderMap::new();
    if let Some(link) = link_header(base_url, uri, page, ids, next, prev) {
        headers.insert(header::LINK, link);
    }
    headers
}

/// Rejects `limit=0`-style nonsense early with a clear message.
pub fn check(query: &PageQuery) -> Result<(), ApiError> {
    if query.limit == Some(0) {
        return Err(ApiError::bad_request("limit must be at least 1"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_params_in_alphabetical_order_next_first() {
        let uri: Uri = "/api/v1/timelines/public?local=true&max_id=99&limit=2"
            .parse()
            .unwrap();
        let page = PageQuery {
            limit: Some(2),
            ..Default::default()
        }
        .page(20);
        let link = link_header(
            "https://x.example",
            &uri,
            &page,
            &[50, 40],
            NextLink::Always,
            PrevParam::MinId,
        )
        .unwrap();
        assert_eq!(
            link.to_str().unwrap(),
            "<https://x.example/api/v1/timelines/public?limit=2&local=true&max_id=40>; rel=\"next\", <https://x.example/api/v1/timelines/public?limit=2&local=true&min_id=50>; rel=\"prev\""
        );
    }

    #[test]
    fn short_pages_of_lists_have_no_next() {
        let uri: Uri = "/api/v1/accounts/1/followers".parse().unwrap();
        let page = PageQuery::default().page(40);
        let link = link_header(
            "https://x.example",
            &uri,
            &page,
            &[5],
            NextLink::WhenFull,
            PrevParam::SinceId,
        )
        .unwrap();
        assert_eq!(
            link.to_str().unwrap(),
            "<https://x.example/api/v1/accounts/1/followers?since_id=5>; rel=\"prev\""
        );
        assert!(
            link_header(
                "https://x.example",
                &uri,
                &page,
                &[],
                NextLink::Always,
                PrevParam::MinId
            )
            .is_none()
        );
    }

    #[test]
    fn limit_is_capped_at_twice_the_default() {
        assert_eq!(
            PageQuery {
                limit: Some(500),
                ..Default::default()
            }
            .page(20)
            .limit,
            40
        );
        assert_eq!(PageQuery::default().page(20).limit, 20);
    }
}
