#[cfg(clippy)]
#[track_caller]
fn get(&self, key: &str) -> Result<&str, Missing> {
    if key.is_empty() {
        return Err(Missing);
    }
    let value = self.find(key)?;
    Ok(value)
}
#[cfg(not(clippy))]
#[track_caller]
fn get(&self, key: &str) -> Result<&str, Missing> {
    let __sm_site: &'static ::session_metrics::__private::CallSite = {
        ::session_metrics::__private::register_operation! {
            __SESSION_METRICS_OPERATION =
            ::session_metrics::__private::Operation::new(::session_metrics::__private::CallSite::new("config",
            "get"), ::core::module_path!(), "get", ::core::file!(), ::core::line!(),
            ::core::option::Option::None, || { #[allow(unused_imports)] use
            ::session_metrics::__private:: { ViaErrorLabels as _, ViaNoLabels as _ }; (&&
            ::session_metrics::__private::LabelsOf:: < Missing > ::NEW)
            .__sm_error_labels() },)
        }
        __SESSION_METRICS_OPERATION.call_site()
    };
    let __sm_enabled: bool = true;
    let __sm_guard = __sm_site.enter(__sm_enabled).inline();
    #[allow(unreachable_code, clippy::diverging_sub_expression)]
    let __sm_ret: Result<&str, Missing> = '__sm_body: {
        if key.is_empty() {
            break '__sm_body Err(Missing);
        }
        let value = match ::session_metrics::__private::Branch::branch(self.find(key)) {
            ::core::ops::ControlFlow::Continue(__sm_value) => __sm_value,
            ::core::ops::ControlFlow::Break(__sm_residual) => {
                break '__sm_body (::session_metrics::__private::from_residual::<
                    Result<&str, Missing>,
                    _,
                >(__sm_residual));
            }
        };
        Ok(value)
    };
    #[allow(unreachable_code)]
    __sm_guard
        .finish({
            #[allow(unused_imports)]
            use ::session_metrics::__private::Classify as _;
            (&&&&::session_metrics::__private::Probe(&__sm_ret)).__sm_outcome()
        });
    #[allow(unreachable_code)] __sm_ret
}
