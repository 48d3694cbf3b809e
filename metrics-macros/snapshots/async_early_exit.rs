#[cfg(clippy)]
async fn fetch_all(&self, ids: &[u32]) -> Result<Vec<String>, std::io::Error> {
    let mut all = Vec::new();
    for &id in ids {
        all.push(self.client.get(id).await?);
    }
    Ok(all)
}
#[cfg(not(clippy))]
async fn fetch_all(&self, ids: &[u32]) -> Result<Vec<String>, std::io::Error> {
    let __sm_site: &'static ::session_metrics::__private::CallSite = {
        ::session_metrics::__private::register_operation! {
            __SESSION_METRICS_OPERATION =
            ::session_metrics::__private::Operation::new(::session_metrics::__private::CallSite::new("jobs",
            "fetch_all"), ::core::module_path!(), "fetch_all", ::core::file!(),
            ::core::line!(), ::core::option::Option::None,
            ::session_metrics::__private::no_error_labels,)
        }
        __SESSION_METRICS_OPERATION.call_site()
    };
    let __sm_enabled: bool = true;
    let __sm_guard = __sm_site.enter(__sm_enabled);
    #[allow(clippy::diverging_sub_expression)]
    let __sm_ret: Result<Vec<String>, std::io::Error> = async move {
        #[allow(clippy::diverging_sub_expression)]
        let __sm_ret: Result<Vec<String>, std::io::Error> = {
            let mut all = Vec::new();
            for &id in ids {
                all.push(self.client.get(id).await?);
            }
            Ok(all)
        };
        #[allow(unreachable_code)] __sm_ret
    }
        .await;
    #[allow(unreachable_code)]
    __sm_guard
        .finish({
            #[allow(unused_imports)]
            use ::session_metrics::__private::Classify as _;
            (&&&&::session_metrics::__private::Probe(&__sm_ret)).__sm_outcome()
        });
    #[allow(unreachable_code)] __sm_ret
}
