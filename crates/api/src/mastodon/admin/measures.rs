//! `POST /api/v1/admin/measures`: Mastodon's quantitative measures, for the `instance_*`
//! keys (a remote domain's accounts, follows both ways, cached posts). Keys this server
//! does not compute are left out of the answer, as Mastodon leaves out unknown ones.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use starling_core::moderation::measures::{self, KEYS};

use super::Staff;
use crate::auth::scope;
use crate::error::{ApiError, ApiResult};
use crate::params::{Params, de};
use crate::state::AppState;

/// Mastodon's `Admin::Measure`.
#[derive(Debug, Serialize)]
pub struct AdminMeasure {
    pub key: String,
    pub unit: Option<String>,
    pub total: String,
    pub previous_total: Option<String>,
    pub data: Vec<MeasureDay>,
}

#[derive(Debug, Serialize)]
pub struct MeasureDay {
    pub date: String,
    pub value: String,
}

#[derive(Debug, Deserialize)]
pub struct MeasureParams {
    #[serde(default, deserialize_with = "de::strings")]
    keys: Vec<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    start_at: Option<String>,
    #[serde(default, deserialize_with = "de::opt_string")]
    end_at: Option<String>,
    /// Per-key parameters (`instance_follows[domain]=…`).
    #[serde(flatten)]
    rest: serde_json::Map<String, Value>,
}

fn date(s: Option<&str>, name: &str) -> ApiResult<Option<DateTime<Utc>>> {
    let Some(s) = s.map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let day = s
        .get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    day.map(|d| Some(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc()))
        .ok_or_else(|| ApiError::unprocessable(format!("{name} is not a date: {s:?}")))
}

/// # `POST /api/v1/admin/measures`
pub async fn measures(
    State(app): State<AppState>,
    _staff: Staff<scope::AdminRead>,
    Params(p): Params<MeasureParams>,
) -> ApiResult<Json<Vec<AdminMeasure>>> {
    let end = date(p.end_at.as_deref(), "end_at")?.unwrap_or_else(Utc::now);
    let start = date(p.start_at.as_deref(), "start_at")?.unwrap_or(end - Duration::days(29));
    let mut out = Vec::new();
    for key in p.keys.iter().filter(|k| KEYS.contains(&k.as_str())) {
        let domain = p
            .rest
            .get(key)
            .and_then(|v| v.get("domain"))
            .and_then(Value::as_str)
            .ok_or_else(|| ApiError::bad_request(format!("{key} needs a domain")))?;
        let m = measures::instance_measure(&app.inst, key, domain, start, end).await?;
        out.push(AdminMeasure {
            key: m.key.to_owned(),
            unit: None,
            total: m.total.to_string(),
            previous_total: None,
            data: m
                .data
                .into_iter()
                .map(|(day, n)| MeasureDay {
                    date: format!("{day}T00:00:00Z"),
                    value: n.to_string(),
                })
                .collect(),
        });
    }
    Ok(Json(out))
}
