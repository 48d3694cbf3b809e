//! How a return value becomes success or failure, chosen at compile time.
//!
//! The macro calls `(&&&&Probe(&value)).__sm_outcome()`. Method lookup tries the receiver with
//! the most references first, so the most specific impl that applies wins ("autoref
//! specialisation"): a type with its own [`CallOutcome`], then a `Result` whose error has an
//! [`ErrorLabel`], then any `Result`, then anything else. This lets non-`Result` returns compile, and type aliases such as
//! `io::Result<T>` work, because the check is on the resolved type, not the written one.

use crate::ErrorLabel;
use crate::label::short_type_name;

/// The outcome of one call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// Counted in the success counter.
    Success,
    /// Counted in the failure counter with this `error_type`.
    Failure(&'static str),
}

/// Decides success or failure for a return type itself, ahead of the built-in rules.
///
/// Implement it for return types whose success value can still mean failure, e.g. a response
/// carrying an error status. (The `mcp` feature implements it for rmcp's tool results.)
///
/// ```
/// use session_metrics::{CallOutcome, Outcome, track_operation};
///
/// struct Status(u16);
///
/// impl CallOutcome for Status {
///     fn call_outcome(&self) -> Outcome {
///         match self.0 {
///             500.. => Outcome::Failure("server_error"),
///             400.. => Outcome::Failure("client_error"),
///             _ => Outcome::Success,
///         }
///     }
/// }
///
/// #[track_operation("web", "handle")]
/// fn handle(path: &str) -> Status {
///     if path == "/" { Status(200) } else { Status(404) }
/// }
/// # handle("/x");
/// ```
pub trait CallOutcome {
    /// The outcome this value stands for.
    fn call_outcome(&self) -> Outcome;
}

/// Borrowed return value under inspection.
pub struct Probe<'a, T: ?Sized>(pub &'a T);

/// The outcome of a probed value. One trait, implemented at four depths of reference: the
/// impls cannot overlap (their `Self` types differ in depth), and method lookup on
/// `&&&&Probe` tries the deepest first, so the most specific impl that applies wins.
pub trait Classify {
    /// The outcome of the probed value.
    fn __sm_outcome(&self) -> Outcome;
}

/// Types with their own [`CallOutcome`].
impl<T: CallOutcome + ?Sized> Classify for &&&Probe<'_, T> {
    #[inline]
    fn __sm_outcome(&self) -> Outcome {
        self.0.call_outcome()
    }
}

/// `Result<T, E>` with `E: ErrorLabel`.
impl<T, E: ErrorLabel> Classify for &&Probe<'_, Result<T, E>> {
    #[inline]
    fn __sm_outcome(&self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Success,
            Err(e) => Outcome::Failure(e.error_label()),
        }
    }
}

/// Any other `Result<T, E>`: labelled with `E`'s short type name.
impl<T, E> Classify for &Probe<'_, Result<T, E>> {
    #[inline]
    fn __sm_outcome(&self) -> Outcome {
        match self.0 {
            Ok(_) => Outcome::Success,
            Err(_) => Outcome::Failure(short_type_name(std::any::type_name::<E>())),
        }
    }
}

/// Every other return type counts as success.
impl<T: ?Sized> Classify for Probe<'_, T> {
    #[inline]
    fn __sm_outcome(&self) -> Outcome {
        Outcome::Success
    }
}
