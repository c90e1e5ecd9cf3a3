//! Mastodon's CSV of domain blocks, both ways: the header
//! `#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate`, one
//! block per line. Files without the header (a plain list of domains, or the columns
//! in Mastodon's order) are read too.
//!
//! Reading is all or nothing: every line is checked first, and one bad line refuses
//! the whole file with the line numbers of every problem, so nothing is half-imported.

use super::{Severity, domains};
use crate::entities::domain_block;
use crate::error::{CoreError, CoreResult};

/// The header Mastodon writes and reads.
pub const HEADER: &str =
    "#domain,#severity,#reject_media,#reject_reports,#public_comment,#obfuscate";

/// The largest file read, and the most lines (Mastodon caps imports at 20,000 rows).
pub const MAX_BYTES: usize = 20 * 1024 * 1024;
pub const MAX_ROWS: usize = 20_000;

/// One block of a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Normalised (punycode, lower case).
    pub domain: String,
    pub severity: Severity,
    pub reject_media: bool,
    pub reject_reports: bool,
    pub public_comment: Option<String>,
    pub obfuscate: bool,
}

impl Entry {
    /// Whether `block` already says what this entry says.
    pub fn same_as(&self, block: &domain_block::Model) -> bool {
        block.severity == self.severity.as_str()
            && block.reject_media == self.reject_media
            && block.reject_reports == self.reject_reports
            && block.public_comment == self.public_comment
            && block.obfuscate == self.obfuscate
    }
}

#[derive(Clone, Copy)]
enum Column {
    Domain,
    Severity,
    RejectMedia,
    RejectReports,
    PublicComment,
    Obfuscate,
    Ignored,
}

fn column(name: &str) -> Column {
    match name
        .trim()
        .trim_start_matches('#')
        .to_ascii_lowercase()
        .as_str()
    {
        "domain" => Column::Domain,
        "severity" => Column::Severity,
        "reject_media" => Column::RejectMedia,
        "reject_reports" => Column::RejectReports,
        "public_comment" | "comment" => Column::PublicComment,
        "obfuscate" => Column::Obfuscate,
        _ => Column::Ignored,
    }
}

const MASTODON_ORDER: [Column; 6] = [
    Column::Domain,
    Column::Severity,
    Column::RejectMedia,
    Column::RejectReports,
    Column::PublicComment,
    Column::Obfuscate,
];

fn boolean(value: &str) -> Result<bool, String> {
    match value.trim().to_ascii_lowercase().as_str() {
        "" | "false" | "0" | "no" => Ok(false),
        "true" | "1" | "yes" => Ok(true),
        other => Err(format!("{other:?} is not true or false")),
    }
}

/// Reads a file. Lines that repeat a domain keep the last one. `allow_ports` as for
/// [`domains::normalize`].
pub fn parse(input: &[u8], allow_ports: bool) -> CoreResult<Vec<Entry>> {
    if input.len() > MAX_BYTES {
        return Err(CoreError::Unprocessable(format!(
            "the file is larger than {} MiB",
            MAX_BYTES / 1024 / 1024
        )));
    }
    let mut reader = ::csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(::csv::Trim::All)
        .from_reader(input);
    let mut columns: Option<Vec<Column>> = None;
    let mut entries: Vec<Entry> = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let line = i + 1;
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                problems.push(format!("line {line}: {e}"));
                continue;
            }
        };
        let first = record.get(0).unwrap_or_default();
        if record.iter().all(str::is_empty) || (first.starts_with('#') && columns.is_some()) {
            continue;
        }
        if columns.is_none() && first.starts_with('#') {
            columns = Some(record.iter().map(column).collect());
            continue;
        }
        let cols = columns.get_or_insert_with(|| MASTODON_ORDER.to_vec());
        match entry(&record, cols, allow_ports) {
            Ok(e) => entries.push(e),
            Err(why) => problems.push(format!("line {line}: {why}")),
        }
        if entries.len() > MAX_ROWS {
            return Err(CoreError::Unprocessable(format!(
                "the file has more than {MAX_ROWS} blocks"
            )));
        }
    }
    if !problems.is_empty() {
        let shown = problems.len().min(20);
        let mut message = format!(
            "nothing imported: {} line(s) cannot be read: {}",
            problems.len(),
            problems[..shown].join("; ")
        );
        if problems.len() > shown {
            message.push_str("; …");
        }
        return Err(CoreError::Unprocessable(message));
    }
    // The last line for a domain wins.
    let mut seen = std::collections::HashSet::new();
    let mut unique: Vec<Entry> = entries
        .into_iter()
        .rev()
        .filter(|e| seen.insert(e.domain.clone()))
        .collect();
    unique.reverse();
    Ok(unique)
}

fn entry(
    record: &::csv::StringRecord,
    cols: &[Column],
    allow_ports: bool,
) -> Result<Entry, String> {
    let mut e = Entry {
        domain: String::new(),
        severity: Severity::Suspend,
        reject_media: false,
        reject_reports: false,
        public_comment: None,
        obfuscate: false,
    };
    let mut domain = None;
    for (value, col) in record.iter().zip(cols.iter().copied()) {
        match col {
            Column::Domain => domain = Some(value),
            Column::Severity if !value.is_empty() => {
                e.severity = Severity::parse(value).map_err(|err| err.to_string())?;
            }
            Column::Severity => {}
            Column::RejectMedia => e.reject_media = boolean(value)?,
            Column::RejectReports => e.reject_reports = boolean(value)?,
            Column::PublicComment => {
                e.public_comment = Some(value.to_owned()).filter(|c| !c.is_empty());
            }
            Column::Obfuscate => e.obfuscate = boolean(value)?,
            Column::Ignored => {}
        }
    }
    let domain = domain.ok_or("no domain")?;
    e.domain = domains::normalize(domain, allow_ports).map_err(|err| err.to_string())?;
    Ok(e)
}

/// Writes `blocks` in Mastodon's format, header first.
pub fn export(blocks: &[domain_block::Model]) -> String {
    let mut writer = ::csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    let mut out = String::from(HEADER);
    out.push('\n');
    for b in blocks {
        let flag = |v: bool| if v { "true" } else { "false" };
        // Writing to memory cannot fail.
        let _ = writer.write_record([
            b.domain.as_str(),
            b.severity.as_str(),
            flag(b.reject_media),
            flag(b.reject_reports),
            b.public_comment.as_deref().unwrap_or_default(),
            flag(b.obfuscate),
        ]);
    }
    let body = writer.into_inner().unwrap_or_default();
    out.push_str(&String::from_utf8_lossy(&body));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mastodon_exports_are_read() {
        let file = format!(
            "{HEADER}\nevil.example,suspend,true,true,\"spam, lots\",false\nlimited.example,silence,false,false,,true\n"
        );
        let got = parse(file.as_bytes(), false).unwrap();
        assert_eq!(got.len(), 2);
        assert_eq!(got[0].domain, "evil.example");
        assert_eq!(got[0].severity, Severity::Suspend);
        assert!(got[0].reject_media && got[0].reject_reports && !got[0].obfuscate);
        assert_eq!(got[0].public_comment.as_deref(), Some("spam, lots"));
        assert_eq!(got[1].severity, Severity::Silence);
        assert!(got[1].obfuscate);
        assert_eq!(got[1].public_comment, None);
    }

    #[test]
    fn plain_lists_and_reordered_columns_are_read() {
        let got = parse(b"one.example\nTwo.Example.\n\n", false).unwrap();
        let domains: Vec<&str> = got.iter().map(|e| e.domain.as_str()).collect();
        assert_eq!(domains, ["one.example", "two.example"]);
        assert!(got.iter().all(|e| e.severity == Severity::Suspend));
        let got = parse("#severity,#domain\nnoop,bücher.example\n".as_bytes(), false).unwrap();
        assert_eq!(got[0].domain, "xn--bcher-kva.example");
        assert_eq!(got[0].severity, Severity::Noop);
    }

    #[test]
    fn one_bad_line_refuses_the_file_and_names_every_bad_line() {
        let file = format!(
            "{HEADER}\ngood.example,suspend,false,false,,false\nhttps://bad.example/x,suspend,,,,\nworse.example,obliterate,,,,\nok.example,silence,maybe,,,\n"
        );
        let err = parse(file.as_bytes(), false).unwrap_err().to_string();
        assert!(err.contains("nothing imported"), "{err}");
        for line in ["line 3", "line 4", "line 5"] {
            assert!(err.contains(line), "{line} missing in {err}");
        }
        assert!(!err.contains("line 2"), "{err}");
    }

    #[test]
    fn exports_read_back_the_same() {
        let now = chrono::Utc::now();
        let block = |domain: &str, severity: &str, comment: Option<&str>| domain_block::Model {
            id: 1,
            domain: domain.into(),
            severity: severity.into(),
            reject_media: true,
            reject_reports: false,
            private_comment: Some("kept here".into()),
            public_comment: comment.map(Into::into),
            obfuscate: severity == "silence",
            source_id: None,
            created_at: now,
            updated_at: now,
        };
        let blocks = [
            block("evil.example", "suspend", Some("spam, \"lots\"")),
            block("limited.example", "silence", None),
        ];
        let text = export(&blocks);
        assert!(text.starts_with(&format!("{HEADER}\n")));
        let back = parse(text.as_bytes(), false).unwrap();
        assert_eq!(back.len(), 2);
        for (e, b) in back.iter().zip(&blocks) {
            assert!(e.same_as(b), "{e:?} vs {b:?}");
        }
    }
}
