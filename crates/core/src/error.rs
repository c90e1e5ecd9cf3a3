//! Errors of the core layer.
//!
//! Core speaks in domain terms (`NotFound`, `Forbidden`, `Validation`…); the api crate
//! maps them to HTTP statuses and Mastodon's `{"error": …}` bodies, and federation to
//! "reject" or "retry". Database and I/O details never reach a client: they are logged
//! and rendered as a generic 500 / 503.

use std::fmt;

use sea_orm::DbErr;

/// One failed check of one field, in Mastodon's validation error vocabulary
/// (`ERR_BLANK`, `ERR_TAKEN`, `ERR_INVALID`, `ERR_TOO_LONG`, …).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// Attribute name as the API calls it (`username`, `text`).
    pub field: String,
    /// `ERR_…` code.
    pub code: &'static str,
    /// Sentence fragment following the attribute: "has already been taken".
    pub description: String,
}

impl FieldError {
    pub fn new(field: &str, code: &'static str, description: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            code,
            description: description.into(),
        }
    }
}

/// Errors from a failed validation of one record.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    pub fn add(&mut self, field: &str, code: &'static str, description: impl Into<String>) {
        self.0.push(FieldError::new(field, code, description));
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `Err(CoreError::Validation)` when any check failed.
    pub fn into_result(self) -> Result<(), CoreError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Validation(self))
        }
    }
}

impl fmt::Display for ValidationErrors {
    /// "Validation failed: Username has already been taken, Email is invalid"
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Validation failed: ")?;
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            let mut name = e.field.replace('_', " ");
            if let Some(first) = name.get_mut(0..1) {
                first.make_ascii_uppercase();
            }
            write!(f, "{name} {}", e.description)?;
        }
        Ok(())
    }
}

/// What went wrong in a core operation.
#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    /// The record does not exist, or the caller may not know that it exists.
    #[error("Record not found")]
    NotFound,
    /// Not found, with a more specific message than "Record not found".
    #[error("{0}")]
    NotFoundMessage(String),
    /// The caller may not do this; the message is safe to show.
    #[error("{0}")]
    Forbidden(String),
    /// A record failed validation.
    #[error("{0}")]
    Validation(ValidationErrors),
    /// A request is malformed in a way that is not a field validation; safe to show.
    #[error("{0}")]
    Invalid(String),
    /// The request is well-formed but cannot be carried out now (safe to show).
    #[error("{0}")]
    Unprocessable(String),
    /// A database or other backing service could not be reached.
    #[error("{0}")]
    Unavailable(String),
    #[error("database error: {0}")]
    Db(#[from] DbErr),
    #[error("storage error: {0}")]
    Io(#[from] std::io::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl CoreError {
    /// A validation error on one field.
    pub fn field(field: &str, code: &'static str, description: impl Into<String>) -> Self {
        CoreError::Validation(ValidationErrors(vec![FieldError::new(
            field,
            code,
            description,
        )]))
    }

    /// True when the database refused a row because of a unique constraint.
    pub fn is_unique_violation(&self) -> bool {
        match self {
            CoreError::Db(e) => is_unique_violation(e),
            _ => false,
        }
    }
}

/// True when `e` is a unique-constraint violation, on SQLite or PostgreSQL.
pub fn is_unique_violation(e: &DbErr) -> bool {
    matches!(
        e.sql_err(),
        Some(sea_orm::SqlErr::UniqueConstraintViolation(_))
    )
}

pub type CoreResult<T> = Result<T, CoreError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn validation_message_reads_like_mastodon() {
        let mut e = ValidationErrors::default();
        e.add("username", "ERR_TAKEN", "has already been taken");
        e.add(
            "display_name",
            "ERR_TOO_LONG",
            "is too long (maximum is 30 characters)",
        );
        assert_eq!(
            e.to_string(),
            "Validation failed: Username has already been taken, Display name is too long (maximum is 30 characters)"
        );
    }
}
