//! The content policy: rules every post passes, remote ones before they are stored and
//! local ones before they are published (`[content_policy]` in the configuration).
//!
//! - keyword and regular-expression rules that refuse a post, mark it sensitive, or
//!   hold a remote one for review ([`super::held`]);
//! - the mention rule: a post with more than N mentions from an account younger than M
//!   days is refused (the classic spam wave);
//! - media hosted on listed domains is dropped from posts.
//!
//! Each rule that acts says why ([`Decision`]), and the decision is written to the
//! moderation audit log (`policy.reject`, `policy.hold`, `policy.sensitive`,
//! `policy.drop_media`). The
//! rules are compiled once at start: keywords into one Aho-Corasick automaton, so a post
//! costs one pass over its text whatever the number of keywords.

use std::collections::HashSet;

use aho_corasick::AhoCorasick;
use chrono::{DateTime, Utc};
use regex::Regex;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QuerySelect};
use serde_json::json;

use super::domains;
use crate::config::{ContentAction, ContentPolicyConfig, RuleScope};
use crate::entities::account;
use crate::error::CoreResult;
use crate::instance::Instance;
use crate::statuses::inbound::RemoteStatus;

/// A post as the rules see it.
#[derive(Debug, Clone)]
pub struct Post<'a> {
    pub local: bool,
    /// Plain text: the content without markup, and the content warning.
    pub text: &'a str,
    pub mentions: usize,
    pub author_created_at: DateTime<Utc>,
    pub media_urls: Vec<&'a str>,
}

/// What one rule did to a post, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decision {
    /// The rule's name (`mention limit`, `media domains` for the built-in rules).
    pub rule: String,
    /// `reject`, `hold`, `sensitive` or `drop_media`.
    pub action: &'static str,
    pub reason: String,
}

/// What the rules decided about one post.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Verdict {
    /// The post is refused.
    pub reject: Option<Decision>,
    /// The post is held for review (unless also refused: refusal wins).
    pub hold: Option<Decision>,
    /// The post is to be marked sensitive.
    pub sensitive: bool,
    /// Indexes (in `Post::media_urls`) of the media to drop.
    pub drop_media: Vec<usize>,
    /// Every rule that acted, in order.
    pub decisions: Vec<Decision>,
}

#[derive(Debug)]
struct Rule {
    name: String,
    action: ContentAction,
    scope: RuleScope,
    /// `keyword "…"` or `regex /…/`, for the reason.
    what: String,
}

impl Rule {
    fn applies(&self, local: bool) -> bool {
        if local && self.action == ContentAction::Hold {
            return false;
        }
        match self.scope {
            RuleScope::All => true,
            RuleScope::Local => local,
            RuleScope::Remote => !local,
        }
    }
}

/// The compiled rules.
#[derive(Debug, Default)]
pub struct ContentPolicy {
    rules: Vec<Rule>,
    /// Lower-cased keywords; pattern `i` belongs to rule `keyword_rules[i]`.
    keywords: Option<AhoCorasick>,
    keyword_rules: Vec<usize>,
    regexes: Vec<(usize, Regex)>,
    max_mentions: usize,
    new_account: chrono::Duration,
    media_domains: HashSet<String>,
}

impl ContentPolicy {
    /// Compiles the configured rules; a bad one is named by its key.
    pub fn new(cfg: &ContentPolicyConfig) -> Result<Self, (String, String)> {
        let mut policy = ContentPolicy {
            max_mentions: cfg.max_mentions_from_new_accounts,
            new_account: chrono::Duration::days(cfg.new_account_days.into()),
            ..Default::default()
        };
        let mut keywords = Vec::new();
        for (i, r) in cfg.rules.iter().enumerate() {
            let key = format!("content_policy.rules[{i}]");
            if r.name.trim().is_empty() {
                return Err((key, "a rule needs a name".into()));
            }
            let what = match (&r.keyword, &r.regex) {
                (Some(k), None) if !k.trim().is_empty() => {
                    keywords.push(k.to_lowercase());
                    policy.keyword_rules.push(i);
                    format!("keyword {k:?}")
                }
                (None, Some(re)) => {
                    let compiled = Regex::new(re).map_err(|e| {
                        (
                            format!("{key}.regex"),
                            format!("not a regular expression: {e}"),
                        )
                    })?;
                    policy.regexes.push((i, compiled));
                    format!("regex /{re}/")
                }
                _ => {
                    return Err((
                        key,
                        format!("rule {:?} needs a keyword or a regex (one of them)", r.name),
                    ));
                }
            };
            if r.action == ContentAction::Hold && r.applies_to == RuleScope::Local {
                return Err((
                    format!("{key}.applies_to"),
                    format!(
                        "rule {:?} holds posts for review, which only remote posts can be (use action = \"reject\" for local posts)",
                        r.name
                    ),
                ));
            }
            policy.rules.push(Rule {
                name: r.name.clone(),
                action: r.action,
                scope: r.applies_to,
                what,
            });
        }
        if !keywords.is_empty() {
            policy.keywords = Some(
                AhoCorasick::new(&keywords)
                    .map_err(|e| ("content_policy.rules".to_string(), format!("keywords: {e}")))?,
            );
        }
        for d in &cfg.reject_media_domains {
            let normal = domains::normalize(d, true).map_err(|e| {
                (
                    "content_policy.reject_media_domains".to_string(),
                    e.to_string(),
                )
            })?;
            policy.media_domains.insert(normal);
        }
        Ok(policy)
    }

    /// No rule at all: posts pass untouched, at no cost.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.max_mentions == 0 && self.media_domains.is_empty()
    }

    /// What the rules decide about `post`.
    pub fn check(&self, post: &Post<'_>, now: DateTime<Utc>) -> Verdict {
        let mut verdict = Verdict::default();
        let mut matched: Vec<usize> = Vec::new();
        if let Some(ac) = &self.keywords {
            let lower = post.text.to_lowercase();
            for m in ac.find_overlapping_iter(&lower) {
                matched.push(self.keyword_rules[m.pattern().as_usize()]);
            }
        }
        for (i, re) in &self.regexes {
            if re.is_match(post.text) {
                matched.push(*i);
            }
        }
        matched.sort_unstable();
        matched.dedup();
        for i in matched {
            let rule = &self.rules[i];
            if !rule.applies(post.local) {
                continue;
            }
            let decision = Decision {
                rule: rule.name.clone(),
                action: match rule.action {
                    ContentAction::Reject => "reject",
                    ContentAction::Hold => "hold",
                    ContentAction::Sensitive => "sensitive",
                },
                reason: format!("matched {}", rule.what),
            };
            match rule.action {
                ContentAction::Reject if verdict.reject.is_none() => {
                    verdict.reject = Some(decision.clone());
                }
                ContentAction::Reject => {}
                ContentAction::Hold if verdict.hold.is_none() => {
                    verdict.hold = Some(decision.clone());
                }
                ContentAction::Hold => {}
                ContentAction::Sensitive => verdict.sensitive = true,
            }
            verdict.decisions.push(decision);
        }
        if self.max_mentions > 0
            && post.mentions > self.max_mentions
            && now - post.author_created_at < self.new_account
        {
            let days = (now - post.author_created_at).num_days();
            let decision = Decision {
                rule: "mention limit".into(),
                action: "reject",
                reason: format!(
                    "{} mentions from an account {days} day{} old (at most {} from accounts younger than {} days)",
                    post.mentions,
                    if days == 1 { "" } else { "s" },
                    self.max_mentions,
                    self.new_account.num_days()
                ),
            };
            verdict.reject.get_or_insert_with(|| decision.clone());
            verdict.decisions.push(decision);
        }
        if !self.media_domains.is_empty() {
            for (i, u) in post.media_urls.iter().enumerate() {
                let host = url::Url::parse(u).ok().and_then(|u| {
                    let host = u.host_str()?.to_ascii_lowercase();
                    Some(match u.port() {
                        Some(p) => format!("{host}:{p}"),
                        None => host,
                    })
                });
                if let Some(host) = host
                    && domains::candidates(&host).any(|c| self.media_domains.contains(c))
                {
                    verdict.drop_media.push(i);
                    verdict.decisions.push(Decision {
                        rule: "media domains".into(),
                        action: "drop_media",
                        reason: format!("media from {host}"),
                    });
                }
            }
        }
        verdict
    }
}

/// The text of remote HTML as the rules read it: tags dropped (a tag between letters
/// joins them, so `fr<b></b>ee` reads `free`), block ends as spaces, entities decoded.
/// Not a sanitiser (the stored content is sanitised apart): a quick pass, a small
/// fraction of what parsing the HTML costs, since every inbound post pays it.
pub fn visible_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(open) = rest.find('<') {
        out.push_str(&rest[..open]);
        let after = &rest[open..];
        let Some(close) = after.find('>') else {
            rest = "";
            break;
        };
        let inner = after[1..close].trim_start_matches('/');
        let name = &inner[..inner
            .find(|c: char| !c.is_ascii_alphanumeric())
            .unwrap_or(inner.len())];
        if ["p", "br", "li", "div", "h1", "h2", "h3", "blockquote"]
            .iter()
            .any(|t| name.eq_ignore_ascii_case(t))
        {
            out.push(' ');
        }
        rest = &after[close + 1..];
    }
    out.push_str(rest);
    html_escape::decode_html_entities(&out).into_owned()
}

/// Writes `decisions` about the post `target` (its URI, or its author for a refused
/// local post) to the audit log.
pub async fn log(
    inst: &Instance,
    target: &str,
    author: &str,
    decisions: &[Decision],
) -> CoreResult<()> {
    for d in decisions {
        super::blocks::log(
            &inst.store.write,
            None,
            &format!("policy.{}", d.action),
            "status",
            target,
            json!({"rule": d.rule, "reason": d.reason, "author": author}),
        )
        .await?;
    }
    Ok(())
}

/// Why a remote post is not to be stored now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Stopped {
    /// Refused: dropped.
    Refused(Decision),
    /// Held for review ([`super::held`]): kept aside, marked and trimmed as the other
    /// rules said.
    Held(Decision),
}

/// Passes remote posts through the rules before they are stored: marks them
/// sensitive and drops media as the rules say, and answers, for each, why it is not
/// to be stored now, if it is not.
pub async fn screen_remote(
    inst: &Instance,
    statuses: &mut [RemoteStatus],
) -> CoreResult<Vec<Option<Stopped>>> {
    let mut stopped = vec![None; statuses.len()];
    let policy = &inst.content_policy;
    if policy.is_empty() || statuses.is_empty() {
        return Ok(stopped);
    }
    let authors: std::collections::HashMap<i64, (String, DateTime<Utc>)> = account::Entity::find()
        .select_only()
        .column(account::Column::Id)
        .column(account::Column::Username)
        .column(account::Column::Domain)
        .column(account::Column::CreatedAt)
        .filter(account::Column::Id.is_in(statuses.iter().map(|s| s.account_id)))
        .into_tuple::<(i64, String, Option<String>, DateTime<Utc>)>()
        .all(&inst.store.read)
        .await?
        .into_iter()
        .map(|(id, user, domain, at)| (id, (format!("{user}@{}", domain.unwrap_or_default()), at)))
        .collect();
    let now = Utc::now();
    for (s, stop) in statuses.iter_mut().zip(stopped.iter_mut()) {
        let Some((acct, created_at)) = authors.get(&s.account_id) else {
            continue;
        };
        let text = format!("{}\n{}", visible_text(&s.content_html), s.spoiler_text);
        let verdict = policy.check(
            &Post {
                local: false,
                text: &text,
                mentions: s.mentions.len(),
                author_created_at: *created_at,
                media_urls: s.media.iter().map(|m| m.remote_url.as_str()).collect(),
            },
            now,
        );
        if verdict.decisions.is_empty() {
            continue;
        }
        log(inst, &s.uri, acct, &verdict.decisions).await?;
        if let Some(d) = verdict.reject {
            *stop = Some(Stopped::Refused(d));
            continue;
        }
        *stop = verdict.hold.map(Stopped::Held);
        if verdict.sensitive {
            s.sensitive = true;
        }
        let mut i = 0;
        s.media.retain(|_| {
            let keep = !verdict.drop_media.contains(&i);
            i += 1;
            keep
        });
    }
    Ok(stopped)
}

/// Passes a local post (or edit) through the rules before it is published: an error
/// naming the rule when refused, else whether the post is to be marked sensitive.
pub async fn screen_local(
    inst: &Instance,
    author: &account::Model,
    text: &str,
    spoiler_text: &str,
    mentions: usize,
) -> CoreResult<bool> {
    let policy = &inst.content_policy;
    if policy.is_empty() {
        return Ok(false);
    }
    let plain = format!("{text}\n{spoiler_text}");
    let verdict = policy.check(
        &Post {
            local: true,
            text: &plain,
            mentions,
            author_created_at: author.created_at,
            media_urls: Vec::new(),
        },
        Utc::now(),
    );
    if verdict.decisions.is_empty() {
        return Ok(false);
    }
    log(inst, &author.uri, &author.username, &verdict.decisions).await?;
    if let Some(d) = verdict.reject {
        return Err(crate::error::CoreError::Unprocessable(format!(
            "This post was refused by the server's rules ({}: {})",
            d.rule, d.reason
        )));
    }
    Ok(verdict.sensitive)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::ContentRule;

    fn rule(
        name: &str,
        keyword: Option<&str>,
        regex: Option<&str>,
        action: ContentAction,
    ) -> ContentRule {
        ContentRule {
            name: name.into(),
            keyword: keyword.map(Into::into),
            regex: regex.map(Into::into),
            action,
            applies_to: RuleScope::All,
        }
    }

    fn post<'a>(text: &'a str, mentions: usize, age_days: i64, media: Vec<&'a str>) -> Post<'a> {
        Post {
            local: false,
            text,
            mentions,
            author_created_at: Utc::now() - chrono::Duration::days(age_days),
            media_urls: media,
        }
    }

    #[test]
    fn keywords_ignore_case_and_regexes_match_as_written() {
        let p = ContentPolicy::new(&ContentPolicyConfig {
            rules: vec![
                rule("crypto", Some("Free Crypto"), None, ContentAction::Reject),
                rule(
                    "gore",
                    None,
                    Some(r"(?i)\bgore\b"),
                    ContentAction::Sensitive,
                ),
            ],
            ..Default::default()
        })
        .unwrap();
        let v = p.check(&post("Get FREE crypto now", 0, 100, vec![]), Utc::now());
        let reject = v.reject.expect("refused");
        assert_eq!(reject.rule, "crypto");
        assert_eq!(reject.reason, "matched keyword \"Free Crypto\"");
        let v = p.check(&post("Some Gore here", 0, 100, vec![]), Utc::now());
        assert!(v.reject.is_none() && v.sensitive);
        assert_eq!(v.decisions[0].reason, r"matched regex /(?i)\bgore\b/");
        assert_eq!(
            p.check(&post("gorey but fine", 0, 100, vec![]), Utc::now()),
            Verdict::default()
        );
    }

    #[test]
    fn rules_apply_to_their_scope() {
        let mut r = rule("local only", Some("spoiler"), None, ContentAction::Reject);
        r.applies_to = RuleScope::Local;
        let p = ContentPolicy::new(&ContentPolicyConfig {
            rules: vec![r],
            ..Default::default()
        })
        .unwrap();
        let mut local = post("a spoiler", 0, 100, vec![]);
        assert!(
            p.check(&local, Utc::now()).decisions.is_empty(),
            "remote: passes"
        );
        local.local = true;
        assert!(p.check(&local, Utc::now()).reject.is_some());
    }

    #[test]
    fn many_mentions_from_a_new_account_are_refused() {
        let p = ContentPolicy::new(&ContentPolicyConfig {
            max_mentions_from_new_accounts: 3,
            new_account_days: 7,
            ..Default::default()
        })
        .unwrap();
        let v = p.check(&post("hi", 4, 2, vec![]), Utc::now());
        let why = v.reject.expect("refused").reason;
        assert!(
            why.starts_with("4 mentions from an account 2 days old"),
            "{why}"
        );
        assert!(
            p.check(&post("hi", 3, 2, vec![]), Utc::now())
                .reject
                .is_none()
        );
        assert!(
            p.check(&post("hi", 9, 30, vec![]), Utc::now())
                .reject
                .is_none()
        );
    }

    #[test]
    fn media_from_listed_domains_and_their_subdomains_is_dropped() {
        let p = ContentPolicy::new(&ContentPolicyConfig {
            reject_media_domains: vec!["CDN.Evil.example".into()],
            ..Default::default()
        })
        .unwrap();
        let v = p.check(
            &post(
                "pics",
                0,
                100,
                vec![
                    "https://img.cdn.evil.example/a.png",
                    "https://ok.example/b.png",
                    "https://cdn.evil.example/c.png",
                ],
            ),
            Utc::now(),
        );
        assert_eq!(v.drop_media, vec![0, 2]);
        assert!(v.reject.is_none());
    }

    #[test]
    fn the_rules_read_the_visible_text_of_html() {
        assert_eq!(
            visible_text("<p>Free <b>cr</b>ypto &amp; more</p><p>next<br/>line</p>"),
            " Free crypto & more  next line "
        );
        assert_eq!(visible_text("a < b"), "a ", "an unclosed tag ends the text");
        let p = ContentPolicy::new(&ContentPolicyConfig {
            rules: vec![rule("x", Some("free crypto"), None, ContentAction::Reject)],
            ..Default::default()
        })
        .unwrap();
        let text = visible_text("<p>fr<span></span>ee&#32;crypto</p>");
        assert!(
            p.check(&post(&text, 0, 100, vec![]), Utc::now())
                .reject
                .is_some()
        );
    }

    #[test]
    fn bad_rules_are_named() {
        let bad_regex = ContentPolicyConfig {
            rules: vec![rule("x", None, Some("("), ContentAction::Reject)],
            ..Default::default()
        };
        assert_eq!(
            ContentPolicy::new(&bad_regex).unwrap_err().0,
            "content_policy.rules[0].regex"
        );
        let both = ContentPolicyConfig {
            rules: vec![rule("x", Some("a"), Some("b"), ContentAction::Reject)],
            ..Default::default()
        };
        assert!(
            ContentPolicy::new(&both)
                .unwrap_err()
                .1
                .contains("one of them")
        );
        assert!(
            ContentPolicy::new(&ContentPolicyConfig::default())
                .unwrap()
                .is_empty()
        );
        let mut local_hold = rule("x", Some("a"), None, ContentAction::Hold);
        local_hold.applies_to = RuleScope::Local;
        let err = ContentPolicy::new(&ContentPolicyConfig {
            rules: vec![local_hold],
            ..Default::default()
        })
        .unwrap_err();
        assert_eq!(err.0, "content_policy.rules[0].applies_to");
        assert!(err.1.contains("only remote posts"), "{}", err.1);
    }

    #[test]
    fn hold_rules_hold_remote_posts_only_and_refusal_wins() {
        let p = ContentPolicy::new(&ContentPolicyConfig {
            rules: vec![
                rule("review", Some("casino"), None, ContentAction::Hold),
                rule("spam", Some("free crypto"), None, ContentAction::Reject),
            ],
            ..Default::default()
        })
        .unwrap();
        let v = p.check(&post("casino tonight", 0, 100, vec![]), Utc::now());
        assert_eq!(v.hold.expect("held").rule, "review");
        assert!(v.reject.is_none());
        assert_eq!(v.decisions[0].action, "hold");
        let v = p.check(&post("casino with free crypto", 0, 100, vec![]), Utc::now());
        assert!(v.hold.is_some() && v.reject.is_some(), "both say so");
        let mut local = post("casino tonight", 0, 100, vec![]);
        local.local = true;
        assert_eq!(
            p.check(&local, Utc::now()),
            Verdict::default(),
            "a local post is never held"
        );
    }
}
