//! Every URL this instance hands out, built in one place so that nobody formats an actor
//! or status URL by hand. ActivityPub ids (`uri`) and HTML pages (`url`) follow
//! Mastodon's layout, which other servers and people recognise.

/// URL builder for one instance.
#[derive(Debug, Clone)]
pub struct Urls {
    base: String,
    parsed: url::Url,
}

/// `host[:port]` of a URL, lower case.
fn authority(url: &url::Url) -> Option<String> {
    let host = url.host_str()?.to_ascii_lowercase();
    Some(match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host,
    })
}

impl Urls {
    /// `base` is `https://domain`, without a trailing slash.
    pub fn new(base: impl Into<String>) -> Self {
        let base = base.into().trim_end_matches('/').to_string();
        let parsed = url::Url::parse(&base)
            .unwrap_or_else(|_| url::Url::parse("http://invalid.invalid").expect("a valid URL"));
        Self { base, parsed }
    }

    /// `https://domain`.
    pub fn base(&self) -> &str {
        &self.base
    }

    /// [`Urls::base`], parsed.
    pub fn base_url(&self) -> &url::Url {
        &self.parsed
    }

    /// Whether `uri` names something on this server: its host and port are ours.
    pub fn is_local(&self, uri: &str) -> bool {
        url::Url::parse(uri)
            .ok()
            .is_some_and(|u| authority(&u).is_some() && authority(&u) == authority(&self.parsed))
    }

    /// An absolute URL for `path` (which starts with `/`).
    pub fn absolute(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// ActivityPub id of a local actor.
    pub fn actor(&self, username: &str) -> String {
        format!("{}/users/{username}", self.base)
    }

    /// Profile page of a local account.
    pub fn profile(&self, username: &str) -> String {
        format!("{}/@{username}", self.base)
    }

    pub fn inbox(&self, username: &str) -> String {
        format!("{}/inbox", self.actor(username))
    }

    pub fn outbox(&self, username: &str) -> String {
        format!("{}/outbox", self.actor(username))
    }

    pub fn followers(&self, username: &str) -> String {
        format!("{}/followers", self.actor(username))
    }

    pub fn following(&self, username: &str) -> String {
        format!("{}/following", self.actor(username))
    }

    pub fn featured(&self, username: &str) -> String {
        format!("{}/collections/featured", self.actor(username))
    }

    pub fn shared_inbox(&self) -> String {
        format!("{}/inbox", self.base)
    }

    /// ActivityPub id of a local status.
    pub fn status(&self, username: &str, id: i64) -> String {
        format!("{}/statuses/{id}", self.actor(username))
    }

    /// ActivityPub `conversation`/`context` of a thread started here.
    pub fn conversation(&self, root_id: i64) -> String {
        format!("{}/contexts/{root_id}", self.base)
    }

    /// Id of a `Follow` activity sent by a local actor.
    pub fn follow_activity(&self, username: &str, follow_id: i64) -> String {
        format!("{}#follows/{follow_id}", self.actor(username))
    }

    /// Id of an activity sent by a local actor (`Like`, `Undo`, `Accept`, `Update`, …).
    pub fn activity(&self, username: &str, kind: &str, id: i64) -> String {
        format!("{}#{kind}/{id}", self.actor(username))
    }

    /// The instance actor, which signs fetches made on behalf of the instance.
    pub fn instance_actor(&self) -> String {
        format!("{}/actor", self.base)
    }

    /// Web page of a local status.
    pub fn status_page(&self, username: &str, id: i64) -> String {
        format!("{}/{id}", self.profile(username))
    }

    /// Hashtag page.
    pub fn tag(&self, name: &str) -> String {
        format!(
            "{}/tags/{}",
            self.base,
            url::form_urlencoded::byte_serialize(name.as_bytes()).collect::<String>()
        )
    }

    /// A stored media file, by its path below the media folder.
    pub fn media(&self, path: &str) -> String {
        format!("{}/media/{path}", self.base)
    }

    pub fn missing_avatar(&self) -> String {
        format!("{}/avatars/original/missing.png", self.base)
    }

    pub fn missing_header(&self) -> String {
        format!("{}/headers/original/missing.png", self.base)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layout_matches_mastodon() {
        let u = Urls::new("https://social.example/");
        assert_eq!(u.actor("alice"), "https://social.example/users/alice");
        assert_eq!(u.profile("alice"), "https://social.example/@alice");
        assert_eq!(
            u.status("alice", 7),
            "https://social.example/users/alice/statuses/7"
        );
        assert_eq!(u.status_page("alice", 7), "https://social.example/@alice/7");
        assert_eq!(u.tag("café"), "https://social.example/tags/caf%C3%A9");
        assert_eq!(u.shared_inbox(), "https://social.example/inbox");
    }

    #[test]
    fn local_means_our_host_and_port() {
        let u = Urls::new("https://social.example");
        assert!(u.is_local("https://social.example/users/alice/statuses/1"));
        assert!(u.is_local("https://SOCIAL.example/x"));
        assert!(!u.is_local("https://social.example.evil/x"));
        assert!(!u.is_local("https://evil.example/social.example"));
        assert!(!u.is_local("not a url"));
        let t = Urls::new("http://127.0.0.1:8080");
        assert!(t.is_local("http://127.0.0.1:8080/inbox"));
        assert!(!t.is_local("http://127.0.0.1:8081/inbox"));
    }
}
