//! [`ApiError`]: every failure of the HTTP layer, rendered the way Mastodon renders it:
//! a status code and `{"error": "…"}` (plus `error_description` for OAuth endpoints and
//! `details` for registration validation). Internal failures are logged with their
//! cause and shown to the client only as a generic message.

use axum::Json;
use axum::http::{HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use starling_core::error::{CoreError, ValidationErrors};

/// An error answer.
#[derive(Debug)]
pub struct ApiError {
    pub status: StatusCode,
    pub body: Value,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

pub type ApiResult<T> = Result<T, ApiError>;

impl ApiError {
    /// `{"error": message}` with `status`.
    pub fn new(status: StatusCode, message: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({ "error": message.into() }),
            headers: Vec::new(),
        }
    }

    pub fn bad_request(message: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, message)
    }

    pub fn not_found() -> Self {
        Self::new(StatusCode::NOT_FOUND, "Record not found")
    }

    pub fn forbidden(message: impl Into<String>) -> Self {
        Self::new(StatusCode::FORBIDDEN, message)
    }

    pub fn unprocessable(message: impl Into<String>) -> Self {
        Self::new(StatusCode::UNPROCESSABLE_ENTITY, message)
    }

    /// 401 for a missing or unusable bearer token, with Doorkeeper's header.
    pub fn invalid_token(message: &str) -> Self {
        let mut e = Self::new(StatusCode::UNAUTHORIZED, message);
        e.headers.push((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_str(&format!(
                "Bearer realm=\"Doorkeeper\", error=\"invalid_token\", error_description=\"{message}\""
            ))
            .unwrap_or(HeaderValue::from_static("Bearer")),
        ));
        e
    }

    /// 403 for a token without the scope an endpoint needs.
    pub fn insufficient_scope() -> Self {
        let mut e = Self::new(
            StatusCode::FORBIDDEN,
            "This action is outside the authorized scopes",
        );
        e.headers.push((
            header::WWW_AUTHENTICATE,
            HeaderValue::from_static(
                "Bearer realm=\"Doorkeeper\", error=\"insufficient_scope\", error_description=\"The request requires higher privileges than provided by the access token.\"",
            ),
        ));
        e
    }

    /// 422 with Mastodon's `details` per field (the registration endpoint's shape).
    pub fn validation_with_details(errors: &ValidationErrors) -> Self {
        let mut details = Map::new();
        for e in &errors.0 {
            let entry = details
                .entry(e.field.clone())
                .or_insert_with(|| Value::Array(Vec::new()));
            if let Value::Array(list) = entry {
                list.push(json!({ "error": e.code, "description": e.description }));
            }
        }
        Self {
            status: StatusCode::UNPROCESSABLE_ENTITY,
            body: json!({ "error": errors.to_string(), "details": details }),
            headers: Vec::new(),
        }
    }

    /// An OAuth 2 error: `{"error": code, "error_description": description}`.
    pub fn oauth(status: StatusCode, code: &str, description: impl Into<String>) -> Self {
        Self {
            status,
            body: json!({ "error": code, "error_description": description.into() }),
            headers: vec![
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
                (header::PRAGMA, HeaderValue::from_static("no-cache")),
            ],
        }
    }

    pub fn internal(cause: impl std::fmt::Display) -> Self {
        tracing::error!(error = %cause, "internal error");
        Self::new(StatusCode::INTERNAL_SERVER_ERROR, "Internal server error")
    }

    pub fn with_header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.push((name, value));
        self
    }
}

impl From<CoreError> for ApiError {
    fn from(e: CoreError) -> Self {
        match e {
            CoreError::NotFound => Self::not_found(),
            CoreError::NotFoundMessage(m) => Self::new(StatusCode::NOT_FOUND, m),
            CoreError::Forbidden(m) => Self::forbidden(m),
            CoreError::Validation(v) => Self::unprocessable(v.to_string()),
            CoreError::Invalid(m) => Self::bad_request(m),
            CoreError::Unprocessable(m) => Self::unprocessable(m),
            CoreError::Unavailable(m) => {
                tracing::error!(error = %m, "backing service unavailable");
                Self::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "There was a temporary problem serving your request, please try again",
                )
            }
            e if e.is_unique_violation() => Self::unprocessable("Duplicate record"),
            e => Self::internal(e),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.body)).into_response();
        for (name, value) in self.headers {
            response.headers_mut().append(name, value);
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn details_group_by_field() {
        let mut v = ValidationErrors::default();
        v.add("username", "ERR_TAKEN", "has already been taken");
        v.add(
            "password",
            "ERR_TOO_SHORT",
            "is too short (minimum is 8 characters)",
        );
        let e = ApiError::validation_with_details(&v);
        assert_eq!(e.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            e.body,
            json!({
                "error": "Validation failed: Username has already been taken, Password is too short (minimum is 8 characters)",
                "details": {
                    "username": [{"error": "ERR_TAKEN", "description": "has already been taken"}],
                    "password": [{"error": "ERR_TOO_SHORT", "description": "is too short (minimum is 8 characters)"}]
                }
            })
        );
    }

    #[test]
    fn internal_errors_do_not_leak() {
        let e: ApiError = CoreError::Internal("secret path /var/x".into()).into();
        assert_eq!(e.status, StatusCode::INTERNAL_SERVER_ERROR);
        assert!(!e.body.to_string().contains("secret"));
    }
}
