//! Conversions the core's `napi(object)` derives cannot express, and the shapes of arguments that
//! are declared for `index.d.ts` but read as JSON (so errors can name the bad field).

use napi_derive::napi;

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

/// Filters, sort and page of `search()` (declared for TypeScript; read from the JS object).
#[napi(object, object_to_js = false)]
#[allow(dead_code)]
pub struct SearchOptions {
    /// Only artifacts or only marketplace entries (default both).
    #[napi(ts_type = "'artifact' | 'entry'")]
    pub kind: Option<String>,
    /// Only this type (`skill`, `command`, `agent`, `hook`, `mcp`, or an entry's type).
    #[napi(js_name = "type")]
    pub kind_of: Option<String>,
    /// Only artifacts of this project.
    pub project_id: Option<String>,
    /// Only documents carrying every one of these tags (case-insensitive).
    pub tags: Option<Vec<String>>,
    /// Only this source: an artifact's upstream spec, or an entry's marketplace source name.
    pub source: Option<String>,
    /// Only outdated artifacts / entries with an update (`true`), or only up-to-date ones (`false`).
    pub outdated: Option<bool>,
    /// Only artifacts of this health (entries count as `ok`).
    #[napi(ts_type = "'ok' | 'degraded' | 'broken'")]
    pub health: Option<String>,
    /// `relevance` (default with words), `name` (default without), or `updated`.
    #[napi(ts_type = "'relevance' | 'name' | 'updated'")]
    pub sort_by: Option<String>,
    /// Direction (default: `desc` for relevance and updated, `asc` for name).
    #[napi(ts_type = "'asc' | 'desc'")]
    pub order: Option<String>,
    /// Hits to skip (default 0).
    pub offset: Option<u32>,
    /// Page size (default 20, at most 10000; 0 returns only the total).
    pub limit: Option<u32>,
}
