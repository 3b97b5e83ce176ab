//! Errors of the models crate: invalid hyperparameters, caught before any tensor is allocated.

use thiserror::Error;

/// An error raised while checking a model configuration.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum ModelError {
    /// A hyperparameter has a value the model cannot train with.
    #[error("invalid model setting `{key}`: {reason}; fix: {fix}")]
    InvalidConfig {
        /// The configuration key (as written in the `[model]` section).
        key: &'static str,
        /// What is wrong with the value.
        reason: String,
        /// How to fix it.
        fix: String,
    },
}

impl ModelError {
    pub(crate) fn invalid(
        key: &'static str,
        reason: impl Into<String>,
        fix: impl Into<String>,
    ) -> Self {
        Self::InvalidConfig {
            key,
            reason: reason.into(),
            fix: fix.into(),
        }
    }

    /// The configuration key the error is about.
    pub fn key(&self) -> &'static str {
        match self {
            Self::InvalidConfig { key, .. } => key,
        }
    }
}

/// Result alias of the models crate.
pub type ModelResult<T> = Result<T, ModelError>;
