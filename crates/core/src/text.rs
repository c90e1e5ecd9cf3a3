//! Text in and out: plain text typed by local users becomes Mastodon-style HTML, and
//! HTML from anywhere else is sanitised to Mastodon's allowed set.
//!
//! The HTML matches what Mastodon's `TextFormatter` writes, class for class, so that
//! clients style and shorten it the same way: `<p>` paragraphs and `<br />` line breaks,
//! links split into invisible prefix, visible (ellipsised) middle and invisible tail,
//! `h-card` mentions and `mention hashtag` links. Everything else is escaped.

use std::collections::HashSet;
use std::sync::LazyLock;

use regex::Regex;
use unicode_segmentation::UnicodeSegmentation;

/// Schemes that are turned into links, and allowed in sanitised `href`s (Mastodon's list).
pub const LINK_SCHEMES: &[&str] = &[
    "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
];

/// How many characters a link counts for in the length limit, whatever its length.
pub const URL_PLACEHOLDER_CHARS: usize = 23;

/// Usernames: letters, digits and underscores, with dots and dashes inside.
static MENTION_RE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)@([a-z0-9_]+(?:[a-z0-9_.-]+[a-z0-9_]+)?)(?:@([\w.-]+\w+(?::[0-9]{1,5})?))?")
        .expect("mention regex")
});

/// Hashtags: word characters and Mastodon's separators, at least one letter.
static HASHTAG_RE: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r"#([\w\x{00B7}\x{30FB}\x{200C}]+)").expect("hashtag regex"));

/// A `@user` or `@user@domain` found in text.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MentionRef {
    pub username: String,
    /// Lower-cased; `None` when written without a domain.
    pub domain: Option<String>,
}

/// Where a mention links to, once resolved to an account.
#[derive(Debug, Clone)]
pub struct MentionLink {
    /// Profile URL.
    pub url: String,
    /// Shown after the `@` (Mastodon shows the username alone).
    pub display: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum EntityKind {
    Url,
    Mention(MentionRef),
    Hashtag(String),
}

#[derive(Debug, Clone)]
struct Entity {
    start: usize,
    end: usize,
    kind: EntityKind,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

fn url_entities(text: &str) -> Vec<Entity> {
    let mut finder = linkify::LinkFinder::new();
    finder.kinds(&[linkify::LinkKind::Url]);
    finder.url_must_have_scheme(true);
    finder
        .links(text)
        .filter(|link| {
            let s = link.as_str();
            s.split_once(':').is_some_and(|(scheme, _)| {
                LINK_SCHEMES.contains(&scheme.to_ascii_lowercase().as_str())
            })
        })
        .map(|link| Entity {
            start: link.start(),
            end: link.end(),
            kind: EntityKind::Url,
        })
        .collect()
}

/// Links, mentions and hashtags of `text`, in order, without overlaps.
fn entities(text: &str) -> Vec<Entity> {
    let mut found = url_entities(text);
    let overlaps = |found: &[Entity], start: usize, end: usize| {
        found.iter().any(|e| start < e.end && e.start < end)
    };
    let prev_char = |at: usize| text[..at].chars().next_back();

    for caps in MENTION_RE.captures_iter(text) {
        let m = caps.get(0).expect("whole match");
        if prev_char(m.start()).is_some_and(|c| c == '=' || c == '/' || is_word_char(c)) {
            continue;
        }
        if overlaps(&found, m.start(), m.end()) {
            continue;
        }
        found.push(Entity {
            start: m.start(),
            end: m.end(),
            kind: EntityKind::Mention(MentionRef {
                username: caps[1].to_string(),
                domain: caps.get(2).map(|d| d.as_str().to_ascii_lowercase()),
            }),
        });
    }
    for caps in HASHTAG_RE.captures_iter(text) {
        let m = caps.get(0).expect("whole match");
        if prev_char(m.start()).is_some_and(|c| c == '=' || c == '/' || c == ')' || is_word_char(c))
        {
            continue;
        }
        // Separators other than `_` may not end a tag.
        let name = caps[1].trim_end_matches(['\u{00B7}', '\u{30FB}', '\u{200C}']);
        if name.is_empty() || !name.chars().any(char::is_alphabetic) {
            continue;
        }
        let end = m.start() + 1 + name.len();
        if overlaps(&found, m.start(), end) {
            continue;
        }
        found.push(Entity {
            start: m.start(),
            end,
            kind: EntityKind::Hashtag(name.to_string()),
        });
    }
    found.sort_by_key(|e| e.start);
    found
}

/// The distinct mentions in `text`, in order of first appearance.
pub fn extract_mentions(text: &str) -> Vec<MentionRef> {
    let mut seen = HashSet::new();
    entities(text)
        .into_iter()
        .filter_map(|e| match e.kind {
            EntityKind::Mention(m) => {
                let key = (m.username.to_lowercase(), m.domain.clone());
                seen.insert(key).then_some(m)
            }
            _ => None,
        })
        .collect()
}

/// The distinct hashtags in `text` as written (first spelling wins), in order.
pub fn extract_hashtags(text: &str) -> Vec<String> {
    let mut seen = HashSet::new();
    entities(text)
        .into_iter()
        .filter_map(|e| match e.kind {
            EntityKind::Hashtag(t) => seen.insert(normalize_tag(&t)).then_some(t),
            _ => None,
        })
        .collect()
}

/// The key a hashtag is stored and looked up under: lower case, NFC-ish as typed.
pub fn normalize_tag(tag: &str) -> String {
    tag.trim_start_matches('#').to_lowercase()
}

/// True when `name` is a valid hashtag name on its own (as in `/tags/:name`).
pub fn is_valid_tag(name: &str) -> bool {
    let text = format!("#{name}");
    matches!(extract_hashtags(&text).as_slice(), [t] if t == name)
}

/// Rails' `ERB::Util.html_escape`, which Mastodon's formatter uses: `& < > " '`, the
/// apostrophe as `&#39;`.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Mastodon's shortened link.
fn link_html(url: &str, rel_me: bool) -> String {
    let lower = url.to_ascii_lowercase();
    let prefix_len = if lower.starts_with("https://www.") {
        12
    } else if lower.starts_with("http://www.") {
        11
    } else if lower.starts_with("https://") {
        8
    } else if lower.starts_with("http://") {
        7
    } else if lower.starts_with("xmpp:") {
        5
    } else {
        0
    };
    let (prefix, rest) = url.split_at(prefix_len);
    let cut = rest
        .char_indices()
        .nth(30)
        .map(|(i, _)| i)
        .unwrap_or(rest.len());
    let (display, suffix) = rest.split_at(cut);
    let rel = if rel_me {
        "nofollow noopener me"
    } else {
        "nofollow noopener"
    };
    format!(
        "<a href=\"{}\" target=\"_blank\" rel=\"{rel}\" translate=\"no\"><span class=\"invisible\">{}</span><span class=\"{}\">{}</span><span class=\"invisible\">{}</span></a>",
        escape(url),
        escape(prefix),
        if suffix.is_empty() { "" } else { "ellipsis" },
        escape(display),
        escape(suffix),
    )
}

/// Options for [`format_plain`].
#[derive(Debug, Clone, Copy)]
pub struct FormatOptions<'a> {
    /// `https://domain`, for hashtag links.
    pub base_url: &'a str,
    /// Wrap in `<p>` paragraphs with `<br />` line breaks (posts, bios); off for
    /// profile field values.
    pub multiline: bool,
    /// Add `rel="me"` to links (profile fields, for link verification).
    pub rel_me: bool,
    /// Turn hashtags into links.
    pub hashtags: bool,
}

/// Turns plain text into Mastodon-style HTML. `resolve` maps a mention to the account
/// it names; unresolved mentions stay plain text, as in Mastodon.
pub fn format_plain(
    text: &str,
    options: FormatOptions<'_>,
    resolve: &dyn Fn(&MentionRef) -> Option<MentionLink>,
) -> String {
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    let text = text.trim();
    if text.is_empty() {
        return String::new();
    }
    let mut html = String::with_capacity(text.len() * 2);
    let mut pos = 0;
    for entity in entities(text) {
        html.push_str(&escape(&text[pos..entity.start]));
        let raw = &text[entity.start..entity.end];
        match &entity.kind {
            EntityKind::Url => html.push_str(&link_html(raw, options.rel_me)),
            EntityKind::Mention(m) => match resolve(m) {
                Some(link) => html.push_str(&format!(
                    "<span class=\"h-card\" translate=\"no\"><a href=\"{}\" class=\"u-url mention\">@<span>{}</span></a></span>",
                    escape(&link.url),
                    escape(&link.display)
                )),
                None => html.push_str(&escape(raw)),
            },
            EntityKind::Hashtag(tag) if options.hashtags => html.push_str(&format!(
                "<a href=\"{}/tags/{}\" class=\"mention hashtag\" rel=\"tag\">#<span>{}</span></a>",
                escape(options.base_url),
                escape(&url_encode_path(tag)),
                escape(tag)
            )),
            EntityKind::Hashtag(_) => html.push_str(&escape(raw)),
        }
        pos = entity.end;
    }
    html.push_str(&escape(&text[pos..]));

    if !options.multiline {
        return html.replace('\n', " ");
    }
    // Rails' simple_format: paragraphs at blank lines, <br /> at single line breaks.
    static PARAGRAPHS: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\n\n+").expect("re"));
    PARAGRAPHS
        .split(&html)
        .map(|p| format!("<p>{}</p>", p.trim_matches('\n').replace('\n', "<br />")))
        .collect()
}

fn url_encode_path(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// Length of a post as the character limit counts it: grapheme clusters, with each link
/// counting 23 and each remote mention counting only its `@username`.
pub fn countable_length(text: &str) -> usize {
    let mut count = 0;
    let mut pos = 0;
    for entity in entities(text) {
        count += text[pos..entity.start].graphemes(true).count();
        count += match &entity.kind {
            EntityKind::Url => URL_PLACEHOLDER_CHARS,
            EntityKind::Mention(m) => 1 + m.username.graphemes(true).count(),
            EntityKind::Hashtag(_) => text[entity.start..entity.end].graphemes(true).count(),
        };
        pos = entity.end;
    }
    count + text[pos..].graphemes(true).count()
}

/// Grapheme clusters in `s`: what a person counts as characters.
pub fn char_count(s: &str) -> usize {
    s.graphemes(true).count()
}

/// Plain text of remote HTML (display names, field names): tags dropped, entities
/// decoded, whitespace runs collapsed.
pub fn strip_tags(html: &str) -> String {
    let text = ammonia::Builder::empty().clean(html).to_string();
    let decoded = html_escape::decode_html_entities(&text);
    decoded.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Sanitises HTML from outside (remote posts and profiles) to Mastodon's strict set:
/// basic formatting, lists, code, quotes and links with safe schemes; microformat and
/// mention classes only; every link `rel="nofollow noopener"`, `target="_blank"`.
pub fn sanitize_html(html: &str) -> String {
    static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
        let mut b = ammonia::Builder::empty();
        b.add_tags([
            "p",
            "br",
            "span",
            "a",
            "del",
            "s",
            "pre",
            "blockquote",
            "code",
            "b",
            "strong",
            "u",
            "i",
            "em",
            "ul",
            "ol",
            "li",
            "ruby",
            "rt",
            "rp",
        ])
        .add_tag_attributes("a", ["href", "class", "translate"])
        .add_tag_attributes("span", ["class", "translate"])
        .add_tag_attributes("ol", ["start", "reversed"])
        .add_tag_attributes("li", ["value"])
        .url_schemes(LINK_SCHEMES.iter().copied().collect())
        .link_rel(Some("nofollow noopener"))
        .set_tag_attribute_value("a", "target", "_blank")
        .attribute_filter(|_element, attribute, value| {
            if attribute != "class" {
                return Some(value.into());
            }
            let kept: Vec<&str> = value
                .split_ascii_whitespace()
                .filter(|c| {
                    ["h-", "p-", "u-", "dt-", "e-"]
                        .iter()
                        .any(|p| c.starts_with(p))
                        || matches!(*c, "mention" | "hashtag" | "ellipsis" | "invisible")
                })
                .collect();
            (!kept.is_empty()).then(|| kept.join(" ").into())
        })
        .strip_comments(true);
        b
    });
    SANITIZER.clean(html).to_string()
}

/// Plain text of an HTML fragment (tags dropped, entities decoded, paragraphs and line
/// breaks kept as newlines): for page titles, summaries and search.
pub fn html_to_text(html: &str) -> String {
    static BREAKS: LazyLock<Regex> =
        LazyLock::new(|| Regex::new(r"(?i)<br\s*/?>|</p>\s*<p[^>]*>").expect("re"));
    let with_breaks = BREAKS.replace_all(html, "\n");
    let stripped = ammonia::Builder::empty().clean(&with_breaks).to_string();
    html_escape::decode_html_entities(&stripped)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://example.com";

    fn opts() -> FormatOptions<'static> {
        FormatOptions {
            base_url: BASE,
            multiline: true,
            rel_me: false,
            hashtags: true,
        }
    }

    fn resolve_local(m: &MentionRef) -> Option<MentionLink> {
        (m.username == "alice" && m.domain.is_none()).then(|| MentionLink {
            url: format!("{BASE}/@alice"),
            display: "alice".into(),
        })
    }

    fn fmt(text: &str) -> String {
        format_plain(text, opts(), &resolve_local)
    }

    #[test]
    fn paragraphs_and_line_breaks_like_simple_format() {
        assert_eq!(fmt("one\ntwo\n\nthree"), "<p>one<br />two</p><p>three</p>");
        assert_eq!(fmt("  \n a \n\n\n\nb\r\nc "), "<p>a </p><p>b<br />c</p>");
        assert_eq!(fmt("   "), "");
    }

    #[test]
    fn everything_is_escaped() {
        assert_eq!(
            fmt("<script>alert('x')</script> & \"q\""),
            "<p>&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;</p>"
        );
    }

    #[test]
    fn links_are_shortened_as_mastodon_does() {
        assert_eq!(
            fmt("see https://www.example.org/a/very/long/path/that/goes/on/and/on?x=1&y=2 ok"),
            "<p>see <a href=\"https://www.example.org/a/very/long/path/that/goes/on/and/on?x=1&amp;y=2\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">https://www.</span><span class=\"ellipsis\">example.org/a/very/long/path/t</span><span class=\"invisible\">hat/goes/on/and/on?x=1&amp;y=2</span></a> ok</p>"
        );
        assert_eq!(
            fmt("http://x.example/"),
            "<p><a href=\"http://x.example/\" target=\"_blank\" rel=\"nofollow noopener\" translate=\"no\"><span class=\"invisible\">http://</span><span class=\"\">x.example/</span><span class=\"invisible\"></span></a></p>"
        );
        // No scheme, or a scheme outside the list: not a link.
        assert_eq!(
            fmt("example.com javascript:alert(1)"),
            "<p>example.com javascript:alert(1)</p>"
        );
    }

    #[test]
    fn mentions_resolve_or_stay_text() {
        assert_eq!(
            fmt("hi @alice and @bob@remote.example"),
            "<p>hi <span class=\"h-card\" translate=\"no\"><a href=\"https://example.com/@alice\" class=\"u-url mention\">@<span>alice</span></a></span> and @bob@remote.example</p>"
        );
        // Not a mention inside an email address or a URL path.
        assert_eq!(fmt("mail me@alice.example"), "<p>mail me@alice.example</p>");
    }

    #[test]
    fn hashtags_link_to_the_tag_page() {
        assert_eq!(
            fmt("#Rust and #fediverse_2026, not a#b or #123"),
            "<p><a href=\"https://example.com/tags/Rust\" class=\"mention hashtag\" rel=\"tag\">#<span>Rust</span></a> and <a href=\"https://example.com/tags/fediverse_2026\" class=\"mention hashtag\" rel=\"tag\">#<span>fediverse_2026</span></a>, not a#b or #123</p>"
        );
        assert_eq!(extract_hashtags("#Rust #rust #Café"), vec!["Rust", "Café"]);
        assert!(is_valid_tag("café"));
        assert!(!is_valid_tag("12"));
        assert!(!is_valid_tag("a b"));
    }

    #[test]
    fn mentions_are_extracted_once_with_domains() {
        assert_eq!(
            extract_mentions("@Alice @alice @bob@Remote.Example:8443 x@y"),
            vec![
                MentionRef {
                    username: "Alice".into(),
                    domain: None
                },
                MentionRef {
                    username: "bob".into(),
                    domain: Some("remote.example:8443".into())
                },
            ]
        );
    }

    #[test]
    fn length_counts_links_as_23_and_remote_mentions_by_username() {
        let url = format!("https://example.com/{}", "a".repeat(200));
        assert_eq!(countable_length(&url), 23);
        assert_eq!(countable_length("@bob@very.long.remote.example hi"), 7);
        assert_eq!(countable_length("👩‍👩‍👧‍👦é"), 2);
    }

    #[test]
    fn sanitizer_keeps_mastodon_markup_and_drops_the_rest() {
        let dirty = r#"<p onclick="x()">Hi <a href="https://a.example/" class="u-url mention evil">@<span>a</span></a><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">j</a><big>big</big></p>"#;
        assert_eq!(
            sanitize_html(dirty),
            "<p>Hi <a href=\"https://a.example/\" class=\"u-url mention\" target=\"_blank\" rel=\"nofollow noopener\">@<span>a</span></a><a target=\"_blank\" rel=\"nofollow noopener\">j</a>big</p>"
        );
    }

    #[test]
    fn html_to_text_keeps_breaks() {
        assert_eq!(html_to_text("<p>a &amp; b<br>c</p><p>d</p>"), "a & b\nc\nd");
    }
}
