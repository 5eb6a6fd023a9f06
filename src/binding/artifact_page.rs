//! A page of artifacts as JavaScript objects, built faster than one `napi(object)` conversion
//! per artifact: the property names are created once for the page, not once for each property
//! of each row (V8 looked every name up in its string table again: about a tenth of a
//! `listArtifacts` call). Each object has the properties, in the order, that `Artifact`'s own
//! conversion gives (`getArtifact`): every field that is not an `Option`, then each `Option`
//! that holds a value.

use napi::bindgen_prelude::ToNapiValue;
use napi::sys;

use crate::model::{Artifact, ArtifactPage};

/// `napi_default_jsproperty`: writable, enumerable and configurable, as a property set by name.
const PLAIN: sys::napi_property_attributes = sys::PropertyAttributes::writable
    | sys::PropertyAttributes::enumerable
    | sys::PropertyAttributes::configurable;

/// A data property named `name` holding `value`.
fn property(name: sys::napi_value, value: sys::napi_value) -> sys::napi_property_descriptor {
    sys::napi_property_descriptor {
        utf8name: std::ptr::null(),
        name,
        method: None,
        getter: None,
        setter: None,
        value,
        attributes: PLAIN,
        data: std::ptr::null_mut(),
    }
}

/// Runs `$then` only for a field whose type is an `Option` (`is Option`) or is not (`not Option`).
macro_rules! when {
    (is Option, Option, $then:block) => {
        $then
    };
    (is Option, $other:ident, $then:block) => {};
    (not Option, Option, $then:block) => {};
    (not Option, $other:ident, $then:block) => {
        $then
    };
}

/// The JS name of a field: its camelCase name (`kind` is `type` in JavaScript, as its
/// `js_name` in the table says; `__test__/cache.test.js` compares every key with `getArtifact`'s).
fn js_name(field: &str) -> String {
    if field == "kind" {
        return "type".into();
    }
    let mut out = String::with_capacity(field.len());
    let mut upper = false;
    for c in field.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

/// From the artifact table: the field names in property order, and an artifact's properties.
macro_rules! artifact_js {
    (|$w:ident| fields { $(
        $($doc:literal)+ $(#[$attr:meta])* $field:ident : $ty:ident $(<$arg:ident>)?
            { $($storage:tt)* }
    )* } columns { $($columns:tt)* }) => {
        /// The fields, in the order their properties are set.
        fn field_names() -> Vec<&'static str> {
            let mut names = Vec::new();
            $( when!(not Option, $ty, { names.push(stringify!($field)); }); )*
            $( when!(is Option, $ty, { names.push(stringify!($field)); }); )*
            names
        }

        /// Appends the properties of `a` (names from `names`, in [`field_names`] order).
        ///
        /// # Safety
        /// `env` is the live environment of the current call and `names` were created in it.
        unsafe fn properties(
            env: sys::napi_env,
            names: &[sys::napi_value],
            a: Artifact,
            out: &mut Vec<sys::napi_property_descriptor>,
        ) -> napi::Result<()> {
            let Artifact { $($field,)* } = a;
            let mut at = 0usize;
            $( when!(not Option, $ty, {
                // SAFETY: per this function's contract.
                out.push(property(names[at], unsafe { ToNapiValue::to_napi_value(env, $field)? }));
                at += 1;
            }); )*
            $( when!(is Option, $ty, {
                if let Some(v) = $field {
                    // SAFETY: as above.
                    out.push(property(names[at], unsafe { ToNapiValue::to_napi_value(env, v)? }));
                }
                at += 1;
            }); )*
            let _ = at;
            Ok(())
        }
    };
}

crate::model::artifact_table!(artifact_js);

/// Checks a Node-API status.
fn check(status: sys::napi_status, what: &str) -> napi::Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(napi::Error::from_reason(format!(
            "cannot build the page of artifacts: {what} (Node-API status {status})"
        )))
    }
}

/// A new object with `props`.
///
/// # Safety
/// `env` is the live environment of the current call; `props` hold values created in it.
unsafe fn object(
    env: sys::napi_env,
    props: &[sys::napi_property_descriptor],
) -> napi::Result<sys::napi_value> {
    let mut obj = std::ptr::null_mut();
    // SAFETY: per this function's contract.
    check(
        unsafe { sys::napi_create_object(env, &mut obj) },
        "an object",
    )?;
    // SAFETY: as above; `props` is a live slice of `props.len()` descriptors.
    check(
        unsafe { sys::napi_define_properties(env, obj, props.len(), props.as_ptr()) },
        "its properties",
    )?;
    Ok(obj)
}

impl ToNapiValue for ArtifactPage {
    unsafe fn to_napi_value(env: sys::napi_env, val: Self) -> napi::Result<sys::napi_value> {
        let mut names = Vec::new();
        for field in field_names() {
            // SAFETY: `env` is the live environment napi passed in for this conversion.
            names.push(unsafe { ToNapiValue::to_napi_value(env, js_name(field))? });
        }
        let mut items = std::ptr::null_mut();
        // SAFETY: as above.
        check(
            unsafe { sys::napi_create_array_with_length(env, val.items.len(), &mut items) },
            "the list",
        )?;
        let mut props = Vec::with_capacity(names.len());
        for (i, a) in val.items.into_iter().enumerate() {
            props.clear();
            // SAFETY: as above; `names` were created in `env` just now.
            unsafe { properties(env, &names, a, &mut props)? };
            // SAFETY: as above; `props` hold values created in `env`.
            let obj = unsafe { object(env, &props)? };
            // SAFETY: as above; `items` is the array created above.
            check(
                unsafe { sys::napi_set_element(env, items, i as u32, obj) },
                "the list",
            )?;
        }
        let page = [
            ("items", items),
            // SAFETY: as above.
            ("total", unsafe {
                ToNapiValue::to_napi_value(env, val.total)?
            }),
            ("offset", unsafe {
                ToNapiValue::to_napi_value(env, val.offset)?
            }),
            ("limit", unsafe {
                ToNapiValue::to_napi_value(env, val.limit)?
            }),
        ];
        let mut props = Vec::with_capacity(page.len());
        for (name, value) in page {
            // SAFETY: as above.
            props.push(property(
                unsafe { ToNapiValue::to_napi_value(env, name)? },
                value,
            ));
        }
        // SAFETY: as above.
        unsafe { object(env, &props) }
    }
}
