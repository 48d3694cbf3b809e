//! How a return value becomes success or failure, chosen at compile time.
//!
//! The macro calls `(&&&Probe(&value)).__sm_outcome()`. Method lookup tries the receiver with
//! the most references first, so the most specific impl that applies wins ("autoref
//! specialisation"): a `Result` whose error has an [`ErrorLabel`], then any `Result`, then
//! anything else. This lets non-`Result` returns compile, and type aliases such as
//! `io::Result<T>` work, because the check is on the resolved type, not the written one.

use crate::ErrorLabel;
use crate::label::short_type_name;

/// The outcome of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Counted in the success counter.
    Success,
    /// Counted in the failure counter with this `error_type`.
    Failure(&'static str),
}

/// Borrowed return value under inspection.
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// `Result<T, E>` with `E: ErrorLabel`.
pub trait ViaLabel {
    /// The outcome of the probed value.
    fn __sm_outcome(&self) -> Outcome;
}

impl<T, E: ErrorLabel> ViaLabel for &&Probe<'_, Result<T, E>> {
    #[inline]
    fn __sm_outcome(&self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(e.error_label()),
        }
    }
}

/// Any other `Result<T, E>`: labelled with `E`'s short type name.
pub trait ViaTypeName {
    /// The outcome of the probed value.
    fn __sm_outcome(&self) -> Outcome;
}

impl<T, E> ViaTypeName for &Probe<'_, Result<T, E>> {
    #[inline]
    fn __sm_outcome(&self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Success,
            Err(_) => Outcome::Failure(short_type_name(std::any::type_name::<E>())),
        }
    }
}

/// Every other return type counts as success.
pub trait ViaAny {
    /// The outcome of the probed value.
    fn __sm_outcome(&self) -> Outcome;
}

impl<T: ?Sized> ViaAny for Probe<'_, T> {
    #[inline]
    fn __sm_outcome(&self) -> Outcome {
        Outcome::Success
    }
}
