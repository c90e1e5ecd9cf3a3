//! Per-instance moderation policy: what this instance accepts from, and sends to, each
//! remote domain.
//!
//! Domain blocks follow Mastodon's model: a severity (`silence`, `suspend`, `noop`) and
//! the `reject_media` / `reject_reports` flags, for a domain and all of its subdomains;
//! the most specific rule wins. In allow-list mode (`federation.mode = "allowlist"`)
//! every domain that is not allowed is treated as suspended.
//!
//! The rules are asked at every door (inbox, delivery, fetches, search, timelines), so
//! they are kept in memory ([`Policy`]): an answer is a few hash lookups, one per label
//! of the domain. Every change made through this module reloads them.

pub mod accounts;
pub mod blocks;
pub mod content;
pub mod csv;
pub mod domains;
pub mod effects;
pub mod held;
pub mod measures;
pub mod subscriptions;

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};

use sea_orm::{ConnectionTrait, EntityTrait};

use crate::entities::{domain_allow, domain_block};
use crate::error::{CoreError, CoreResult};

/// How often a server reads the rules again, for changes made by another process (the
/// command line, another server on the same database). Changes made through a server
/// are in force at once there.
pub const RELOAD_EVERY: std::time::Duration = std::time::Duration::from_secs(30);

/// How hard a domain block is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Nothing but the flags (`reject_media`, `reject_reports`).
    Noop,
    /// "Limit": hidden from those who do not follow its accounts; follows become
    /// requests.
    Silence,
    /// Nothing in or out.
    Suspend,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Noop => "noop",
            Severity::Silence => "silence",
            Severity::Suspend => "suspend",
        }
    }

    /// Mastodon's names; anything else is refused with the list of valid ones.
    pub fn parse(s: &str) -> CoreResult<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "noop" => Ok(Severity::Noop),
            "silence" | "limit" => Ok(Severity::Silence),
            "suspend" => Ok(Severity::Suspend),
            other => Err(CoreError::Unprocessable(format!(
                "unknown severity {other:?}: use silence, suspend or noop"
            ))),
        }
    }
}

/// What the policy says about one domain.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct DomainVerdict {
    /// Nothing in or out: refuse its requests and activities, deliver nothing to it,
    /// fetch nothing from it.
    pub suspended: bool,
    /// Its accounts and posts are shown only to those who follow them.
    pub silenced: bool,
    /// Its media is neither fetched nor kept.
    pub reject_media: bool,
    /// Its reports (`Flag`) are dropped.
    pub reject_reports: bool,
}

impl DomainVerdict {
    const SUSPENDED: DomainVerdict = DomainVerdict {
        suspended: true,
        silenced: false,
        reject_media: true,
        reject_reports: true,
    };
}

/// One rule, as the lookups need it.
#[derive(Clone, Copy, Debug)]
struct Rule {
    severity: Severity,
    reject_media: bool,
    reject_reports: bool,
}

/// The rules in force, replaced whole on every change.
impl Rule {
    fn verdict(&self) -> DomainVerdict {
        match self.severity {
            Severity::Suspend => DomainVerdict::SUSPENDED,
            severity => DomainVerdict {
                suspended: false,
                silenced: severity == Severity::Silence,
                reject_media: self.reject_media,
                reject_reports: self.reject_reports,
            },
        }
    }
}

#[derive(Debug, Default)]
struct Rules {
    blocks: HashMap<String, Rule>,
    allows: HashSet<String>,
}

/// The moderation policy of this instance, in memory.
#[derive(Debug)]
pub struct Policy {
    rules: RwLock<Arc<Rules>>,
    allowlist: bool,
    /// Bumped each time the rules are replaced: what is worked out from them (the
    /// limited domains of [`crate::hidden`]) is worked out again.
    generation: std::sync::atomic::AtomicU64,
}

impl Policy {
    /// An empty policy; `allowlist` is `federation.mode = "allowlist"`.
    pub fn new(allowlist: bool) -> Self {
        Policy {
            rules: RwLock::new(Arc::new(Rules::default())),
            allowlist,
            generation: std::sync::atomic::AtomicU64::new(0),
        }
    }

    /// Which version of the rules is in force (see [`Policy::replace`]).
    pub fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    /// Whether only allowed domains federate.
    pub fn is_allowlist(&self) -> bool {
        self.allowlist
    }

    fn rules(&self) -> Arc<Rules> {
        self.rules
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Reads every rule from the database and puts them in force.
    pub async fn reload(&self, conn: &impl ConnectionTrait) -> CoreResult<()> {
        let blocks = domain_block::Entity::find().all(conn).await?;
        let allows = domain_allow::Entity::find().all(conn).await?;
        self.replace(&blocks, &allows);
        Ok(())
    }

    /// Puts `blocks` and `allows` in force, in place of the rules before.
    pub fn replace(&self, blocks: &[domain_block::Model], allows: &[domain_allow::Model]) {
        let mut rules = Rules::default();
        for b in blocks {
            // A severity this version does not know is read as the strictest.
            let severity = Severity::parse(&b.severity).unwrap_or(Severity::Suspend);
            rules.blocks.insert(
                b.domain.clone(),
                Rule {
                    severity,
                    reject_media: b.reject_media,
                    reject_reports: b.reject_reports,
                },
            );
        }
        rules.allows = allows.iter().map(|a| a.domain.clone()).collect();
        *self
            .rules
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(rules);
        self.generation
            .fetch_add(1, std::sync::atomic::Ordering::AcqRel);
    }

    /// The verdict for `domain` (an account's domain or a host, `host[:port]`,
    /// lower-case): the most specific block that covers it, or in allow-list mode
    /// suspension unless an allow covers it. `None`, a local account, is never blocked.
    pub fn for_domain(&self, domain: Option<&str>) -> DomainVerdict {
        let Some(domain) = domain else {
            return DomainVerdict::default();
        };
        let rules = self.rules();
        let lower;
        let domain = if domain.bytes().any(|b| b.is_ascii_uppercase()) {
            lower = domain.to_ascii_lowercase();
            lower.as_str()
        } else {
            domain
        };
        if self.allowlist && !domains::candidates(domain).any(|d| rules.allows.contains(d)) {
            return DomainVerdict::SUSPENDED;
        }
        let Some(rule) = domains::candidates(domain).find_map(|d| rules.blocks.get(d)) else {
            return DomainVerdict::default();
        };
        rule.verdict()
    }

    /// Whether nothing may come in from, or go out to, `domain`.
    /// The block that applies to `domain` (the most specific one), ignoring allow-list
    /// mode: the rule's own domain and its verdict. What a suspension severs and purges
    /// follows the blocks alone; allow-list mode refuses without destroying anything.
    pub fn block_rule(&self, domain: &str) -> Option<(String, DomainVerdict)> {
        let rules = self.rules();
        let domain = domain.to_ascii_lowercase();
        let (name, rule) =
            domains::candidates(&domain).find_map(|d| rules.blocks.get_key_value(d))?;
        Some((name.clone(), rule.verdict()))
    }

    pub fn is_suspended(&self, domain: &str) -> bool {
        self.for_domain(Some(domain)).suspended
    }

    /// How many blocks and allows are in force.
    pub fn counts(&self) -> (usize, usize) {
        let rules = self.rules();
        (rules.blocks.len(), rules.allows.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy(blocks: &[(&str, Severity, bool)], allows: &[&str], allowlist: bool) -> Policy {
        let p = Policy::new(allowlist);
        let mut rules = Rules::default();
        for (domain, severity, reject_media) in blocks {
            rules.blocks.insert(
                (*domain).to_owned(),
                Rule {
                    severity: *severity,
                    reject_media: *reject_media,
                    reject_reports: false,
                },
            );
        }
        rules.allows = allows.iter().map(|d| (*d).to_owned()).collect();
        *p.rules.write().unwrap() = Arc::new(rules);
        p
    }

    #[test]
    fn subdomains_are_covered_and_the_most_specific_rule_wins() {
        let p = policy(
            &[
                ("evil.example", Severity::Suspend, false),
                ("ok.evil.example", Severity::Silence, true),
            ],
            &[],
            false,
        );
        assert!(p.is_suspended("evil.example"));
        assert!(p.is_suspended("a.b.evil.example"));
        assert!(p.is_suspended("EVIL.example"));
        let limited = p.for_domain(Some("x.ok.evil.example"));
        assert!(!limited.suspended && limited.silenced && limited.reject_media);
        assert_eq!(
            p.for_domain(Some("notevil.example")),
            DomainVerdict::default()
        );
        assert_eq!(p.for_domain(None), DomainVerdict::default());
    }

    #[test]
    fn allowlist_mode_suspends_everything_not_allowed() {
        let p = policy(
            &[("bad.friendly.example", Severity::Suspend, false)],
            &["friendly.example"],
            true,
        );
        assert!(!p.is_suspended("friendly.example"));
        assert!(!p.is_suspended("social.friendly.example"));
        assert!(
            p.is_suspended("bad.friendly.example"),
            "a block still applies"
        );
        assert!(p.is_suspended("stranger.example"));
    }

    #[test]
    fn severities_parse_as_mastodon_names_them() {
        assert_eq!(Severity::parse("suspend").unwrap(), Severity::Suspend);
        assert_eq!(Severity::parse(" Silence ").unwrap(), Severity::Silence);
        assert_eq!(Severity::parse("noop").unwrap(), Severity::Noop);
        assert!(Severity::parse("ban").is_err());
    }
}
