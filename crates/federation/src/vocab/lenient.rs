//! Lenient readers for the loose JSON that real servers send.
//!
//! Every reader here takes a [`serde_json::Value`] and returns `Option`/`Vec`, never an
//! error: a property of the wrong shape reads as absent. The `de_*` adapters wrap them
//! for `#[serde(deserialize_with = …)]`, so one odd optional field never fails a whole
//! document. Only `id`, `type` and `actor` are required, and those are checked in
//! [`super::parse`].

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;

use super::id::{IdRef, value_to_addresses, value_to_id, value_to_ids, value_to_link};

/// A property that may be a single value or a list of values, as JSON-LD allows.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(untagged)]
pub enum OneOrMany<T> {
    /// A JSON array.
    Many(Vec<T>),
    /// A single value.
    One(T),
}

impl<T> OneOrMany<T> {
    /// All values, in document order.
    pub fn into_vec(self) -> Vec<T> {
        match self {
            Self::One(one) => vec![one],
            Self::Many(many) => many,
        }
    }

    /// The first value, if any.
    pub fn first(&self) -> Option<&T> {
        match self {
            Self::One(one) => Some(one),
            Self::Many(many) => many.first(),
        }
    }

    /// Iterates over the values in document order.
    pub fn iter(&self) -> std::slice::Iter<'_, T> {
        match self {
            Self::One(one) => std::slice::from_ref(one).iter(),
            Self::Many(many) => many.iter(),
        }
    }

    /// Number of values.
    pub fn len(&self) -> usize {
        match self {
            Self::One(_) => 1,
            Self::Many(many) => many.len(),
        }
    }

    /// True for an empty list.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Iterates over a one-or-many value: an array's elements, nothing for `null`, or the
/// value itself.
pub fn value_items(value: &Value) -> std::slice::Iter<'_, Value> {
    match value {
        Value::Array(items) => items.iter(),
        Value::Null => [].iter(),
        other => std::slice::from_ref(other).iter(),
    }
}

/// Parses a timestamp as leniently as the fediverse needs: RFC 3339 with `Z` or an
/// offset, a doubled zone (`…+00:00Z`), `+0000` offsets, a space instead of `T`, no zone
/// at all (read as UTC), a bare date, or RFC 2822. Anything else is `None`.
pub fn lenient_datetime(input: &str) -> Option<DateTime<Utc>> {
    let text = input.trim();
    if text.is_empty() || text.len() > 64 {
        return None;
    }
    parse_timestamp(text).or_else(|| {
        // `2026-12-02T16:05:17.840655+00:00Z`: an offset followed by a stray `Z`.
        let stripped = text.strip_suffix(['Z', 'z'])?;
        if stripped.len() > 19 && stripped.ends_with(|c: char| c.is_ascii_digit()) {
            parse_timestamp(stripped)
        } else {
            None
        }
    })
}

fn parse_timestamp(text: &str) -> Option<DateTime<Utc>> {
    if let Ok(parsed) = DateTime::parse_from_rfc3339(text) {
        return Some(parsed.with_timezone(&Utc));
    }
    for format in ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"] {
        if let Ok(parsed) = DateTime::parse_from_str(text, format) {
            return Some(parsed.with_timezone(&Utc));
        }
    }
    for format in [
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y-%m-%d %H:%M:%S%.f",
        "%Y-%m-%dT%H:%M",
    ] {
        if let Ok(naive) = NaiveDateTime::parse_from_str(text, format) {
            return Some(naive.and_utc());
        }
    }
    if let Ok(date) = NaiveDate::parse_from_str(text, "%Y-%m-%d") {
        return date.and_hms_opt(0, 0, 0).map(|naive| naive.and_utc());
    }
    DateTime::parse_from_rfc2822(text)
        .ok()
        .map(|parsed| parsed.with_timezone(&Utc))
}

/// A string, or a number written as text; anything else is `None`.
pub fn value_to_string(value: &Value) -> Option<String> {
    match value {
        Value::String(text) => Some(text.clone()),
        Value::Number(number) => Some(number.to_string()),
        _ => None,
    }
}

/// A boolean, or `"true"`/`"false"`/`"1"`/`"0"`, or the numbers 0 and 1.
pub fn value_to_bool(value: &Value) -> Option<bool> {
    match value {
        Value::Bool(flag) => Some(*flag),
        Value::String(text) => match text.trim().to_ascii_lowercase().as_str() {
            "true" | "1" | "yes" => Some(true),
            "false" | "0" | "no" => Some(false),
            _ => None,
        },
        Value::Number(number) => match number.as_u64() {
            Some(0) => Some(false),
            Some(1) => Some(true),
            _ => None,
        },
        _ => None,
    }
}

/// A finite number, or a number written as text.
pub fn value_to_f64(value: &Value) -> Option<f64> {
    let number = match value {
        Value::Number(number) => number.as_f64(),
        Value::String(text) => text.trim().parse::<f64>().ok(),
        _ => None,
    }?;
    number.is_finite().then_some(number)
}

/// A non-negative integer (fractions are rounded down), or one written as text.
pub fn value_to_u64(value: &Value) -> Option<u64> {
    if let Some(whole) = value.as_u64() {
        return Some(whole);
    }
    let number = value_to_f64(value)?;
    // Truncation is the intent; the range check keeps the cast exact.
    (0.0..9.0e15).contains(&number).then_some(number as u64)
}

/// A non-negative integer that fits `u32` (pixel sizes and the like).
pub fn value_to_u32(value: &Value) -> Option<u32> {
    value_to_u64(value).and_then(|whole| u32::try_from(whole).ok())
}

/// A timestamp string read with [`lenient_datetime`].
pub fn value_to_datetime(value: &Value) -> Option<DateTime<Utc>> {
    value.as_str().and_then(lenient_datetime)
}

/// A language map such as `contentMap`, keeping document order and string values only.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LangMap(Vec<(String, String)>);

impl LangMap {
    /// Reads a JSON object of language tag to text; anything else is empty.
    pub fn from_value(value: &Value) -> Self {
        let Value::Object(map) = value else {
            return Self::default();
        };
        Self(
            map.iter()
                .filter_map(|(lang, text)| Some((lang.clone(), text.as_str()?.to_owned())))
                .collect(),
        )
    }

    /// The text for a language tag.
    pub fn get(&self, lang: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(key, _)| key == lang)
            .map(|(_, text)| text.as_str())
    }

    /// The language whose text equals `text`, if any.
    pub fn language_of(&self, text: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(_, value)| value == text)
            .map(|(lang, _)| lang.as_str())
    }

    /// The first entry in document order.
    pub fn first(&self) -> Option<(&str, &str)> {
        self.0
            .first()
            .map(|(lang, text)| (lang.as_str(), text.as_str()))
    }

    /// Iterates over `(language, text)` pairs.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.0
            .iter()
            .map(|(lang, text)| (lang.as_str(), text.as_str()))
    }

    /// Number of entries.
    pub fn len(&self) -> usize {
        self.0.len()
    }

    /// True when there are no entries.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

/// Reads every element of a one-or-many value with `read`, dropping those it rejects.
pub fn value_to_vec<T>(value: &Value, read: impl Fn(&Value) -> Option<T>) -> Vec<T> {
    value_items(value).filter_map(read).collect()
}

macro_rules! adapter {
    ($(#[$meta:meta])* $name:ident -> $ty:ty = $read:expr) => {
        $(#[$meta])*
        pub fn $name<'de, D: Deserializer<'de>>(deserializer: D) -> Result<$ty, D::Error> {
            let value = Value::deserialize(deserializer)?;
            Ok($read(&value))
        }
    };
}

adapter!(
    /// `#[serde(deserialize_with)]` adapter for [`value_to_string`].
    de_string -> Option<String> = value_to_string
);
adapter!(
    /// Adapter for [`value_to_bool`].
    de_bool -> Option<bool> = value_to_bool
);
adapter!(
    /// Adapter for [`value_to_u64`].
    de_u64 -> Option<u64> = value_to_u64
);
adapter!(
    /// Adapter for [`value_to_u32`].
    de_u32 -> Option<u32> = value_to_u32
);
adapter!(
    /// Adapter for [`value_to_datetime`].
    de_datetime -> Option<DateTime<Utc>> = value_to_datetime
);
adapter!(
    /// Adapter for [`LangMap::from_value`].
    de_lang_map -> LangMap = LangMap::from_value
);
adapter!(
    /// Adapter for [`value_to_id`]: a URL string, an object's `id`, or a list's first.
    de_id -> Option<IdRef> = value_to_id
);
adapter!(
    /// Adapter for [`value_to_ids`].
    de_ids -> Vec<IdRef> = value_to_ids
);
adapter!(
    /// Adapter for [`value_to_addresses`] (`to`, `cc`, … with `Public` normalised).
    de_addresses -> Vec<IdRef> = value_to_addresses
);
adapter!(
    /// Adapter for [`value_to_link`] (`url`: string, Link object or list).
    de_link -> Option<IdRef> = value_to_link
);
adapter!(
    /// Keeps any JSON value, reading `null` as absent.
    de_value -> Option<Value> = |value: &Value| (!value.is_null()).then(|| value.clone())
);

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn ts(text: &str) -> Option<String> {
        lenient_datetime(text).map(|time| time.to_rfc3339())
    }

    #[test]
    fn timestamps_in_the_wild() {
        let utc = Some("2026-12-02T16:05:17.840655+00:00".to_owned());
        assert_eq!(ts("2026-12-02T16:05:17.840655+00:00Z"), utc);
        assert_eq!(ts("2026-12-02T16:05:17.840655Z"), utc);
        assert_eq!(ts("2026-12-02T16:05:17.840655"), utc);
        assert_eq!(ts(" 2026-12-02 16:05:17.840655+0000 "), utc);
        assert_eq!(
            ts("2021-10-20T12:40:37+02:00"),
            Some("2021-10-20T10:40:37+00:00".to_owned())
        );
        assert_eq!(
            ts("2021-05-12T09:58:38.00Z"),
            Some("2021-05-12T09:58:38+00:00".to_owned())
        );
        assert_eq!(
            ts("1993-01-22"),
            Some("1993-01-22T00:00:00+00:00".to_owned())
        );
        assert_eq!(
            ts("Tue, 1 Jul 2003 10:52:37 +0200"),
            Some("2003-07-01T08:52:37+00:00".to_owned())
        );
        for bad in ["", "yesterday", "2026-13-45T99:00:00Z", "0000-00-00", "Z"] {
            assert_eq!(ts(bad), None, "{bad}");
        }
        assert_eq!(value_to_datetime(&json!(12345)), None);
    }

    #[test]
    fn scalars_are_read_leniently() {
        assert_eq!(value_to_string(&json!(42)), Some("42".to_owned()));
        assert_eq!(value_to_string(&json!({"a": 1})), None);
        assert_eq!(value_to_bool(&json!("true")), Some(true));
        assert_eq!(value_to_bool(&json!(0)), Some(false));
        assert_eq!(value_to_bool(&json!(null)), None);
        assert_eq!(value_to_u32(&json!("1500")), Some(1500));
        assert_eq!(value_to_u32(&json!(1095.7)), Some(1095));
        assert_eq!(value_to_u32(&json!(-3)), None);
        assert_eq!(value_to_u32(&json!(1e300)), None);
        assert_eq!(value_to_f64(&json!("NaN")), None);
    }

    #[test]
    fn one_or_many_and_lists() {
        let one: OneOrMany<u8> =
            serde_json::from_value(json!(3)).unwrap_or(OneOrMany::Many(vec![]));
        assert_eq!(one.clone().into_vec(), vec![3]);
        assert_eq!(one.first(), Some(&3));
        let many: OneOrMany<u8> =
            serde_json::from_value(json!([1, 2])).unwrap_or(OneOrMany::Many(vec![]));
        assert_eq!(many.iter().copied().collect::<Vec<_>>(), vec![1, 2]);
        assert_eq!(many.len(), 2);
        assert_eq!(value_to_vec(&json!([1, "x", 2]), Value::as_u64), vec![1, 2]);
        assert_eq!(value_to_vec(&json!(null), Value::as_u64), Vec::<u64>::new());
        assert_eq!(value_to_vec(&json!(7), Value::as_u64), vec![7]);
    }

    #[test]
    fn language_maps_keep_order_and_strings() {
        let map = LangMap::from_value(&json!({"en": "hi", "de": "hallo", "fr": 3}));
        assert_eq!(map.len(), 2);
        assert_eq!(map.first(), Some(("en", "hi")));
        assert_eq!(map.get("de"), Some("hallo"));
        assert_eq!(map.language_of("hallo"), Some("de"));
        assert!(LangMap::from_value(&json!("en")).is_empty());
    }
}
