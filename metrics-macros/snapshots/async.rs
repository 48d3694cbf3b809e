#[cfg(clippy)]
async fn fetch(&self, id: u32) -> Result<String, std::io::Error> {
    self.client.get(id).await
}
#[cfg(not(clippy))]
async fn fetch(&self, id: u32) -> Result<String, std::io::Error> {
    let __sm_site: &'static ::session_metrics::__private::CallSite = {
        ::session_metrics::__private::register_operation! {
            __SESSION_METRICS_OPERATION =
            ::session_metrics::__private::Operation::new(::session_metrics::__private::CallSite::new("jobs",
            "fetch"), ::core::module_path!(), "fetch", ::core::file!(), ::core::line!(),
            ::core::option::Option::None, ::session_metrics::__private::no_error_labels,)
        }
        __SESSION_METRICS_OPERATION.call_site()
    };
    let __sm_enabled: bool = true;
    let __sm_guard = __sm_site.enter(__sm_enabled);
    #[allow(unreachable_code, clippy::diverging_sub_expression)]
    let __sm_ret: Result<String, std::io::Error> = { self.client.get(id).await };
    #[allow(unreachable_code)]
    __sm_guard
        .finish({
            #[allow(unused_imports)]
            use ::session_metrics::__private::Classify as _;
            (&&&&::session_metrics::__private::Probe(&__sm_ret)).__sm_outcome()
        });
    #[allow(unreachable_code)] __sm_ret
}
