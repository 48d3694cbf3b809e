#[cfg(clippy)]
/// Parses a count.
pub fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    #![allow(clippy::needless_question_mark)]
    let n: u32 = s.trim().parse()?;
    Ok(n)
}
#[cfg(not(clippy))]
/// Parses a count.
pub fn parse(s: &str) -> Result<u32, std::num::ParseIntError> {
    #![allow(clippy::needless_question_mark)]
    let __sm_site: &'static ::session_metrics::__private::CallSite = {
        ::session_metrics::__private::register_operation! {
            __SESSION_METRICS_OPERATION =
            ::session_metrics::__private::Operation::new(::session_metrics::__private::CallSite::new("store",
            "parse"), ::core::module_path!(), "parse", ::core::file!(), ::core::line!(),
            ::core::option::Option::None, ::session_metrics::__private::no_error_labels,)
        }
        __SESSION_METRICS_OPERATION.call_site()
    };
    let __sm_enabled: bool = true;
    let __sm_guard = __sm_site.enter(__sm_enabled);
    let __sm_ret = ::session_metrics::__private::call_once(move || -> Result<
        u32,
        std::num::ParseIntError,
    > {
        let n: u32 = s.trim().parse()?;
        Ok(n)
    });
    __sm_guard
        .finish({
            #[allow(unused_imports)]
            use ::session_metrics::__private::Classify as _;
            (&&&&::session_metrics::__private::Probe(&__sm_ret)).__sm_outcome()
        });
    __sm_ret
}
