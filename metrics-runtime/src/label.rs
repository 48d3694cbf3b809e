//! [`ErrorLabel`]: how an error becomes a bounded `error_type` label.

/// Gives an error a short, bounded label for `mcp_event_emit_failure_total{error_type}`.
///
/// Derive it on an enum to label each variant with its name, as written:
///
/// ```
/// use session_metrics::ErrorLabel;
///
/// #[derive(Debug, ErrorLabel)]
/// enum StoreError {
///     Timeout,
///     Io(std::io::Error),
///     Conflict { key: String },
///     #[error_label("rate_limited")]
///     TooManyRequests,
/// }
///
/// assert_eq!(StoreError::Timeout.error_label(), "Timeout");
/// assert_eq!(StoreError::Conflict { key: "k".into() }.error_label(), "Conflict");
/// assert_eq!(StoreError::TooManyRequests.error_label(), "rate_limited");
/// ```
///
/// On a struct the label is the struct's name, or `#[error_label("...")]` on the struct.
/// An error type without an implementation still works with `#[track_operation]`: it is
/// labelled with its type name, without module path or generics
/// (`std::num::ParseIntError` becomes `ParseIntError`).
///
/// The label is `&'static str` on purpose: labels must come from a small fixed set, or every
/// new value would create a new time series.
pub trait ErrorLabel {
    /// The `error_type` label of this error.
    fn error_label(&self) -> &'static str;
}

impl<E: ErrorLabel + ?Sized> ErrorLabel for &E {
    fn error_label(&self) -> &'static str {
        (**self).error_label()
    }
}

impl<E: ErrorLabel + ?Sized> ErrorLabel for Box<E> {
    fn error_label(&self) -> &'static str {
        (**self).error_label()
    }
}

/// `std::io::Error` is labelled by its [`ErrorKind`](std::io::ErrorKind), e.g. `NotFound`.
impl ErrorLabel for std::io::Error {
    fn error_label(&self) -> &'static str {
        use std::io::ErrorKind as K;
        match self.kind() {
            K::NotFound => "NotFound",
            K::PermissionDenied => "PermissionDenied",
            K::ConnectionRefused => "ConnectionRefused",
            K::ConnectionReset => "ConnectionReset",
            K::HostUnreachable => "HostUnreachable",
            K::NetworkUnreachable => "NetworkUnreachable",
            K::ConnectionAborted => "ConnectionAborted",
            K::NotConnected => "NotConnected",
            K::AddrInUse => "AddrInUse",
            K::AddrNotAvailable => "AddrNotAvailable",
            K::NetworkDown => "NetworkDown",
            K::BrokenPipe => "BrokenPipe",
            K::AlreadyExists => "AlreadyExists",
            K::WouldBlock => "WouldBlock",
            K::NotADirectory => "NotADirectory",
            K::IsADirectory => "IsADirectory",
            K::DirectoryNotEmpty => "DirectoryNotEmpty",
            K::ReadOnlyFilesystem => "ReadOnlyFilesystem",
            K::StaleNetworkFileHandle => "StaleNetworkFileHandle",
            K::InvalidInput => "InvalidInput",
            K::InvalidData => "InvalidData",
            K::TimedOut => "TimedOut",
            K::WriteZero => "WriteZero",
            K::StorageFull => "StorageFull",
            K::NotSeekable => "NotSeekable",
            K::QuotaExceeded => "QuotaExceeded",
            K::FileTooLarge => "FileTooLarge",
            K::ResourceBusy => "ResourceBusy",
            K::ExecutableFileBusy => "ExecutableFileBusy",
            K::Deadlock => "Deadlock",
            K::CrossesDevices => "CrossesDevices",
            K::TooManyLinks => "TooManyLinks",
            K::InvalidFilename => "InvalidFilename",
            K::ArgumentListTooLong => "ArgumentListTooLong",
            K::Interrupted => "Interrupted",
            K::Unsupported => "Unsupported",
            K::UnexpectedEof => "UnexpectedEof",
            K::OutOfMemory => "OutOfMemory",
            _ => "Other",
        }
    }
}

/// The label of an error type with no [`ErrorLabel`] impl: its name without module path or
/// generic arguments (`alloc::boxed::Box<dyn Error>` becomes `Box`).
pub(crate) fn short_type_name(full: &'static str) -> &'static str {
    let without_generics = full.split('<').next().unwrap_or(full);
    let name = without_generics
        .rsplit("::")
        .next()
        .unwrap_or(without_generics);
    if name.is_empty() { full } else { name }
}

#[cfg(test)]
mod tests {
    use super::short_type_name;

    #[test]
    fn short_names() {
        assert_eq!(
            short_type_name(std::any::type_name::<std::num::ParseIntError>()),
            "ParseIntError"
        );
        assert_eq!(short_type_name(std::any::type_name::<Vec<String>>()), "Vec");
        assert_eq!(short_type_name("()"), "()");
    }
}
