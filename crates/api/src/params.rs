//! Request parameters the way Mastodon (Rails) reads them: the query string and the body
//! — JSON, `application/x-www-form-urlencoded` or `multipart/form-data` — merged into one
//! set, with Rails' bracket syntax (`media_ids[]=1`, `source[privacy]=public`,
//! `fields_attributes[0][name]=…`) turned into arrays and objects.
//!
//! Form bodies carry every value as a string, so the typed structs handlers declare use
//! the lenient deserialisers in [`de`]: booleans accept `true`/`1`/`on` (Rails'
//! rules), numbers and ids accept strings. A value that cannot be read is a 400 naming
//! the parameter; a body that is not valid JSON is a 400; a body in another format is a
//! 415; a body over the limit is a 413. Never a 500.

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::ApiError;

/// Typed parameters from the query and the body.
#[derive(Debug)]
pub struct Params<T>(pub T);

/// A file sent in a multipart body.
#[derive(Debug, Clone)]
pub struct Upload {
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// Typed parameters plus the files of a multipart body.
#[derive(Debug)]
pub struct ParamsWithFiles<T> {
    pub params: T,
    pub files: Vec<Upload>,
}

impl<T> ParamsWithFiles<T> {
    /// The file sent as `field`, if any.
    pub fn take_file(&mut self, field: &str) -> Option<Upload> {
        let i = self.files.iter().position(|f| f.field == field)?;
        Some(self.files.remove(i))
    }
}

/// Splits `a[b][]` into `["a", "b", ""]`.
fn key_segments(key: &str) -> Vec<&str> {
    let Some(open) = key.find('[') else {
        return vec![key];
    };
    let mut segments = vec![&key[..open]];
    let mut rest = &key[open..];
    while let Some(stripped) = rest.strip_prefix('[') {
        match stripped.find(']') {
            Some(close) => {
                segments.push(&stripped[..close]);
                rest = &stripped[close + 1..];
            }
            None => {
                // Unbalanced bracket: keep the remainder as a literal key.
                segments.push(stripped);
                break;
            }
        }
    }
    segments
}

fn insert_at(target: &mut Value, segments: &[&str], value: Value) {
    let Some((head, rest)) = segments.split_first() else {
        *target = value;
        return;
    };
    if head.is_empty() {
        // `[]`: append to an array.
        if !target.is_array() {
            *target = Value::Array(Vec::new());
        }
        let Value::Array(list) = target else { return };
        if rest.is_empty() {
            list.push(value);
        } else {
            // `a[][name]=x&a[][value]=y`: start a new object when the key repeats.
            let starts_new = match list.last() {
                Some(Value::Object(o)) => rest.first().is_some_and(|k| o.contains_key(*k)),
                _ => true,
            };
            if starts_new {
                list.push(Value::Object(Map::new()));
            }
            if let Some(last) = list.last_mut() {
                insert_at(last, rest, value);
            }
        }
        return;
    }
    if !target.is_object() {
        *target = Value::Object(Map::new());
    }
    let Value::Object(map) = target else { return };
    if rest.is_empty() {
        map.insert(head.to_string(), value);
    } else {
        let entry = map.entry(head.to_string()).or_insert(Value::Null);
        insert_at(entry, rest, value);
    }
}

/// Adds `key=value` (Rails syntax) to `map`.
pub fn insert_pair(map: &mut Value, key: &str, value: String) {
    if key.is_empty() {
        return;
    }
    insert_at(map, &key_segments(key), Value::String(value));
}

fn merge_json(target: &mut Map<String, Value>, body: Map<String, Value>) {
    for (k, v) in body {
        target.insert(k, v);
    }
}

fn content_type(req: &Request) -> Option<String> {
    req.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.to_ascii_lowercase())
}

/// Reads the query and body of `req` into one JSON object and a list of uploads.
pub async fn collect<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(Value, Vec<Upload>), ApiError> {
    let mut params = Value::Object(Map::new());
    if let Some(query) = req.uri().query() {
        for (k, v) in url::form_urlencoded::parse(query.as_bytes()) {
            insert_pair(&mut params, &k, v.into_owned());
        }
    }
    let mut files = Vec::new();
    let ct = content_type(&req);
    match ct.as_deref() {
        Some(ct) if ct.starts_with("multipart/form-data") => {
            let mut multipart = Multipart::from_request(req, state).await.map_err(|e| {
                ApiError::new(
                    e.status(),
                    format!("Invalid multipart body: {}", e.body_text()),
                )
            })?;
            loop {
                let field = match multipart.next_field().await {
                    Ok(Some(field)) => field,
                    Ok(None) => break,
                    Err(e) => {
                        return Err(ApiError::new(
                            e.status(),
                            format!("Invalid multipart body: {}", e.body_text()),
                        ));
                    }
                };
                let name = field.name().unwrap_or_default().to_string();
                let file_name = field.file_name().map(str::to_string);
                let content_type = field.content_type().map(str::to_string);
                let bytes = field.bytes().await.map_err(|e| {
                    ApiError::new(
                        e.status(),
                        format!("Invalid multipart body: {}", e.body_text()),
                    )
                })?;
                if file_name.is_some() {
                    files.push(Upload {
                        field: name,
                        file_name,
                        content_type,
                        bytes,
                    });
                } else {
                    let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                        ApiError::bad_request(format!("Parameter {name} is not valid UTF-8"))
                    })?;
                    insert_pair(&mut params, &name, text);
                }
            }
        }
        ct => {
            let ct = ct.map(str::to_string);
            let body = Bytes::from_request(req, state).await.map_err(|e| {
                let status = e.status();
                if status == StatusCode::PAYLOAD_TOO_LARGE {
                    ApiError::new(status, "Request body too large")
                } else {
                    ApiError::new(
                        status,
                        format!("Could not read request body: {}", e.body_text()),
                    )
                }
            })?;
            if !body.iter().all(u8::is_ascii_whitespace) {
                match ct.as_deref() {
                    Some(ct) if ct.starts_with("application/json") || ct.contains("+json") => {
                        let value: Value = serde_json::from_slice(&body).map_err(|e| {
                            ApiError::bad_request(format!("Malformed JSON in request body: {e}"))
                        })?;
                        match value {
                            Value::Object(body) => {
                                if let Value::Object(map) = &mut params {
                                    merge_json(map, body);
                                }
                            }
                            _ => {
                                return Err(ApiError::bad_request(
                                    "The JSON request body must be an object",
                                ));
                            }
                        }
                    }
                    Some(ct) if ct.starts_with("application/x-www-form-urlencoded") => {
                        for (k, v) in url::form_urlencoded::parse(&body) {
                            insert_pair(&mut params, &k, v.into_owned());
                        }
                    }
                    other => {
                        return Err(ApiError::new(
                            StatusCode::UNSUPPORTED_MEDIA_TYPE,
                            format!(
                                "Unsupported Content-Type {}: send application/json, application/x-www-form-urlencoded or multipart/form-data",
                                other.unwrap_or("(none)")
                            ),
                        ));
                    }
                }
            }
        }
    }
    Ok((params, files))
}

/// Deserialises collected parameters into `T`, naming the parameter that failed.
pub fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let inner = e.into_inner();
        if path == "." || path.is_empty() {
            ApiError::bad_request(format!("Invalid parameters: {inner}"))
        } else {
            ApiError::bad_request(format!("Invalid value for parameter {path}: {inner}"))
        }
    })
}

impl<S, T> FromRequest<S> for Params<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (value, _) = collect(req, state).await?;
        Ok(Params(from_value(value)?))
    }
}

impl<S, T> FromRequest<S> for ParamsWithFiles<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (value, files) = collect(req, state).await?;
        Ok(ParamsWithFiles {
            params: from_value(value)?,
            files,
        })
    }
}

/// Lenient deserialisers for form-encoded values.
pub mod de {
    use serde::de::{Deserialize, Deserializer, Error};
    use serde_json::Value;

    /// Rails' boolean cast: `false`, `0`, `"0"`, `"f"`, `"false"`, `"off"` (any case) are
    /// false, `""` and null are unset, anything else is true.
    pub fn opt_bool<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::Bool(b) => Some(b),
            Value::Number(n) => Some(n.as_f64() != Some(0.0)),
            Value::String(s) if s.is_empty() => None,
            Value::String(s) => Some(!matches!(
                s.to_ascii_lowercase().as_str(),
                "0" | "f" | "false" | "off"
            )),
            other => return Err(D::Error::custom(format!("expected a boolean, got {other}"))),
        })
    }

    /// A string (numbers are accepted as their text); null or absent is unset.
    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::String(s) => Some(s),
            Value::Number(n) => Some(n.to_string()),
            Value::Bool(b) => Some(b.to_string()),
            other => return Err(D::Error::custom(format!("expected a string, got {other}"))),
        })
    }

    /// A non-negative integer from a number or a string; `""` is unset.
    pub fn opt_u64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
        Ok(match Value::deserialize(d)? {
            Value::Null => None,
            Value::Number(n) => Some(
                n.as_i64()
                    .map(i64::unsigned_abs)
                    .or(n.as_u64())
                    .ok_or_else(|| D::Error::custom("expected an integer"))?,
            ),
            Value::String(s) if s.trim().is_empty() => None,
            Value::String(s) => Some(
                s.trim()
                    .parse::<i64>()
                    .map(i64::unsigned_abs)
                    .map_err(|_| D::Error::custom(format!("expected an integer, got {s:?}")))?,
            ),
            other => {
                return Err(D::Error::custom(format!(
                    "expected an integer, got {other}"
                )));
            }
        })
    }

    fn id_from(value: Value) -> Result<Option<i64>, String> {
        match value {
            Value::Null => Ok(None),
            Value::Number(n) => n
                .as_i64()
                .filter(|i| *i >= 0)
                .map(Some)
                .ok_or_else(|| "expected an id".to_string()),
            Value::String(s) if s.trim().is_empty() => Ok(None),
            Value::String(s) => s
                .trim()
                .parse::<i64>()
                .ok()
                .filter(|i| *i >= 0)
                .map(Some)
                .ok_or_else(|| format!("expected an id, got {s:?}")),
            other => Err(format!("expected an id, got {other}")),
        }
    }

    /// An id (ids travel as strings); `""` is unset.
    pub fn opt_id<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
        id_from(Value::deserialize(d)?).map_err(D::Error::custom)
    }

    /// A list of ids: an array, or one value.
    pub fn ids<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<i64>, D::Error> {
        let items = match Value::deserialize(d)? {
            Value::Null => Vec::new(),
            Value::Array(items) => items,
            Value::Object(map) => map.into_iter().map(|(_, v)| v).collect(),
            one => vec![one],
        };
        items
            .into_iter()
            .filter_map(|v| id_from(v).transpose())
            .collect::<Result<Vec<_>, _>>()
            .map_err(D::Error::custom)
    }

    /// A list of strings: an array, or one value.
    pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
        let items = match Value::deserialize(d)? {
            Value::Null => return Ok(Vec::new()),
            Value::Array(items) => items,
            one => vec![one],
        };
        items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                Value::Number(n) => Ok(n.to_string()),
                other => Err(D::Error::custom(format!("expected a string, got {other}"))),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn parse(pairs: &[(&str, &str)]) -> Value {
        let mut v = Value::Object(Map::new());
        for (k, val) in pairs {
            insert_pair(&mut v, k, val.to_string());
        }
        v
    }

    #[test]
    fn rails_brackets_become_arrays_and_objects() {
        assert_eq!(
            parse(&[
                ("status", "hi"),
                ("media_ids[]", "1"),
                ("media_ids[]", "2"),
                ("source[privacy]", "private"),
                ("fields_attributes[0][name]", "a"),
                ("fields_attributes[0][value]", "b"),
                ("fields_attributes[1][name]", "c"),
                ("poll[options][]", "x"),
            ]),
            json!({
                "status": "hi",
                "media_ids": ["1", "2"],
                "source": {"privacy": "private"},
                "fields_attributes": {"0": {"name": "a", "value": "b"}, "1": {"name": "c"}},
                "poll": {"options": ["x"]},
            })
        );
        assert_eq!(
            parse(&[("f[][name]", "a"), ("f[][value]", "1"), ("f[][name]", "b")]),
            json!({"f": [{"name": "a", "value": "1"}, {"name": "b"}]})
        );
    }

    #[derive(serde::Deserialize, Debug)]
    struct Form {
        #[serde(default, deserialize_with = "de::opt_bool")]
        sensitive: Option<bool>,
        #[serde(default, deserialize_with = "de::opt_u64")]
        limit: Option<u64>,
        #[serde(default, deserialize_with = "de::ids")]
        media_ids: Vec<i64>,
        #[serde(default, deserialize_with = "de::opt_id")]
        in_reply_to_id: Option<i64>,
    }

    #[test]
    fn lenient_values() {
        let f: Form = from_value(
            json!({"sensitive": "1", "limit": "5", "media_ids": ["7", 8], "in_reply_to_id": ""}),
        )
        .unwrap();
        assert_eq!(f.sensitive, Some(true));
        assert_eq!(f.limit, Some(5));
        assert_eq!(f.media_ids, vec![7, 8]);
        assert_eq!(f.in_reply_to_id, None);
        let f: Form = from_value(json!({"sensitive": "false", "media_ids": "3"})).unwrap();
        assert_eq!(f.sensitive, Some(false));
        assert_eq!(f.media_ids, vec![3]);
        let err = from_value::<Form>(json!({"limit": "many"})).unwrap_err();
        assert_eq!(err.status, StatusCode::BAD_REQUEST);
        assert!(
            err.body["error"].as_str().unwrap().contains("limit"),
            "{:?}",
            err.body
        );
    }
}
