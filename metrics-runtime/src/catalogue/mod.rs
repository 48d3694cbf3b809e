//! The call-site catalogue: every `#[track_operation]` function of the binary, known before
//! its first call.
//!
//! Each instrumented function registers one [`Operation`] at link time (the `linkme` crate: the
//! linker gathers the entries into one slice, so nothing runs before `main` and reading the
//! catalogue is reading a slice). From it come the zero-valued series created with the global
//! metrics ([`zero`]), the [`Objective`]s and the Prometheus rules written for them
//! ([`rules`]).
//!
//! On a platform `linkme` does not support the catalogue is empty: [`operations`] yields
//! nothing, and series appear at their first call as they would without it.

mod objective;
pub mod rules;
pub(crate) mod zero;

pub use objective::{LatencyObjective, Objective};

use std::marker::PhantomData;

use once_cell::sync::OnceCell;

use crate::callsite::CallSite;

/// One `#[track_operation]` function, as the attribute registered it.
///
/// ```
/// use session_metrics::track_operation;
///
/// #[track_operation("store", "checkpoint")]
/// fn checkpoint() {}
///
/// let op = session_metrics::operations()
///     .find(|op| op.event_type() == "checkpoint")
///     .expect("catalogued before its first call");
/// assert_eq!(op.component(), "store");
/// assert!(op.function().ends_with("::checkpoint"));
/// assert_eq!(op.family(), "mcp_event_emit");
/// assert!(op.file().ends_with(".rs"));
/// assert!(op.objective().is_none());
/// # checkpoint();
/// ```
#[derive(Debug)]
pub struct Operation {
    site: CallSite,
    module: &'static str,
    name: &'static str,
    /// `module::name`, joined on first use (once per operation: a bounded leak).
    function: OnceCell<&'static str>,
    file: &'static str,
    line: u32,
    objective: Option<&'static Objective>,
    error_labels: fn() -> &'static [&'static str],
}

impl Operation {
    /// Used by the macro expansion.
    #[doc(hidden)]
    pub const fn new(
        site: CallSite,
        module: &'static str,
        name: &'static str,
        file: &'static str,
        line: u32,
        objective: Option<&'static Objective>,
        error_labels: fn() -> &'static [&'static str],
    ) -> Self {
        Self {
            site,
            module,
            name,
            function: OnceCell::new(),
            file,
            line,
            objective,
            error_labels,
        }
    }

    /// The `component_name` label.
    pub fn component(&self) -> &'static str {
        self.site.component()
    }

    /// The `event_type` label.
    pub fn event_type(&self) -> &'static str {
        self.site.event_type()
    }

    /// The module path and name of the function, e.g. `my_crate::store::checkpoint` (for a
    /// method: the module path and the method's name, without the type).
    pub fn function(&self) -> &'static str {
        // The expansion passes `module_path!()` and the name apart: joining them with
        // `concat!` at every annotated function cost ≈ 2 % of its compile time.
        self.function
            .get_or_init(|| Box::leak(format!("{}::{}", self.module, self.name).into_boxed_str()))
    }

    /// The source file of the function, as `file!()` gives it.
    pub fn file(&self) -> &'static str {
        self.file
    }

    /// The line of the function's name in [`file`](Self::file) (1-based).
    pub fn line(&self) -> u32 {
        self.line
    }

    /// The prefix of the metric family the function records into: `mcp_event_emit`, or the
    /// prefix of its [`OperationFamily`](crate::OperationFamily).
    pub fn family(&self) -> &'static str {
        self.site.family_prefix()
    }

    /// The objective given with `objective = PATH`.
    pub fn objective(&self) -> Option<&'static Objective> {
        self.objective
    }

    /// Every `error_type` label its error type can produce, when that type derives
    /// [`ErrorLabel`](trait@crate::ErrorLabel) and is named in the signature (not a generic
    /// parameter or an alias such as `io::Result`); empty otherwise.
    pub fn error_labels(&self) -> &'static [&'static str] {
        (self.error_labels)()
    }

    pub(crate) fn site(&self) -> &CallSite {
        &self.site
    }

    /// The call site the function records through (used by the macro expansion).
    #[doc(hidden)]
    #[inline(always)]
    pub fn call_site(&'static self) -> &'static CallSite {
        &self.site
    }
}

/// Every `#[track_operation]` function linked into this binary, in no particular order.
///
/// Entries come from the instrumented copies of the functions: with the `off` feature (and
/// under `cargo clippy`, which compiles the functions as written) there are none. Where
/// `linkme` has no support for the platform the iterator is empty as well.
pub fn operations() -> impl Iterator<Item = &'static Operation> {
    entries().iter()
}

#[cfg(any(
    target_os = "linux",
    target_os = "android",
    target_os = "fuchsia",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "windows",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "illumos"
))]
mod linked {
    use super::Operation;

    /// The entries the attribute registers (see `register_operation!`).
    #[linkme::distributed_slice]
    pub static OPERATIONS: [Operation];

    /// Registers `static $name: Operation = $init;` in [`OPERATIONS`].
    ///
    /// This calls the `macro_rules!` that `#[distributed_slice]` generates for the slice
    /// directly, instead of going through linkme's `#[distributed_slice(OPERATIONS)]`
    /// attribute on each element: that is a proc-macro call plus a type-check function per
    /// annotated function, which doubled the rebuild time of a crate of 200 annotated
    /// functions (`benches/compile-time.sh`). The element type is ours and always right, so
    /// the type check has nothing to catch; `tests/tests/catalogue.rs` checks the entries.
    #[doc(hidden)]
    #[macro_export]
    macro_rules! __session_metrics_register_operation {
        ($name:ident = $($init:tt)*) => {
            $crate::__private::OPERATIONS! {
                #![linkme_macro = $crate::__private::OPERATIONS]
                static $name: $crate::__private::Operation = $($init)*;
            }
        };
    }

    pub(crate) fn entries() -> &'static [Operation] {
        &OPERATIONS
    }

    /// Re-exported by `__private` for the expansion.
    pub mod exports {
        pub use super::OPERATIONS;
        pub use linkme;
    }
}

#[cfg(not(any(
    target_os = "linux",
    target_os = "android",
    target_os = "fuchsia",
    target_os = "macos",
    target_os = "ios",
    target_os = "tvos",
    target_os = "windows",
    target_os = "freebsd",
    target_os = "openbsd",
    target_os = "illumos"
)))]
mod linked {
    use super::Operation;

    /// Without link-time support the entry is a plain static, not gathered anywhere.
    #[doc(hidden)]
    #[macro_export]
    macro_rules! __session_metrics_register_operation {
        ($name:ident = $($init:tt)*) => {
            static $name: $crate::__private::Operation = $($init)*;
        };
    }

    pub(crate) fn entries() -> &'static [Operation] {
        &[]
    }

    /// Nothing to re-export without link-time support.
    pub mod exports {}
}

use linked::entries;
/// What the expansion needs of linkme, where it is supported (nothing elsewhere).
#[doc(hidden)]
pub use linked::exports as linked_exports;

/// The labels a derived [`ErrorLabel`](trait@crate::ErrorLabel) can return, all of them;
/// implemented by the derive. Not public API.
#[doc(hidden)]
pub trait ErrorLabels {
    /// Every label, in declaration order.
    const LABELS: &'static [&'static str];
}

/// Stands for the error type `E` in the autoref-specialised label lookup the expansion does.
#[doc(hidden)]
pub struct LabelsOf<E: ?Sized>(PhantomData<fn() -> *const E>);

impl<E: ?Sized> LabelsOf<E> {
    /// The probe.
    pub const NEW: Self = Self(PhantomData);
}

/// `E` derives `ErrorLabel`: its labels.
#[doc(hidden)]
pub trait ViaErrorLabels {
    /// The labels of the probed type.
    fn __sm_error_labels(&self) -> &'static [&'static str];
}

impl<E: ErrorLabels + ?Sized> ViaErrorLabels for &LabelsOf<E> {
    fn __sm_error_labels(&self) -> &'static [&'static str] {
        E::LABELS
    }
}

/// Any other type: no labels known in advance.
#[doc(hidden)]
pub trait ViaNoLabels {
    /// No labels.
    fn __sm_error_labels(&self) -> &'static [&'static str];
}

impl<E: ?Sized> ViaNoLabels for LabelsOf<E> {
    fn __sm_error_labels(&self) -> &'static [&'static str] {
        &[]
    }
}

/// The labels of a function whose error type is not known in the signature.
#[doc(hidden)]
pub fn no_error_labels() -> &'static [&'static str] {
    &[]
}
