//! Conversions the core's `napi(object)` derives cannot express.

use crate::model;

/// One search hit as JavaScript sees it: the cached artifact or marketplace entry, with `kind`
/// and `score` added.
impl napi::bindgen_prelude::ToNapiValue for model::SearchItem {
    unsafe fn to_napi_value(
        env: napi::sys::napi_env,
        val: Self,
    ) -> napi::Result<napi::sys::napi_value> {
        use napi::bindgen_prelude::{FromNapiValue, Object};
        let (raw, kind, score) = match val {
            model::SearchItem::Artifact(a, score) => (
                // SAFETY: `env` is the live environment napi passed in for this conversion.
                unsafe { model::Artifact::to_napi_value(env, *a)? },
                "artifact",
                score,
            ),
            model::SearchItem::Entry(e, score) => (
                // SAFETY: as above.
                unsafe { model::MarketplaceEntry::to_napi_value(env, *e)? },
                "entry",
                score,
            ),
        };
        // SAFETY: `raw` is the object just created in `env`.
        let mut obj = unsafe { Object::from_napi_value(env, raw)? };
        obj.set("kind", kind)?;
        obj.set("score", f64::from(score))?;
        Ok(raw)
    }
}
