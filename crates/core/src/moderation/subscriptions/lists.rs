//! The lists a subscription reads: Mastodon's CSV ([`csv::parse`]), the JSON of
//! Mastodon's `GET /api/v1/instance/domain_blocks`, and plain lists of domains; the format
//! given, or detected from the content. Reading is all or nothing: one bad entry refuses
//! the whole list, naming every problem.

use std::collections::HashSet;

use serde::Deserialize;

use crate::error::{CoreError, CoreResult};
use crate::moderation::csv::{self, Entry};
use crate::moderation::{Severity, domains};

/// The most domains a JSON or plain list may hold (CSV lists are read with
/// [`csv::parse`] and its own limit).
pub const MAX_ENTRIES: usize = 100_000;

/// How a list is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Detected from the content: a JSON array is `mastodon`; a `#domain` header or
    /// commas, `csv`; anything else `plain`.
    Auto,
    /// Mastodon's CSV export (`#domain,#severity,…`), or headerless columns in its order.
    Csv,
    /// The JSON of Mastodon's `GET /api/v1/instance/domain_blocks`.
    Mastodon,
    /// One domain per line; `#` starts a comment.
    Plain,
}

impl Format {
    pub fn as_str(self) -> &'static str {
        match self {
            Format::Auto => "auto",
            Format::Csv => "csv",
            Format::Mastodon => "mastodon",
            Format::Plain => "plain",
        }
    }

    pub fn parse(s: &str) -> CoreResult<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "auto" => Ok(Format::Auto),
            "csv" => Ok(Format::Csv),
            "mastodon" | "json" => Ok(Format::Mastodon),
            "plain" | "text" => Ok(Format::Plain),
            other => Err(CoreError::Unprocessable(format!(
                "unknown list format {other:?}: use auto, csv, mastodon or plain"
            ))),
        }
    }
}

/// A list as read: its format, its entries (domains normalised, each once) and how many
/// entries could not be applied (domains obfuscated with `*` in Mastodon's JSON).
#[derive(Debug, Clone)]
pub struct ParsedList {
    pub format: Format,
    pub entries: Vec<Entry>,
    pub skipped: usize,
}

/// Reads a fetched list. All or nothing: one bad line or entry refuses the whole list,
/// naming every problem. `plain_severity` is the severity of a plain list's domains;
/// `allow_ports` as for [`domains::normalize`].
pub fn parse(
    format: Format,
    body: &[u8],
    plain_severity: Severity,
    allow_ports: bool,
) -> CoreResult<ParsedList> {
    let body = body.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(body);
    if body.iter().all(u8::is_ascii_whitespace) {
        // More likely a publishing accident than a list that lifts every block.
        return Err(CoreError::Unprocessable(
            "the list is empty (a list with no domain says so with a comment, or `[]`)".into(),
        ));
    }
    let format = match format {
        Format::Auto => detect(body),
        f => f,
    };
    let (entries, skipped) = match format {
        Format::Csv => (csv::parse(body, allow_ports)?, 0),
        Format::Mastodon => parse_mastodon(body, allow_ports)?,
        Format::Plain | Format::Auto => (parse_plain(body, plain_severity, allow_ports)?, 0),
    };
    Ok(ParsedList {
        format,
        entries,
        skipped,
    })
}

/// The format of a list, from its content.
pub fn detect(body: &[u8]) -> Format {
    let text = String::from_utf8_lossy(body);
    if text.trim_start().starts_with('[') {
        return Format::Mastodon;
    }
    for line in text.lines().map(str::trim) {
        if line.to_ascii_lowercase().starts_with("#domain") {
            return Format::Csv;
        }
        if !line.starts_with('#') && line.contains(',') {
            return Format::Csv;
        }
    }
    Format::Plain
}

/// One block of Mastodon's public list.
#[derive(Deserialize)]
struct PublicBlock {
    domain: String,
    severity: String,
    #[serde(default)]
    comment: Option<String>,
}

fn parse_mastodon(body: &[u8], allow_ports: bool) -> CoreResult<(Vec<Entry>, usize)> {
    let blocks: Vec<PublicBlock> = serde_json::from_slice(body).map_err(|e| {
        CoreError::Unprocessable(format!(
            "not the JSON of Mastodon's /api/v1/instance/domain_blocks: {e}"
        ))
    })?;
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    let mut skipped = 0;
    for (i, b) in blocks.into_iter().enumerate() {
        if b.domain.contains('*') {
            // Obfuscated: the digest alone cannot name the domain.
            skipped += 1;
            continue;
        }
        let domain = domains::normalize(&b.domain, allow_ports);
        let severity = Severity::parse(&b.severity);
        match (domain, severity) {
            (Ok(domain), Ok(severity)) => entries.push(Entry {
                domain,
                severity,
                // Mastodon lists a noop block only when it rejects media.
                reject_media: severity == Severity::Noop,
                reject_reports: false,
                public_comment: b.comment.filter(|c| !c.trim().is_empty()),
                obfuscate: false,
            }),
            (Err(e), _) | (_, Err(e)) => problems.push(format!("entry {}: {e}", i + 1)),
        }
    }
    refuse_on(problems)?;
    Ok((last_wins(entries)?, skipped))
}

fn parse_plain(body: &[u8], severity: Severity, allow_ports: bool) -> CoreResult<Vec<Entry>> {
    let text = std::str::from_utf8(body)
        .map_err(|e| CoreError::Unprocessable(format!("the list is not UTF-8 text: {e}")))?;
    let mut problems = Vec::new();
    let mut entries = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or_default().trim();
        if line.is_empty() {
            continue;
        }
        match domains::normalize(line, allow_ports) {
            Ok(domain) => entries.push(Entry {
                domain,
                severity,
                reject_media: false,
                reject_reports: false,
                public_comment: None,
                obfuscate: false,
            }),
            Err(e) => problems.push(format!("line {}: {e}", i + 1)),
        }
    }
    refuse_on(problems)?;
    last_wins(entries)
}

fn refuse_on(problems: Vec<String>) -> CoreResult<()> {
    if problems.is_empty() {
        return Ok(());
    }
    let shown = problems.len().min(20);
    let mut message = format!(
        "nothing applied: {} entr{} cannot be read: {}",
        problems.len(),
        if problems.len() == 1 { "y" } else { "ies" },
        problems[..shown].join("; ")
    );
    if problems.len() > shown {
        message.push_str("; …");
    }
    Err(CoreError::Unprocessable(message))
}

/// Each domain once, the last entry for it winning (as [`csv::parse`] does).
fn last_wins(entries: Vec<Entry>) -> CoreResult<Vec<Entry>> {
    if entries.len() > MAX_ENTRIES {
        return Err(CoreError::Unprocessable(format!(
            "the list has more than {MAX_ENTRIES} domains"
        )));
    }
    let mut seen = HashSet::new();
    let mut unique: Vec<Entry> = entries
        .into_iter()
        .rev()
        .filter(|e| seen.insert(e.domain.clone()))
        .collect();
    unique.reverse();
    Ok(unique)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_are_detected_from_the_content() {
        assert_eq!(detect(b"  [{\"domain\":\"a.example\"}]"), Format::Mastodon);
        assert_eq!(
            detect(b"#domain,#severity\na.example,suspend\n"),
            Format::Csv
        );
        assert_eq!(detect(b"a.example,silence\n"), Format::Csv);
        assert_eq!(
            detect(b"# my list, with commas in a comment\na.example\n"),
            Format::Plain
        );
    }

    #[test]
    fn mastodon_json_skips_obfuscated_domains() {
        let body = br#"[
            {"domain":"evil.example","digest":"x","severity":"suspend","comment":"spam"},
            {"domain":"sec***.example","digest":"y","severity":"silence"},
            {"domain":"media.example","digest":"z","severity":"noop"}
        ]"#;
        let list = parse(Format::Auto, body, Severity::Suspend, false).unwrap();
        assert_eq!(list.format, Format::Mastodon);
        assert_eq!(list.skipped, 1);
        assert_eq!(list.entries.len(), 2);
        assert_eq!(list.entries[0].public_comment.as_deref(), Some("spam"));
        assert_eq!(list.entries[1].severity, Severity::Noop);
        assert!(list.entries[1].reject_media);
    }

    #[test]
    fn plain_lists_take_their_severity_and_refuse_bad_lines() {
        let body = "\u{feff}# comment\n\nBücher.example  # inline\nspam.example\n";
        let list = parse(Format::Auto, body.as_bytes(), Severity::Silence, false).unwrap();
        assert_eq!(list.format, Format::Plain);
        let got: Vec<_> = list
            .entries
            .iter()
            .map(|e| (e.domain.as_str(), e.severity))
            .collect();
        assert_eq!(
            got,
            [
                ("xn--bcher-kva.example", Severity::Silence),
                ("spam.example", Severity::Silence)
            ]
        );
        let err = parse(
            Format::Plain,
            b"ok.example\nhttps://x.example/\n",
            Severity::Suspend,
            false,
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("line 2") && err.contains("nothing applied"),
            "{err}"
        );
        assert!(parse(Format::Auto, b" \n\n", Severity::Suspend, false).is_err());
        let commented = parse(Format::Auto, b"# none left\n", Severity::Suspend, false).unwrap();
        assert!(commented.entries.is_empty());
    }
}
